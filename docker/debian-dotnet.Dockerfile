# The offline stand-in for mcr.microsoft.com/dotnet/aspnet (and /runtime): a Debian bookworm base (a debootstrap
# minbase root file system imported as an image) plus a .NET runtime with the ASP.NET Core shared framework, laid out
# as in Microsoft's images (/usr/share/dotnet, `dotnet` on PATH, user `app` uid 1654). scripts/containers.sh builds
# it from a context holding `dotnet/` (the muxer, host/fxr and the two shared frameworks of the host's .NET):
#   podman build -f docker/debian-dotnet.Dockerfile --build-arg BASE_IMAGE=localhost/apr/debian:bookworm CONTEXT
# With a registry, use Microsoft's images instead (the Dockerfiles' defaults).
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
COPY dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
 && groupadd --gid 1654 app \
 && useradd --uid 1654 --gid 1654 --no-create-home --shell /usr/sbin/nologin app
ENV DOTNET_ROOT=/usr/share/dotnet DOTNET_RUNNING_IN_CONTAINER=true DOTNET_CLI_TELEMETRY_OPTOUT=1
