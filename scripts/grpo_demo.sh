#!/usr/bin/env bash
# The CPU GRPO demo (docs/grpo.md, "GRPO on a CPU"): from the shipped SFT checkpoint, a short GRPO run on Countdown-3.
#   1. starts a private PostgreSQL (or uses APR_POSTGRES) and a silo serving checkpoints/countdown3-apr (or APR_INIT),
#   2. creates and starts experiment NAME (G = 5, PROBLEMS problems per step, STEPS steps, temperature 1 or APR_TEMPERATURE),
#   3. runs `trainer grpo` until the experiment is done (weights published to the silo after every step),
#   4. plots the experiment's curves and evaluates the final weights on the held-out problems (if present).
# Usage: bash scripts/grpo_demo.sh [NAME] [STEPS] [PROBLEMS] [LR]     (defaults: grpo-demo 10 8 1e-4)
# Environment: APR_TRAINER_THREADS (torch threads of the trainer; default every core: with no rollouts ahead the silo
# idles while the trainer trains), APR_HELDOUT (the held-out file evaluated at the end; a missing file skips it),
# APR_RUNS (where the run's folder goes, default runs/), APR_POSTGRES (an existing cluster's connection string),
# APR_GRPO_VARIANT (grpo, drgrpo or dapo; default grpo), APR_EXPERIMENT_SEED (problem and sampling seed, default 0),
# APR_EVERY_SOLUTION_USES (draw only problems each of whose solutions uses this operation, e.g. / ; default: all),
# APR_EVERY_SOLUTION_USES_SHARE (with it: the share of each step's groups so drawn, the rest from all; default 1),
# APR_INIT (the APR checkpoint the run starts from, served as weight version 0 and used as the KL reference; default
# checkpoints/countdown3-apr: a committed checkpoint of an earlier run continues it on a machine without its files),
# APR_ROLLOUT_AHEAD (steps the silo's rollouts may run ahead of training, default 0 = on-policy as the paper; 1 lets
# the silo generate step n+1 while the trainer trains step n, about halving a step's wall time when each has its own
# cores, with trajectories one weight version old: give the trainer and the silo one thread each on two cores),
# APR_TEMPERATURE (the rollouts' sampling temperature, default 1 as the paper), APR_KL_BETA (the KL penalty to the
# starting policy; unset, the trainer's default, the paper's 0.001; larger anchors the skills no reward singles out).
# Both processes are supervised as a cluster's pods would be: a silo that dies (even by kill -9) is started again
# with the same ports and service id, and a trainer that dies resumes from its last checkpoint (at most
# APR_TRAINER_RESTARTS times, default 20); a usage error (exit 2) or a finished run ends the script.
# Run it again with the same NAME to continue a stopped run: the experiment is kept in PostgreSQL (creating it again
# with the same settings is a no-op) and the trainer resumes from its last checkpoint. For a run that must outlive
# the checkout, keep both outside it: APR_RUNS=$HOME/apr-runs/runs and a cluster started with
# APR_POSTGRES_ROOT=$HOME/apr-runs/postgres bash scripts/postgres.sh start (as root the cluster runs as the postgres
# user, who must be able to enter that folder: chmod o+x $HOME $HOME/apr-runs; postgres.sh refuses otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-grpo-demo}; steps=${2:-10}; problems=${3:-8}; lr=${4:-1e-4}
threads=${APR_TRAINER_THREADS:-$(nproc)}
variant=${APR_GRPO_VARIANT:-grpo}
experiment_seed=${APR_EXPERIMENT_SEED:-0}
every_solution_uses=${APR_EVERY_SOLUTION_USES:-}
filtered_share=()
[[ -n "${APR_EVERY_SOLUTION_USES_SHARE:-}" ]] && filtered_share=(--every-solution-uses-share "$APR_EVERY_SOLUTION_USES_SHARE")
rollout_ahead=${APR_ROLLOUT_AHEAD:-0}
temperature=${APR_TEMPERATURE:-1}
kl_beta=()
[[ -n "${APR_KL_BETA:-}" ]] && kl_beta=(--kl-beta "$APR_KL_BETA")
trainer_restarts=${APR_TRAINER_RESTARTS:-20}
out="${APR_RUNS:-runs}/$name"
heldout=${APR_HELDOUT:-data/c3/heldout3.jsonl}
init=${APR_INIT:-checkpoints/countdown3-apr}
[[ -f "$init/model.safetensors" ]] || { echo "grpo_demo: APR_INIT '$init' holds no model.safetensors" >&2; exit 2; }
init=$(cd "$init" && pwd)

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
# A generated token unless one is given (the silo refuses tokens under 32 bytes).
export APR_ADMIN_TOKEN="${APR_ADMIN_TOKEN:-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}"
grpc_port=$(free_port 5180); http_port=$(free_port $((grpc_port + 1)))
silo_port=$(free_port 11211)
mkdir -p "$out"
log="$out/silo.log"
silo_pid_file="$out/silo.pid"
silo_exited="$out/silo.exited"   # written by the supervisor when the silo exits (the log keeps every start's lines)
rm -f "$silo_exited"
supervisor_pid=""
cleanup() {
  trap - EXIT INT TERM
  if [[ -n "$supervisor_pid" ]]; then kill -TERM "$supervisor_pid" 2>/dev/null || true; wait "$supervisor_pid" 2>/dev/null || true; fi
  if [[ -f "$silo_pid_file" ]]; then
    local pid; pid=$(cat "$silo_pid_file")
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.5; done; fi
    rm -f "$silo_pid_file"
  fi
  if $started_postgres; then bash scripts/postgres.sh stop >/dev/null; fi
}
trap cleanup EXIT INT TERM

