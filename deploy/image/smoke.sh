#!/usr/bin/env bash
# Builds the Dockerfile with podman and runs the image the way a user does: GET /hello, a 64 KB
# echo, GET /hello over HTTPS (a test certificate mounted as a directory, as a Secret is), the
# admin endpoint with and without the token, user 10001 with java as PID 1, the memory
# flags the entrypoint derives from the container's limit (512 MiB, 1 GiB, none), the HEALTHCHECK,
# and SIGTERM draining to exit 143 inside --stop-timeout; then a fleet of three replicas behind
# nginx, one of them stopped under load. Ends with one "N passed, M failed" line; exits 1 on any
# failure, each failure naming its check.
#
#   deploy/image/smoke.sh                                  # stand-in base images (see below)
#   MPOOL_SMOKE_BASES=upstream deploy/image/smoke.sh       # the Dockerfile's own (Docker Hub)
#
# Installs podman, runc, debootstrap and curl with apt-get when they are missing. Stand-in base
# images, for machines that cannot reach Docker Hub: a debootstrapped Debian bookworm (from the
# host's Debian mirror), and on it Debian's OpenJDK 17 + Maven (builder) and OpenJDK 17 JRE
# (runtime); the builder trusts the host's extra CA certificates and uses its ~/.m2/settings.xml.
# They and podman's layer cache stay between runs (state in MPOOL_SMOKE_STATE).
# Environment: MPOOL_SMOKE_PORTS (a range for the listeners, default 23000-23999),
# MPOOL_SMOKE_FLEET=off (skip the fleet), MPOOL_SMOKE_IMAGE (tag to build, default localhost/mpool:smoke).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly root
readonly here=$root/deploy/image
readonly image=${MPOOL_SMOKE_IMAGE:-localhost/mpool:smoke}
readonly bases=${MPOOL_SMOKE_BASES:-standin}
readonly state=${MPOOL_SMOKE_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/mpool-smoke}
readonly port_range=${MPOOL_SMOKE_PORTS:-23000-23999}
readonly stop_timeout=20          # the README's docker run --stop-timeout
readonly startup_seconds=60       # a cold JVM on a busy 2-core machine starts in ~5 s
readonly echo_bytes=65536
readonly image_uid=10001          # the Dockerfile's USER
readonly standin_prefix=localhost/mpool-standin
readonly fleet_mode=${MPOOL_SMOKE_FLEET:-on}
nginx_image=nginx:1.28.0          # compose.yaml's; a stand-in replaces it
nginx_build=""                    # the pid of the stand-in nginx build running in the background

passed=0
failed=0
containers=()
work=$(mktemp -d)
as_root=""
if [[ $(id -u) -ne 0 ]]; then as_root="sudo"; fi

