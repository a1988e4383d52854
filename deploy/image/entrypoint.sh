#!/bin/bash
# mpool's container entrypoint: derives the JVM's memory flags from the container's memory limit,
# then execs java, so java is PID 1 and gets SIGTERM for the graceful stop. Flags and arguments
# after the image name pass through to the server. Kept honest by
# server/src/test/java/io/mpool/server/docker/ (runs in mvn -B verify, no Docker engine needed).
#
# The limit L, in MiB: MPOOL_MEMORY_LIMIT (bytes, or 512Mi / 512m / 1Gi / 1g), else the cgroup's
# memory.max (v2) or memory.limit_in_bytes (v1).
#   JVM native allowance = 96 + L/16   metaspace, code cache, threads, GC, JIT, malloc
#   heap (-Xmx)          = L/4
#   direct memory        = L - native - heap   (-XX:MaxDirectMemorySize)
#   arena (--arena-max)  = direct - 32         (32 MiB: the arena's page of alignment per 1 MiB
#                                               chunk and the JDK's own temporary direct buffers)
# MPOOL_ARENA_MAX, when set, wins: direct = arena + 32, and the sum must still fit in L.
# MPOOL_MEMORY_BUDGET=off: no derived flags (give your own in JAVA_OPTS and MPOOL_ARENA_MAX).
# JAVA_OPTS comes after the derived flags, so a flag there wins (the JVM takes the last one).
# MPOOL_ADMIN_TOKEN_FILE: read the admin token from this file when MPOOL_ADMIN_TOKEN is unset.
# "entrypoint --memory-budget" prints the figures for MPOOL_MEMORY_LIMIT and exits.
set -euo pipefail

readonly NATIVE_BASE_MIB=96      # measured: 75 MiB committed (NMT) under 1000 connections of load
readonly NATIVE_SHARE=16         # plus 1/16 of the limit: GC structures grow with the heap
readonly HEAP_SHARE=4            # a quarter for the heap: ~3-5 KB per connection, the rest garbage
readonly DIRECT_HEADROOM_MIB=32
readonly MIN_LIMIT_MIB=256       # the arena gets 48 MiB there, less below it
readonly MAX_METASPACE=64m       # bounds on the JVM parts that grow; measured use 12 MiB each
readonly CODE_CACHE=64m
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fail() {
    echo "mpool entrypoint: $*" >&2
    exit 2
}

# $1 value, $2 its name: bytes, or a number with k/m/g (an optional trailing i: 512Mi), to MiB.
to_mib() {
    [[ $1 =~ ^([0-9]+)([KkMmGg]?)(i?)$ ]] \
        || fail "$2=$1 (expected: bytes, or a size such as 512Mi, 512m, 1Gi, 1g)"
    local n=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2],,}
    case $unit in
        "") echo $(( n / 1048576 )) ;;
        k) echo $(( n / 1024 )) ;;
        m) echo "$n" ;;
        g) echo $(( n * 1024 )) ;;
    esac
}

# The cgroup's limit in MiB, or nothing when there is none ("max", or v1's huge number).
cgroup_limit_mib() {
    local raw=""
    if [[ -r /sys/fs/cgroup/memory.max ]]; then
        raw=$(< /sys/fs/cgroup/memory.max)
    elif [[ -r /sys/fs/cgroup/memory/memory.limit_in_bytes ]]; then
        raw=$(< /sys/fs/cgroup/memory/memory.limit_in_bytes)
    fi
    if [[ $raw =~ ^[0-9]+$ ]] && (( raw < (1 << 50) )); then
        echo $(( raw / 1048576 ))
    fi
}

