#!/bin/bash
# probe PATH: one GET over bash's /dev/tcp (no curl, no second JVM); exit 0 on 200, else 1 with
# the reason. /admin/... paths go to the admin listener with the bearer token (MPOOL_ADMIN_TOKEN,
# or the file MPOOL_ADMIN_TOKEN_FILE names); other paths to the main listener, no token.
#   HEALTHCHECK CMD ["/opt/mpool/probe", "/hello"]
#   livenessProbe.exec.command: ["/opt/mpool/probe", "/admin/health/live"]
set -uo pipefail
readonly TIMEOUT_SECONDS=3

path=${1:?usage: probe PATH (e.g. /hello, /admin/health/ready)}
# A wildcard bind address is reached on loopback.
loopback() {
    case ${1:-} in "" | 0.0.0.0 | "::" | "[::]") echo 127.0.0.1 ;; *) echo "$1" ;; esac
}
auth=""
if [[ $path == /admin/* ]]; then
    host=$(loopback "${MPOOL_ADMIN_HOST:-}")
    port=${MPOOL_ADMIN_PORT:-9090}
    token=${MPOOL_ADMIN_TOKEN:-}
    if [[ -z $token && -n ${MPOOL_ADMIN_TOKEN_FILE:-} && -r $MPOOL_ADMIN_TOKEN_FILE ]]; then
        token=$(< "$MPOOL_ADMIN_TOKEN_FILE")
    fi
    [[ -n $token ]] && auth="Authorization: Bearer $token"$'\r\n'
else
    host=$(loopback "${MPOOL_HOST:-}")
    port=${MPOOL_PORT:-8080}
fi

if ! exec 3<>"/dev/tcp/$host/$port"; then
    echo "mpool probe $path: cannot connect to $host:$port" >&2
    exit 1
fi
printf 'GET %s HTTP/1.1\r\nHost: %s\r\n%sConnection: close\r\n\r\n' "$path" "$host" "$auth" >&3
status=""
IFS= read -r -t "$TIMEOUT_SECONDS" status <&3
exec 3<&-
status=${status%$'\r'}
if [[ $status == "HTTP/1.1 200 "* ]]; then
    exit 0
fi
echo "mpool probe $path on $host:$port: ${status:-no answer within ${TIMEOUT_SECONDS} s}" >&2
exit 1
