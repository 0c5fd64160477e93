#!/usr/bin/env bash
# Trains the GPU checkpoints side by side on one CUDA machine, inside a fixed wall-clock budget:
#   c3-apr   small preset, Countdown-3, APR demonstrations           (held-out: data/c3/heldout3.jsonl)
#   c4-apr   small preset, Countdown-4, APR demonstrations, 4 096 positions  (held-out: data/c4/heldout4.jsonl)
#   c4-sos   small preset, Countdown-4, serial SoS+ demonstrations, 4 096 positions
# Demonstrations are generated on the fly (never a held-out problem). A short probe of all three together
# measures tokens/s first; each run then gets the number of steps that fits the budget, so its cosine schedule
# ends on time. Finally the last checkpoint of each (model files, metrics, log) is packed into OUT_DIR as
# models.tar split into 15 MB parts (the device tool returns files of at most 16 MiB).
#
#   bash scripts/gpu_train.sh OUT_DIR SECONDS
#
# Runs the trainer through .gpu/ (see scripts/gpu_checks.sh). BATCH_TOKENS (default 65536) and LR (1.5e-3) may
# be overridden, and SAVE_EVERY (100), RUNS (a subset of the three), PRESET (small) and INIT (a model checkpoint every
# run starts from with --init, of that preset: e.g. the shipped checkpoints/countdown3-apr for small, or a
# `trainer grow` of it for base; each run keeps its own context, RoPE having no weights); EVAL_SECONDS (default 0) keeps that many seconds of the budget for evaluating
# the three models on the GPU afterwards (`bench eval`: c3-apr on 500 held-out Countdown-3 problems; c4-apr, c4-sos
# serial and c4-sos self-consistency (n = SC_N, default 4) on 500 held-out Countdown-4 problems) into OUT_DIR/evals.jsonl; DEVICE (default cuda:0) and TRAINER_DLL (a local trainer.dll) let the flow be tried on a CPU.
set -uo pipefail
out=${1:?usage: gpu_train.sh OUT_DIR SECONDS}
budget=${2:?usage: gpu_train.sh OUT_DIR SECONDS}
device=${DEVICE:-cuda:0}
batch=${BATCH_TOKENS:-65536}
lr=${LR:-1.5e-3}
save=${SAVE_EVERY:-100}
eval_seconds=${EVAL_SECONDS:-0}
deadline=$(( $(date +%s) + budget - eval_seconds ))
work=$(mktemp -d)
mkdir -p "$out"

# The packed .NET runtime is unpacked once, here, before any run starts (several unpacking at once would race).
if { [ -z "${TRAINER_DLL:-}" ] || [ -z "${BENCH_DLL:-}" ]; } && [ ! -x .gpu/runtime/dotnet ]; then
  mkdir -p .gpu/runtime.tmp && tar xJf .gpu/dotnet.tar.xz -C .gpu/runtime.tmp && mv .gpu/runtime.tmp .gpu/runtime
fi

trainer() {
  # TRAINER_DLL: a locally built trainer.dll instead of the packed one (for a dry run on a CPU machine).
  if [ -n "${TRAINER_DLL:-}" ]; then dotnet "$TRAINER_DLL" "$@"; return; fi
  local here; here=$(cd .gpu && pwd)
  local rt="$here/runtime"
  DOTNET_ROOT="$rt" PATH="$rt:$PATH" DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    LD_LIBRARY_PATH="$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null):${LD_LIBRARY_PATH:-}" \
    dotnet "$here/app/AprOrleans.Bench/trainer.dll" "$@"
}

bench() {
  if [ -n "${BENCH_DLL:-}" ]; then dotnet "$BENCH_DLL" "$@"; return; fi
  local here; here=$(cd .gpu && pwd)
  DOTNET_ROOT="$here/runtime" PATH="$here/runtime:$PATH" DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    LD_LIBRARY_PATH="$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null):${LD_LIBRARY_PATH:-}" \
    dotnet "$here/app/AprOrleans.Bench/AprOrleans.Bench.dll" "$@"
}

declare -A data=(
  [c3-apr]="--numbers 3 --solver apr --exclude data/c3/heldout3.jsonl --seed 31"
  [c4-apr]="--numbers 4 --solver apr --exclude data/c4/heldout4.jsonl --context 4096 --seed 41"
  [c4-sos]="--numbers 4 --solver sosp --exclude data/c4/heldout4.jsonl --context 4096 --seed 42"
)
runs=${RUNS:-c3-apr c4-apr c4-sos}
preset=${PRESET:-small}
init=${INIT:-}
[ -z "$init" ] || [ -f "$init/model.safetensors" ] || { echo "INIT=$init: no model.safetensors there" >&2; exit 2; }

