#!/usr/bin/env bash
# Load benchmark of the gateway, on this machine, in one run, against minimal anchors.
#
# Starts Redis, the three example card services, gateway A (Redis cache with its near cache,
# the default), gateway R (Redis only: CARDMESH_CACHE_NEAR_TTL=0s) and gateway B
# (CARDMESH_CACHE=false), all on 127.0.0.1 with free ports; a Redis Cluster (three primaries,
# three replicas) with gateway K on it, and a TLS Redis with gateway T on it (both Redis only,
# like R); and three minimal programs that answer gateway A's exact response bytes:
#
#   ceiling        gateway/examples/static_answer.rs: axum, the bytes, nothing else
#   redis anchor   gateway/examples/redis_lookup.rs: axum, the HMAC check, one Redis GET of
#                  the answer (stored under one key of the same Redis)
#   fan-out anchor gateway/examples/fanout.rs: axum, the HMAC check, three parallel unary
#                  tonic calls to three minimal tonic servers that answer the gateway's own
#                  rendered cards (billing's two, usage's, accounts'), concatenated
#
# Then drives the same 4-card request at each with wrk, each in a thread of its own and signed
# as Plain signs it (scripts/lib/hmac-sha256.lua), in rounds (each round runs
# every scenario once, so anchors and gateways alternate), and prints the median round of
# each: requests/s, p50/p99 latency, CPU per request (of the server with what it calls, and
# of the front server alone); then each gateway's ratio against its
# anchor with the targets:
#
#   gateway R (hits from Redis) / redis anchor     >= 0.85
#   gateway A (near cache hits) / redis anchor     >= 0.90
#   gateway B (misses)          / fan-out anchor   >= 0.85, p99 <= 1.2x the anchor's
#   gateway K (Redis Cluster)   / gateway R        >= 0.90
#   gateway T (TLS Redis)       / gateway R        >= 0.80
#
# and peak RSS against its budget (hit path 32 MiB, miss path 48 MiB); then what rendering
# the services' answers costs in process (gateway/examples/render_cost.rs). Everything, wrk
# included, shares this machine's CPUs; the figures are only comparable within one run.
#
#   ./scripts/bench.sh
#   BENCH_DURATION=30s BENCH_ROUNDS=5 ./scripts/bench.sh
#
# Environment (all optional):
#   BENCH_DURATION     wrk duration of each measured run            (8s; s or m suffix)
#   BENCH_WARMUP       wrk warm-up run before each first-round run  (2s)
#   BENCH_CONNECTIONS  wrk connections                              (64)
#   BENCH_THREADS      wrk threads                                  (2)
#   BENCH_ROUNDS       rounds of every scenario; the median is kept (3)
#   BENCH_RUST_LOG     RUST_LOG of the gateways and the services    (info, as in production)
#   BENCH_STRICT=1     exit 3 when a target is missed
#   BENCH_ONLY         comma-separated scenarios to run (e.g. redis_anchor,redis_only for a
#                      profile); the report then shows only those, and no ratios
#   BENCH_NO_BUILD=1   use the existing release binaries
#   KEEP_TMP=1         keep the temporary directory (logs, wrk script, answer file)
#
# Needs cargo, curl, openssl, redis-server, redis-cli and wrk (ci/install-deps.sh installs the last two).
# The last line is machine-readable: `RESULT key=value ...`.
set -euo pipefail
cd "$(dirname "$0")/.."
me=bench
source scripts/lib/local-stack.sh
source scripts/lib/wrk-measure.sh

duration="${BENCH_DURATION:-8s}"
warmup="${BENCH_WARMUP:-2s}"
rounds="${BENCH_ROUNDS:-3}"
connections="${BENCH_CONNECTIONS:-64}"
threads="${BENCH_THREADS:-2}"
log_level="${BENCH_RUST_LOG:-info}"
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

