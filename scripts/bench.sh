#!/usr/bin/env bash
# Load benchmark of the gateway, on this machine, in one run.
#
# Starts Redis, the three example card services, gateway A (Redis cache with its near cache,
# the default), gateway R (Redis only: CARDMESH_CACHE_NEAR_TTL=0s) and gateway B
# (CARDMESH_CACHE=false), all on 127.0.0.1 with free ports, plus a minimal axum server that
# answers gateway A's exact response bytes (gateway/examples/static_answer.rs, the ceiling).
# Then drives the same signed Plain request at each with wrk and prints requests/s and p50/p99
# latency for four scenarios:
#
#   ceiling          static axum server, same request, same answer bytes
#   cache hits       gateway A, every card a hit (checked: no cache write in the run)
#   hits, Redis only gateway R, every card read from Redis in one MGET
#   cache off        gateway B, every request calls the three services over gRPC
#
# and the ratio cache-hits / ceiling against the target (60 %), plus gateway A's peak RSS.
# Everything, wrk included, shares this machine's CPUs; the figures are only comparable with
# each other, within one run.
#
#   ./scripts/bench.sh
#   BENCH_DURATION=30s BENCH_CONNECTIONS=64 BENCH_THREADS=1 ./scripts/bench.sh
#
# Environment (all optional):
#   BENCH_DURATION     wrk duration of each measured run            (10s; s or m suffix)
#   BENCH_WARMUP       wrk warm-up run before each measured run     (2s)
#   BENCH_CONNECTIONS  wrk connections                              (32)
#   BENCH_THREADS      wrk threads                                  (2)
#   BENCH_ROUNDS       rounds of the three runs; the best of each   (1)
#   BENCH_RUST_LOG     RUST_LOG of the gateways and the services    (info, as in production)
#   BENCH_TARGET       target ratio cache-hits / ceiling in percent (60)
#   BENCH_STRICT=1     exit 3 when the ratio is below the target
#   BENCH_NO_BUILD=1   use the existing release binaries
#   KEEP_TMP=1         keep the temporary directory (logs, wrk script, answer file)
#
# Needs cargo, curl, redis-server and wrk (scripts/install-deps.sh installs the last two).
# The last line is machine-readable: `RESULT key=value ...`.
set -euo pipefail
cd "$(dirname "$0")/.."
me=bench
source scripts/lib/local-stack.sh

duration="${BENCH_DURATION:-10s}"
warmup="${BENCH_WARMUP:-2s}"
rounds="${BENCH_ROUNDS:-1}"
connections="${BENCH_CONNECTIONS:-32}"
threads="${BENCH_THREADS:-2}"
log_level="${BENCH_RUST_LOG:-info}"
target="${BENCH_TARGET:-60}"
bin="${CARGO_TARGET_DIR:-target}/release"
secret="cardmesh-bench-secret"
workspace="w_bench"
body='{"cardKeys":["subscription-status","latest-invoice","usage","customer-details"],"customer":{"id":"c_bench","email":"ada@example.com","externalId":"cus_demo_1"},"thread":null}'

duration_s=$(seconds_of "$duration")
warmup_s=$(seconds_of "$warmup")
(( duration_s >= 1 && duration_s <= 600 )) || die "BENCH_DURATION must be between 1s and 10m"
(( warmup_s >= 1 && warmup_s <= 60 )) || die "BENCH_WARMUP must be between 1s and 1m"
[[ "$connections" =~ ^[0-9]+$ && "$threads" =~ ^[0-9]+$ && "$rounds" =~ ^[0-9]+$ ]] ||
  die "BENCH_CONNECTIONS, BENCH_THREADS and BENCH_ROUNDS must be numbers"
(( rounds >= 1 && rounds <= 10 )) || die "BENCH_ROUNDS must be between 1 and 10"
(( threads >= 1 && connections >= threads )) || die "need BENCH_THREADS >= 1 and BENCH_CONNECTIONS >= BENCH_THREADS"

for tool in cargo curl redis-server redis-cli wrk; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh installs redis and wrk)"
done

