#!/usr/bin/env bash
# Sets up the Python environment (venv.sh) and runs the Python checks: ruff over the kit and
# every Python card service, mypy over the kit (both also over scripts/lib/audit_report.py,
# the audit's report reader), then pytest for the kit (kits/python/tests) and for each Python
# service under services/ (a folder with a pyproject.toml), each from its own folder.
#
# The tests start the real gateway binary: $CARDMESH_GATEWAY_BIN, by default this checkout's
# target/debug/cardmesh-gateway, built here with cargo when it is missing.
# Extra arguments go to every pytest run (e.g. -x, -k NAME).
set -euo pipefail

KIT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$KIT/../.." && pwd)
VENV=$("$KIT/venv.sh")

export CARDMESH_GATEWAY_BIN=${CARDMESH_GATEWAY_BIN:-$REPO/target/debug/cardmesh-gateway}
if [[ ! -x $CARDMESH_GATEWAY_BIN ]]; then
    echo "run-tests: building the gateway ($CARDMESH_GATEWAY_BIN is missing)" >&2
    (cd "$REPO" && cargo build -q --workspace --bins --locked)
fi

services=()
for manifest in "$REPO"/services/*/pyproject.toml; do
    [[ -e $manifest ]] && services+=("$(dirname "$manifest")")
done

echo "run-tests: ruff check kits/python ${services[*]/#$REPO\//}"
"$VENV/bin/ruff" check "$KIT" "${services[@]}"

echo "run-tests: mypy kits/python"
(cd "$KIT" && "$VENV/bin/mypy" --no-error-summary)

# scripts/audit.sh reads the npm and pip-audit reports with this script: the kit's rules too.
echo "run-tests: ruff check and mypy --strict scripts/lib/audit_report.py"
"$VENV/bin/ruff" check --config "$KIT/pyproject.toml" "$REPO/scripts/lib/audit_report.py"
(cd "$KIT" && "$VENV/bin/mypy" --strict --no-error-summary "$REPO/scripts/lib/audit_report.py")

echo "run-tests: pytest kits/python"
(cd "$KIT" && "$VENV/bin/python" -m pytest -q "$@")
for service in "${services[@]}"; do
    echo "run-tests: pytest ${service#"$REPO"/}"
    (cd "$service" && "$VENV/bin/python" -m pytest -q "$@")
done
