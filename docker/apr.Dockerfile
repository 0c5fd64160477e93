# The `apr` CLI image; in the cluster it runs the schema-migration Job (`apr db migrate`) and the GRPO Job's
# init containers (`apr experiment create|start`, k8s/components/grpo). Build from the root:
#   docker build -f docker/apr.Dockerfile -t registry.example.com/apr/cli:0.1.0-cpu .
# The ENTRYPOINT is the command of k8s/base/migrate-job.yaml (tests/K8s compares them). CPU only: the tool's
# tensor verbs (solve, eval) are for workstations, and migration needs no GPU.
# Base images are build arguments: the standard ones by default; an offline build names local ones
# (scripts/containers.sh). PUBLISH=prebuilt takes artifacts/containers/publish/apr, the same publish made outside.
ARG DOTNET_VERSION=10.0
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime:${DOTNET_VERSION}
ARG PUBLISH=sdk

FROM ${SDK_IMAGE} AS publish-sdk
# python3 runs build/fix_glibcxx_requirement.py, the after-publish step that makes libLibTorchSharp.so loadable.
RUN apt-get update && apt-get install -y --no-install-recommends python3 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN dotnet publish client/AprOrleans.Client.csproj -c Release -r linux-x64 --self-contained false -p:DebugType=none -o /out/apr

FROM scratch AS publish-prebuilt
COPY artifacts/containers/publish/apr /out/apr

FROM publish-${PUBLISH} AS published

FROM ${RUNTIME_IMAGE} AS cpu
COPY --from=published /out/apr /app/apr
WORKDIR /app/apr
USER 1654
ENTRYPOINT ["dotnet", "/app/apr/apr.dll"]