for tool in cargo curl openssl redis-server redis-cli wrk; do
  command -v "$tool" >/dev/null || die "$tool not found (ci/install-deps.sh installs redis and wrk)"
done

stack_init

if [[ "${BENCH_NO_BUILD:-}" != 1 ]]; then
  echo "==> building (cargo build --release --bins, the examples static_answer, redis_lookup, fanout, render_cost)"
  cargo build --quiet --release --bins
  cargo build --quiet --release -p cardmesh-gateway --example static_answer --example redis_lookup --example fanout \
    --example render_cost
fi
for b in cardmesh-gateway billing-service usage-service accounts-service examples/static_answer \
  examples/redis_lookup examples/fanout examples/render_cost; do
  [[ -x "$bin/$b" ]] || die "$bin/$b is missing; run without BENCH_NO_BUILD"
done

echo "==> starting Redis, 3 card services, gateway A (Redis cache), gateway B (no cache)"
free_port redis_port
start redis redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no
redis() { redis-cli -h 127.0.0.1 -p "$redis_port" "$@"; }
redis_up() { [[ "$(redis ping)" == PONG ]]; }
wait_until 10 "redis-server on 127.0.0.1:$redis_port" "$pid_redis" redis_up

echo "==> starting a Redis Cluster (3 primaries, 3 replicas) and a TLS Redis"
# cluster_port VAR: a free port whose cluster bus port (+10000) is free too.
cluster_port() {
  while :; do
    free_port "$1"
    (( ${!1} + 10000 < 65536 )) && ! (exec 3<>"/dev/tcp/127.0.0.1/$(( ${!1} + 10000 ))") 2>/dev/null && return
  done
}
cluster_nodes=()
cluster_pids=()
cluster_clis=()
for i in 0 1 2 3 4 5; do
  cluster_port port
  mkdir -p "$tmp/cluster-$i"
  start "redis-cluster-$i" redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 --dir "$tmp/cluster-$i"
  cluster_nodes+=("127.0.0.1:$port")
  pid_var="pid_redis_cluster_$i"
  cluster_pids+=("${!pid_var}")
  eval "cluster_cli_$i() { redis-cli -h 127.0.0.1 -p $port \"\$@\"; }"
  cluster_clis+=("cluster_cli_$i")
  wait_until 10 "Redis Cluster node 127.0.0.1:$port" "${!pid_var}" eval "[[ \"\$(cluster_cli_$i ping)\" == PONG ]]"
done
redis-cli --cluster create "${cluster_nodes[@]}" --cluster-replicas 1 --cluster-yes >"$tmp/cluster-create.log" 2>&1 ||
  die "redis-cli --cluster create failed: $(cat "$tmp/cluster-create.log")"
cluster_ok() {
  local cli
  for cli in "${cluster_clis[@]}"; do
    "$cli" cluster info | tr -d '\r' | grep -qx 'cluster_state:ok' || return 1
  done
}
wait_until 30 "the Redis Cluster (cluster_state:ok on every node)" "${cluster_pids[0]}" cluster_ok
cluster_url="redis-cluster://${cluster_nodes[0]}?node=${cluster_nodes[1]}&node=${cluster_nodes[2]}"

# A CA and a certificate for 127.0.0.1; the TLS Redis asks for no client certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=cardmesh-bench-ca \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
  -keyout "$tmp/redis-ca.key" -out "$tmp/redis-ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
  -keyout "$tmp/redis-tls.key" -out "$tmp/redis-tls.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$tmp/redis-tls.ext"
openssl x509 -req -in "$tmp/redis-tls.csr" -CA "$tmp/redis-ca.pem" -CAkey "$tmp/redis-ca.key" -CAcreateserial \
  -days 2 -extfile "$tmp/redis-tls.ext" -out "$tmp/redis-tls.pem" 2>/dev/null
free_port tls_port
start redis-tls redis-server --bind 127.0.0.1 --port 0 --tls-port "$tls_port" --save '' --appendonly no \
  --tls-cert-file "$tmp/redis-tls.pem" --tls-key-file "$tmp/redis-tls.key" --tls-ca-cert-file "$tmp/redis-ca.pem" \
  --tls-auth-clients no
