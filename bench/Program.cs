// Benchmarks, one verb each (see bench/README.md): `demos` measures solver throughput.
return AprOrleans.Bench.BenchMain.Run(args);