# $1 run name, $2 steps, $3 output folder; the rest of the options are shared.
train() {
  # shellcheck disable=SC2086
  local warmup=$(( $2 < 300 ? $2 / 10 : 30 ))
  trainer sft ${data[$1]} --preset "$preset" --device "$device" --batch-tokens "$batch" --lr "$lr" --warmup "$warmup" \
    --steps "$2" --eval-every "$save" --save-every "$save" --log-every 20 --out "$3" ${init:+--init "$init"}
}

echo "== probe: 12 steps of each, all three at once ($(date -u +%H:%M:%S))"
for r in $runs; do train "$r" 12 "$work/probe-$r" > "$work/probe-$r.log" 2>&1 & done
wait
declare -A rate
for r in $runs; do
  tail -n 4 "$work/probe-$r.log"
  rate[$r]=$(grep -o 'tok/s [0-9]*' "$work/probe-$r.log" | tail -n 1 | awk '{print $2}')
  rate[$r]=${rate[$r]:-0}
done

left=$(( deadline - $(date +%s) - 45 ))   # 45 s for startup, the final checkpoint and packing
echo "== training for about ${left} s ($(date -u +%H:%M:%S))"
[ "$left" -ge 60 ] || { echo "only ${left} s left after the probe: no training"; runs=""; }
for r in $runs; do
  [ "${rate[$r]}" -gt 0 ] || { echo "$r: the probe failed, skipped"; continue; }
  # 1.5 × the probe's rate: the probe's figure includes start-up (in session 5 the runs went ~1.5–2× faster than
  # it); a run that would overrun is stopped by timeout and packed from its last checkpoint.
  steps=$(( rate[$r] * left * 150 / 100 / batch ))
  [ "$steps" -lt 40 ] && steps=40
  echo "$r: probe ${rate[$r]} tok/s -> $steps steps"
  timeout $(( left + 30 )) bash -c "$(declare -f trainer train); $(declare -p data); TRAINER_DLL='${TRAINER_DLL:-}' device='$device' batch='$batch' lr='$lr' save='$save' preset='$preset' init='$init'; train '$r' '$steps' '$work/$r'" \
    > "$work/$r.log" 2>&1 &
done
wait
for r in $runs; do echo "-- $r"; grep -E '^(sft|eval|done)' "$work/$r.log" | tail -n 6; tail -n 2 "$work/$r.log"; done

if [ "$eval_seconds" -gt 0 ]; then
  echo "== evaluating on $device for up to ${eval_seconds} s ($(date -u +%H:%M:%S))"
  eval_limit=$(( eval_seconds > 45 ? eval_seconds - 15 : 30 ))
  : > "$out/evals.jsonl"
  ev() {  # $1 label, $2 run, the rest: bench eval options
    local label=$1 run=$2; shift 2
    local ck; ck=$(ls -d "$work/$run"/checkpoints/step-* 2>/dev/null | tail -n 1)
    [ -n "$ck" ] || { echo "$label: no checkpoint"; return; }
    timeout "$eval_limit" bash -c "$(declare -f bench); BENCH_DLL='${BENCH_DLL:-}'; bench eval --checkpoint '$ck' --device '$device' $*" \
      2> "$work/eval-$label.log" | sed "s/^{/{\"run\":\"$label\",/" >> "$out/evals.jsonl" || echo "$label: evaluation failed or ran out of time"
  }
  for r in $runs; do
    case $r in
      c3-apr) ev c3-apr c3-apr --problems data/c3/heldout3.jsonl --mode apr & ;;
      c4-apr) ev c4-apr c4-apr --problems data/c4/heldout4.jsonl --mode apr & ;;
      c4-sos) ev c4-serial c4-sos --problems data/c4/heldout4.jsonl --mode serial &
              ev c4-sc c4-sos --problems data/c4/heldout4.jsonl --mode sc --n "${SC_N:-4}" & ;;
    esac
  done
  wait
  cat "$out/evals.jsonl"
  for f in "$work"/eval-*.log; do [ -s "$f" ] && { echo "-- $(basename "$f")"; tail -n 3 "$f"; }; done
fi

echo "== packing ($(date -u +%H:%M:%S))"
mkdir -p "$work/pack"
for r in $runs; do
  last=$(ls -d "$work/$r"/checkpoints/step-* 2>/dev/null | tail -n 1)
  [ -n "$last" ] || { echo "$r: no checkpoint"; continue; }
  mkdir -p "$work/pack/$r"
  cp "$last"/{config.json,model.safetensors,model.safetensors.sha256,vocab.json,trainer_state.json} "$work/pack/$r/"
  cp "$work/$r/metrics.jsonl" "$work/$r.log" "$work/pack/$r/"
  echo "$r: $(basename "$last")"
done
tar cf - -C "$work/pack" . | split -b 15000000 -d - "$out/models.tar.part-"
ls -la "$out"