tls_redis() { redis-cli --tls --cacert "$tmp/redis-ca.pem" -h 127.0.0.1 -p "$tls_port" "$@"; }
tls_redis_up() { [[ "$(tls_redis ping)" == PONG ]]; }
wait_until 10 "TLS redis-server on 127.0.0.1:$tls_port" "$pid_redis_tls" tls_redis_up

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
free_port port_k
free_port port_t
free_port admin_k
free_port admin_t
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
start gateway-k RUST_LOG="$log_level" CARDMESH_LISTEN="127.0.0.1:$port_k" CARDMESH_SIGNING_SECRETS="$secret" \
  CARDMESH_ADMIN_LISTEN="127.0.0.1:$admin_k" CARDMESH_SERVICES="$service_list" CARDMESH_REDIS_URL="$cluster_url" \
  CARDMESH_CACHE_NEAR_TTL=0s CARDMESH_CACHE_REQUIRED_TO_START=true "$bin/cardmesh-gateway"
start gateway-t RUST_LOG="$log_level" CARDMESH_LISTEN="127.0.0.1:$port_t" CARDMESH_SIGNING_SECRETS="$secret" \
  CARDMESH_ADMIN_LISTEN="127.0.0.1:$admin_t" CARDMESH_SERVICES="$service_list" \
  CARDMESH_REDIS_URL="rediss://127.0.0.1:$tls_port/0" CARDMESH_REDIS_CA_FILE="$tmp/redis-ca.pem" \
  CARDMESH_CACHE_NEAR_TTL=0s CARDMESH_CACHE_REQUIRED_TO_START=true "$bin/cardmesh-gateway"
wait_until 30 "gateway A on 127.0.0.1:$port_a (/readyz)" "$pid_gateway_a" ready "$port_a"
wait_until 30 "gateway K on 127.0.0.1:$port_k (/readyz)" "$pid_gateway_k" ready "$port_k"
wait_until 30 "gateway T on 127.0.0.1:$port_t (/readyz)" "$pid_gateway_t" ready "$port_t"
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
# same_cards A B: the two answers hold the same cards. A card from a cache carries the
# lifetime it has left as its timeToLiveSeconds, so the TTLs are left out of the comparison.
same_cards() {
  local ttl='s/"timeToLiveSeconds":[0-9]+/"timeToLiveSeconds":_/g'
  cmp -s <(sed -E "$ttl" "$1") <(sed -E "$ttl" "$2")
}
# all_hits PORT OUT: the gateway on PORT answers with every card from its cache.
all_hits() {
  [[ "$(post "$1" "$2")" == 200 ]] && [[ "$(cache_header "$2")" == "hits=4, misses=0, stale=0" ]]
}
wait_until 10 "gateway A answering from its cache (hits=4)" "$pid_gateway_a" all_hits "$port_a" "$tmp/answer.json"
for k in k t; do
  port_var="port_$k"
  pid_var="pid_gateway_$k"
  # The first request draws the cards and queues their writes; later ones hit.
  post "${!port_var}" "$tmp/first-$k.json" >/dev/null
  wait_until 10 "gateway ${k^^} answering from its Redis (hits=4)" "${!pid_var}" all_hits "${!port_var}" "$tmp/answer-$k.json"
  same_cards "$tmp/answer.json" "$tmp/answer-$k.json" || die "gateways A and ${k^^} answered different bodies"
done
[[ "$(post "$port_r" "$tmp/redis-only.json")" == 200 && "$(cache_header "$tmp/redis-only.json")" == "hits=4, misses=0, stale=0" ]] ||
  die "gateway R should hit every card that gateway A stored: $(cache_header "$tmp/redis-only.json")"
