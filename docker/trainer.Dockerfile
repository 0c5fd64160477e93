# The trainer image (`trainer sft`, and `trainer grpo` in k8s/components/grpo). Build from the repository root:
#   docker build -f docker/trainer.Dockerfile --target cpu  -t registry.example.com/apr/trainer:0.1.0-cpu  .
#   docker build -f docker/trainer.Dockerfile --target cuda -t registry.example.com/apr/trainer:0.1.0-cuda .
# The ENTRYPOINT is the command of k8s/base/trainer-job.yaml (tests/K8s compares them).
# Base images are build arguments: the standard ones by default (what a machine with a registry pulls); an offline
# build names local ones (scripts/containers.sh: a Debian bookworm base with the .NET runtime, and the host's publish).
ARG DOTNET_VERSION=10.0
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime:${DOTNET_VERSION}
# Where the published program comes from: `sdk` publishes it in SDK_IMAGE (default); `prebuilt` takes the same
# `dotnet publish` made outside, from artifacts/containers/publish/trainer (and trainer-cuda), as scripts/containers.sh does.
ARG PUBLISH=sdk
# TorchSharp 0.107.0 binds libtorch 2.10.0 (DESIGN §11): the CUDA image runs on that PyTorch's own libtorch,
# since no TorchSharp CUDA package is available to us (docs/design.md §11 says how to do the same outside containers).
# Any image whose PyTorch is 2.10.x (CUDA build) will do; check the tag exists in your registry mirror.
ARG TORCH_IMAGE=pytorch/pytorch:2.10.0-cuda12.8-cudnn9-runtime

FROM ${SDK_IMAGE} AS publish-sdk
# python3 runs build/fix_glibcxx_requirement.py, the after-publish step that makes libLibTorchSharp.so loadable.
RUN apt-get update && apt-get install -y --no-install-recommends python3 && rm -rf /var/lib/apt/lists/*
# The NuGet cache location is explicit, so the CUDA step below can find the CPU libtorch files it removes.
ENV NUGET_PACKAGES=/nuget
WORKDIR /src
COPY . .
# Framework-dependent for linux-x64: native files land flat beside the assemblies, where TorchSharp looks.
RUN dotnet publish trainer/AprOrleans.Trainer.csproj -c Release -r linux-x64 --self-contained false -p:DebugType=none -o /out/trainer
# The CUDA variant drops every file of the CPU libtorch package; the PyTorch base image supplies libtorch.
RUN cp -a /out/trainer /out/trainer-cuda \
 && for f in ${NUGET_PACKAGES}/libtorch-cpu-linux-x64/*/runtimes/linux-x64/native/*; do rm -f "/out/trainer-cuda/$(basename "$f")"; done

FROM scratch AS publish-prebuilt
COPY artifacts/containers/publish/trainer /out/trainer
COPY artifacts/containers/publish/trainer-cuda /out/trainer-cuda

FROM publish-${PUBLISH} AS published

FROM ${RUNTIME_IMAGE} AS dotnet-runtime

FROM ${TORCH_IMAGE} AS cuda
COPY --from=dotnet-runtime /usr/share/dotnet /usr/share/dotnet
# libtorch from the image's PyTorch: its folder goes into the loader's cache under its real path (not a symlink),
# so libtorch's $ORIGIN-relative run paths to the CUDA libraries still resolve. Then a non-root user with the uid
# of the .NET images' `app` user, which the manifests' securityContext names.
RUN ln -s /usr/share/dotnet/dotnet /usr/local/bin/dotnet \
 && python -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' > /etc/ld.so.conf.d/libtorch.conf \
 && ldconfig \
 && useradd --uid 1654 --user-group --no-create-home --shell /usr/sbin/nologin app
ENV DOTNET_ROOT=/usr/share/dotnet DOTNET_RUNNING_IN_CONTAINER=true
COPY --from=published /out/trainer-cuda /app/trainer
WORKDIR /app/trainer
USER 1654
ENTRYPOINT ["dotnet", "/app/trainer/trainer.dll"]

# Last stage = the default target: the CPU image, with the CPU libtorch from NuGet.
FROM ${RUNTIME_IMAGE} AS cpu
COPY --from=published /out/trainer /app/trainer
WORKDIR /app/trainer
USER 1654
ENTRYPOINT ["dotnet", "/app/trainer/trainer.dll"]