stack_init

if [[ "${BENCH_NO_BUILD:-}" != 1 ]]; then
  echo "==> building (cargo build --release --bins, example static_answer)"
  cargo build --quiet --release --bins
  cargo build --quiet --release -p cardmesh-gateway --example static_answer
fi
for b in cardmesh-gateway billing-service usage-service accounts-service examples/static_answer; do
  [[ -x "$bin/$b" ]] || die "$bin/$b is missing; run without BENCH_NO_BUILD"
done

echo "==> starting Redis, 3 card services, gateway A (Redis cache), gateway B (no cache)"
free_port redis_port
start redis redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no
redis() { redis-cli -h 127.0.0.1 -p "$redis_port" "$@"; }
redis_up() { [[ "$(redis ping)" == PONG ]]; }
wait_until 10 "redis-server on 127.0.0.1:$redis_port" "$pid_redis" redis_up

services=()
for svc in billing usage accounts; do
  free_port port
  start "$svc" RUST_LOG="$log_level" CARDMESH_SERVICE_LISTEN="127.0.0.1:$port" "$bin/$svc-service"
  services+=("http://127.0.0.1:$port")
done
service_list="$(IFS=,; echo "${services[*]}")"

free_port port_a
free_port port_r
free_port port_b
free_port admin_a
free_port admin_r
free_port admin_b
start gateway-a RUST_LOG="$log_level" CARDMESH_LISTEN="127.0.0.1:$port_a" CARDMESH_SIGNING_SECRETS="$secret" \
  CARDMESH_ADMIN_LISTEN="127.0.0.1:$admin_a" \
  CARDMESH_SERVICES="$service_list" CARDMESH_REDIS_URL="redis://127.0.0.1:$redis_port/0" "$bin/cardmesh-gateway"
start gateway-r RUST_LOG="$log_level" CARDMESH_LISTEN="127.0.0.1:$port_r" CARDMESH_SIGNING_SECRETS="$secret" \
  CARDMESH_ADMIN_LISTEN="127.0.0.1:$admin_r" \
  CARDMESH_SERVICES="$service_list" CARDMESH_REDIS_URL="redis://127.0.0.1:$redis_port/0" CARDMESH_CACHE_NEAR_TTL=0s \
  "$bin/cardmesh-gateway"
start gateway-b RUST_LOG="$log_level" CARDMESH_LISTEN="127.0.0.1:$port_b" CARDMESH_SIGNING_SECRETS="$secret" \
  CARDMESH_ADMIN_LISTEN="127.0.0.1:$admin_b" \
  CARDMESH_SERVICES="$service_list" CARDMESH_CACHE=false "$bin/cardmesh-gateway"
wait_until 30 "gateway A on 127.0.0.1:$port_a (/readyz)" "$pid_gateway_a" ready "$port_a"
wait_until 30 "gateway R on 127.0.0.1:$port_r (/readyz)" "$pid_gateway_r" ready "$port_r"
wait_until 30 "gateway B on 127.0.0.1:$port_b (/readyz)" "$pid_gateway_b" ready "$port_b"

signature="$(sign "$body" "$secret")"
printf '%s' "$body" >"$tmp/body.json"

# post PORT OUT: one signed request; body to OUT, headers to OUT.headers; prints the status.
post() {
  curl -sS -o "$2" -D "$2.headers" -w '%{http_code}' "http://127.0.0.1:$1/" \
    -H 'Content-Type: application/json' -H "Plain-Workspace-Id: $workspace" \
    -H "Plain-Request-Signature: $signature" --data-binary "@$tmp/body.json"
}
cache_header() { tr -d '\r' <"$1.headers" | sed -n 's/^cardmesh-cache: //Ip'; }