same_cards "$tmp/answer.json" "$tmp/redis-only.json" || die "gateways A and R answered different bodies"
status=$(post "$port_b" "$tmp/nocache.json")
[[ "$status" == 200 ]] || die "gateway B answered $status: $(cat "$tmp/nocache.json")"
[[ "$(cache_header "$tmp/nocache.json")" == "hits=0, misses=4, stale=0" ]] ||
  die "gateway B should miss every card, its header says: $(cache_header "$tmp/nocache.json")"
same_cards "$tmp/answer.json" "$tmp/nocache.json" || die "gateways A and B answered different bodies"
grep -q '"components":\[' "$tmp/answer.json" || die "the answer has no drawn card: $(cat "$tmp/answer.json")"
answer_bytes=$(wc -c <"$tmp/answer.json")

free_port port_c
start ceiling "$bin/examples/static_answer" "$tmp/answer.json" "127.0.0.1:$port_c"
# same_answer PORT: the server on PORT answers the signed request with gateway A's bytes.
same_answer() { [[ "$(post "$1" "$tmp/check-$1.json")" == 200 ]] && cmp -s "$tmp/answer.json" "$tmp/check-$1.json"; }
wait_until 10 "static_answer on 127.0.0.1:$port_c" "$pid_ceiling" same_answer "$port_c"

echo "==> starting the anchors: one Redis GET; a fan-out to three minimal tonic servers"
answer_key="cardmesh:bench:answer"
redis -x SET "$answer_key" <"$tmp/answer.json" >/dev/null
free_port port_rl
start redis-anchor "$bin/examples/redis_lookup" "redis://127.0.0.1:$redis_port/0" "$answer_key" "$secret" \
  "127.0.0.1:$port_rl"
wait_until 10 "redis_lookup on 127.0.0.1:$port_rl" "$pid_redis_anchor" same_answer "$port_rl"
# The request's cards in order: billing's two, usage's, accounts'.
card_servers=()
card_pids=()
for slice in "billing 0 2" "usage 2 1" "accounts 3 1"; do
  read -r svc first count <<<"$slice"
  free_port port
  start "cards-$svc" "$bin/examples/fanout" cards "$tmp/answer.json" "$first" "$count" "127.0.0.1:$port"
  card_servers+=("http://127.0.0.1:$port")
  pid_var="pid_cards_$svc"
  card_pids+=("${!pid_var}")
done
free_port port_fo
grpc_up() { curl -s -o /dev/null --http2-prior-knowledge "$1"; }
for i in "${!card_servers[@]}"; do
  wait_until 10 "card server ${card_servers[$i]}" "${card_pids[$i]}" grpc_up "${card_servers[$i]}"
done
start fanout-anchor "$bin/examples/fanout" front "$secret" "127.0.0.1:$port_fo" "${card_servers[@]}"
wait_until 10 "fanout on 127.0.0.1:$port_fo" "$pid_fanout_anchor" same_answer "$port_fo"

# The wrk script: the same 4-card request for the same customer everywhere, each in a thread
# of its own (a random prefix per wrk thread and run, then a counter), signed by wrk as Plain
# signs. A real Plain asks for a (customer, card, thread) only when it holds no copy: a new
# thread, or an expired copy. Asking for one context over and over would make every ask after
# the duplicate window a reload of Plain's, drawn again. The card services' cards are
# customer-scoped, so every thread's cards are cache hits. init() checks the Lua signature
# against the gateway's `sign` for the fixed body, and stops wrk when they differ.
body_head="${body%null\}}"
[[ "$body_head" != "$body" ]] || die "the request body must end with \"thread\":null}"
cat >"$tmp/request.lua" <<LUA
dofile("scripts/lib/hmac-sha256.lua")
local sign = hmac_signer("$secret")
local head = [[$body_head]]
local headers = {
  ["Content-Type"] = "application/json",
  ["Plain-Workspace-Id"] = "$workspace",
}
local prefix, n = nil, 0
function init(args)
  if sign([[$body]]) ~= "$signature" then
    io.stderr:write("the Lua HMAC-SHA256 differs from cardmesh-gateway sign\\n")
    os.exit(1)
  end
  local f = assert(io.open("/dev/urandom", "rb"))
  local r = f:read(8)
  f:close()
  prefix = "th_bench_" .. r:gsub(".", function(c) return string.format("%02x", c:byte()) end) .. "_"
