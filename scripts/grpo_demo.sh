#!/usr/bin/env bash
# The CPU GRPO demo (docs/grpo.md, "GRPO on a CPU"): from the shipped SFT checkpoint, a short GRPO run on Countdown-3.
#   1. starts a private PostgreSQL (or uses APR_POSTGRES) and a silo serving checkpoints/countdown3-apr,
#   2. creates and starts experiment NAME (G = 5, PROBLEMS problems per step, STEPS steps, temperature 1),
#   3. runs `trainer grpo` until the experiment is done (weights published to the silo after every step),
#   4. plots the experiment's curves and evaluates the final weights on the held-out problems (if present).
# Usage: bash scripts/grpo_demo.sh [NAME] [STEPS] [PROBLEMS] [LR]     (defaults: grpo-demo 10 8 1e-4)
# Environment: APR_TRAINER_THREADS (torch threads of the trainer; default every core: with no rollouts ahead the silo
# idles while the trainer trains), APR_HELDOUT (the held-out file evaluated at the end; a missing file skips it),
# APR_RUNS (where the run's folder goes, default runs/), APR_POSTGRES (an existing cluster's connection string).
# Run it again with the same NAME to continue a stopped run: the experiment is kept in PostgreSQL (creating it again
# with the same settings is a no-op) and the trainer resumes from its last checkpoint. For a run that must outlive
# the checkout, keep both outside it: APR_RUNS=$HOME/apr-runs/runs and a cluster started with
# APR_POSTGRES_ROOT=$HOME/apr-runs/postgres bash scripts/postgres.sh start.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-grpo-demo}; steps=${2:-10}; problems=${3:-8}; lr=${4:-1e-4}
threads=${APR_TRAINER_THREADS:-$(nproc)}
out="${APR_RUNS:-runs}/$name"
heldout=${APR_HELDOUT:-data/c3/heldout3.jsonl}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p=$1; while ! port_free "$p"; do p=$((p + 1)); done; echo "$p"; }

echo "== building the silo, the apr tool and the trainer"
for project in silo/AprOrleans.Silo.csproj client/AprOrleans.Client.csproj trainer/AprOrleans.Trainer.csproj; do
  dotnet build "$project" -c Release --nologo -v quiet
done
apr=(dotnet client/bin/Release/net10.0/linux-x64/apr.dll)
trainer=(dotnet trainer/bin/Release/net10.0/linux-x64/trainer.dll)

started_postgres=false
if [[ -n "${APR_POSTGRES:-}" ]]; then conn="$APR_POSTGRES"; else conn="$(bash scripts/postgres.sh start)"; started_postgres=true; fi
export APR_ADMIN_TOKEN="${APR_ADMIN_TOKEN:-demo-$RANDOM$RANDOM}"
grpc_port=$(free_port 5180); http_port=$(free_port $((grpc_port + 1)))
silo_port=$(free_port 11211); gateway_port=$(free_port 30100)
mkdir -p "$out"
log="$out/silo.log"
silo_pid=""
cleanup() {
  trap - EXIT INT TERM
  if [[ -n "$silo_pid" ]] && kill -0 "$silo_pid" 2>/dev/null; then kill -TERM "$silo_pid"; wait "$silo_pid" 2>/dev/null || true; fi
  if $started_postgres; then bash scripts/postgres.sh stop >/dev/null; fi
}
trap cleanup EXIT INT TERM

# A service id of its own, so the demo's grain state never mixes with the quickstart's.
echo "== starting the silo (log: $log)"
Apr__ConnectionString="$conn" Apr__SiloName=grpo-demo Apr__ClusterId="$name" Apr__ServiceId="$name" \
Apr__GrpcPort=$grpc_port Apr__HttpPort=$http_port Apr__SiloPort=$silo_port Apr__GatewayPort=$gateway_port \
Apr__Checkpoint="$PWD/checkpoints/countdown3-apr" Apr__AdminToken="$APR_ADMIN_TOKEN" \
  dotnet silo/bin/Release/net10.0/linux-x64/AprOrleans.Silo.dll > "$log" 2>&1 &
silo_pid=$!
until (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null; do
  kill -0 "$silo_pid" 2>/dev/null || { echo "grpo_demo: the silo exited; see $log" >&2; exit 1; }
  sleep 1
done
url="http://127.0.0.1:$grpc_port"

"${apr[@]}" experiment create "$name" --problems-per-step "$problems" --group-size 5 --max-steps "$steps" --rollout-ahead 0 --silo "$url"
"${apr[@]}" experiment start "$name" --silo "$url"
if [[ -f "$out/checkpoints/step-$(printf %08d 0)/grpo_state.json" ]] || ls "$out"/checkpoints/step-* >/dev/null 2>&1; then
  last=$(ls -d "$out"/checkpoints/step-* | tail -1)
  echo "== resuming the trainer from $last"
  "${trainer[@]}" grpo --resume "$last" --silo "$url" --threads "$threads"
else
  "${trainer[@]}" grpo --silo "$url" --experiment "$name" --init checkpoints/countdown3-apr --out "$out" --lr "$lr" --threads "$threads"
fi
"${apr[@]}" experiment status "$name" --silo "$url"
"${apr[@]}" experiment plot "$name" --out "$out/plots" --silo "$url"
if [[ -f "$heldout" ]]; then
  last=$(ls -d "$out"/checkpoints/step-* | tail -1)
  echo "== held-out accuracy of $last (first 100 problems of $heldout)"
  head -100 "$heldout" > "$out/heldout100.jsonl"
  "${apr[@]}" eval --problems "$out/heldout100.jsonl" --mode apr --checkpoint "$last" --threads "$threads" --json | tee "$out/heldout-after.json"
fi