# pass CHECK [DETAIL...] / fail CHECK REASON...: one line each, named by the check.
pass() { local detail="${*:2}"; echo "ok   $1${detail:+: $detail}"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: ${*:2}"; failed=$((failed + 1)); }
note() { echo "---- $*"; }

finish() {
    local status=$? name
    # An error in the script itself (set -u, a failed command) must not pass as success.
    if (( status != 0 && failed == 0 )); then fail script "stopped with status $status (message above)"; fi
    for name in "${containers[@]}"; do podman rm -f -t 0 "$name" >/dev/null 2>&1; done
    if [[ -n $nginx_build ]]; then kill "$nginx_build" 2>/dev/null; fi
    rm -rf "$work"
    echo "$passed passed, $failed failed"
    if (( failed > 0 || passed == 0 )); then exit 1; fi
    exit 0
}
trap finish EXIT
# A check that cannot go on ends the run; finish prints the summary.
abort() { fail "$1" "$2"; exit 1; }

# ---------------------------------------------------------------- tools and podman's settings
install_missing() {
    local missing=()
    command -v podman >/dev/null || missing+=(podman)
    command -v runc >/dev/null || missing+=(runc)
    command -v curl >/dev/null || missing+=(curl)
    if [[ $bases == standin ]] && ! command -v debootstrap >/dev/null; then missing+=(debootstrap); fi
    if (( ${#missing[@]} > 0 )); then
        note "installing ${missing[*]}"
        if ! { $as_root apt-get update -q && DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -q "${missing[@]}"; } \
                >"$work/apt.log" 2>&1; then
            tail -20 "$work/apt.log"
            abort install "apt-get install ${missing[*]} failed"
        fi
    fi
}

# podman's own defaults ask for rlimits a root without CAP_SYS_RESOURCE may not set, and for crun,
# which refuses a hybrid cgroup v1+v2 layout; this file, passed with CONTAINERS_CONF, changes
# nothing in /etc.
write_containers_conf() {
    local nofile nproc
    nofile=$(ulimit -Hn)
    nproc=$(ulimit -Hu)
    [[ $nofile == unlimited ]] && nofile=1048576
    [[ $nproc == unlimited ]] && nproc=32768
    (( nproc > 32768 )) && nproc=32768
    mkdir -p "$state"
    cat >"$state/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
    export CONTAINERS_CONF=$state/containers.conf
}

# ---------------------------------------------------------------- base images
debian_mirror() {
    if [[ -n ${MPOOL_SMOKE_MIRROR:-} ]]; then echo "$MPOOL_SMOKE_MIRROR"; return; fi
    local uri
    uri=$(grep -hs -E '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -E '/debian/?$' | head -1)
    [[ -z $uri ]] && uri=$(grep -hs -E '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -E '/debian/?$' | head -1)
    echo "${uri:-http://deb.debian.org/debian}"
}

# standin_tag VAR KIND BASE [INPUTS...]: sets VAR to the tag of the stand-in image built from
# Containerfile.KIND on BASE: a hash of BASE, the Containerfile and the context folders it copies
# (INPUTS), so a new certificate or Containerfile makes a new image and an unchanged one is reused.
standin_tag() {
    local var=$1 kind=$2 base=$3
    shift 3
    local hash
    hash=$(cd "$standin_context" && { echo "$base"; find "Containerfile.$kind" "$@" -type f | sort | xargs cat; } \
        | sha256sum | cut -c1-12)
    printf -v "$var" '%s' "$standin_prefix/$kind:$hash"
}

# standin_build KIND BASE TAG: builds the stand-in unless TAG exists; its log on failure.
standin_build() {
    local kind=$1 base=$2 tag=$3
    podman image exists "$tag" && return 0
    note "building stand-in $tag"
    if ! podman build -q --pull=never --network host --build-arg BASE_IMAGE="$base" \
            -f "$standin_context/Containerfile.$kind" -t "$tag" "$standin_context" >"$work/standin-$kind.log" 2>&1; then
        tail -20 "$work/standin-$kind.log"
        return 1
    fi
}

# Sets build_args to the Dockerfile's base images: stand-ins made (once) here, or nothing.
prepare_bases() {
    build_args=()
    if [[ $bases == upstream ]]; then
        pull=missing
        return
    fi
    [[ $bases == standin ]] || abort bases "MPOOL_SMOKE_BASES=$bases (expected: standin or upstream)"
    pull=never
    local debian=$standin_prefix/debian:bookworm
    if ! podman image exists "$debian"; then
        local mirror rootfs
        mirror=$(debian_mirror)
        rootfs=$(mktemp -d)
        note "debootstrap bookworm from $mirror"
        $as_root debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
            || { tail -20 "$work/debootstrap.log"; abort base-images "debootstrap bookworm from $mirror failed"; }
        $as_root tar -C "$rootfs" -c . | podman import -q - "$debian" >/dev/null || abort base-images "podman import of the rootfs failed"
        $as_root rm -rf "$rootfs"
    fi
    # The build context: the host's extra CA certificates (a proxy's own CA) and Maven settings.
    standin_context=$work/standin
    mkdir -p "$standin_context/ca-certificates" "$standin_context/maven"
    cp "$here"/standin/Containerfile.* "$standin_context/"
    find /usr/local/share/ca-certificates -name '*.crt' -exec cp {} "$standin_context/ca-certificates/" \; 2>/dev/null
    [[ -r $HOME/.m2/settings.xml ]] && cp "$HOME/.m2/settings.xml" "$standin_context/maven/"
    # The builder stand-in starts from the runtime one: Debian's JDK package needs its JRE package.
    local maven jre
    standin_tag jre jre "$debian"
    standin_build jre "$debian" "$jre" || abort base-images "building the stand-in JRE image failed (log above)"
    standin_tag maven maven "$jre" ca-certificates maven
    standin_build maven "$jre" "$maven" || abort base-images "building the stand-in Maven image failed (log above)"
    # nginx for the fleet, built while the project's image builds.
    if [[ $fleet_mode == on ]]; then
        standin_tag nginx_image nginx "$debian"
        standin_build nginx "$debian" "$nginx_image" &
        nginx_build=$!
    fi
    build_args=(--build-arg "BUILD_IMAGE=$maven" --build-arg "RUNTIME_IMAGE=$jre")
}

# ---------------------------------------------------------------- ports and the server
# free_port VAR: sets VAR to a port in MPOOL_SMOKE_PORTS that nothing listens on and that this
# run has not handed out yet.
used_ports=" "
free_port() {
    local low=${port_range%-*} high=${port_range#*-} candidate
    for (( candidate = low; candidate <= high; candidate++ )); do
        [[ $used_ports == *" $candidate "* ]] && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
            used_ports+="$candidate "
            printf -v "$1" '%s' "$candidate"
            return
        fi
    done
    abort ports "no free port in MPOOL_SMOKE_PORTS=$port_range"
}

# start NAME PORT ADMIN_PORT [podman run flags...]: a detached container on the host's network.
start() {
    local name=$1 port=$2 admin=$3
    shift 3
    containers+=("$name")
    podman run -d --name "$name" --network host --stop-timeout "$stop_timeout" \
        -e MPOOL_PORT="$port" -e MPOOL_ADMIN_PORT="$admin" -e MPOOL_ADMIN_TOKEN="$token" "$@" "$image" \
        >/dev/null 2>"$work/run-$name.log"
}

# await_hello CHECK NAME PORT: GET /hello answers 200 within startup_seconds, or the check fails
# with the container's log.
await_hello() {
    local check=$1 name=$2 port=$3 deadline=$((SECONDS + startup_seconds))
    while (( SECONDS < deadline )); do
        if [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/hello") == 200 ]]; then
            return 0
        fi
        if [[ $(podman inspect -f '{{.State.Running}}' "$name" 2>/dev/null) != true ]]; then
            fail "$check" "container $name exited ($(podman inspect -f '{{.State.ExitCode}}' "$name" 2>/dev/null)) before" \
                "answering /hello; its log: $(podman logs "$name" 2>&1 | tail -5 | tr '\n' '|')"
            return 1
        fi
        sleep 0.2
    done
    fail "$check" "no 200 from /hello on port $port within ${startup_seconds} s; log: $(podman logs "$name" 2>&1 | tail -5 | tr '\n' '|')"
    return 1
}

# ---------------------------------------------------------------- the checks
check_http() {
    local body
    body=$(curl -s -w '|%{http_code}' "http://127.0.0.1:$port/hello")
    if [[ $body == $'hello\n|200' ]]; then
        pass hello "GET /hello 200"
    else
        fail hello "GET /hello answered '$body' (expected: hello, 200)"
    fi

    head -c "$echo_bytes" /dev/urandom >"$work/echo.in"
    local code
    code=$(curl -s -o "$work/echo.out" -w '%{http_code}' --data-binary @"$work/echo.in" "http://127.0.0.1:$port/echo")
    if [[ $code == 200 ]] && cmp -s "$work/echo.in" "$work/echo.out"; then
        pass echo-64k "$echo_bytes random bytes back byte for byte"
    else
        fail echo-64k "POST /echo of $echo_bytes bytes: status $code, $(stat -c %s "$work/echo.out" 2>/dev/null || echo 0) bytes back," \
            "$(cmp "$work/echo.in" "$work/echo.out" 2>&1 | head -1)"
    fi

    # shellcheck disable=SC2154 # tls_port: set by free_port
    body=$(curl -s --cacert "$work/tls/tls.crt" -w '|%{http_code}' "https://localhost:$tls_port/hello" 2>&1)
    if [[ $body == $'hello\n|200' ]]; then
        pass https "GET https://localhost:$tls_port/hello 200 with the mounted certificate"
    else
        fail https "GET /hello over HTTPS answered '$body' (expected: hello, 200)"
    fi

    # shellcheck disable=SC2154 # admin_port: set by free_port
    local admin_url="http://127.0.0.1:$admin_port/admin/health"
    code=$(curl -s -o "$work/health" -w '%{http_code}' -H "Authorization: Bearer $token" "$admin_url")
    if [[ $code == 200 ]] && grep -q '"status" *: *"UP"' "$work/health"; then
        pass admin-token "/admin/health 200 UP with the token"
    else
        fail admin-token "/admin/health with the token: $code $(head -c 200 "$work/health")"
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' "$admin_url")
    if [[ $code == 401 ]]; then
        pass admin-no-token "401 without a token"
    else
        fail admin-no-token "/admin/health without a token: $code (expected: 401)"
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer not-$token" "$admin_url")
    if [[ $code == 401 ]]; then
        pass admin-wrong-token "401 with a wrong token"
    else
        fail admin-wrong-token "/admin/health with a wrong token: $code (expected: 401)"
    fi
}

check_process() {
    local status comm uid gid
    status=$(podman exec "$name" cat /proc/1/status 2>&1)
    comm=$(awk '/^Name:/ {print $2}' <<<"$status")
    uid=$(awk '/^Uid:/ {print $2}' <<<"$status")
    gid=$(awk '/^Gid:/ {print $2}' <<<"$status")
    if [[ $comm == java ]]; then
        pass pid1-java "PID 1 is java (SIGTERM reaches the JVM)"
    else
        fail pid1-java "PID 1 is '$comm' (expected: java, exec'd by the entrypoint)"
    fi
    if [[ $uid == "$image_uid" && $gid == "$image_uid" ]]; then
        pass user "PID 1 runs as $uid:$gid"
    else
        fail user "PID 1 runs as uid=$uid gid=$gid (expected: $image_uid:$image_uid)"
    fi
}

# The flags of the running server at 512 MiB: the README's table row.
check_memory_512() {
    local cmdline
    cmdline=$(podman exec "$name" cat /proc/1/cmdline 2>/dev/null | tr '\0' ' ')
    if [[ $cmdline == *" -Xmx128m "* && $cmdline == *" -XX:MaxDirectMemorySize=256m "* ]]; then
        pass memory-512m "java $(grep -oE -- '-Xmx[^ ]+ -XX:MaxDirectMemorySize=[^ ]+' <<<"$cmdline")"
    else
        fail memory-512m "under --memory 512m java runs with '$cmdline' (expected: -Xmx128m -XX:MaxDirectMemorySize=256m)"
    fi
    # 224 MiB = 234881024 bytes
    if podman logs "$name" 2>&1 | grep -q 'mpool listening on .* arenaMax=234881024 '; then
        pass arena-512m "arenaMax=224 MiB"
    else
        fail arena-512m "the server's start line lacks arenaMax=234881024 (224 MiB): $(podman logs "$name" 2>&1 | grep -o 'arenaMax=[0-9]*')"
    fi
}

# memory_flags CHECK HEAP DIRECT ARENA_LINE [run flags]: the JVM the entrypoint starts under this
# limit reports these MaxHeapSize / MaxDirectMemorySize (bytes; HEAP "-" is the JVM's default),
# and the entrypoint says ARENA_LINE. JAVA_OPTS comes last, so -version stops the JVM before the jar.
memory_flags() {
    local check=$1 heap=$2 direct=$3 line=$4
    shift 4
    local out
    out=$(podman run --rm --network host "$@" -e JAVA_OPTS="-XX:+PrintFlagsFinal -version" "$image" 2>&1)
    local got_heap got_direct
    got_heap=$(awk '$2 == "MaxHeapSize" {print $4}' <<<"$out")
    got_direct=$(awk '$2 == "MaxDirectMemorySize" {print $4}' <<<"$out")
    if [[ ($heap == - || $got_heap == "$heap") && $got_direct == "$direct" ]] && grep -qF "$line" <<<"$out"; then
        pass "$check" "MaxHeapSize=$got_heap MaxDirectMemorySize=$got_direct, \"$line\""
    else
        fail "$check" "MaxHeapSize=$got_heap MaxDirectMemorySize=$got_direct (expected: $heap, $direct) and entrypoint" \
            "'$(grep 'mpool entrypoint' <<<"$out" | head -1)' (expected: ...$line...); last line: $(tail -1 <<<"$out")"
    fi
}

check_healthcheck() {
    local out
    if out=$(podman healthcheck run "$name" 2>&1); then
        pass healthcheck "podman healthcheck run: ${out:-healthy}"
    else
        fail healthcheck "podman healthcheck run: $out"
    fi
}

check_stop() {
    local began=$SECONDS code summary
    podman stop -t "$stop_timeout" "$name" >/dev/null 2>&1
    local took=$((SECONDS - began))
    code=$(podman inspect -f '{{.State.ExitCode}}' "$name")
    summary=$(podman logs "$name" 2>&1 | grep -o 'mpool stopped: .*' | tail -1)
    # 143 = 128 + SIGTERM: the JVM ran its shutdown hooks; 137 would be podman's SIGKILL after the timeout.
    if [[ $code == 143 ]]; then
        pass stop-exit "exit 143 after SIGTERM in ${took} s (--stop-timeout $stop_timeout)"
    else
        fail stop-exit "exit code $code after podman stop -t $stop_timeout, ${took} s (expected: 143, SIGTERM handled)"
    fi
    if [[ $summary == *"unfinishedRequests=0 "* && $summary == *"pagesOutstanding=0 "* ]]; then
        pass stop-drain "$summary"
    else
        fail stop-drain "no clean summary line after SIGTERM (expected: mpool stopped: ... unfinishedRequests=0 pagesOutstanding=0): '$summary'"
    fi
}

# ---------------------------------------------------------------- main
install_missing
write_containers_conf
began=$SECONDS
prepare_bases
note "base images ready in $((SECONDS - began)) s"

began=$SECONDS
if podman build -q --pull="$pull" --format docker --network host "${build_args[@]}" -t "$image" -f "$root/Dockerfile" "$root" \
        >"$work/build.log" 2>&1; then
    pass build "podman build in $((SECONDS - began)) s"
else
    tail -25 "$work/build.log"
    abort build "podman build of $root/Dockerfile failed (log above)"
fi
size=$(podman image inspect -f '{{.Size}}' "$image")
note "image $image: $((size / 1048576)) MiB"

token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
free_port port
free_port admin_port
free_port tls_port
# A test certificate for localhost, in a directory mounted read-only like a kubernetes.io/tls Secret.
mkdir -p "$work/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/tls/tls.key" \
    -out "$work/tls/tls.crt" -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    >"$work/openssl.log" 2>&1 || abort tls-certificate "openssl could not make a test certificate: $(tail -3 "$work/openssl.log")"
chmod 755 "$work/tls"
chmod 644 "$work/tls/tls.key" "$work/tls/tls.crt"   # the image's user 10001 reads them
name=mpool-smoke-$$
start "$name" "$port" "$admin_port" --memory 512m -v "$work/tls:/etc/mpool/tls:ro" -e MPOOL_TLS_PORT="$tls_port" \
    -e MPOOL_TLS_CERT=/etc/mpool/tls/tls.crt -e MPOOL_TLS_KEY=/etc/mpool/tls/tls.key \
    || abort start "podman run failed: $(tail -3 "$work/run-$name.log")"
began=$SECONDS
if await_hello start "$name" "$port"; then
    pass start "/hello answered $((SECONDS - began)) s after podman run"
    check_http
    check_process
    check_memory_512
    check_healthcheck
    check_stop
fi
memory_flags memory-1g 268435456 637534208 "heap 256 MiB, direct 608 MiB (arena 576 + 32)" --memory 1g
memory_flags memory-none - 301989888 "no container memory limit: arena 256 MiB"

if [[ $fleet_mode == on ]]; then
    # shellcheck source=deploy/image/fleet.sh
    source "$here/fleet.sh"
    fleet
fi