echo "==> warming the cache of gateway A"
status=$(post "$port_a" "$tmp/first.json")
[[ "$status" == 200 ]] || die "first request to gateway A answered $status: $(cat "$tmp/first.json")"
all_hits() {
  [[ "$(post "$port_a" "$tmp/answer.json")" == 200 ]] && [[ "$(cache_header "$tmp/answer.json")" == "hits=4, misses=0, stale=0" ]]
}
wait_until 10 "gateway A answering from its cache (hits=4)" "$pid_gateway_a" all_hits
[[ "$(post "$port_r" "$tmp/redis-only.json")" == 200 && "$(cache_header "$tmp/redis-only.json")" == "hits=4, misses=0, stale=0" ]] ||
  die "gateway R should hit every card that gateway A stored: $(cache_header "$tmp/redis-only.json")"
cmp -s "$tmp/answer.json" "$tmp/redis-only.json" || die "gateways A and R answered different bodies"
status=$(post "$port_b" "$tmp/nocache.json")
[[ "$status" == 200 ]] || die "gateway B answered $status: $(cat "$tmp/nocache.json")"
[[ "$(cache_header "$tmp/nocache.json")" == "hits=0, misses=4, stale=0" ]] ||
  die "gateway B should miss every card, its header says: $(cache_header "$tmp/nocache.json")"
cmp -s "$tmp/answer.json" "$tmp/nocache.json" || die "gateways A and B answered different bodies"
grep -q '"components":\[' "$tmp/answer.json" || die "the answer has no drawn card: $(cat "$tmp/answer.json")"
answer_bytes=$(wc -c <"$tmp/answer.json")

free_port port_c
start ceiling "$bin/examples/static_answer" "$tmp/answer.json" "127.0.0.1:$port_c"
ceiling_up() { [[ "$(post "$port_c" "$tmp/ceiling.json")" == 200 ]] && cmp -s "$tmp/answer.json" "$tmp/ceiling.json"; }
wait_until 10 "static_answer on 127.0.0.1:$port_c" "$pid_ceiling" ceiling_up

# The wrk script: the same signed request everywhere; done() prints one machine-readable line.
cat >"$tmp/request.lua" <<LUA
local f = assert(io.open("$tmp/body.json", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Plain-Workspace-Id"] = "$workspace"
wrk.headers["Plain-Request-Signature"] = "$signature"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
LUA

# run_wrk LABEL PORT DURATION VAR: sets VAR to the BENCH line; fails on any error or non-2xx
# answer. wrk runs in the background and is waited for, so that a signal stops it at once.
run_wrk() {
  local label="$1" port="$2" dur="$3" out="$tmp/wrk-$1.out" status=0 wrk_line k
  timeout "$(( $(seconds_of "$dur") + 30 ))" wrk -t"$threads" -c"$connections" -d"$dur" --timeout 5s \
    -s "$tmp/request.lua" "http://127.0.0.1:$port/" >"$out" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || status=$?
  wrk_pid=""
  (( status == 0 )) || die "$label: wrk failed ($status): $(cat "$out")"
  wrk_line=$(grep '^BENCH ' "$out") || die "$label: no result line from wrk: $(cat "$out")"
  if grep -q 'Non-2xx or 3xx responses' "$out" || [[ "$(field "$wrk_line" status)" != 0 ]]; then
    die "$label: some answers were not 2xx: $(cat "$out")"
  fi
  for k in connect read write timeout; do
    [[ "$(field "$wrk_line" "$k")" == 0 ]] || die "$label: wrk reported $k errors: $(cat "$out")"
  done
  (( $(field "$wrk_line" requests) > 0 )) || die "$label: no request completed"
  printf -v "$4" '%s' "$wrk_line"
}

# cpu_ticks PID...: user + system CPU time of the processes, in clock ticks.
cpu_ticks() {
  local pid total=0 stat
  local -a f
  for pid in "$@"; do
    stat=$(<"/proc/$pid/stat")
    stat=${stat##*) }  # fields after the command name; utime and stime are fields 14 and 15
    read -r -a f <<<"$stat"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}
tick_us=$((1000000 / $(getconf CLK_TCK)))

# machine_ticks: "busy total" CPU ticks of the whole machine since boot.
machine_ticks() {
  local _cpu user nice system idle iowait irq softirq steal _rest
  read -r _cpu user nice system idle iowait irq softirq steal _rest </proc/stat
  echo "$((user + nice + system + irq + softirq + steal)) $((user + nice + system + idle + iowait + irq + softirq + steal))"
}

# children_us VAR: sets VAR to the CPU time (user + system, microseconds) of this shell's
# finished children (`times` must run in this shell, not in a pipeline or $(...)).
children_us() {
  local file="$tmp/times.$BASHPID"
  times >"$file"
  printf -v "$1" '%s' "$(awk 'NR == 2 {
    t = 0
    for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); t += p[1] * 60 + p[2] }
    printf "%d", t * 1e6 }' "$file")"
}

