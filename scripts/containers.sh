#!/usr/bin/env bash
# The images of docker/ built and the k8s/ deployment run as podman containers on one machine, offline: what a
# cluster would run, checked before anyone deploys it (issue 24).
#   build  a Debian bookworm minbase root file system (debootstrap from this machine's apt mirror; the tarball is
#          cached under ${XDG_CACHE_HOME:-~/.cache}/apr-containers), imported as localhost/apr/debian:bookworm; on it
#          a .NET runtime image (this machine's runtime, laid out as Microsoft's), then the CPU images of the silo
#          (with the shipped checkpoint), the trainer and the apr tool from docker/*.Dockerfile with
#          PUBLISH=prebuilt (this machine's `dotnet publish`), and PostgreSQL from Debian's postgresql-15
#          (docker/postgres.Dockerfile). The CUDA targets are checked with `podman build --target cuda` up to the
#          PyTorch base, which cannot be pulled offline. Prints the image sizes.
#   up     renders the CPU overlay with the GRPO component (tests/K8s/overlays/cpu-grpo, secrets from k8s/secrets.sh
#          in a private copy) and starts, on a podman network, PostgreSQL, the migration Job, the two silos and the
#          GRPO Job (its init containers create and start the experiment, then the trainer), each with the exact
#          command line, environment, user, read-only root and volumes of its manifest; probes polled as the kubelet
#          would (periods and thresholds of the manifest). Overrides, and why: the GRPO settings become one short
#          step (GRPO_MAX_STEPS=1, GRPO_PROBLEMS_PER_STEP=6, GRPO_GROUP_SIZE=2) from the shipped checkpoint the silos
#          serve (GRPO_INIT=/runs/init/countdown3-apr, copied into the runs volume); status.podIP is the
#          container's fixed address on the network. Silo i publishes gRPC/HTTP on 127.0.0.1:PORT+100i+80/81.
#   test   build, up, then the checks (one line each; the first failure exits 1 naming it): the GRPO step end to end
#          (the trainer exits 0, every batcher of both silos serves the published version and decoded rollouts),
#          Solve over gRPC from the host with the apr image, a silo killed with SIGKILL and started again keeps the
#          experiment and answers Solve, `podman stop` of a silo ends well inside its grace period with exit 0 and
#          the silo marked Dead (left cleanly) in the membership table. Then down.
#   down   removes every container, volume and the network that up made (images and the cache stay).
# Usage: bash scripts/containers.sh build|up|test|down
# Environment: APR_CONTAINERS_PORT (host port base, default 18000), APR_CONTAINERS_SUBNET (default 10.89.207, a /24),
# APR_CONTAINERS_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/apr-containers), APR_CONTAINERS_KEEP=1 (test leaves the
# containers up), CONTAINERS_CONF (else a generated one: runtime runc, nofile 20000 — crun and the default ulimits
# fail in this kind of sandbox). Needs podman, buildah, debootstrap, runc, kubectl, jq, yq (python-yq), curl, dotnet.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

[[ $# -eq 1 && "$1" =~ ^(build|up|test|down)$ ]] || { echo "usage: bash scripts/containers.sh build|up|test|down" >&2; exit 2; }
verb=$1

say() { echo "== containers.sh: $*"; }
die() { echo "containers.sh: $*" >&2; exit 1; }
check_failed() { echo "containers.sh: CHECK FAILED: $*" >&2; exit 1; }

port_base=${APR_CONTAINERS_PORT:-18000}
subnet=${APR_CONTAINERS_SUBNET:-10.89.207}
cache=${APR_CONTAINERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/apr-containers}
state=$root/artifacts/containers/run
network=apr-containers
label=io.aprorleans.containers=1
overlay=tests/K8s/overlays/cpu-grpo
base_image=localhost/apr/debian:bookworm
dotnet_image=localhost/apr/dotnet:10.0
silo_image=localhost/apr/silo:cpu
trainer_image=localhost/apr/trainer:cpu
cli_image=localhost/apr/cli:cpu
postgres_image=localhost/apr/postgres:15

for tool in podman jq curl; do command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install podman buildah skopeo debootstrap runc uidmap fuse-overlayfs slirp4netns jq yq curl)"; done
if [[ -z "${CONTAINERS_CONF:-}" ]]; then
  mkdir -p "$cache"
  export CONTAINERS_CONF=$cache/containers.conf
  printf '%s\n' '# Written by scripts/containers.sh: crun cannot set rlimits in this kind of sandbox, runc can.' \
    '[containers]' 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]' '[engine]' 'runtime = "runc"' > "$CONTAINERS_CONF"
