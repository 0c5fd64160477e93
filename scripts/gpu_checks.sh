#!/usr/bin/env bash
# The GPU lines of issues 3, 4 and 25 in one run, on a CUDA machine that has PyTorch and transformers but no .NET:
#   logits     the shipped checkpoint's logits against transformers' LlamaForCausalLM (fp32, target max |Δ| ≤ 1e-3);
#   sft        SFT tokens/s of each preset in bf16 (target ≥ 150 000 tok/s for paper);
#   decode     engine decode tokens/s of each preset at batch 1/64/256 with 1 024 tokens of context, on the paged KV
#              cache and on contiguous regions (--kv-layout);
#   reference  scripts/torch_decode_reference.py decoding the same shapes in plain PyTorch (eager and CUDA graph), in
#              the same call, right after the engine's rows of each preset.
#
#   bash scripts/gpu_checks.sh OUT_DIR
#
# Runs the bench through .gpu/run.sh (`bash .gpu/run.sh AprOrleans.Bench VERB ...`: this repo's published bench on the
# machine's libtorch, docs/design.md §11). With DEVICE=cpu and no .gpu/run.sh it runs the bench built here instead
# (`dotnet build bench -c Release` first), so the flow can be tried on a CPU machine:
#   DEVICE=cpu PRESETS=tiny bash scripts/gpu_checks.sh OUT_DIR
# Variables: DEVICE (cuda:0), PRESETS ("base paper"), STEPS (which of the four steps run; "logits sft decode reference",
# on a CPU "sft decode reference": the CPU machines have no transformers), PYTHON (a python3 that imports torch; default
# the first of python3 and the system's /usr/bin/python3 that does), STEP_SECONDS (240, each step's limit),
# SFT_BATCH_TOKENS ("16384 65536"; CPU "1024"), SFT_ACCUMULATE (1: batches per SFT step), DECODE_BATCHES (1,64,256; CPU 1,8), DECODE_PROMPT (1024; CPU 64),
# DECODE_NEW (128; CPU 32), DECODE_LAYOUTS ("paged regions").
# A prerequisite that a chosen step needs (.gpu/run.sh or a local build, python3 with torch, transformers) is checked
# before anything runs, and a missing one is an error: leave the step out of STEPS to run without it.
set -uo pipefail
out=${1:?usage: gpu_checks.sh OUT_DIR}
device=${DEVICE:-cuda:0}
presets=${PRESETS:-base paper}
on_cpu=false
[ "${device%%:*}" = cpu ] && on_cpu=true
if $on_cpu; then
  steps=${STEPS:-sft decode reference}
  sft_tokens=${SFT_BATCH_TOKENS:-1024}
  batches=${DECODE_BATCHES:-1,8} prompt=${DECODE_PROMPT:-64} new=${DECODE_NEW:-32}
else
  steps=${STEPS:-logits sft decode reference}
  sft_tokens=${SFT_BATCH_TOKENS:-16384 65536}
  batches=${DECODE_BATCHES:-1,64,256} prompt=${DECODE_PROMPT:-1024} new=${DECODE_NEW:-128}
fi
layouts=${DECODE_LAYOUTS:-paged regions}
# Batches per SFT optimizer step (bench sft --accumulate): measures an effective batch larger than fits at once.
sft_accumulate=${SFT_ACCUMULATE:-1}
wants() { case " $steps " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
fail() { echo "gpu_checks: $*" >&2; exit 2; }

# --- prerequisites, all checked before the first step spends any GPU time -------------------------------------------
local_bench=bench/bin/Release/net10.0/linux-x64/AprOrleans.Bench.dll
[ -f "$local_bench" ] || local_bench=bench/bin/Release/net10.0/AprOrleans.Bench.dll
if wants logits || wants sft || wants decode; then
  # On a CPU the local build comes first: .gpu/run.sh loads the libtorch of python3's torch, which on a CPU machine
  # may be another version than the one TorchSharp binds.
  if $on_cpu && [ -f "$local_bench" ]; then
    runner=(dotnet "$local_bench")
  elif [ -f .gpu/run.sh ]; then
    runner=(bash .gpu/run.sh AprOrleans.Bench)
  elif $on_cpu; then
    fail "no .gpu/run.sh and no local bench build ($local_bench): run 'dotnet build bench -c Release' first"
  else
    fail "no .gpu/run.sh: make it with 'bash scripts/gpu_pack.sh' (docs/design.md §11) before running on $device"
  fi
fi
if wants reference || wants logits; then
  python=${PYTHON:-}
  if [ -z "$python" ]; then
    for candidate in python3 /usr/bin/python3; do
      if command -v "$candidate" >/dev/null && "$candidate" -c 'import torch' 2>/dev/null; then python=$candidate; break; fi
    done
  fi
  [ -n "$python" ] && "$python" -c 'import torch' 2>/dev/null \
    || fail "no python3 with torch (PYTHON=${PYTHON:-unset}): install PyTorch (pip install torch; on Debian apt-get install python3-torch), set PYTHON, or leave 'reference' and 'logits' out of STEPS"
  if wants logits; then
    "$python" -c 'import transformers' 2>/dev/null \
      || fail "$python has no transformers (needed by the logits step): install it or leave 'logits' out of STEPS"
  fi
fi
for preset in $presets; do
  case "$preset" in tiny|small|base|paper) ;; *) fail "unknown preset '$preset' (tiny, small, base, paper)" ;; esac