end
function request()
  n = n + 1
  local body = head .. '{"id":"' .. prefix .. n .. '","externalId":null}}'
  headers["Plain-Request-Signature"] = sign(body)
  return wrk.format("POST", "/", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
LUA

redis_stat() { redis info "$1" | tr -d '\r' | sed -n "s/^$2:\(calls=\)\{0,1\}\([0-9]*\).*/\2/p"; }

# metric_sum NAME: NAME's value summed over the cached gateways' /metrics (A, R, K, T).
metric_sum() {
  local total=0 admin value
  for admin in "$admin_a" "$admin_r" "$admin_k" "$admin_t"; do
    value=$(curl -fsS "http://127.0.0.1:$admin/metrics" | sed -n "s/^$1 \([0-9.e+]*\)$/\1/p")
    value=${value%.*}
    total=$((total + ${value:-0}))
  done
  echo "$total"
}
# cache_draws: cards the cached gateways missed that were no reload of Plain's.
cache_draws() {
  echo $(( $(metric_sum cardmesh_cache_misses_total) - $(metric_sum cardmesh_plain_reloads_recognised_total) ))
}

# Scenarios, in the order each round runs them: NAME LABEL PORT PIDS (the server side whose
# CPU is counted).
scenarios=(
  "ceiling|ceiling: static axum, same bytes|$port_c|$pid_ceiling"
  "redis_anchor|anchor: HMAC + one Redis GET|$port_rl|$pid_redis_anchor $pid_redis"
  "redis_only|gateway R, hits from Redis only|$port_r|$pid_gateway_r $pid_redis"
  "cluster_only|gateway K, hits from Redis Cluster|$port_k|$pid_gateway_k ${cluster_pids[*]}"
  "tls_only|gateway T, hits from TLS Redis|$port_t|$pid_gateway_t $pid_redis_tls"
  "hit|gateway A, near-cache hits|$port_a|$pid_gateway_a $pid_redis"
  "fanout_anchor|anchor: HMAC + 3 tonic calls|$port_fo|$pid_fanout_anchor ${card_pids[*]}"
  "miss|gateway B, cache off (3 services)|$port_b|$pid_gateway_b $pid_billing $pid_usage $pid_accounts"
)
declare -A runs=() result_of=() label_of=()
if [[ -n "${BENCH_ONLY:-}" ]]; then
  kept=()
  for scenario in "${scenarios[@]}"; do
    [[ ",$BENCH_ONLY," == *",${scenario%%|*},"* ]] && kept+=("$scenario")
  done
  (( ${#kept[@]} > 0 )) || die "BENCH_ONLY=$BENCH_ONLY names no scenario (ceiling, redis_anchor, redis_only, cluster_only, tls_only, hit, fanout_anchor, miss)"
  scenarios=("${kept[@]}")
fi

echo "==> wrk -t$threads -c$connections -d$duration against each (after a $warmup warm-up), $rounds round(s); answer: $answer_bytes bytes"
draws_before=$(cache_draws)
reloads_before=$(metric_sum cardmesh_plain_reloads_recognised_total)
hits_before=$(redis_stat stats keyspace_hits)
for (( round = 1; round <= rounds; round++ )); do
  for scenario in "${scenarios[@]}"; do
    IFS='|' read -r name label port server_pids <<<"$scenario"
    label_of[$name]=$label
    echo "    round $round: $label..."
    # shellcheck disable=SC2086 # server_pids is a list of pids
    measure result "$name" "$port" $server_pids
    runs[$name]+="$result"$'\n'
  done
done
draws_after=$(cache_draws)
reloads_after=$(metric_sum cardmesh_plain_reloads_recognised_total)
hits_after=$(redis_stat stats keyspace_hits)
# Every card of the cached gateways came from their cache: each request was a thread of its
# own, so none was a reload of Plain's, and none was drawn.
(( ${draws_after:-0} == ${draws_before:-0} )) ||
  die "the cache-hit runs were not all hits: $((${draws_after:-0} - ${draws_before:-0})) cards missed that were no reload"
(( ${reloads_after:-0} == ${reloads_before:-0} )) ||
  die "the cache-hit runs asked for a context twice: $((${reloads_after:-0} - ${reloads_before:-0})) reloads recognised"
for port in "$port_a" "$port_r" "$port_k" "$port_t"; do
  # The first ask may come after the duplicate window, a reload; the one right after it hits.
  post "$port" "$tmp/after.json" >/dev/null
  [[ "$(post "$port" "$tmp/after.json")" == 200 && "$(cache_header "$tmp/after.json")" == "hits=4, misses=0, stale=0" ]] ||
    die "gateway on port $port after its runs: $(cache_header "$tmp/after.json")"
done
for scenario in "${scenarios[@]}"; do
  name=${scenario%%|*}
  mapfile -t lines <<<"${runs[$name]%$'\n'}"
  result_of[$name]=$(median "${lines[@]}")
done

rss_a=$(vmhwm "$pid_gateway_a")
rss_r=$(vmhwm "$pid_gateway_r")
rss_k=$(vmhwm "$pid_gateway_k")
rss_t=$(vmhwm "$pid_gateway_t")
rss_b=$(vmhwm "$pid_gateway_b")

row() {
  local r="${result_of[$1]}"
  printf '%-36s %9.0f %8s %8s %10s %8s %8s %7s\n' "${label_of[$1]}" "$(field "$r" rps)" "$(ms "$(field "$r" p50_us)")" \
    "$(ms "$(field "$r" p99_us)")" "$(field "$r" server_cpu_us)" "$(field "$r" front_cpu_us)" "$(field "$r" wrk_cpu_us)" \
    "$(field "$r" other_load_pct)%"
}
# ratio A B KEY: A's KEY over B's, two decimals.
ratio() { awk -v a="$(field "${result_of[$1]}" "$3")" -v b="$(field "${result_of[$2]}" "$3")" 'BEGIN { printf "%.2f", a / b }'; }
verdicts=""
# target NAME TEXT VALUE SHOWN OP TARGET SHOWN_TARGET: prints one target line; a missed target
# is added to $verdicts (for BENCH_STRICT and the RESULT line).
target() {
  local verdict=PASS
  awk -v v="$3" -v t="$6" -v op="$5" 'BEGIN { exit !((op == ">=") ? (v >= t) : (v <= t)) }' || {
    verdict=BELOW
    verdicts+=" $1"
  }
  printf '%-48s %9s  (target %s %s: %s)\n' "$2" "$4" "$5" "$7" "$verdict"
}
echo
echo "cardmesh benchmark: $(nproc) CPUs ($(uname -m)), wrk -t$threads -c$connections -d$duration," \
  "median of $rounds round(s), RUST_LOG=$log_level"
echo "one run on one machine: wrk, Redis, the services and the servers share its CPUs"
echo
printf '%-36s %9s %8s %8s %10s %8s %8s %7s\n' scenario 'req/s' 'p50 ms' 'p99 ms' 'server' 'of which' 'wrk' 'other'
printf '%-36s %9s %8s %8s %10s %8s %8s %7s\n' '' '' '' '' 'CPU us/req' 'front' 'us/req' 'load'
for scenario in "${scenarios[@]}"; do row "${scenario%%|*}"; done
if [[ -n "${BENCH_ONLY:-}" ]]; then
  exit 0
fi
echo
r_redis=$(ratio redis_only redis_anchor rps)
r_near=$(ratio hit redis_anchor rps)
r_miss=$(ratio miss fanout_anchor rps)
r_p99=$(ratio miss fanout_anchor p99_us)
r_ceiling=$(ratio hit ceiling rps)
r_cluster=$(ratio cluster_only redis_only rps)
r_tls=$(ratio tls_only redis_only rps)
target redis_only "hits from Redis only / redis anchor, req/s" "$r_redis" "${r_redis}x" '>=' 0.85 0.85x
target near "near-cache hits / redis anchor, req/s" "$r_near" "${r_near}x" '>=' 0.90 0.90x
target miss "misses / fan-out anchor, req/s" "$r_miss" "${r_miss}x" '>=' 0.85 0.85x
target miss_p99 "misses / fan-out anchor, p99" "$r_p99" "${r_p99}x" '<=' 1.20 1.20x
target cluster "Redis Cluster hits / plain Redis hits, req/s" "$r_cluster" "${r_cluster}x" '>=' 0.90 0.90x
target tls "TLS Redis hits / plain Redis hits, req/s" "$r_tls" "${r_tls}x" '>=' 0.80 0.80x
printf '%-48s %9s\n' "near-cache hits / ceiling, req/s" "${r_ceiling}x"
rss_hit=$(printf '%s\n' "$rss_a" "$rss_r" "$rss_k" "$rss_t" | sort -n | tail -1)
target rss_hit "peak RSS, hit path (gateways A, R, K, T)" "$rss_hit" "$(mib "$rss_hit")" '<=' $((32 * 1024)) "32 MiB"
printf '%-48s %s\n' "  of which, by gateway" "A $(mib "$rss_a"), R $(mib "$rss_r"), K $(mib "$rss_k"), T $(mib "$rss_t")"
target rss_miss "peak RSS, miss path (gateway B)" "$rss_b" "$(mib "$rss_b")" '<=' $((48 * 1024)) "48 MiB"
echo "server CPU: per request in the measured run, of the server and what it calls (Redis, the"
echo "  card servers); of which front: the server alone (the gateway or the anchor's front)."
echo "  other load: share of the machine used by anything else meanwhile; above a few % the"
echo "  figures are disturbed."
echo "cache-hit runs: Redis served $((hits_after - hits_before)) keys; no card was drawn and no context asked twice"
busy=0
for scenario in "${scenarios[@]}"; do
  (( $(field "${result_of[${scenario%%|*}]}" other_load_pct) <= 10 )) || busy=1
done
if (( busy )); then
  echo "WARNING: something else used over 10 % of the machine during a run; rerun on a quiet machine"
fi
echo
# The miss path's rendering alone, in process, on the services' real answers (see the example).
render=$("$bin/examples/render_cost" "${services[@]}") || die "render_cost failed"
grep -v '^RESULT' <<<"$render"
echo
figures=""
for scenario in "${scenarios[@]}"; do
  name=${scenario%%|*}
  for k in rps p50_us p99_us server_cpu_us front_cpu_us wrk_cpu_us other_load_pct; do
    figures+=" ${name}_$k=$(field "${result_of[$name]}" "$k")"
  done
done
echo "RESULT nproc=$(nproc) threads=$threads connections=$connections duration=$duration rounds=$rounds$figures" \
  "redis_only_ratio=$r_redis cluster_ratio=$r_cluster tls_ratio=$r_tls near_ratio=$r_near miss_ratio=$r_miss miss_p99_ratio=$r_p99" \
  "peak_rss_hit_kb=$rss_hit peak_rss_a_kb=$rss_a peak_rss_r_kb=$rss_r peak_rss_k_kb=$rss_k peak_rss_t_kb=$rss_t peak_rss_miss_kb=$rss_b $(sed -n 's/^RESULT //p' <<<"$render") below=${verdicts# }"

if [[ -n "$verdicts" && "${BENCH_STRICT:-}" == 1 ]]; then
  exit 3
fi
