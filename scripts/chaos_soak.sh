#!/usr/bin/env bash
# Chaos soak: three silos on PostgreSQL, a GRPO experiment running with the real trainer, and a random silo killed
# with SIGKILL every 45–90 s and started again, for MINUTES minutes, while Solve clients keep calling random silos.
# At the end it checks what a crash must never break:
#   - every step's rollout groups stored exactly once, no step with a missing group (scripts/grpo_audit.sh);
#   - the step count exact: the experiment's step equals the steps the trainer trained (its last checkpoint, resumed
#     once more to report a step a kill cut off), its weight version base + step;
#   - no orphan rows: no stored group beyond the steps the experiment may have produced (step + rollout_ahead);
#   - Solve calls end OK, or UNAVAILABLE / RESOURCE_EXHAUSTED / DEADLINE_EXCEEDED while a silo is down, never INTERNAL.
# Usage: bash scripts/chaos_soak.sh [MINUTES]   (default 10; APR_POSTGRES: an existing cluster's connection string)
# Output: artifacts/chaos/ (each silo's log, the trainer's, kills.log, solves.tsv, summary.txt). Exit 0 when every
# check holds, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
[[ "$minutes" =~ ^[1-9][0-9]*$ ]] || { echo "chaos_soak: MINUTES '$minutes' is not a positive integer" >&2; exit 2; }
out=artifacts/chaos
rm -rf "$out"; mkdir -p "$out"
silos=3; problems_per_step=4; group_size=2; rollout_ahead=1

echo "== building the silo, the apr tool and the trainer"
for project in silo/AprOrleans.Silo.csproj client/AprOrleans.Client.csproj trainer/AprOrleans.Trainer.csproj; do
  dotnet build "$project" -c Release --nologo -v quiet > /dev/null
done
apr=(dotnet client/bin/Release/net10.0/linux-x64/apr.dll)
trainer=(dotnet trainer/bin/Release/net10.0/linux-x64/trainer.dll)
silo_dll=silo/bin/Release/net10.0/linux-x64/AprOrleans.Silo.dll

started_postgres=false
if [[ -n "${APR_POSTGRES:-}" ]]; then conn="$APR_POSTGRES"; else conn="$(bash scripts/postgres.sh start)"; started_postgres=true; fi
service="chaos-$(date +%s)"
export APR_ADMIN_TOKEN="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p=$1; while ! port_free "$p"; do p=$((p + 1)); done; echo "$p"; }
declare -a grpc http peer
next=15080
for i in $(seq 0 $((silos - 1))); do
  grpc[i]=$(free_port $next); http[i]=$(free_port $((grpc[i] + 1))); peer[i]=$(free_port $((grpc[i] + 2))); next=$((peer[i] + 1))
done

# One supervisor per silo: the silo is started again (same name, ports and ids) whenever it exits, until stop.
run_silo() {
  local i=$1
  Apr__ConnectionString="$conn" Apr__SiloName="chaos-$i" Apr__ClusterId="$service" Apr__ServiceId="$service" \
  Apr__GrpcPort=${grpc[i]} Apr__HttpPort=${http[i]} Apr__SiloPort=${peer[i]} Apr__AdminToken="$APR_ADMIN_TOKEN" \
  Apr__Checkpoint="$PWD/checkpoints/countdown3-apr" Apr__TorchThreads=1 Apr__EngineSlots=16 Apr__EngineContextTokens=2048 \
    dotnet "$silo_dll" >> "$out/silo-$i.log" 2>&1 &
  echo $! > "$out/silo-$i.pid"
  wait $! 2>/dev/null || true
}
supervise() {
  trap 'exit 0' TERM
  while [[ ! -f "$out/stop" ]]; do run_silo "$1"; sleep 1; done
}
background=()
cleanup() {
  trap - EXIT INT TERM
  touch "$out/stop"
  for pid in "${background[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # The silos stop gracefully (they leave the cluster) before PostgreSQL does.
  local pids=()
  for i in $(seq 0 $((silos - 1))); do
    [[ -f "$out/silo-$i.pid" ]] && pids+=("$(cat "$out/silo-$i.pid")")
  done
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done; done
  wait 2>/dev/null || true
  if $started_postgres; then bash scripts/postgres.sh stop >/dev/null; fi
}
trap cleanup EXIT INT TERM

echo "== starting $silos silos (service id $service)"
for i in $(seq 0 $((silos - 1))); do supervise "$i" & background+=($!); done
for i in $(seq 0 $((silos - 1))); do
  for _ in $(seq 1 240); do (exec 3<>"/dev/tcp/127.0.0.1/${http[i]}") 2>/dev/null && break; sleep 1; done
done
url() { echo "http://127.0.0.1:${grpc[$1]}"; }

echo "== experiment chaos: $problems_per_step problems x G $group_size per step, rollout_ahead $rollout_ahead"
"${apr[@]}" experiment create chaos --problems-per-step $problems_per_step --group-size $group_size --max-steps 1000 \
  --rollout-ahead $rollout_ahead --seed 5 --silo "$(url 0)" --retry-seconds 120 > /dev/null
"${apr[@]}" experiment start chaos --silo "$(url 0)" --retry-seconds 120 > /dev/null

