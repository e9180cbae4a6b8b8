#!/usr/bin/env bash
# Runs cardmesh locally with cargo only: the gateway and the card services, with the public
# development signing secret, all on 127.0.0.1. Prints a ready-to-paste signed curl, then
# runs until Ctrl-C (which stops everything).
#
#   ./scripts/dev.sh                  # the gateway + every card service under services/
#                                     # whose language can run here (see below)
#   ./scripts/dev.sh --with orders    # a service that must run: fail if it cannot
#   ./scripts/dev.sh --all            # every card service: fail if one cannot run
#
# Rust services always run. A TypeScript service needs Node.js 20 and npm, a Python one
# Python 3.11; without them, dev.sh leaves those services out, says so and says what to
# install (--with and --all insist instead).
#
# Ports: the gateway on CARDMESH_DEV_PORT (8080), its admin listener (metrics, preview page)
# on CARDMESH_DEV_ADMIN_PORT (9090), the services from CARDMESH_DEV_SERVICE_PORT (50051) on,
# one each, in the order `--list` prints them, then the example card endpoint behind
# http-bridge. Every port is checked before anything starts; a taken one is refused by name.
# A port of 0 lets each process pick a free one (read back from its "listening" log line).
# Services start through scripts/run-service.sh. Each process logs to its own file in a
# temporary directory (printed at start, streamed to the terminal once everything is up).
#
# http-bridge serves cards from an existing Plain-protocol endpoint, so dev.sh also starts the
# example one (http-bridge-example-endpoint) and points the bridge at it, as
# docker-compose.yml does. The admin listener has two tokens: CARDMESH_OPERATOR_TOKEN (the
# preview page, and the key list below) and CARDMESH_SERVICE_TOKEN (card services may only
# invalidate with it); each one not given is made up for this run, and both are printed. The
# signed curl asks for every card key the gateway learned.
#
# A process that exits while starting (or later) stops everything: dev.sh names it, prints the
# end of its log and exits non-zero. "cardmesh is up" is printed only after the gateway this
# script started (checked by pid: the socket listening on the port belongs to it) has learned
# every service's cards (GET /readyz).
#
# The first run compiles the workspace (cargo build --workspace --bins): about 10 minutes on
# 2 cores, 3 to 4 on 8. Later runs build only what changed, in seconds. CARGO_TARGET_DIR and
# a symlinked target/ are honoured.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

me=dev.sh
die() { echo "$me: $*" >&2; exit 1; }

CARGO_BIN=${CARGO_HOME:-$HOME/.cargo}/bin
if [[ -d $CARGO_BIN && ":$PATH:" != *":$CARGO_BIN:"* ]]; then
    export PATH="$CARGO_BIN:$PATH"
fi

secret=${CARDMESH_DEV_SECRET:-dev-secret-do-not-use-in-production}
port=${CARDMESH_DEV_PORT:-8080}
admin_port=${CARDMESH_DEV_ADMIN_PORT:-9090}
base_port=${CARDMESH_DEV_SERVICE_PORT:-50051}
ready_timeout=${CARDMESH_DEV_READY_TIMEOUT:-30}

# --- which services ----------------------------------------------------------------------------
all=0
extra=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --with) [[ -n ${2:-} ]] || die "--with needs a service name"; extra+=("$2"); shift 2 ;;
        --with=*) extra+=("${1#--with=}"); shift ;;
        --all) all=1; shift ;;
        -h | --help) awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; exit 0 ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done
command -v cargo >/dev/null || die "cargo not found (install Rust: https://rustup.rs)"
command -v curl >/dev/null || die "curl not found (apt-get install curl)"

