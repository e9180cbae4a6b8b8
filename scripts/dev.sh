#!/usr/bin/env bash
# Runs cardmesh locally: the three example Rust card services, the Python one and the gateway,
# with a development signing secret. Prints a ready-to-paste signed curl, then runs until
# Ctrl-C (which stops everything).
#
#   ./scripts/dev.sh                 # gateway on 127.0.0.1:8080, services on 50051-50054
#   CARDMESH_DEV_PORT=9000 ./scripts/dev.sh
set -euo pipefail
cd "$(dirname "$0")/.."

secret="${CARDMESH_DEV_SECRET:-dev-secret-do-not-use-in-production}"
port="${CARDMESH_DEV_PORT:-8080}"
base_port="${CARDMESH_DEV_SERVICE_PORT:-50051}"

echo "==> building (cargo build --bins)"
cargo build --quiet --bins
bin=target/debug

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

services=()
i=0
for svc in billing usage accounts; do
  addr="127.0.0.1:$((base_port + i))"
  CARDMESH_SERVICE_LISTEN="$addr" "$bin/$svc-service" &
  pids+=("$!")
  services+=("http://$addr")
  i=$((i + 1))
done
# The Python example service (services/feedback; scripts/run-service.sh sets up kits/python/.venv).
addr="127.0.0.1:$((base_port + i))"
CARDMESH_SERVICE_LISTEN="$addr" scripts/run-service.sh feedback &
pids+=("$!")
services+=("http://$addr")

CARDMESH_LISTEN="127.0.0.1:$port" \
CARDMESH_SIGNING_SECRETS="$secret" \
CARDMESH_SERVICES="$(IFS=,; echo "${services[*]}")" \
  "$bin/cardmesh-gateway" &
pids+=("$!")

# Wait until every service has described its cards (deadline 30 s).
deadline=$((SECONDS + 30))
until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
  if (( SECONDS > deadline )); then
    echo "gateway did not become ready on 127.0.0.1:$port within 30 s" >&2
    exit 1
  fi
  sleep 0.2
done

body='{"cardKeys":["subscription-status","latest-invoice","usage","customer-details","csat-score"],"customer":{"id":"c_demo","email":"ada@example.com","externalId":"cus_demo_1"},"thread":null}'
echo
echo "==> cardmesh is up: gateway http://127.0.0.1:$port, secret: $secret"
echo "==> metrics: http://${CARDMESH_ADMIN_LISTEN:-127.0.0.1:9090}/metrics"
echo "==> try it (signed request for the demo customer):"
echo
printf '%s' "$body" | "$bin/cardmesh-gateway" sign --secret "$secret" --curl "http://127.0.0.1:$port/"
echo
echo "==> Ctrl-C stops everything"
wait