# measure VAR LABEL PORT PID...: the measured run (after a warm-up run in the first round).
# Sets VAR to the BENCH line with the CPU time per request of the server side (PIDs) and of
# wrk, and the share of the machine anything else used meanwhile (the figures are only
# trustworthy when it is near 0).
measure() {
  local var="$1" label="$2" port="$3" run_line server0 server1 wrk0 wrk1 busy0 total0 busy1 total1
  shift 3
  if (( round == 1 )); then
    run_wrk "$label-warmup" "$port" "$warmup" run_line
  fi
  server0=$(cpu_ticks "$@")
  children_us wrk0
  read -r busy0 total0 < <(machine_ticks)
  run_wrk "$label" "$port" "$duration" run_line
  read -r busy1 total1 < <(machine_ticks)
  children_us wrk1
  server1=$(cpu_ticks "$@")
  local requests server_us wrk_us other_us
  requests=$(field "$run_line" requests)
  server_us=$(( (server1 - server0) * tick_us ))
  wrk_us=$((wrk1 - wrk0))
  other_us=$(( (busy1 - busy0) * tick_us - server_us - wrk_us ))
  (( other_us > 0 )) || other_us=0
  local other_pct=$(( 100 * other_us / ((total1 - total0) * tick_us) ))
  printf -v "$var" '%s server_cpu_us=%d wrk_cpu_us=%d other_load_pct=%d' \
    "$run_line" $((server_us / requests)) $((wrk_us / requests)) "$other_pct"
}

# best CURRENT NEW: the BENCH line with more requests/s (interference only slows runs down).
best() {
  if [[ -z "$1" ]] || awk -v a="$(field "$2" rps)" -v b="$(field "$1" rps)" 'BEGIN { exit !(a > b) }'; then
    echo "$2"
  else
    echo "$1"
  fi
}

redis_stat() { redis info "$1" | tr -d '\r' | sed -n "s/^$2:\(calls=\)\{0,1\}\([0-9]*\).*/\2/p"; }

echo "==> wrk -t$threads -c$connections -d$duration against each (after a $warmup warm-up), $rounds round(s); answer: $answer_bytes bytes"
ceiling="" hit="" redis_only="" miss=""
sets_before=$(redis_stat commandstats cmdstat_set)
hits_before=$(redis_stat stats keyspace_hits)
for (( round = 1; round <= rounds; round++ )); do
  echo "    round $round: ceiling (static axum)..."
  measure result ceiling "$port_c" "$pid_ceiling"
  ceiling=$(best "$ceiling" "$result")
  echo "    round $round: gateway A, cache hits..."
  measure result hits "$port_a" "$pid_gateway_a" "$pid_redis"
  hit=$(best "$hit" "$result")
  echo "    round $round: gateway R, cache hits from Redis only..."
  measure result redis-only "$port_r" "$pid_gateway_r" "$pid_redis"
  redis_only=$(best "$redis_only" "$result")
  echo "    round $round: gateway B, cache off..."
  measure result misses "$port_b" "$pid_gateway_b" "$pid_billing" "$pid_usage" "$pid_accounts"
  miss=$(best "$miss" "$result")
done
sets_after=$(redis_stat commandstats cmdstat_set)
hits_after=$(redis_stat stats keyspace_hits)
# Every miss draws the card and queues a cache write: no SET means every card was a hit.
(( ${sets_after:-0} == ${sets_before:-0} )) ||
  die "the cache-hit runs were not all hits: Redis saw $((${sets_after:-0} - ${sets_before:-0})) SETs"