done

mkdir -p "$out"
failed=0
# Each step has its own time limit, so one hang cannot use up a whole GPU lease.
bench() { timeout "${STEP_SECONDS:-240}" "${runner[@]}" "$@"; }
section() { echo; echo "== $* ($(date -u +%H:%M:%S))"; }

section "machine (steps: $steps)"
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
  [ -n "${python:-}" ] && "$python" -c 'import torch; print("torch", torch.__version__)'
  echo "bench: ${runner[*]:-none}"; } | tee "$out/machine.txt"

if wants logits; then
  section "logits of the shipped checkpoint against transformers (fp32)"
  if bench logits --checkpoint checkpoints/countdown3-apr --device "$device" --out "$out/ours_logits.json"; then
    timeout 240 "$python" scripts/hf_compare.py checkpoints/countdown3-apr "$out/ours_logits.json" | tee "$out/hf_compare.txt" || failed=1
  else
    failed=1
  fi
fi

if wants sft; then
  section "SFT tokens/s, bf16 compute with fp32 masters"
  # At 16 384 tokens the step was mostly fixed per-step cost on an H200 (base 221 ms, paper 259 ms); --phases splits a
  # step into forward, backward, gradient move, clipping, AdamW and refresh.
  for preset in $presets; do
    for tokens in $sft_tokens; do
      bench sft --preset "$preset" --device "$device" --precision bf16 --batch-tokens "$tokens" --accumulate "$sft_accumulate" --steps 10 --warmup 3 --phases \
        | tee -a "$out/sft.txt" || failed=1
    done
  done
fi

# The reference's shapes: ModelConfig.FromPreset's, vocabulary 125 like the bench.
shape_of() {
  case "$1" in
    tiny) echo "--hidden 128 --layers 5 --heads 4 --inter 352" ;;
    small) echo "--hidden 256 --layers 6 --heads 4 --inter 704" ;;
    base) echo "--hidden 512 --layers 8 --heads 8 --inter 1408" ;;
    paper) echo "--hidden 1024 --layers 18 --heads 16 --inter 2752" ;;
  esac
}

if wants decode || wants reference; then
  section "decode tokens/s, $prompt tokens of context, engine and PyTorch reference"
  for preset in $presets; do
    if wants decode; then
      for layout in $layouts; do
        bench decode --preset "$preset" --device "$device" --batches "$batches" --prompt "$prompt" --new "$new" --rounds 3 --kv-layout "$layout" \
          | tee -a "$out/decode.txt" || failed=1
      done
    fi
    if wants reference; then
      # shellcheck disable=SC2046 # the shape is several words on purpose
      timeout "${STEP_SECONDS:-240}" "$python" scripts/torch_decode_reference.py $(shape_of "$preset") --vocab 125 \
        --ctx $((prompt + new + 1)) --fill "$prompt" --new "$new" --batches "$batches" --rounds 3 --device "$device" \
        | tee -a "$out/decode.txt" || failed=1
    fi
  done
fi

section "done: $([ $failed = 0 ] && echo 'every step ran' || echo 'a step FAILED, see above')"
exit $failed