known=$(scripts/run-service.sh --list)
# runnable KIND: the toolchain a service of KIND needs is here; else prints what is missing.
runnable() {
    case $1 in
        node) command -v node >/dev/null && command -v npm >/dev/null || echo "Node.js 20 and npm" ;;
        python) command -v python3.11 >/dev/null || { command -v python3 >/dev/null \
            && [[ $(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])') == 3.11 ]]; } || echo "Python 3.11" ;;
    esac
}
services=$(scripts/run-service.sh --list rust)
for name in $(grep -vxF -f <(printf '%s\n' "$services") <<<"$known"); do
    kind=$(scripts/run-service.sh --kind "$name")
    missing=$(runnable "$kind")
    if [[ -z $missing ]]; then services+=$'\n'"$name"
    elif [[ $all == 1 ]]; then die "--all: $name ($kind) cannot run here: install $missing"
    else echo "$me: leaving out $name ($kind): install $missing, and ./scripts/dev.sh starts it too" >&2
    fi
done
for name in "${extra[@]}"; do
    grep -qx -- "$name" <<<"$known" || die "--with $name: no card service services/$name (card services: $(paste -sd' ' <<<"$known"))"
    grep -qx -- "$name" <<<"$services" || services+=$'\n'"$name"
done
mapfile -t services < <(grep -v '^$' <<<"$services")
[[ ${#services[@]} -gt 0 ]] || die "no card service found under services/"

# --- ports -------------------------------------------------------------------------------------
declare -A port_owner=()
# claim PORT OWNER: PORT is for OWNER; 0 (the process picks a free port) is never checked.
claim() {
    [[ $1 == 0 ]] && return
    [[ -z ${port_owner[$1]:-} ]] || die "port $1 would serve both $2 and ${port_owner[$1]}; choose other ports"
    port_owner[$1]=$2
}
claim "$port" "the gateway (CARDMESH_DEV_PORT)"
claim "$admin_port" "the gateway's admin listener (CARDMESH_DEV_ADMIN_PORT)"
service_port=()
for i in "${!services[@]}"; do
    p=$((base_port == 0 ? 0 : base_port + i))
    claim "$p" "${services[$i]} (CARDMESH_DEV_SERVICE_PORT + $i)"
    service_port+=("$p")
done
# The example endpoint behind http-bridge (docs/src/guides/existing-card-api.md), after the services.
bridge_endpoint_port=
if printf '%s\n' "${services[@]}" | grep -qx http-bridge; then
    bridge_endpoint_port=$((base_port == 0 ? 0 : base_port + ${#services[@]}))
    claim "$bridge_endpoint_port" "http-bridge's example card endpoint (CARDMESH_DEV_SERVICE_PORT + ${#services[@]})"
fi

# What listens on a port, when ss can tell.
holder_of() {
    command -v ss >/dev/null || return 0
    ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*))' | head -n1 || true
}

check_ports() {
    local p taken=0
    for p in "${!port_owner[@]}"; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$me: port $p, for ${port_owner[$p]}, is already in use$(h=$(holder_of "$p"); [[ -z $h ]] || echo " by $h")" >&2
            taken=1
        fi
    done
    [[ $taken == 0 ]] || die "stop what uses the port(s) above, or choose others: CARDMESH_DEV_PORT, CARDMESH_DEV_ADMIN_PORT, CARDMESH_DEV_SERVICE_PORT"
}
check_ports

# --- build -------------------------------------------------------------------------------------
target=$(cargo metadata --format-version 1 --no-deps | grep -o '"target_directory":"[^"]*"' \
    | head -n1 | sed 's/^"target_directory":"//; s/"$//')
[[ -n $target ]] || die "cargo metadata did not name the target directory"
bin=$target/debug
if [[ ! -x $bin/cardmesh-gateway ]]; then
    echo "==> first build in $target: cargo compiles the whole workspace, about 10 minutes on 2 cores"
    echo "    (3 to 4 on 8). Later runs take seconds."
fi
echo "==> cargo build --workspace --bins"
t0=$SECONDS
cargo build --workspace --bins
echo "==> built in $((SECONDS - t0)) s"

# --- start -------------------------------------------------------------------------------------
logs=$(mktemp -d "${TMPDIR:-/tmp}/cardmesh-dev.XXXXXX")
pids=()
names=()
tail_pid=
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    [[ -z $tail_pid ]] || kill "$tail_pid" 2>/dev/null || true
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Every dead child stops everything: named, with the end of its log, exit status 1.
report_death() {
    local i=$1 status=${2:-}
    if [[ -z $status ]]; then status=0; wait "${pids[$i]}" 2>/dev/null || status=$?; fi
    echo >&2
    echo "$me: ${names[$i]} (pid ${pids[$i]}) exited with status $status; last lines of $logs/${names[$i]}.log:" >&2
    # The message, not the backtrace after it (RUST_BACKTRACE): that stays in the log.
    sed '/^[Ss]tack backtrace:/q' "$logs/${names[$i]}.log" | tail -n 20 | sed 's/^/    /' >&2
    unset 'pids[i]'
    exit 1
}
check_children() {
    local i
    for i in "${!pids[@]}"; do
        kill -0 "${pids[$i]}" 2>/dev/null || report_death "$i"
    done
}

# listen_addr NAME PATTERN: once process NAME (the last one started) has logged a line matching
# PATTERN, sets `addr` to the 127.0.0.1:PORT that line names. For ports of 0, which the process
# picks. Not in a subshell: a death it sees is reported (and waited for) by this shell.
listen_addr() {
    local name=$1 pattern=$2 i=$((${#pids[@]} - 1)) line deadline=$((SECONDS + ready_timeout))
    while :; do
        line=$(grep -a -m1 -E "$pattern" "$logs/$name.log" 2>/dev/null || true)
        if [[ $line =~ (127\.0\.0\.1:[0-9]+) ]]; then addr=${BASH_REMATCH[1]}; return; fi
        kill -0 "${pids[$i]}" 2>/dev/null || report_death "$i"
        (( SECONDS <= deadline )) || die "$name logged no address within $ready_timeout s ($logs/$name.log)"
        sleep 0.1
    done
}
# Every process writes plain log lines (no colours) to its file.
export NO_COLOR=1

check_ports   # again: the build took a while
echo "==> logs: $logs"
[[ -z ${CARDMESH_ADMIN_TOKEN:-} ]] \
    || die "CARDMESH_ADMIN_TOKEN is retired: set CARDMESH_OPERATOR_TOKEN (preview) and CARDMESH_SERVICE_TOKEN (card services) instead, or neither"
# 32 random bytes in hex: the gateway takes tokens of at least 32 characters.
random_token() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
operator_token=${CARDMESH_OPERATOR_TOKEN:-$(random_token)}
service_token=${CARDMESH_SERVICE_TOKEN:-$(random_token)}
bridge_secret=dev-bridge-secret-do-not-use-in-production
if [[ -n $bridge_endpoint_port ]]; then
    CARDMESH_EXAMPLE_ENDPOINT_LISTEN=127.0.0.1:$bridge_endpoint_port \
    CARDMESH_EXAMPLE_ENDPOINT_SECRET=$bridge_secret \
        "$bin/http-bridge-example-endpoint" >"$logs/card-endpoint.log" 2>&1 &
    pids+=("$!")
    names+=(card-endpoint)
    listen_addr card-endpoint 'example card endpoint listening'
    bridge_endpoint=$addr
    echo "    card-endpoint (http-bridge's example card API) on $bridge_endpoint (pid $!)"
fi
endpoints=()
for i in "${!services[@]}"; do
    name=${services[$i]}
    addr=127.0.0.1:${service_port[$i]}
    if [[ $name == http-bridge ]]; then
        CARDMESH_BRIDGE_URL=http://$bridge_endpoint/ \
        CARDMESH_BRIDGE_KEYS=legacy-orders,legacy-support-plan \
        CARDMESH_BRIDGE_SECRET=$bridge_secret \
        CARDMESH_SERVICE_LISTEN=$addr scripts/run-service.sh --no-build "$name" >"$logs/$name.log" 2>&1 &
    else
        CARDMESH_SERVICE_LISTEN=$addr scripts/run-service.sh --no-build "$name" >"$logs/$name.log" 2>&1 &
    fi
    pids+=("$!")
    names+=("$name")
    [[ ${service_port[$i]} != 0 ]] || listen_addr "$name" 'card service listening'
    endpoints+=("http://$addr")
    echo "    $name on $addr (pid ${pids[-1]})"
done

CARDMESH_LISTEN=127.0.0.1:$port \
CARDMESH_ADMIN_LISTEN=127.0.0.1:$admin_port \
CARDMESH_OPERATOR_TOKEN=$operator_token \
CARDMESH_SERVICE_TOKEN=$service_token \
CARDMESH_SIGNING_SECRETS=$secret \
CARDMESH_SERVICES=$(IFS=,; echo "${endpoints[*]}") \
    "$bin/cardmesh-gateway" >"$logs/gateway.log" 2>&1 &
gateway_pid=$!
pids+=("$gateway_pid")
names+=(gateway)
if [[ $port == 0 ]]; then listen_addr gateway 'cardmesh gateway listening'; port=${addr##*:}; fi
if [[ $admin_port == 0 ]]; then listen_addr gateway 'admin listener serving'; admin_port=${addr##*:}; fi
echo "    gateway on 127.0.0.1:$port, admin listener on 127.0.0.1:$admin_port (pid $gateway_pid)"

# True when the socket listening on 127.0.0.1:PORT belongs to PID (Linux /proc). Without /proc
# the pid being alive is all that can be checked.
listens_on() {
    local pid=$1 hex inodes fd link inode
    [[ -r /proc/net/tcp ]] || { kill -0 "$pid" 2>/dev/null; return; }
    hex=$(printf '%04X' "$2")
    inodes=$(awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p {print $10}' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
    for fd in /proc/"$pid"/fd/*; do
        link=$(readlink "$fd" 2>/dev/null) || continue
        for inode in $inodes; do [[ $link == "socket:[$inode]" ]] && return 0; done
    done
    return 1
}

# Ready: our own gateway answers /readyz with 200 (every service described its cards).
deadline=$((SECONDS + ready_timeout))
while :; do
    check_children
    if listens_on "$gateway_pid" "$port" && curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then
        # The answer came from a socket of our gateway, which is still alive.
        check_children
        listens_on "$gateway_pid" "$port" && break
    fi
    if (( SECONDS > deadline )); then
        echo "$me: the gateway did not become ready on 127.0.0.1:$port within $ready_timeout s" >&2
        echo "    GET /readyz: $(curl -sS "http://127.0.0.1:$port/readyz" 2>&1 || true)" >&2
        for name in "${names[@]}"; do
            echo "--- last lines of $logs/$name.log" >&2
            tail -n 5 "$logs/$name.log" >&2
        done
        exit 1
    fi
    sleep 0.2
done

# Every key the gateway learned, in its order (the preview page's list).
discovered=$(curl -fsS -H "Authorization: Bearer $operator_token" "http://127.0.0.1:$admin_port/admin/preview/keys") \
    || die "the admin listener did not list the card keys (GET /admin/preview/keys)"
keys=$(grep -o '"key":"[^"]*"' <<<"$discovered" | sed 's/^"key"://' | paste -sd, -)
[[ -n $keys ]] || die "the gateway learned no card key: $discovered"
body='{"cardKeys":['"$keys"'],"customer":{"id":"c_demo","email":"ada@example.com","externalId":"cus_demo_1"},"thread":null}'
echo
echo "==> cardmesh is up: gateway http://127.0.0.1:$port (pid $gateway_pid), secret: $secret"
echo "==> cards: ${keys//\"/}"
echo "==> metrics: http://127.0.0.1:$admin_port/metrics"
echo "==> preview: http://127.0.0.1:$admin_port/preview (operator token: $operator_token)"
echo "==> service token (a card service's CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN; invalidation only): $service_token"
echo "==> try it (signed request for the demo customer):"
echo
printf '%s' "$body" | "$bin/cardmesh-gateway" sign --secret "$secret" --curl "http://127.0.0.1:$port/"
echo
echo "==> Ctrl-C stops everything. Logs follow."
log_files=()
for name in "${names[@]}"; do log_files+=("$logs/$name.log"); done
tail -n 0 -F "${log_files[@]}" 2>/dev/null &
tail_pid=$!

# Runs until a child exits (then: which one, its log, exit 1) or Ctrl-C.
while :; do
    died= status=0
    wait -n -p died "${pids[@]}" || status=$?
    for i in "${!pids[@]}"; do
        if [[ ${pids[$i]} == "$died" ]]; then report_death "$i" "$status"; fi
        kill -0 "${pids[$i]}" 2>/dev/null || report_death "$i"
    done
done
