#!/usr/bin/env bash
# Creates or updates the Python environment of the kit and the Python card services, and
# prints its folder: kits/python/.venv (git-ignored), or $CARDMESH_PYTHON_VENV.
#
# Installs the exact versions of requirements-dev.lock, then the kit itself in editable mode
# (so services run against this checkout). Nothing is done when the lock files and the kit's
# pyproject.toml have not changed since the last run. Needs Python 3.11 (python3.11, or a
# python3 that is 3.11; override with $PYTHON) and PyPI.
set -euo pipefail

KIT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VENV=${CARDMESH_PYTHON_VENV:-$KIT/.venv}
if [[ -z ${PYTHON:-} ]]; then
    PYTHON=$(command -v python3.11 || command -v python3 || true)
fi
[[ -n $PYTHON ]] || { echo "venv.sh: no python3.11 or python3 on PATH" >&2; exit 1; }
version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[[ $version == 3.11 ]] || { echo "venv.sh: $PYTHON is Python $version; the kit needs 3.11 (set PYTHON)" >&2; exit 1; }

stamp=$(cat "$KIT/requirements.lock" "$KIT/requirements-dev.lock" "$KIT/pyproject.toml" | sha256sum | cut -d' ' -f1)
if [[ -x $VENV/bin/python && -f $VENV/.cardmesh-stamp && $(cat "$VENV/.cardmesh-stamp") == "$stamp" ]]; then
    echo "$VENV"
    exit 0
fi
{
    [[ -x $VENV/bin/python ]] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$KIT/requirements-dev.lock"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps -e "$KIT"
} >&2
echo "$stamp" >"$VENV/.cardmesh-stamp"
echo "$VENV"
