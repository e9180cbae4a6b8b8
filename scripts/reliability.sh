#!/usr/bin/env bash
# Reliability figures of the gateway, on this machine, in one run (README "Reliability").
#
# 1. Faults under load: the three example services and a gateway with the cache off (so every
#    request reaches every service: the hard case) on 127.0.0.1. wrk drives the signed 4-card
#    request with 64 connections for 60 s while, every 10 s, one service in turn is killed
#    (SIGKILL), stays down 3 s and is started again. A Lua hook checks every answer: its
#    status, that each requested key is in `cards`, and whether a fallback card stood in.
#    Figures: non-200 answers (target 0), answers with a key missing (target 0), p50/p99
#    latency, the gateway's peak RSS (target under 64 MiB).
# 2. A slow service: a second gateway with a 2 s deadline in front of billing and a service
#    that answers after 5 s. Figures: p99 latency (target under 2.1 s), and that the slow card
#    was a fallback card in every answer while billing's cards were drawn.
#
#   ./scripts/reliability.sh
#   REL_DURATION=30s REL_CONNECTIONS=32 ./scripts/reliability.sh
#
# Environment (all optional):
#   REL_DURATION          length of the fault run                        (60s)
#   REL_CONNECTIONS       wrk connections of the fault run               (64)
#   REL_KILL_EVERY        a service is killed this often                 (10s)
#   REL_DOWN              how long a killed service stays down           (3s)
#   REL_SLOW_DURATION     length of the slow-service run                 (20s)
#   REL_SLOW_CONNECTIONS  wrk connections of the slow-service run        (32)
#   REL_THREADS           wrk threads                                    (2)
#   REL_STRICT=1          exit 3 when a figure misses its target
#   REL_NO_BUILD=1        use the existing release binaries
#   KEEP_TMP=1            keep the temporary directory (logs, wrk scripts)
#
# Needs cargo, curl and wrk (ci/install-deps.sh installs wrk). The last line is
# machine-readable: `RESULT key=value ...`.
set -euo pipefail
cd "$(dirname "$0")/.."
me=reliability
source scripts/lib/local-stack.sh

duration="${REL_DURATION:-60s}"
connections="${REL_CONNECTIONS:-64}"
kill_every="${REL_KILL_EVERY:-10s}"
down="${REL_DOWN:-3s}"
slow_duration="${REL_SLOW_DURATION:-20s}"
slow_connections="${REL_SLOW_CONNECTIONS:-32}"
threads="${REL_THREADS:-2}"
bin="${CARGO_TARGET_DIR:-target}/release"
secret="cardmesh-reliability-secret"
workspace="w_reliability"

duration_s=$(seconds_of "$duration")
kill_every_s=$(seconds_of "$kill_every")
down_s=$(seconds_of "$down")
slow_duration_s=$(seconds_of "$slow_duration")
(( duration_s >= 5 && duration_s <= 600 )) || die "REL_DURATION must be between 5s and 10m"
(( slow_duration_s >= 5 && slow_duration_s <= 600 )) || die "REL_SLOW_DURATION must be between 5s and 10m"
(( kill_every_s >= 2 && down_s >= 1 && down_s < kill_every_s )) || die "need REL_KILL_EVERY >= 2s and 1s <= REL_DOWN < REL_KILL_EVERY"
[[ "$connections" =~ ^[0-9]+$ && "$slow_connections" =~ ^[0-9]+$ && "$threads" =~ ^[0-9]+$ ]] ||
  die "REL_CONNECTIONS, REL_SLOW_CONNECTIONS and REL_THREADS must be numbers"
(( threads >= 1 && connections >= threads && slow_connections >= threads )) || die "need at least one connection per wrk thread"
for tool in cargo curl wrk; do
  command -v "$tool" >/dev/null || die "$tool not found (ci/install-deps.sh installs wrk)"
done

stack_init

if [[ "${REL_NO_BUILD:-}" != 1 ]]; then
  echo "==> building (cargo build --release: the gateway, the example services, slow-card-service)"
  cargo build --quiet --release -p cardmesh-gateway -p billing-service -p usage-service -p accounts-service \
    -p cardmesh-tests --bins
fi
for b in cardmesh-gateway billing-service usage-service accounts-service slow-card-service; do
  [[ -x "$bin/$b" ]] || die "$bin/$b is missing; run without REL_NO_BUILD"
done

# start_service NAME: (re)starts an example service on its port (port_NAME).
start_service() {
  local port_var="port_$1"
  start "$1" RUST_LOG=warn CARDMESH_SERVICE_LISTEN="127.0.0.1:${!port_var}" "$bin/$1-service"
}
# service_up NAME: its gRPC port accepts connections.
service_up() { local port_var="port_$1"; (exec 3<>"/dev/tcp/127.0.0.1/${!port_var}") 2>/dev/null; }

echo "==> starting the 3 example services and gateway A (cache off)"
services=()
for svc in billing usage accounts; do
  free_port "port_$svc"
  start_service "$svc"
  port_var="port_$svc"
  services+=("http://127.0.0.1:${!port_var}")
