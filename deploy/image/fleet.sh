# Sourced by deploy/image/smoke.sh after the single-container checks: the compose fleet's shape
# (deploy/compose.yaml) with plain podman: three replicas of the image, 512 MiB each, behind nginx
# with deploy/nginx.conf; one replica is stopped (SIGTERM) while a client keeps sending GET /hello
# through nginx, and no request may fail. Why not podman-compose itself: see README, "Running a
# fleet". Uses smoke.sh's helpers (start, await_hello, free_port, pass, fail) and variables.
# shellcheck shell=bash disable=SC2154

readonly fleet_replicas=3
readonly fleet_batch=200          # requests per curl process of the load loop
readonly fleet_parallel=8         # concurrent connections of each curl process
readonly fleet_before_stop=400    # requests answered before the SIGTERM
readonly fleet_after_stop=400     # requests answered after the stopped replica has exited

# deploy/nginx.conf with what differs here: the replicas' addresses written out (Debian's nginx
# 1.22 has no "server ... resolve", and there is no Docker DNS at 127.0.0.11), and nginx's
# listener on a free port of the host's network.
fleet_nginx_conf() {
    local conf=$work/nginx.conf servers="" p
    for p in "${replica_ports[@]}"; do servers+="        server 127.0.0.1:$p;\n"; done
    sed -e '/^\s*resolver /d' \
        -e "s|^\s*server mpool:8080 resolve;|$servers|" \
        -e "s|^\(\s*\)listen 8080;|\1listen 127.0.0.1:$nginx_port;|" \
        "$root/deploy/nginx.conf" >"$conf"
    if grep -q 'mpool:8080\|127.0.0.11' "$conf" || ! grep -q "listen 127.0.0.1:$nginx_port;" "$conf"; then
        fail fleet-nginx-conf "deploy/nginx.conf no longer has the lines this check rewrites (resolver, server mpool:8080 resolve, listen 8080)"
        return 1
    fi
}

# Appends one status code per request to $work/fleet.codes until $work/fleet.stop exists.
fleet_load() {
    local urls=() i
    for (( i = 0; i < fleet_batch; i++ )); do urls+=(-o /dev/null "http://127.0.0.1:$nginx_port/hello"); done
    while [[ ! -e $work/fleet.stop ]]; do
        curl -s -Z --parallel-max "$fleet_parallel" -w '%{http_code}\n' "${urls[@]}" >>"$work/fleet.codes" 2>/dev/null
    done
}

# await_answers COUNT: waits (60 s at most) until COUNT requests have been answered in all.
await_answers() {
    local deadline=$((SECONDS + 60))
    while (( $(wc -l <"$work/fleet.codes") < $1 && SECONDS < deadline )); do sleep 0.2; done
    (( $(wc -l <"$work/fleet.codes") >= $1 ))
}

fleet() {
    if [[ -n $nginx_build ]] && ! wait "$nginx_build"; then
        nginx_build=""
        fail fleet-start "building the stand-in nginx image failed (log above)"
        return
    fi
    nginx_build=""
    replica_ports=()
    local i p a names=()
    for (( i = 1; i <= fleet_replicas; i++ )); do
        free_port p
        free_port a
        replica_ports+=("$p")
        names+=("mpool-smoke-$$-replica$i")
        start "${names[-1]}" "$p" "$a" --memory 512m || { fail fleet-start "podman run of replica $i failed"; return; }
    done
    for (( i = 0; i < fleet_replicas; i++ )); do
        await_hello fleet-start "${names[i]}" "${replica_ports[i]}" || return
    done
    free_port nginx_port
    fleet_nginx_conf || return
    local nginx=mpool-smoke-$$-nginx
    containers+=("$nginx")
    podman run -d --name "$nginx" --network host --pull="$pull" -v "$work/nginx.conf:/etc/nginx/nginx.conf:ro" \
        "$nginx_image" nginx -g 'daemon off; error_log stderr notice;' >/dev/null 2>"$work/run-nginx.log" \
        || { fail fleet-start "nginx: $(tail -3 "$work/run-nginx.log")"; return; }
    await_hello fleet-start "$nginx" "$nginx_port" || return
    pass fleet-start "$fleet_replicas replicas (512 MiB each) behind nginx ($nginx_image) on port $nginx_port"

    : >"$work/fleet.codes"
    fleet_load &
    local load=$!
    local stopped=${names[1]}
    local at_stop=0 at_exit=0
    if await_answers "$fleet_before_stop"; then
        at_stop=$(wc -l <"$work/fleet.codes")
        podman stop -t "$stop_timeout" "$stopped" >/dev/null 2>&1
        at_exit=$(wc -l <"$work/fleet.codes")
        await_answers $((at_exit + fleet_after_stop))
    fi
    touch "$work/fleet.stop"
    wait "$load"

    local total errors code summary
    total=$(wc -l <"$work/fleet.codes")
    errors=$(grep -cv '^200$' "$work/fleet.codes")
    code=$(podman inspect -f '{{.State.ExitCode}}' "$stopped")
    summary=$(podman logs "$stopped" 2>&1 | grep -o 'mpool stopped: .*' | tail -1)
    if (( at_stop >= fleet_before_stop && total >= at_exit + fleet_after_stop && errors == 0 )); then
        pass fleet-stop-under-load "$total requests through nginx, none failed ($at_stop before the SIGTERM," \
            "$((at_exit - at_stop)) while the replica drained, $((total - at_exit)) after it exited);" \
            "nginx passed $(podman logs "$nginx" 2>&1 | grep -c 'upstream prematurely closed\|Connection refused') on to another replica"
    else
        fail fleet-stop-under-load "$total requests (expected: $fleet_before_stop before the SIGTERM, $fleet_after_stop after)," \
            "$errors failed: $(grep -v '^200$' "$work/fleet.codes" | sort | uniq -c | tr '\n' ' ')"
    fi
    if [[ $code == 143 && $summary == *"unfinishedRequests=0 "* && $summary == *"pagesOutstanding=0 "* ]]; then
        pass fleet-replica-drain "the stopped replica exited 143: $summary"
    else
        fail fleet-replica-drain "the stopped replica exited $code with '$summary' (expected: 143, unfinishedRequests=0 pagesOutstanding=0)"
    fi
}