fi

image_size() { podman image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1e6 }'; }

# ---------------------------------------------------------------- build
debian_mirror() {
  # The first Debian mirror of the machine's apt sources (deb822 .sources or one-line .list).
  local files=(/etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list) m
  m=$(cat "${files[@]}" 2>/dev/null | awk '/^URIs:/ && $2 !~ /security/ { print $2; exit } /^deb / && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }')
  [[ -n "$m" ]] || die "no Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d/"
  echo "$m"
}

build_base() {
  if podman image exists "$base_image"; then say "base image $base_image exists"; return; fi
  command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
  local mirror packages key tarball
  mirror=$(debian_mirror)
  packages=ca-certificates,libicu72,libssl3,tzdata
  # The cache key names everything the tarball depends on; a tarball is only ever written whole (tmp, then mv).
  key=$(printf '%s %s %s' bookworm "$mirror" "$packages" | sha256sum | cut -c1-16)
  tarball=$cache/rootfs-bookworm-minbase-$key.tar
  if [[ ! -s "$tarball" ]]; then
    local rootfs; rootfs=$(mktemp -d "${TMPDIR:-/tmp}/apr-rootfs.XXXXXX")
    say "debootstrap --variant=minbase bookworm from $mirror (cached as $tarball)"
    debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror" > "$cache/debootstrap.log" 2>&1 \
      || { rm -rf "$rootfs"; die "debootstrap failed; see $cache/debootstrap.log"; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
  fi
  say "importing $tarball as $base_image"
  podman import --quiet "$tarball" "$base_image" >/dev/null
}

build_dotnet() {
  if podman image exists "$dotnet_image"; then say "runtime image $dotnet_image exists"; return; fi
  local dotnet_root context
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  [[ -d "$dotnet_root/shared/Microsoft.AspNetCore.App" ]] || die "no ASP.NET Core runtime under $dotnet_root/shared"
  context=$root/artifacts/containers/dotnet-context
  rm -rf "$context"; mkdir -p "$context/dotnet/shared"
  cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$context/dotnet/"
  cp -a "$dotnet_root"/*.txt "$context/dotnet/" 2>/dev/null || true
  cp -a "$dotnet_root/shared/Microsoft.NETCore.App" "$dotnet_root/shared/Microsoft.AspNetCore.App" "$context/dotnet/shared/"
  podman build --quiet -f docker/debian-dotnet.Dockerfile --build-arg BASE_IMAGE="$base_image" -t "$dotnet_image" "$context" >/dev/null
  rm -rf "$context"
}

share_native_files() {
  # The three publishes carry the same ~480 MB of libtorch: hard-link each identical file to the first folder's copy
  # so the publish area holds it once (a small CI disk ran out on the third copy). Modes stay those of a publish.
  local first=$1 other=$2 file
  [[ "$first" == "$other" ]] && return 0
  for file in "$first"/*.so "$first"/*.so.*; do
    [[ -f "$file" && -f "$other/${file##*/}" ]] || continue
    cmp -s "$file" "$other/${file##*/}" && ln -f "$file" "$other/${file##*/}"
  done
  return 0
}