done
free_port port_a
free_port admin_a
start gateway-a RUST_LOG=warn CARDMESH_LISTEN="127.0.0.1:$port_a" CARDMESH_SIGNING_SECRETS="$secret" \
  CARDMESH_ADMIN_LISTEN="127.0.0.1:$admin_a" \
  CARDMESH_SERVICES="$(IFS=,; echo "${services[*]}")" CARDMESH_CACHE=false "$bin/cardmesh-gateway"
wait_until 30 "gateway A on 127.0.0.1:$port_a (/readyz)" "$pid_gateway_a" ready "$port_a"

# write_lua FILE BODY KEYS...: the wrk script for one signed request; it checks every answer
# and done() prints a `RUN ...` line.
write_lua() {
  local file="$1" body="$2"
  shift 2
  local keys=""
  for k in "$@"; do keys+="\"$k\", "; done
  printf '%s' "$body" >"$file.body"
  cat >"$file" <<LUA
local f = assert(io.open("$file.body", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Plain-Workspace-Id"] = "$workspace"
wrk.headers["Plain-Request-Signature"] = "$(sign "$body" "$secret")"

local keys = { $keys}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) answers = 0; non200 = 0; missing = 0; fallback = 0; fallback_cards = {} end

function response(status, headers, body)
  answers = answers + 1
  if status ~= 200 then non200 = non200 + 1; return end
  local lacking = false
  for _, k in ipairs(keys) do
    if not string.find(body, '"key":"' .. k .. '"', 1, true) then lacking = true end
  end
  if lacking then missing = missing + 1 end
  if string.find(body, "temporarily unavailable", 1, true) then fallback = fallback + 1 end
end

function done(summary, latency, requests)
  local a, n, m, fb = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("answers"); n = n + t:get("non200"); m = m + t:get("missing"); fb = fb + t:get("fallback")
  end
  local e = summary.errors
  io.write(string.format(
    "RUN requests=%d answers=%d non200=%d missing=%d with_fallback=%d p50_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, a, n, m, fb, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout))
end
LUA
}

# run_wrk LABEL PORT DURATION CONNECTIONS LUA: starts wrk in the background (wrk_pid).
run_wrk() {
  local label="$1" port="$2" dur="$3" conns="$4" lua="$5"
  timeout "$(( $(seconds_of "$dur") + 60 ))" wrk -t"$threads" -c"$conns" -d"$dur" --timeout 10s \
    -s "$lua" "http://127.0.0.1:$port/" >"$tmp/wrk-$label.out" 2>&1 &
  wrk_pid=$!
}

# finish_wrk LABEL VAR: waits for wrk and sets VAR to its RUN line.
finish_wrk() {
  local status=0 line
  wait "$wrk_pid" || status=$?
  wrk_pid=""
  (( status == 0 )) || die "$1: wrk failed ($status): $(cat "$tmp/wrk-$1.out")"
  line=$(grep '^RUN ' "$tmp/wrk-$1.out") || die "$1: no result line from wrk: $(cat "$tmp/wrk-$1.out")"
  (( $(field "$line" requests) > 0 )) || die "$1: no request completed"
  printf -v "$2" '%s' "$line"
}

keys=(subscription-status latest-invoice usage customer-details)
body='{"cardKeys":["subscription-status","latest-invoice","usage","customer-details"],"customer":{"id":"c_rel","email":"ada@example.com","externalId":"cus_demo_1"},"thread":null}'
write_lua "$tmp/faults.lua" "$body" "${keys[@]}"

echo "==> fault run: wrk -t$threads -c$connections -d$duration; every ${kill_every_s}s one service is killed, down ${down_s}s, restarted"
run_wrk faults "$port_a" "$duration" "$connections" "$tmp/faults.lua"
began=$SECONDS
kills=0
victims=(billing usage accounts)
while :; do
  next=$(( began + (kills + 1) * kill_every_s ))
  (( next + down_s < began + duration_s )) || break
  while (( SECONDS < next )); do kill -0 "$wrk_pid" 2>/dev/null || break 2; sleep 0.2; done
  victim=${victims[$(( kills % 3 ))]}
  pid_var="pid_$victim"
  kill -KILL "${!pid_var}" 2>/dev/null || true
  wait "${!pid_var}" 2>/dev/null || true
  kills=$((kills + 1))
  echo "    t=$((SECONDS - began))s: killed $victim-service (pid ${!pid_var}); restarting in ${down_s}s"
  restart_at=$((SECONDS + down_s))
  while (( SECONDS < restart_at )); do sleep 0.2; done
  start_service "$victim"
  wait_until 10 "$victim-service restarted" "${!pid_var}" service_up "$victim"
done
finish_wrk faults faults
rss_a=$(vmhwm "$pid_gateway_a")

echo "==> slow run: gateway B (2s deadline) in front of billing and a service that answers after 5s"
free_port port_slow
start slow-service RUST_LOG=warn CARDMESH_SERVICE_LISTEN="127.0.0.1:$port_slow" SLOW_CARD_DELAY=5s "$bin/slow-card-service"
free_port port_b
free_port admin_b
start gateway-b RUST_LOG=warn CARDMESH_LISTEN="127.0.0.1:$port_b" CARDMESH_SIGNING_SECRETS="$secret" \
  CARDMESH_ADMIN_LISTEN="127.0.0.1:$admin_b" \
  CARDMESH_SERVICES="http://127.0.0.1:$port_billing,http://127.0.0.1:$port_slow" CARDMESH_CACHE=false \
  CARDMESH_SERVICE_DEADLINE=2s "$bin/cardmesh-gateway"
wait_until 30 "gateway B on 127.0.0.1:$port_b (/readyz)" "$pid_gateway_b" ready "$port_b"
slow_keys=(subscription-status slow-card)
slow_body='{"cardKeys":["subscription-status","slow-card"],"customer":{"id":"c_rel","email":"ada@example.com","externalId":"cus_demo_1"},"thread":null}'
write_lua "$tmp/slow.lua" "$slow_body" "${slow_keys[@]}"
run_wrk slow "$port_b" "$slow_duration" "$slow_connections" "$tmp/slow.lua"
finish_wrk slow slow

# verdict OK?: PASS or MISS.
verdict() { if "$@"; then echo PASS; else echo MISS; fi; }
f_non200=$(field "$faults" non200)
f_missing=$(field "$faults" missing)
s_p99=$(field "$slow" p99_us)
v_non200=$(verdict test "$f_non200" -eq 0)
v_missing=$(verdict test "$f_missing" -eq 0)
v_rss=$(verdict test "$rss_a" -lt $((64 * 1024)))
v_slow=$(verdict test "$s_p99" -lt 2100000)
v_slow_fallback=$(verdict test "$(field "$slow" with_fallback)" -eq "$(field "$slow" answers)")

echo
echo "cardmesh reliability: $(nproc) CPUs ($(uname -m)); wrk, the gateway and the services share them"
echo
echo "fault run: $duration, $connections connections, $kills kills (SIGKILL, ${down_s}s down each), cache off"
printf '  %-44s %s\n' "answers" "$(field "$faults" answers)"
printf '  %-44s %-12s target 0: %s\n' "non-200 answers" "$f_non200" "$v_non200"
printf '  %-44s %-12s target 0: %s\n' "answers with a requested key missing" "$f_missing" "$v_missing"
printf '  %-44s %s\n' "answers with a fallback card (service down)" "$(field "$faults" with_fallback)"
printf '  %-44s %s ms / %s ms (max %s ms)\n' "latency p50 / p99" "$(ms "$(field "$faults" p50_us)")" \
  "$(ms "$(field "$faults" p99_us)")" "$(ms "$(field "$faults" max_us)")"
printf '  %-44s %-12s target < 64 MiB: %s\n' "gateway peak RSS (VmHWM)" "$(mib "$rss_a")" "$v_rss"
printf '  %-44s connect %s, read %s, write %s, timeout %s\n' "socket errors (wrk)" "$(field "$faults" connect)" \
  "$(field "$faults" read)" "$(field "$faults" write)" "$(field "$faults" timeout)"
echo
echo "slow service: $slow_duration, $slow_connections connections, service answers after 5s, deadline 2s"
printf '  %-44s %s\n' "answers" "$(field "$slow" answers)"
printf '  %-44s %-12s target < 2100 ms: %s\n' "latency p99" "$(ms "$s_p99") ms" "$v_slow"
printf '  %-44s %s ms / %s ms\n' "latency p50 / max" "$(ms "$(field "$slow" p50_us)")" "$(ms "$(field "$slow" max_us)")"
printf '  %-44s %s of %s: %s\n' "answers with the slow card as fallback" "$(field "$slow" with_fallback)" \
  "$(field "$slow" answers)" "$v_slow_fallback"
printf '  %-44s %s\n' "non-200 / missing keys" "$(field "$slow" non200) / $(field "$slow" missing)"
echo
missed=0
for v in "$v_non200" "$v_missing" "$v_rss" "$v_slow" "$v_slow_fallback"; do [[ "$v" == PASS ]] || missed=1; done
echo "RESULT nproc=$(nproc) duration=$duration connections=$connections kills=$kills" \
  "answers=$(field "$faults" answers) non200=$f_non200 missing=$f_missing with_fallback=$(field "$faults" with_fallback)" \
  "p50_us=$(field "$faults" p50_us) p99_us=$(field "$faults" p99_us) peak_rss_kb=$rss_a" \
  "slow_answers=$(field "$slow" answers) slow_p99_us=$s_p99 slow_fallback=$(field "$slow" with_fallback)" \
  "verdict=$([[ $missed == 0 ]] && echo PASS || echo MISS)"
if [[ "${REL_STRICT:-}" == 1 && $missed == 1 ]]; then
  exit 3
fi
