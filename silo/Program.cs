// The silo host (DESIGN §6): ASP.NET Core + Orleans + gRPC in one process. Configuration: silo/appsettings.json,
// environment variables (Apr__SiloName, Apr__ConnectionString, …) and switches (--storage memory, …); see silo/README.md.
using AprOrleans.Silo.Hosting;

try
{
    var app = await SiloHost.CreateAsync(args);
    await app.RunAsync();
    return 0;
}
catch (SiloConfigurationException e)
{
    Console.Error.WriteLine($"silo: {e.Message}");
    return 2;
}