# Sets native_mib, heap_mib, direct_mib, arena_mib for limit_mib; fails naming the values.
budget() {
    (( limit_mib >= MIN_LIMIT_MIB )) \
        || fail "memory limit ${limit_mib} MiB ($limit_source) is below the ${MIN_LIMIT_MIB} MiB mpool needs"
    native_mib=$(( NATIVE_BASE_MIB + limit_mib / NATIVE_SHARE ))
    heap_mib=$(( limit_mib / HEAP_SHARE ))
    if [[ -n ${MPOOL_ARENA_MAX:-} ]]; then
        arena_mib=$(to_mib "$MPOOL_ARENA_MAX" MPOOL_ARENA_MAX)
        direct_mib=$(( arena_mib + DIRECT_HEADROOM_MIB ))
        (( native_mib + heap_mib + direct_mib <= limit_mib )) \
            || fail "MPOOL_ARENA_MAX=$MPOOL_ARENA_MAX does not fit the ${limit_mib} MiB limit: heap ${heap_mib}" \
                    "+ direct ${direct_mib} + JVM native ${native_mib} MiB > ${limit_mib} MiB"
    else
        direct_mib=$(( limit_mib - native_mib - heap_mib ))
        arena_mib=$(( direct_mib - DIRECT_HEADROOM_MIB ))
    fi
}

limit_mib=""
limit_source=""
if [[ -n ${MPOOL_MEMORY_LIMIT:-} ]]; then
    limit_mib=$(to_mib "$MPOOL_MEMORY_LIMIT" MPOOL_MEMORY_LIMIT)
    limit_source="MPOOL_MEMORY_LIMIT=$MPOOL_MEMORY_LIMIT"
else
    limit_mib=$(cgroup_limit_mib)
    limit_source="cgroup"
fi

if [[ ${1:-} == --memory-budget ]]; then
    [[ -n $limit_mib ]] || fail "--memory-budget needs MPOOL_MEMORY_LIMIT or a cgroup memory limit"
    budget
    echo "limit=${limit_mib} native=${native_mib} heap=${heap_mib} direct=${direct_mib} arena=${arena_mib}"
    exit 0
fi

if [[ -z ${MPOOL_ADMIN_TOKEN:-} && -n ${MPOOL_ADMIN_TOKEN_FILE:-} ]]; then
    [[ -r $MPOOL_ADMIN_TOKEN_FILE ]] || fail "MPOOL_ADMIN_TOKEN_FILE=$MPOOL_ADMIN_TOKEN_FILE is not a readable file"
    MPOOL_ADMIN_TOKEN=$(< "$MPOOL_ADMIN_TOKEN_FILE")
    export MPOOL_ADMIN_TOKEN
fi

memory_flags=()
if [[ ${MPOOL_MEMORY_BUDGET:-on} == off ]]; then
    echo "mpool entrypoint: MPOOL_MEMORY_BUDGET=off, no derived memory flags" >&2
elif [[ -n $limit_mib ]]; then
    budget
    export MPOOL_ARENA_MAX="${arena_mib}m"
    memory_flags=(-Xmx${heap_mib}m -XX:MaxDirectMemorySize=${direct_mib}m)
    echo "mpool entrypoint: memory limit ${limit_mib} MiB ($limit_source): heap ${heap_mib} MiB," \
         "direct ${direct_mib} MiB (arena ${arena_mib} + ${DIRECT_HEADROOM_MIB}), JVM native ${native_mib} MiB" >&2
else
    # No limit to fit: the server's default arena, direct memory to match, the JVM's default heap.
    arena_mib=$(to_mib "${MPOOL_ARENA_MAX:-256m}" MPOOL_ARENA_MAX)
    memory_flags=(-XX:MaxDirectMemorySize=$(( arena_mib + DIRECT_HEADROOM_MIB ))m)
    echo "mpool entrypoint: no container memory limit: arena ${arena_mib} MiB, heap on the JVM's default" >&2
fi

# JAVA_OPTS is split on spaces on purpose: it holds several flags.
# shellcheck disable=SC2086
exec java "${memory_flags[@]}" -XX:MaxMetaspaceSize=$MAX_METASPACE -XX:ReservedCodeCacheSize=$CODE_CACHE \
    -XX:+ExitOnOutOfMemoryError ${JAVA_OPTS:-} -jar "$here/mpool-server.jar" "$@"
