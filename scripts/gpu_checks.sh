#!/usr/bin/env bash
# The GPU lines of issues 3 and 4 in one run, on a CUDA machine that has PyTorch and transformers but no .NET:
#   1. the shipped checkpoint's logits against transformers' LlamaForCausalLM (fp32, target max |Δ| ≤ 1e-3);
#   2. SFT tokens/s of `base` and `paper` in bf16 (target ≥ 150 000 tok/s for paper on an H100);
#   3. engine decode tokens/s of `paper` and `base` at batch 1/64/256 with 1 024 tokens of context, beside a plain
#      PyTorch reference decoding the same shapes in the same run (DESIGN §10's table).
#
#   bash scripts/gpu_checks.sh OUT_DIR
#
# Expects .gpu/run.sh: `bash .gpu/run.sh AprOrleans.Bench VERB ...` runs this repo's published bench against the
# machine's libtorch, and optionally .gpu/torch_decode_reference.py (the PyTorch reference for step 3).
# DEVICE (default cuda:0) and PRESETS (default "base paper") let the script's flow be tried on a CPU machine;
# STEP_SECONDS (default 240) bounds each bench step.
set -uo pipefail
out=${1:?usage: gpu_checks.sh OUT_DIR}
device=${DEVICE:-cuda:0}
presets=${PRESETS:-base paper}
mkdir -p "$out"
failed=0
# Each step has its own time limit, so one hang cannot use up a whole GPU lease.
bench() { timeout "${STEP_SECONDS:-240}" bash .gpu/run.sh AprOrleans.Bench "$@"; }
section() { echo; echo "== $* ($(date -u +%H:%M:%S))"; }

section "machine"
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
  python3 -c 'import torch; print("torch", torch.__version__)' 2>/dev/null; } | tee "$out/machine.txt"

section "1. logits of the shipped checkpoint against transformers (fp32)"
if bench logits --checkpoint checkpoints/countdown3-apr --device "$device" --out "$out/ours_logits.json"; then
  timeout 240 python3 scripts/hf_compare.py checkpoints/countdown3-apr "$out/ours_logits.json" | tee "$out/hf_compare.txt" || failed=1
else
  failed=1
fi

section "2. SFT tokens/s, bf16 compute with fp32 masters"
# Two batch sizes: at 16 384 tokens the step was mostly fixed per-step cost on an H200 (base 221 ms, paper 259 ms);
# --phases splits a step into forward, backward, gradient move, clipping, AdamW and refresh.
for preset in $presets; do
  for tokens in ${SFT_BATCH_TOKENS:-16384 65536}; do
    bench sft --preset "$preset" --device "$device" --precision bf16 --batch-tokens "$tokens" --steps 10 --warmup 3 --phases \
      | tee -a "$out/sft.txt" || failed=1
  done
done

section "3. decode tokens/s at 1 024 tokens of context, engine and PyTorch reference"
for preset in $presets; do
  bench decode --preset "$preset" --device "$device" --batches 1,64,256 --prompt 1024 --new 128 --rounds 3 \
    | tee -a "$out/decode.txt" || failed=1
  case "$preset" in
    paper) shape='"hidden":1024,"layers":18,"heads":16,"inter":2752' ;;
    base) shape='"hidden":512,"layers":8,"heads":8,"inter":1408' ;;
    *) shape='' ;;
  esac
  if [ -n "$shape" ] && [ -f .gpu/torch_decode_reference.py ] && [ "${device%%:*}" = cuda ]; then
    timeout 240 python3 .gpu/torch_decode_reference.py "{\"vocab\":125,$shape,\"ctx\":2048,\"fill\":1024,\"batches\":[1,64,256]}" \
      | tee -a "$out/decode.txt" || failed=1
  fi
done

section "done: $([ $failed = 0 ] && echo 'every step ran' || echo 'a step FAILED, see above')"
exit $failed
