#!/usr/bin/env bash
# Makes .gpu/ (git-ignored), what scripts/gpu_checks.sh and scripts/gpu_train.sh run on a CUDA machine that has
# PyTorch but no .NET (docs/design.md §11):
#   .gpu/app/AprOrleans.Bench/  the bench, published framework-dependent for linux-x64; the trainer comes with it
#                               (the bench references it). The CPU libtorch's native files are left out: the machine's
#                               own PyTorch supplies libtorch, with CUDA.
#   .gpu/dotnet.tar.xz          this machine's .NET runtime (host, Microsoft.NETCore.App, Microsoft.AspNetCore.App)
#   .gpu/run.sh NAME ARGS…      unpacks the runtime once, puts PyTorch's torch/lib on LD_LIBRARY_PATH and runs
#                               app/AprOrleans.Bench/NAME.dll (NAME: AprOrleans.Bench or trainer)
#
#   bash scripts/gpu_pack.sh
#
# The pack is copied to the GPU machine whole; the script fails when it is larger than GPU_PACK_LIMIT_MIB (default 64).
# To try the pack on a CPU machine, point run.sh at a libtorch of the version TorchSharp binds (Directory.Packages.props)
# instead of PyTorch's:
#   APR_LIBTORCH_DIR=~/.nuget/packages/libtorch-cpu-linux-x64/<version>/runtimes/linux-x64/native \
#     bash .gpu/run.sh AprOrleans.Bench decode --preset tiny --batches 1 --rounds 1
set -euo pipefail
cd "$(dirname "$0")/.."
limit_mib=${GPU_PACK_LIMIT_MIB:-64}
packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}
libtorch_version=$(sed -n 's/.*Include="libtorch-cpu-linux-x64" Version="\([^"]*\)".*/\1/p' Directory.Packages.props)
cpu_natives="$packages/libtorch-cpu-linux-x64/$libtorch_version/runtimes/linux-x64/native"
dotnet_home=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime_version=$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" && $2 ~ /^10\./ { v = $2 } END { print v }')
fail() { echo "gpu_pack: $*" >&2; exit 1; }
[[ -n "$libtorch_version" ]] || fail "no libtorch-cpu-linux-x64 version in Directory.Packages.props"
[[ -n "$runtime_version" ]] || fail "no .NET 10 runtime found by 'dotnet --list-runtimes'"
[[ -d "$dotnet_home/shared/Microsoft.AspNetCore.App/$runtime_version" ]] \
  || fail "no Microsoft.AspNetCore.App $runtime_version beside Microsoft.NETCore.App in $dotnet_home"

app=.gpu/app/AprOrleans.Bench
rm -rf "$app"
mkdir -p "$app"
echo "gpu_pack: publishing the bench (and the trainer with it) to $app"
dotnet publish bench -c Release -r linux-x64 --self-contained false -o "$app" -p:DebugType=none --nologo -v quiet
# The restore above fetched the CPU libtorch package; none of its native files may shadow the machine's CUDA libtorch.
[[ -d "$cpu_natives" ]] || fail "the CPU libtorch package is not at $cpu_natives"
removed=0
for native in "$cpu_natives"/*; do
  if [[ -e "$app/$(basename "$native")" ]]; then rm -f "$app/$(basename "$native")"; removed=$((removed + 1)); fi
done
echo "gpu_pack: left out $removed native files of libtorch-cpu $libtorch_version"
# The publish copies the shipped checkpoint for the silo; the work tree carried to the machine has it already.
rm -rf "$app/checkpoints"

# The runtime is packed once per runtime version: it is most of the pack and does not change between publishes.
stamp=.gpu/dotnet.version
if [[ ! -s .gpu/dotnet.tar.xz || "$(cat "$stamp" 2>/dev/null)" != "$runtime_version" ]]; then
  echo "gpu_pack: packing the .NET $runtime_version runtime"
  XZ_OPT=-9 tar cJf .gpu/dotnet.tar.xz.tmp -C "$dotnet_home" dotnet host \
    "shared/Microsoft.NETCore.App/$runtime_version" "shared/Microsoft.AspNetCore.App/$runtime_version"
  mv .gpu/dotnet.tar.xz.tmp .gpu/dotnet.tar.xz
  echo "$runtime_version" > "$stamp"
fi

cat > .gpu/run.sh <<'RUN'
#!/usr/bin/env bash
# bash .gpu/run.sh NAME ARGS… — runs app/AprOrleans.Bench/NAME.dll on the packed .NET runtime against the libtorch
# of this machine's PyTorch (or APR_LIBTORCH_DIR). Made by scripts/gpu_pack.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=${1:?usage: run.sh NAME ARGS... (NAME: AprOrleans.Bench or trainer)}
shift
runtime="$here/runtime"
if [[ ! -x "$runtime/dotnet" ]]; then
  # Unpacked beside, then moved: two runs starting together must not see a half-unpacked runtime.
  partial=$(mktemp -d "$here/runtime.XXXXXX")
  tar xJf "$here/dotnet.tar.xz" -C "$partial"
  mv -T "$partial" "$runtime" 2>/dev/null || rm -rf "$partial"
fi
libtorch=${APR_LIBTORCH_DIR:-$("${PYTHON:-python3}" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')} \
  || { echo "run.sh: python3 with torch is needed for its libtorch (or set APR_LIBTORCH_DIR)" >&2; exit 2; }
export DOTNET_ROOT="$runtime" DOTNET_CLI_TELEMETRY_OPTOUT=1 LD_LIBRARY_PATH="$libtorch:${LD_LIBRARY_PATH:-}"
exec "$runtime/dotnet" "$here/app/AprOrleans.Bench/$name.dll" "$@"
RUN
chmod +x .gpu/run.sh

# A runtime unpacked by an earlier local run.sh would double the pack: the GPU machine unpacks its own.
rm -rf .gpu/runtime .gpu/runtime.*
size_mib=$(( $(du -sk .gpu | cut -f1) / 1024 ))
echo "gpu_pack: .gpu/ is $size_mib MiB (limit $limit_mib MiB); carry it whole to the GPU machine"
(( size_mib <= limit_mib )) || fail ".gpu/ is over $limit_mib MiB (GPU_PACK_LIMIT_MIB)"
