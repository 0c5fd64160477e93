#!/usr/bin/env bash
# Records every Countdown-3 evaluation that docs/results.md compares (APR vs SoS+ at equal tokens, context and
# latency, and the temperature table), then rebuilds the report from them:
#
#   bash scripts/c3_sweeps.sh [RUNS_DIR (default docs/results/c3/runs)] [OUT_DIR (default docs/results/c3)]
#
# Each run is `apr eval --record` on the 500 held-out problems; a run whose record already exists is skipped,
# so a stopped sweep resumes where it stopped (records are written atomically at the end of a run). Runs go one
# after another on the same cores, threads and batch settings, so their latencies compare. Only the report is
# needed to redraw the tables and plots from committed records: `apr report --runs RUNS_DIR --out OUT_DIR`.
# Environment: APR_CHECKPOINT and SOSP_CHECKPOINT (the two models), APR_BUDGET_CHECKPOINT (the budget-conditioned APR
# model the sub-call budgets are swept with, default checkpoints/countdown3-apr-budget), APR_BUDGETS (the budgets,
# default 1 to 10), THREADS (libtorch threads, default 2; the committed records used 1, two sweeps side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-docs/results/c3/runs}
out=${2:-docs/results/c3}
apr_model=${APR_CHECKPOINT:-checkpoints/countdown3-apr}
sosp_model=${SOSP_CHECKPOINT:-checkpoints/countdown3-sosp}
budget_model=${APR_BUDGET_CHECKPOINT:-checkpoints/countdown3-apr-budget}
threads=${THREADS:-2}
problems=data/c3/heldout3.jsonl

for model in "$apr_model" "$sosp_model" "$budget_model"; do
  [[ -f "$model/model.safetensors" ]] || { echo "c3_sweeps: no checkpoint at $model" >&2; exit 2; }
done
dotnet build client/AprOrleans.Client.csproj -c Release --nologo -v quiet
apr=(dotnet client/bin/Release/net10.0/linux-x64/apr.dll)
# The held-out set (seed 9, as in the recipe of checkpoints/countdown3-apr/README.md): regenerated identically when missing.
[[ -f "$problems" ]] || "${apr[@]}" data problems --numbers 3 --count 500 --seed 9 --out "$problems"
mkdir -p "$runs"

record() { # NAME EVAL-ARGS...
  local name=$1; shift
  if [[ -f "$runs/$name.jsonl" ]]; then echo "== $name: recorded already"; return; fi
  echo "== $name: apr eval $*"
  "${apr[@]}" eval --problems "$problems" --threads "$threads" --record "$runs/$name.jsonl" "$@"
}

# SoS+: greedy, the token-budget sweep (the checkpoint labels traces in 128-token steps), temperatures, and
# self-consistency over 8 samples at T 1.0 (cons@n and pass@n for n = 1..8 come from this one run).
record sosp-t0 --mode serial --checkpoint "$sosp_model" --label countdown3-sosp
for b in 128 256 384 512 640 768 1024; do
  record "sosp-tb$b" --mode serial --token-budget "$b" --checkpoint "$sosp_model" --label countdown3-sosp
done
record sosp-sc8-t1 --mode sc --n 8 --temperature 1.0 --checkpoint "$sosp_model" --label countdown3-sosp
# APR: greedy, then the sub-call budgets with the model trained on the prefix (the paper's Fig. 4a curve).
record apr-t0 --mode apr --checkpoint "$apr_model" --label countdown3-apr
for b in ${APR_BUDGETS:-1 2 3 4 5 6 7 8 9 10}; do
  record "apr-b$b" --mode apr --sub-call-budget "$b" --checkpoint "$budget_model" --label countdown3-apr-budget
done
# The temperature table (paper Table 1): both models at T 0.1, 0.5 and 1.0 besides greedy.
for t in 0.1 0.5 1.0; do
  record "sosp-t$t" --mode serial --temperature "$t" --checkpoint "$sosp_model" --label countdown3-sosp
  record "apr-t$t" --mode apr --temperature "$t" --checkpoint "$apr_model" --label countdown3-apr
done

"${apr[@]}" report --runs "$runs" --out "$out"
