#!/usr/bin/env bash
# Records every evaluation that docs/results.md compares (APR vs SoS+ at equal tokens, context and latency, and the
# temperature table) on 500 held-out Countdown-3 or Countdown-4 problems, then rebuilds the report from them:
#
#   bash scripts/sweeps.sh [RUNS_DIR (default docs/results/cN/runs)] [OUT_DIR (default docs/results/cN)]
#
# Each run is `apr eval --record` on the held-out problems; a run whose record already exists is skipped, so a
# stopped sweep resumes where it stopped (records are written atomically at the end of a run). Runs go one after
# another on the same cores, threads and batch settings, so their latencies compare. Only the report is needed to
# redraw the tables and plots from committed records: `apr report --runs RUNS_DIR --out OUT_DIR`.
# Environment: NUMBERS (3, the default, or 4: Countdown-N, its held-out set, checkpoints and budgets),
# APR_CHECKPOINT and SOSP_CHECKPOINT (the two models), APR_BUDGET_CHECKPOINT (the budget-conditioned APR model the
# sub-call budgets are swept with; for Countdown-3 checkpoints/countdown3-apr-budget, for Countdown-4 the APR model,
# trained with the prefix from the start), APR_BUDGETS (default 1 to 10), TOKEN_BUDGETS (SoS+'s, in the steps its
# checkpoint was labelled with: 128-token steps for Countdown-3, the paper's 512 for Countdown-4), THREADS (libtorch
# threads, default 2; the committed Countdown-3 records used 1, two sweeps side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
numbers=${NUMBERS:-3}
case $numbers in
  3) default_apr=checkpoints/countdown3-apr; default_sosp=checkpoints/countdown3-sosp
     default_budget=checkpoints/countdown3-apr-budget; default_token_budgets="128 256 384 512 640 768 1024" ;;
  4) default_apr=checkpoints/countdown4-apr; default_sosp=checkpoints/countdown4-sosp
     default_budget=$default_apr; default_token_budgets="512 1024 1536 2048 3072 4096" ;;
  *) echo "sweeps: NUMBERS must be 3 or 4, got '$numbers'" >&2; exit 2 ;;
esac
runs=${1:-docs/results/c$numbers/runs}
out=${2:-docs/results/c$numbers}
apr_model=${APR_CHECKPOINT:-$default_apr}
sosp_model=${SOSP_CHECKPOINT:-$default_sosp}
budget_model=${APR_BUDGET_CHECKPOINT:-$default_budget}
threads=${THREADS:-2}
problems=data/c$numbers/heldout$numbers.jsonl

for model in "$apr_model" "$sosp_model" "$budget_model"; do
  [[ -f "$model/model.safetensors" ]] || { echo "sweeps: no checkpoint at $model" >&2; exit 2; }
done
dotnet build client/AprOrleans.Client.csproj -c Release --nologo -v quiet
apr=(dotnet client/bin/Release/net10.0/linux-x64/apr.dll)
# The held-out set (seed 9, as in the recipe of checkpoints/countdown3-apr/README.md; Countdown-4's likewise):
# regenerated identically when missing.
[[ -f "$problems" ]] || "${apr[@]}" data problems --numbers "$numbers" --count 500 --seed 9 --out "$problems"
mkdir -p "$runs"

record() { # NAME EVAL-ARGS...
  local name=$1; shift
  if [[ -f "$runs/$name.jsonl" ]]; then echo "== $name: recorded already"; return; fi
  echo "== $name: apr eval $*"
  "${apr[@]}" eval --problems "$problems" --threads "$threads" --record "$runs/$name.jsonl" "$@"
}

# SoS+: greedy, the token-budget sweep, temperatures, and
# self-consistency over 8 samples at T 1.0 (cons@n and pass@n for n = 1..8 come from this one run).
record sosp-t0 --mode serial --checkpoint "$sosp_model" --label "$(basename "$sosp_model")"
for b in ${TOKEN_BUDGETS:-$default_token_budgets}; do
  record "sosp-tb$b" --mode serial --token-budget "$b" --checkpoint "$sosp_model" --label "$(basename "$sosp_model")"
done
record sosp-sc8-t1 --mode sc --n 8 --temperature 1.0 --checkpoint "$sosp_model" --label "$(basename "$sosp_model")"
# APR: greedy, then the sub-call budgets with the model trained on the prefix (the paper's Fig. 4a curve).
record apr-t0 --mode apr --checkpoint "$apr_model" --label "$(basename "$apr_model")"
for b in ${APR_BUDGETS:-1 2 3 4 5 6 7 8 9 10}; do
  record "apr-b$b" --mode apr --sub-call-budget "$b" --checkpoint "$budget_model" --label "$(basename "$budget_model")"
done
# The temperature table (paper Table 1): both models at T 0.1, 0.5 and 1.0 besides greedy.
for t in 0.1 0.5 1.0; do
  record "sosp-t$t" --mode serial --temperature "$t" --checkpoint "$sosp_model" --label "$(basename "$sosp_model")"
  record "apr-t$t" --mode apr --temperature "$t" --checkpoint "$apr_model" --label "$(basename "$apr_model")"
done

"${apr[@]}" report --runs "$runs" --out "$out"
