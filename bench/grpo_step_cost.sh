#!/usr/bin/env bash
# A real GRPO step's training throughput beside SFT's, same machine, model and torch threads, in one run:
#   1. `bench sft --preset small` (the shipped checkpoint's preset): SFT tokens/s at THREADS threads;
#   2. a real experiment through scripts/grpo_demo.sh (silo with experiment and rollout grains, `trainer grpo` pulling
#      the groups over gRPC, publishing every step): STEPS steps of PROBLEMS problems × G 5 from the shipped
#      checkpoint at the paper's lr, the trainer at THREADS threads;
#   3. per step: generated tokens per training second and their ratio to SFT's tokens/s, and the whole step's wall
#      time (rollouts + training + checkpoint + publish + every batcher serving), which sets how many steps fit a day.
# Usage: bash bench/grpo_step_cost.sh [THREADS] [PROBLEMS] [STEPS]      (defaults: every core, 16, 2)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}; problems=${2:-16}; steps=${3:-2}
name="grpo-cost-$(date +%Y%m%d-%H%M%S)"
log="runs/$name.log"
mkdir -p runs

dotnet build bench/AprOrleans.Bench.csproj -c Release --nologo -v quiet >/dev/null
echo "== SFT, preset small, $threads torch threads"
sft=$(dotnet bench/bin/Release/net10.0/linux-x64/AprOrleans.Bench.dll sft --preset small --steps 8 --warmup 2 --batch-tokens 8192 --threads "$threads")
echo "$sft"
sft_rate=$(sed -n 's/.*→ \([0-9]*\) tokens\/s.*/\1/p' <<<"$sft")

echo "== GRPO, experiment $name: $steps steps × $problems problems × G 5, trainer at $threads torch threads (log: $log)"
APR_TRAINER_THREADS="$threads" APR_HELDOUT=/dev/null/none bash scripts/grpo_demo.sh "$name" "$steps" "$problems" 1e-5 | tee "$log"

echo "== per step (SFT: $sft_rate tokens/s)"
python3 - "runs/$name/metrics.jsonl" "$log" "$sft_rate" <<'PY'
import json, re, sys
metrics = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
walls = [float(m) for m in re.findall(r"step wall ([0-9.]+) s", open(sys.argv[2]).read())]
sft = float(sys.argv[3])
for m, wall in zip(metrics, walls):
    rate = m["GeneratedTokens"] / m["TrainSeconds"]
    print(f"step {m['Step']}: {m['TrajectoriesUsed']} trajectories, {m['GeneratedTokens']} generated tokens, "
          f"{m['PaddedTokens']} positions per pass ({1 - m['RowTokens'] / max(m['PaddedTokens'], 1):.1%} padding); "
          f"train {m['TrainSeconds']:.1f} s = {rate:.0f} tokens/s = {rate / sft:.1%} of SFT; step wall {wall:.1f} s")
PY