# A service id of its own, so the demo's grain state never mixes with the quickstart's. The supervisor starts the
# silo again whenever it exits; the experiment grain's reminder then resumes the step's rollouts on it.
run_silo() {
  Apr__ConnectionString="$conn" Apr__SiloName=grpo-demo Apr__ClusterId="$name" Apr__ServiceId="$name" \
  Apr__GrpcPort=$grpc_port Apr__HttpPort=$http_port Apr__SiloPort=$silo_port \
  Apr__Checkpoint="$init" Apr__AdminToken="$APR_ADMIN_TOKEN" \
    dotnet silo/bin/Release/net10.0/linux-x64/AprOrleans.Silo.dll >> "$log" 2>&1 &
  echo $! > "$silo_pid_file"
  local status=0
  wait $! || status=$?
  echo "== $(date -u +%FT%TZ) grpo_demo: the silo exited with code $status; starting it again" | tee -a "$log" > "$silo_exited"
}
supervise_silo() {
  trap 'exit 0' TERM
  while true; do run_silo; sleep 2; done
}
echo "== starting the silo (log: $log)"
supervise_silo &
supervisor_pid=$!
until (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null; do
  if [[ -f "$silo_exited" ]]; then echo "grpo_demo: the silo exited before it was up; see $log" >&2; exit 1; fi
  sleep 1
done
url="http://127.0.0.1:$grpc_port"

"${apr[@]}" experiment create "$name" --problems-per-step "$problems" --group-size 5 --max-steps "$steps" --rollout-ahead "$rollout_ahead" --temperature "$temperature" \
  --seed "$experiment_seed" --every-solution-uses "$every_solution_uses" "${filtered_share[@]}" --silo "$url" --retry-seconds 120
"${apr[@]}" experiment start "$name" --silo "$url" --retry-seconds 120
last_checkpoint() { ls -d "$out"/checkpoints/step-* 2>/dev/null | tail -1 || true; }
# The trainer, resumed from its newest checkpoint whenever it dies (--resume auto; a checkpoint is written whole or
# not at all, and a step whose report never reached the silo is reported on resume, so no step is lost or trained twice).
restarts=0
while true; do
  status=0
  "${trainer[@]}" grpo --silo "$url" --experiment "$name" --init "$init" --resume auto --out "$out" \
    --lr "$lr" --variant "$variant" "${kl_beta[@]}" --threads "$threads" || status=$?
  [[ $status == 0 ]] && break
  [[ $status == 2 ]] && { echo "grpo_demo: the trainer refused its arguments (exit 2)" >&2; exit 2; }
  restarts=$((restarts + 1))
  (( restarts > trainer_restarts )) && { echo "grpo_demo: the trainer failed $restarts times (last exit $status); giving up" >&2; exit 1; }
  echo "== $(date -u +%FT%TZ) grpo_demo: the trainer exited with code $status; resuming it (restart $restarts of $trainer_restarts)"
  sleep 2
done
"${apr[@]}" experiment status "$name" --silo "$url"
"${apr[@]}" experiment plot "$name" --out "$out/plots" --silo "$url"
if [[ -f "$heldout" ]]; then
  last=$(last_checkpoint)
  echo "== held-out accuracy of $last (first 100 problems of $heldout)"
  head -100 "$heldout" > "$out/heldout100.jsonl"
  "${apr[@]}" eval --problems "$out/heldout100.jsonl" --mode apr --checkpoint "$last" --threads "$threads" --json | tee "$out/heldout-after.json"
fi