publish() {
  # The publish command of the Dockerfiles' publish-sdk stage, on this machine; the -cuda folders drop the CPU
  # libtorch files as that stage does (the PyTorch base image supplies libtorch).
  local out=artifacts/containers/publish nuget=${NUGET_PACKAGES:-$HOME/.nuget/packages}
  local project name
  for project in silo/AprOrleans.Silo.csproj:silo trainer/AprOrleans.Trainer.csproj:trainer client/AprOrleans.Client.csproj:apr; do
    name=${project##*:}
    say "dotnet publish ${project%%:*} -> $out/$name"
    dotnet publish "${project%%:*}" -c Release -r linux-x64 --self-contained false -p:DebugType=none -o "$out/$name" --nologo -v quiet \
      || die "dotnet publish ${project%%:*} failed"
    share_native_files "$out/silo" "$out/$name"
  done
  for name in silo trainer; do
    rm -rf "$out/$name-cuda"; cp -al "$out/$name" "$out/$name-cuda"
    for f in "$nuget"/libtorch-cpu-linux-x64/*/runtimes/linux-x64/native/*; do rm -f "$out/$name-cuda/$(basename "$f")"; done
  done
}

build() {
  local started=$SECONDS
  mkdir -p "$cache"
  build_base
  build_dotnet
  publish
  local offline=(--build-arg PUBLISH=prebuilt --build-arg RUNTIME_IMAGE="$dotnet_image")
  say "podman build docker/silo.Dockerfile, trainer.Dockerfile, apr.Dockerfile (target cpu, PUBLISH=prebuilt, RUNTIME_IMAGE=$dotnet_image)"
  podman build --quiet -f docker/silo.Dockerfile --target cpu "${offline[@]}" -t "$silo_image" . >/dev/null || die "podman build of the silo image failed"
  podman build --quiet -f docker/trainer.Dockerfile --target cpu "${offline[@]}" -t "$trainer_image" . >/dev/null || die "podman build of the trainer image failed"
  podman build --quiet -f docker/apr.Dockerfile --target cpu "${offline[@]}" -t "$cli_image" . >/dev/null || die "podman build of the apr image failed"
  if ! podman image exists "$postgres_image"; then
    say "podman build docker/postgres.Dockerfile (Debian's postgresql-15; postgres:17 cannot be pulled offline)"
    podman build --quiet --network host -f docker/postgres.Dockerfile --build-arg BASE_IMAGE="$base_image" -t "$postgres_image" . >/dev/null \
      || die "podman build of the PostgreSQL image failed"
  fi
  # The CUDA targets, as far as they go offline: every stage before the PyTorch base builds (publish, .NET runtime);
  # the base itself (TORCH_IMAGE, pytorch/pytorch:2.10.0-cuda12.8-cudnn9-runtime) cannot be pulled here, so the
  # libtorch lookup, ldconfig and the copy into it are not checked offline.
  local target
  for target in silo trainer; do
    podman build --quiet -f "docker/$target.Dockerfile" --target published "${offline[@]}" . >/dev/null \
      || die "podman build --target published of docker/$target.Dockerfile (the CUDA image's program) failed"
    if podman image exists pytorch/pytorch:2.10.0-cuda12.8-cudnn9-runtime; then
      podman build --quiet -f "docker/$target.Dockerfile" --target cuda "${offline[@]}" -t "localhost/apr/$target:cuda" . >/dev/null \
        || die "podman build --target cuda of docker/$target.Dockerfile failed"
    else
      say "docker/$target.Dockerfile --target cuda: stages up to the PyTorch base built; the base is not available offline (not checked)"
    fi
  done
  say "images (built in $((SECONDS - started)) s):"
  local image
  for image in "$base_image" "$dotnet_image" "$silo_image" "$trainer_image" "$cli_image" "$postgres_image"; do
    printf '   %-32s %s\n' "$image" "$(image_size "$image")"
  done
  # The images hold their own copies now; the publish area (~0.5 GB) is rebuilt by every build.
  rm -rf artifacts/containers/publish
}

# ---------------------------------------------------------------- render and run the manifests
render() {
  command -v kubectl >/dev/null || die "kubectl is not installed (apt-get install kubernetes-client)"
  command -v yq >/dev/null || die "yq is not installed (apt-get install yq)"
  # A private copy, so the checkout's own secrets (if any) are neither used nor touched.
  rm -rf "$state"; mkdir -p "$state/render/tests/K8s"
  cp -a k8s "$state/render/k8s"; cp -a tests/K8s/overlays "$state/render/tests/K8s/overlays"
  rm -f "$state/render/k8s/base/secrets.env" "$state/render/k8s/base/silo-tls.crt" "$state/render/k8s/base/silo-tls.key"
  bash "$state/render/k8s/secrets.sh" 2>/dev/null || die "k8s/secrets.sh failed"
  kubectl kustomize "$state/render/$overlay" > "$state/render.yaml" || die "kubectl kustomize $overlay failed"
  yq -s . "$state/render.yaml" > "$state/render.raw.json" || die "yq could not read the rendered manifests"
  # Secrets' data decoded into stringData here (jq 1.6's @base64d rejects some valid values).
  local decoded='{}' n k v
  while IFS=$'\t' read -r n k v; do
    decoded=$(jq --arg n "$n" --arg k "$k" --arg v "$(base64 -d <<< "$v")" '.[$n][$k] = $v' <<< "$decoded")
  done < <(jq -r '.[] | select(.kind == "Secret") | .metadata.name as $n | (.data // {}) | to_entries[] | [$n, .key, (.value | gsub("\\s"; ""))] | @tsv' "$state/render.raw.json")
  jq --argjson d "$decoded" 'map(if .kind == "Secret" then .stringData = ((.stringData // {}) + ($d[.metadata.name] // {})) else . end)' \
    "$state/render.raw.json" > "$state/render.json"
}

# The resolved view of one container of the render, as JSON: {line: [command+args, $(VAR) expanded], env: {..},
# user, groups, readonly, capdrop, noprivesc, grace, mounts: [{kind, source, path, ro, mode, group}], ports: {name: port}}.
# Args: KIND OWNER CONTAINER-LIST CONTAINER FIELDS-JSON OVERRIDES-JSON (environment values replaced after resolution).
resolve() {
  jq -e --arg kind "$1" --arg owner "$2" --arg list "$3" --arg name "$4" --argjson fields "$5" --argjson over "$6" '
    . as $all
    | ($all[] | select(.kind == $kind and .metadata.name == $owner)) as $o
    | $o.spec.template.spec as $pod
    | ($pod[$list][] | select(.name == $name)) as $c
    | def obj($k; $n): $all[] | select(.kind == $k and .metadata.name == $n);
      def secret($n; $key): obj("Secret"; $n) | .stringData[$key];
    ( ([ $c.envFrom[]? | obj("ConfigMap"; .configMapRef.name).data ] | add) // {} ) as $from
    | (reduce ($c.env // [])[] as $e ($from;
        . + { ($e.name): (
          if $e | has("value") then $e.value
          elif $e.valueFrom.secretKeyRef then secret($e.valueFrom.secretKeyRef.name; $e.valueFrom.secretKeyRef.key)
          elif $e.valueFrom.configMapKeyRef then obj("ConfigMap"; $e.valueFrom.configMapKeyRef.name).data[$e.valueFrom.configMapKeyRef.key]
          elif $e.valueFrom.fieldRef then ($fields[$e.valueFrom.fieldRef.fieldPath] // error("no value for field \($e.valueFrom.fieldRef.fieldPath)"))
          else error("env \($e.name): unsupported source") end) }) + $over) as $env
    | (($pod.securityContext // {}) + ($c.securityContext // {})) as $sc
    | {
        line: ((($c.command // []) + ($c.args // []))
               | map(gsub("\\$\\((?<v>[A-Za-z_][A-Za-z0-9_]*)\\)"; if $env[.v] then $env[.v] else "$(\(.v))" end))),
        env: $env,
        user: "\($sc.runAsUser // "")",
        group: "\($sc.runAsGroup // "")",
        fsgroup: "\($pod.securityContext.fsGroup // "")",
        readonly: ($sc.readOnlyRootFilesystem // false),
        capdrop: ($sc.capabilities.drop // []),
        noprivesc: ($sc.allowPrivilegeEscalation == false),
        grace: ($pod.terminationGracePeriodSeconds // 30),
        ports: ([ $c.ports[]? | { key: .name, value: .containerPort } ] | from_entries),
        mounts: [ ($c.volumeMounts // [])[] as $m
          | ([ $pod.volumes[]? | select(.name == $m.name) ] | first) as $v
          | if $v == null then { kind: "claim-template", source: $m.name, path: $m.mountPath, ro: ($m.readOnly // false) }
            elif $v.emptyDir then { kind: "tmpfs", path: $m.mountPath }
            elif $v.secret then { kind: "secret", source: $v.secret.secretName, path: $m.mountPath, ro: true,
                                  mode: ($v.secret.defaultMode // 420) }
            elif $v.persistentVolumeClaim then { kind: "claim", source: $v.persistentVolumeClaim.claimName, path: $m.mountPath,
                                                 ro: ($m.readOnly // false) }
            else error("volume \($m.name): unsupported kind") end ],
        probes: { startup: $c.startupProbe, readiness: $c.readinessProbe, liveness: $c.livenessProbe }
      }' "$state/render.json"
}

# A Secret of the render written as files (the kubelet's secret volume): mode from defaultMode, group fsGroup.
secret_dir() {
  local name=$1 mode=$2 group=$3 dir=$state/secrets/$1 key
  if [[ ! -d "$dir" ]]; then
    mkdir -p "$dir"
    for key in $(jq -r --arg n "$name" '.[] | select(.kind == "Secret" and .metadata.name == $n) | (.data // {}) | keys[]' "$state/render.json"); do
      jq -r --arg n "$name" --arg k "$key" '.[] | select(.kind == "Secret" and .metadata.name == $n) | .data[$k]' "$state/render.json" \
        | base64 -d > "$dir/$key"
      chmod "$(printf '%o' "$mode")" "$dir/$key"
      [[ -n "$group" ]] && chgrp "$group" "$dir/$key"
    done
    chmod 755 "$dir"
  fi
  echo "$dir"
}

# A claim as a podman volume, made writable by the pod's fsGroup as the kubelet does for fsGroup.
claim_volume() {
  local volume=$1 group=$2
  if ! podman volume exists "$volume"; then
    podman volume create --label "$label" "$volume" >/dev/null
    if [[ -n "$group" ]]; then
      podman run --rm --user 0 -v "$volume:/v" "$base_image" sh -c "chgrp $group /v && chmod 2775 /v" >/dev/null
    fi
  fi
  echo "$volume"
}

# podman options of a resolved container (user, groups, read-only root, capabilities, mounts, environment), into
# the array OPTS: set here, not printed, so that a failure stops the script instead of dropping options.
podman_options() {
  local spec=$1 pod=$2 m kind source path ro mode volume
  local user group fsgroup
  OPTS=()
  user=$(jq -r .user <<< "$spec"); group=$(jq -r .group <<< "$spec"); fsgroup=$(jq -r .fsgroup <<< "$spec")
  if [[ -n "$user" ]]; then OPTS+=(--user "$user${group:+:$group}"); fi
  if [[ -n "$fsgroup" ]]; then OPTS+=(--group-add "$fsgroup"); fi
  if [[ $(jq -r .readonly <<< "$spec") == true ]]; then OPTS+=(--read-only); fi
  if [[ $(jq -r .noprivesc <<< "$spec") == true ]]; then OPTS+=(--security-opt no-new-privileges); fi
  for m in $(jq -r '.capdrop[]' <<< "$spec"); do OPTS+=(--cap-drop "$m"); done
  local mounts; mounts=$(jq -r '.mounts[] | [.kind, (.source // "-"), .path, (.ro // false), (.mode // 0)] | @tsv' <<< "$spec")
  while IFS=$'\t' read -r kind source path ro mode; do
    [[ -n "$kind" ]] || continue
    case $kind in
      tmpfs) OPTS+=(--tmpfs "$path:rw,exec,mode=1777") ;;
      secret) volume=$(secret_dir "$source" "$mode" "$fsgroup"); OPTS+=(-v "$volume:$path:ro") ;;
      claim) volume=$(claim_volume "$source" "$fsgroup"); OPTS+=(-v "$volume:$path$([[ $ro == true ]] && echo :ro || true)") ;;
      claim-template) volume=$(claim_volume "$source-$pod" "$fsgroup"); OPTS+=(-v "$volume:$path") ;;
    esac
  done <<< "$mounts"
  local count; count=$(jq '.env | length' <<< "$spec")
  local i; for ((i = 0; i < count; i++)); do OPTS+=(-e "$(jq -r --argjson i "$i" '.env | to_entries[$i] | "\(.key)=\(.value)"' <<< "$spec")"); done
}

# Runs one container of the render. Args: POD-NAME IP IMAGE SPEC DETACH(yes|no) [extra podman options...]
run_container() {
  local pod=$1 ip=$2 image=$3 spec=$4 detach=$5; shift 5
  local line=()
  podman_options "$spec" "$pod"
  while IFS= read -r -d '' a; do line+=("$a"); done < <(jq -j '.line[] | "\(.)\u0000"' <<< "$spec")
  local run=(podman run --name "$pod" --hostname "$pod" --label "$label" --network "$network" --stop-timeout "$(jq -r .grace <<< "$spec")"
             "${OPTS[@]}" "$@")
  # No command in the manifest: the image's ENTRYPOINT (as for the postgres container).
  (( ${#line[@]} > 0 )) && run+=(--entrypoint "${line[0]}")
  [[ -n "$ip" ]] && run+=(--ip "$ip")
  if [[ $detach == yes ]]; then "${run[@]}" -d "$image" "${line[@]:1}" >/dev/null
  else "${run[@]}" "$image" "${line[@]:1}"; fi
}

# Polls one probe of a resolved container as the kubelet does: initialDelaySeconds, then every periodSeconds; fails
# after failureThreshold failures in a row (or when the container stops). Args: POD SPEC PROBE HOST-PORT-OF-CONTAINER-PORT...
wait_probe() {
  local pod=$1 spec=$2 which=$3; shift 3
  local probe; probe=$(jq -c --arg w "$which" '.probes[$w]' <<< "$spec")
  [[ "$probe" != null ]] || return 0
  local period delay threshold timeout failures=0
  period=$(jq -r '.periodSeconds // 10' <<< "$probe"); delay=$(jq -r '.initialDelaySeconds // 0' <<< "$probe")
  threshold=$(jq -r '.failureThreshold // 3' <<< "$probe"); timeout=$(jq -r '.timeoutSeconds // 1' <<< "$probe")
  # A readiness probe that fails only marks the pod not ready; waiting for ready is bounded like the startup probe.
  [[ $which == readiness ]] && threshold=60
  sleep "$delay"
  while true; do
    [[ $(podman inspect --format '{{.State.Running}}' "$pod") == true ]] \
      || { podman logs --tail 30 "$pod" >&2 || true; check_failed "$pod stopped while its $which probe was polled"; }
    if jq -e '.httpGet' <<< "$probe" >/dev/null; then
      local port path hostport
      port=$(jq -r '.httpGet.port' <<< "$probe"); path=$(jq -r '.httpGet.path // "/"' <<< "$probe")
      [[ "$port" =~ ^[0-9]+$ ]] || port=$(jq -r --arg p "$port" '.ports[$p]' <<< "$spec")
      hostport=$(host_port "$pod" "$port")
      curl -fsS -o /dev/null -m "$timeout" "http://127.0.0.1:$hostport$path" 2>/dev/null && { say "$pod: $which probe GET :$port$path ok"; return 0; }
    else
      local cmd=(); while IFS= read -r -d '' a; do cmd+=("$a"); done < <(jq -j '.exec.command[] | "\(.)\u0000"' <<< "$probe")
      timeout "$((timeout + 10))" podman exec "$pod" "${cmd[@]}" >/dev/null 2>&1 && { say "$pod: $which probe exec ${cmd[*]} ok"; return 0; }
    fi
    failures=$((failures + 1))
    (( failures >= threshold )) && { podman logs --tail 30 "$pod" >&2 || true; check_failed "$pod: $which probe failed $failures times"; }
    sleep "$period"
  done
}

silo_index() { [[ $1 =~ -([0-9]+)$ ]] && echo "${BASH_REMATCH[1]}"; }
host_port() { echo $((port_base + 100 * $(silo_index "$1") + $2 % 100)); }

# The documented overrides of the GRPO settings (header): one short step from the model the silos serve.
grpo_overrides='{"GRPO_MAX_STEPS":"1","GRPO_PROBLEMS_PER_STEP":"6","GRPO_GROUP_SIZE":"2","GRPO_INIT":"/runs/init/countdown3-apr"}'
silo_names=(apr-silo-0 apr-silo-1)

silo_spec() {
  local i=$1
  resolve StatefulSet apr-silo containers silo "{\"metadata.name\":\"apr-silo-$i\",\"status.podIP\":\"$subnet.$((20 + i))\"}" '{}'
}

start_silo() {
  local i=$1 spec pod=apr-silo-$1 publish=()
  spec=$(silo_spec "$i") || die "cannot resolve the silo container of the render"
  local name
  for name in grpc http; do
    local port; port=$(jq -r --arg n "$name" '.ports[$n]' <<< "$spec")
    publish+=(-p "127.0.0.1:$(host_port "$pod" "$port"):$port")
  done
  run_container "$pod" "$subnet.$((20 + i))" "$silo_image" "$spec" yes "${publish[@]}" --network-alias apr-grpc --network-alias apr-silo
}

wait_silo() {
  local i=$1 spec; spec=$(silo_spec "$i")
  wait_probe "apr-silo-$i" "$spec" startup
  wait_probe "apr-silo-$i" "$spec" readiness
  wait_probe "apr-silo-$i" "$spec" liveness
}

up() {
  local started=$SECONDS
  for image in "$silo_image" "$trainer_image" "$cli_image" "$postgres_image"; do
    podman image exists "$image" || die "image $image is missing (run: bash scripts/containers.sh build)"
  done
  down quiet
  render
  podman network create --label "$label" --subnet "$subnet.0/24" "$network" >/dev/null
  # PostgreSQL: the StatefulSet's container (image: the Debian postgresql-15 build; postgres:17 cannot be pulled here).
  local spec
  spec=$(resolve StatefulSet apr-postgres containers postgres '{}' '{}') || die "cannot resolve the postgres container"
  say "starting apr-postgres-0 (PostgreSQL)"
  run_container apr-postgres-0 "$subnet.10" "$postgres_image" "$spec" yes --network-alias apr-postgres
  wait_probe apr-postgres-0 "$spec" readiness
  # The migration Job (backoffLimit retries).
  spec=$(resolve Job apr-migrate containers migrate '{}' '{}') || die "cannot resolve the migration Job"
  local tries=0 limit; limit=$(jq -r '.[] | select(.kind == "Job" and .metadata.name == "apr-migrate") | .spec.backoffLimit // 6' "$state/render.json")
  say "running the migration Job apr-migrate"
  until run_container apr-migrate "" "$cli_image" "$spec" no --rm > "$state/migrate.log" 2>&1; do
    tries=$((tries + 1)); (( tries > limit )) && { cat "$state/migrate.log" >&2; check_failed "the migration Job failed $tries times"; }
    sleep 5
  done
  grep -q "schema applied" "$state/migrate.log" || { cat "$state/migrate.log" >&2; check_failed "the migration Job did not apply the schema"; }
  say "starting the silos ${silo_names[*]}"
  start_silo 0; start_silo 1
  wait_silo 0; wait_silo 1
  # The GRPO Job: the runs claim holds the shipped checkpoint the silos serve (the SFT Job's output in a cluster).
  local claim runs
  claim=$(jq -r '.[] | select(.kind == "Job" and .metadata.name == "apr-grpo") | .spec.template.spec.volumes[] | select(.persistentVolumeClaim) | .persistentVolumeClaim.claimName' "$state/render.json")
  runs=$(claim_volume "$claim" "$(jq -r '.[] | select(.kind == "Job" and .metadata.name == "apr-grpo") | .spec.template.spec.securityContext.fsGroup' "$state/render.json")")
  podman run --rm --user 0 -v "$runs:/runs" -v "$root/checkpoints/countdown3-apr:/init:ro" "$base_image" \
    sh -c 'mkdir -p /runs/init && cp -r /init /runs/init/countdown3-apr && chown -R 1654:1654 /runs/init' >/dev/null
  local init
  for init in $(jq -r '.[] | select(.kind == "Job" and .metadata.name == "apr-grpo") | .spec.template.spec.initContainers[].name' "$state/render.json"); do
    spec=$(resolve Job apr-grpo initContainers "$init" '{}' "$grpo_overrides") || die "cannot resolve init container $init"
    say "GRPO Job init container $init"
    run_container "apr-grpo-$init" "" "$cli_image" "$spec" no --rm || check_failed "the GRPO Job's init container $init failed"
  done
  spec=$(resolve Job apr-grpo containers trainer '{}' "$grpo_overrides") || die "cannot resolve the GRPO trainer"
  say "starting the GRPO trainer apr-grpo"
  run_container apr-grpo "" "$trainer_image" "$spec" yes
  say "up in $((SECONDS - started)) s: gRPC 127.0.0.1:$(host_port apr-silo-0 5080) and 127.0.0.1:$(host_port apr-silo-1 5080)"
}

down() {
  local ids; ids=$(podman ps -aq --filter "label=$label")
  [[ -n "$ids" ]] && podman rm -f -t 0 $ids >/dev/null
  ids=$(podman volume ls -q --filter "label=$label")
  [[ -n "$ids" ]] && podman volume rm -f $ids >/dev/null
  podman network exists "$network" && podman network rm -f "$network" >/dev/null
  [[ "${1:-}" == quiet ]] || say "removed the containers, volumes and network of up"
  return 0
}

# ---------------------------------------------------------------- test
apr() { podman run --rm --network host --label "$label" "$cli_image" "$@"; }
cluster() { curl -fsS -m 30 "http://127.0.0.1:$(host_port "$1" 5081)/ui/api/cluster"; }

test_all() {
  local started=$SECONDS
  build
  local t_build=$((SECONDS - started))
  [[ "${APR_CONTAINERS_KEEP:-}" == 1 ]] || trap 'down' EXIT
  up
  local token experiment g0 g1
  token=$(jq -r '.[] | select(.kind == "Secret" and .metadata.name == "apr-secrets") | .stringData["admin-token"]' "$state/render.json")
  experiment=$(jq -r '.[] | select(.kind == "ConfigMap" and (.metadata.name | startswith("apr-grpo"))) | .data.GRPO_EXPERIMENT' "$state/render.json")
  g0=http://127.0.0.1:$(host_port apr-silo-0 5080); g1=http://127.0.0.1:$(host_port apr-silo-1 5080)

  say "check: one GRPO step end to end (trainer apr-grpo pulls, trains, publishes; waiting up to 30 min)"
  local exit_code
  exit_code=$(timeout 1800 podman wait apr-grpo) || { podman logs --tail 40 apr-grpo >&2; check_failed "the GRPO trainer did not finish within 30 min"; }
  podman logs apr-grpo > "$state/trainer.log" 2>&1
  [[ "$exit_code" == 0 ]] || { tail -40 "$state/trainer.log" >&2; check_failed "the GRPO trainer exited with $exit_code"; }
  local status; status=$(apr experiment status "$experiment" --silo "$g0") || check_failed "apr experiment status $experiment failed"
  echo "$status"
  grep -q DONE <<< "$status" || check_failed "experiment $experiment is not DONE after its one step"
  local pod reply
  for pod in "${silo_names[@]}"; do
    reply=$(cluster "$pod") || check_failed "ListServing (/ui/api/cluster) on $pod failed"
    echo "   $pod ListServing: $(jq -c '{current: .currentVersion, batchers: [.batchers[] | {batcher, version, decodeCalls}]}' <<< "$reply")"
    jq -e '(.currentVersion | tonumber) as $v | $v >= 1 and (.batchers | length) >= 2
           and all(.batchers[]; (.version | tonumber) == $v)' <<< "$reply" >/dev/null \
      || check_failed "$pod: not every batcher serves the published version: $reply"
    jq -e --arg p "$pod" '[.batchers[] | select(.batcher | startswith($p + "/")) | (.decodeCalls // 0 | tonumber)] | add > 0' <<< "$reply" >/dev/null \
      || check_failed "no rollout decoded on $pod: $reply"
  done

  say "check: Solve over gRPC from the host ($g0, apr image)"
  apr solve 36 81 32 77 --silo "$g0" --temperature 0 || check_failed "apr solve through $g0 exited non-zero"

  say "check: apr-silo-1 killed with SIGKILL and started again keeps the experiment and answers Solve"
  podman kill --signal KILL apr-silo-1 >/dev/null
  podman wait apr-silo-1 >/dev/null || true
  podman start apr-silo-1 >/dev/null
  wait_silo 1
  apr experiment status "$experiment" --silo "$g1" | tee "$state/status-after-kill.txt" || check_failed "apr experiment status through the restarted silo failed"
  grep -q DONE "$state/status-after-kill.txt" || check_failed "the restarted silo does not show experiment $experiment as DONE"
  apr solve 36 81 32 77 --silo "$g1" --temperature 0 || check_failed "apr solve through the restarted apr-silo-1 exited non-zero"

  say "check: podman stop apr-silo-0 honours the shutdown (grace $(jq -r .grace <<< "$(silo_spec 0)") s, Apr__ShutdownTimeoutSeconds $(jq -r '.env.Apr__ShutdownTimeoutSeconds' <<< "$(silo_spec 0)") s)"
  local t0=$SECONDS
  podman stop apr-silo-0 >/dev/null
  local took=$((SECONDS - t0)) code; code=$(podman inspect --format '{{.State.ExitCode}}' apr-silo-0)
  podman logs apr-silo-0 > "$state/silo-0.log" 2>&1
  [[ "$code" == 0 ]] || { tail -30 "$state/silo-0.log" >&2; check_failed "apr-silo-0 exited with $code after podman stop (137: killed after the grace period)"; }
  grep -qi "unhandled exception" "$state/silo-0.log" && check_failed "apr-silo-0 logged an unhandled exception"
  local dead
  dead=$(podman exec apr-postgres-0 psql -U apr -d apr -tAc "SELECT status FROM orleansmembershiptable WHERE siloname = 'apr-silo-0' ORDER BY generation DESC LIMIT 1")
  [[ "$dead" == 6 ]] || check_failed "apr-silo-0's membership row has status '$dead', not 6 (Dead): it did not leave the cluster cleanly"
  say "apr-silo-0 stopped in $took s with exit 0 and left the cluster (membership status Dead)"
  say "all checks passed (build $t_build s, total $((SECONDS - started)) s)"
}

case $verb in
  build) build ;;
  up) up ;;
  down) down ;;
  test) test_all ;;
esac