# The trainer talks to silo 0 (it retries while that silo is down); killed or failed, it resumes from its checkpoint.
(
  trap 'kill -TERM $child 2>/dev/null; exit 0' TERM
  while [[ ! -f "$out/stop" ]]; do
    last=$(ls -d "$out"/trainer/checkpoints/step-* 2>/dev/null | tail -1 || true)
    if [[ -n "$last" ]]; then
      "${trainer[@]}" grpo --resume "$last" --silo "$(url 0)" --threads 1 >> "$out/trainer.log" 2>&1 & child=$!
    else
      "${trainer[@]}" grpo --silo "$(url 0)" --experiment chaos --init checkpoints/countdown3-apr --out "$out/trainer" \
        --lr 1e-5 --threads 1 >> "$out/trainer.log" 2>&1 & child=$!
    fi
    wait $child || true
    sleep 1
  done
) & background+=($!)

# Two Solve clients, each calling a random silo with one of the quickstart's four problems (the first of the held-out
# set: solvable, of the paper's distribution); one line per call: seconds, silo, outcome.
problems=("36 81 32 77" "28 77 5 44" "27 30 72 80" "26 83 85 28")
for c in 0 1; do
  (
    trap 'exit 0' TERM
    while [[ ! -f "$out/stop" ]]; do
      i=$((RANDOM % silos)); p=${problems[$((RANDOM % ${#problems[@]}))]}
      if err=$("${apr[@]}" solve $p --silo "$(url $i)" --thread-tokens 256 --total-tokens 2048 2>&1 >/dev/null); then outcome=OK
      else outcome=$(sed -n 's/.*silo [^ ]*: \([A-Za-z]*\): .*/\1/p' <<< "$err" | head -1); outcome=${outcome:-OTHER:$(head -1 <<< "$err" | tr '\t' ' ' | cut -c1-120)}; fi
      printf '%s\t%s\t%s\n' "$(date +%s)" "$i" "$outcome" >> "$out/solves.tsv"
    done
  ) & background+=($!)
done

echo "== soaking for $minutes min: a random silo killed with SIGKILL every 45–90 s"
end=$(( $(date +%s) + minutes * 60 ))
kills=0
while (( $(date +%s) + 45 < end )); do
  sleep $((45 + RANDOM % 46))
  i=$((RANDOM % silos)); pid=$(cat "$out/silo-$i.pid")
  kill -KILL "$pid" 2>/dev/null && kills=$((kills + 1))
  echo "$(date -u +%T) killed silo chaos-$i (pid $pid)" | tee -a "$out/kills.log"
done
sleep $(( end > $(date +%s) ? end - $(date +%s) : 0 ))

echo "== stopping the clients and the trainer"
touch "$out/stop"
for pid in "${background[@]:$silos}"; do kill -TERM "$pid" 2>/dev/null || true; done
pkill -TERM -f "trainer.dll grpo --.*$out" 2>/dev/null || true
sleep 5
"${apr[@]}" experiment pause chaos --silo "$(url 0)" --retry-seconds 120 > /dev/null
# The trainer's last checkpoint is the steps it trained; resumed with --until-step at that count, it reports a step
# whose report a kill cut off, and refuses (exit 1) if the experiment's step differs: the exactness check.
last=$(ls -d "$out"/trainer/checkpoints/step-* 2>/dev/null | tail -1 || true)
if [[ -n "$last" ]]; then trained=$((10#${last##*step-})); else trained=0; fi
reconciled=0
if [[ -n "$last" ]]; then
  "${trainer[@]}" grpo --resume "$last" --silo "$(url 0)" --threads 1 --until-step "$trained" >> "$out/trainer.log" 2>&1 || reconciled=$?
fi
status=$("${apr[@]}" experiment status chaos --silo "$(url 0)" --retry-seconds 120)
echo "$status" > "$out/experiment.txt"
step=$(sed -n 's/.*step \([0-9]*\)\/.*/\1/p' <<< "$status" | head -1)
version=$(sed -n 's/.* weights v\([0-9]*\) (base v\([0-9]*\)).*/\1 \2/p' <<< "$status" | head -1)

failed=0
{
  echo "chaos soak: $minutes min, $silos silos, $kills silo kills (SIGKILL), service id $service"
  echo "experiment: step $step; steps the trainer trained (its last checkpoint): $trained; weights v${version% *} (base v${version#* }); resume check exit $reconciled"
  if [[ "$step" != "$trained" || $reconciled != 0 || $(( ${version#* } + step )) != "${version% *}" ]]; then echo "FAILED: the step count is not exact"; failed=1; fi
  if bash scripts/grpo_audit.sh "$service" chaos $problems_per_step "$conn"; then :; else echo "FAILED: grpo_audit"; failed=1; fi
  field() { tr ';' '\n' <<< "$conn" | sed -n "s/^$1=//Ip" | head -1; }
  orphans=$(PGHOST=$(field Host) PGPORT=$(field Port) PGUSER=$(field Username) PGPASSWORD=$(field Password) PGDATABASE=$(field Database) \
    psql -X -A -t -c "SELECT count(*) FROM orleansstorage WHERE serviceid = '$service' AND graintypestring = 'rollout'
      AND payloadbinary IS NOT NULL AND split_part(grainidextensionstring, '/', 2)::int > $step + $rollout_ahead")
  echo "orphan rollout rows (beyond step $step + $rollout_ahead): $orphans"
  (( orphans == 0 )) || { echo "FAILED: orphan rows"; failed=1; }
  echo "Solve calls by outcome:"
  cut -f3 "$out/solves.tsv" | sort | uniq -c | sort -rn
  if cut -f3 "$out/solves.tsv" | grep -qvE '^(OK|Unavailable|ResourceExhausted|DeadlineExceeded)$'; then echo "FAILED: Solve calls ended otherwise"; failed=1; fi
  (( failed == 0 )) && echo "chaos soak: every check holds" || echo "chaos soak: FAILED"
} 2>&1 | tee "$out/summary.txt"
grep -q "every check holds" "$out/summary.txt"