for port in "$port_a" "$port_r"; do
  [[ "$(post "$port" "$tmp/after.json")" == 200 && "$(cache_header "$tmp/after.json")" == "hits=4, misses=0, stale=0" ]] ||
    die "gateway on port $port after its runs: $(cache_header "$tmp/after.json")"
done
rss_a=$(vmhwm "$pid_gateway_a")
rss_r=$(vmhwm "$pid_gateway_r")
rss_b=$(vmhwm "$pid_gateway_b")
rss_c=$(vmhwm "$pid_ceiling")

row() {
  printf '%-34s %9.0f %8s %8s %10s %8s %7s\n' "$1" "$(field "$2" rps)" "$(ms "$(field "$2" p50_us)")" \
    "$(ms "$(field "$2" p99_us)")" "$(field "$2" server_cpu_us)" "$(field "$2" wrk_cpu_us)" "$(field "$2" other_load_pct)%"
}
ratio=$(awk -v a="$(field "$hit" rps)" -v b="$(field "$ceiling" rps)" 'BEGIN { printf "%.1f", 100 * a / b }')
verdict=$(awk -v r="$ratio" -v t="$target" 'BEGIN { print (r >= t) ? "PASS" : "BELOW" }')

echo
echo "cardmesh benchmark: $(nproc) CPUs ($(uname -m)), wrk -t$threads -c$connections -d$duration," \
  "best of $rounds round(s), RUST_LOG=$log_level"
echo "one run on one machine: wrk, Redis, the services and the servers share its CPUs"
echo
printf '%-34s %9s %8s %8s %10s %8s %7s\n' scenario 'req/s' 'p50 ms' 'p99 ms' 'server' 'wrk' 'other'
printf '%-34s %9s %8s %8s %10s %8s %7s\n' '' '' '' '' 'CPU us/req' 'us/req' 'load'
row "ceiling: static axum, same bytes" "$ceiling"
row "gateway, all cache hits" "$hit"
row "gateway, hits from Redis only" "$redis_only"
row "gateway, cache off (3 gRPC calls)" "$miss"
echo
echo "cache hits / ceiling: $ratio % of requests/s (target >= $target %): $verdict"
redis_ratio=$(awk -v a="$(field "$redis_only" rps)" -v b="$(field "$ceiling" rps)" 'BEGIN { printf "%.1f", 100 * a / b }')
echo "hits from Redis only (near cache off) / ceiling: $redis_ratio %"
echo "server CPU: per request in the measured run (ceiling: the server; cache hits: gateway A or R"
echo "  + Redis; cache off: gateway B + the 3 services). other load: share of the machine used"
echo "  by anything else meanwhile; above a few % the figures are disturbed."
echo "cache-hit runs: Redis served $((hits_after - hits_before)) keys and stored none (all hits)"
echo "peak RSS (VmHWM): gateway A $(mib "$rss_a"), gateway R $(mib "$rss_r"), gateway B $(mib "$rss_b")," \
  "ceiling $(mib "$rss_c")"
busy=0
for s in ceiling hit redis_only miss; do
  (( $(field "${!s}" other_load_pct) <= 10 )) || busy=1
done
if (( busy )); then
  echo "WARNING: something else used over 10 % of the machine during a run; rerun on a quiet machine"
fi
echo
figures=""
for s in ceiling hit redis_only miss; do
  for k in rps p50_us p99_us server_cpu_us wrk_cpu_us other_load_pct; do figures+=" ${s}_$k=$(field "${!s}" "$k")"; done
done
echo "RESULT nproc=$(nproc) threads=$threads connections=$connections duration=$duration rounds=$rounds$figures" \
  "ratio_pct=$ratio redis_only_ratio_pct=$redis_ratio target_pct=$target verdict=$verdict gateway_a_peak_rss_kb=$rss_a"

if [[ "$verdict" == BELOW && "${BENCH_STRICT:-}" == 1 ]]; then
  exit 3
fi
