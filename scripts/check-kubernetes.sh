#!/usr/bin/env bash
# Checks the Kubernetes manifests of deploy/kubernetes offline (no cluster, no API server):
#
#   1. renders each overlay with `kubectl kustomize` (overlays/dev, overlays/production, and
#      production with components/monitoring), into target/kubernetes/<name>.yaml;
#   2. validates every rendered object against the Kubernetes JSON schemas of the versions
#      in KUBERNETES_VERSIONS (kubernetes-validate --strict: an unknown field is an error);
#   3. scans them with checkov; deploy/kubernetes/checkov.yaml is the one list of skipped
#      checks, each with its reason, and any other failure fails this script.
#
#   scripts/check-kubernetes.sh             # install the tools when needed, then check
#   scripts/check-kubernetes.sh --install   # only install the tools (cargo xtask test runs this
#                                           # beside the build)
#
# Needs kubectl (1.27 or later: kustomize is built in) and Python 3.11 with PyPI reachable
# for the first install. kubernetes-validate and checkov come from
# deploy/kubernetes/requirements.lock, installed into target/kubernetes-tools (or
# $CARDMESH_KUBERNETES_TOOLS); nothing is installed again while the lock is unchanged.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The oldest Kubernetes the manifests support (the preStop `sleep` action is on by default
# from 1.30) and the version CI's kubectl speaks.
KUBERNETES_VERSIONS=(1.30.0 1.32.0)
DEPLOY=deploy/kubernetes
LOCK=$DEPLOY/requirements.lock
TOOLS=${CARDMESH_KUBERNETES_TOOLS:-target/kubernetes-tools}
OUT=target/kubernetes

log() { echo "check-kubernetes: $*"; }
die() { echo "check-kubernetes: $*" >&2; exit 1; }

install_tools() {
    local python stamp
    python=${PYTHON:-$(command -v python3.11 || command -v python3 || true)}
    [[ -n $python ]] || die "no python3.11 or python3 on PATH (Debian 12: apt-get install python3 python3-venv)"
    stamp=$(sha256sum "$LOCK" | cut -d' ' -f1)
    if [[ -x $TOOLS/bin/checkov && -f $TOOLS/.cardmesh-stamp && $(cat "$TOOLS/.cardmesh-stamp") == "$stamp" ]]; then
        log "tools up to date in $TOOLS"
        return
    fi
    log "installing kubernetes-validate and checkov from $LOCK into $TOOLS"
    local t0=$SECONDS
    [[ -x $TOOLS/bin/python ]] || "$python" -m venv "$TOOLS"
    "$TOOLS/bin/python" -m pip install -q --disable-pip-version-check -r "$LOCK"
    echo "$stamp" >"$TOOLS/.cardmesh-stamp"
    log "installed in $((SECONDS - t0))s"
}

if [[ ${1:-} == --install ]]; then install_tools; exit 0; fi
[[ $# -eq 0 ]] || die "unknown argument $1 (see the top of this script)"

command -v kubectl >/dev/null \
    || die "kubectl not found: install it (https://kubernetes.io/docs/tasks/tools/), 1.27 or later"
install_tools
T0=$SECONDS
rm -rf "$OUT"
mkdir -p "$OUT/production-monitoring"

# 1. Render. The monitoring component is rendered on top of production, in its namespace,
# as when production's kustomization lists it, by a kustomization of its own under target/
# (kustomize refuses absolute paths, so the paths are relative).
cat >"$OUT/production-monitoring/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: $(sed -n 's/^namespace: //p' "$DEPLOY/overlays/production/kustomization.yaml")
resources:
  - ../../../$DEPLOY/overlays/production
components:
  - ../../../$DEPLOY/components/monitoring
YAML
declare -A SOURCES=([dev]=$DEPLOY/overlays/dev [production]=$DEPLOY/overlays/production
                    [production-monitoring]=$OUT/production-monitoring)
RENDERED=()
for name in dev production production-monitoring; do
    kubectl kustomize "${SOURCES[$name]}" >"$OUT/$name.yaml" \
        || die "kubectl kustomize ${SOURCES[$name]} failed (above)"
    log "rendered ${SOURCES[$name]}: $(grep -c '^kind: ' "$OUT/$name.yaml") objects ($(grep '^kind: ' "$OUT/$name.yaml" | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $3; sep=", "}'))"
    RENDERED+=("$OUT/$name.yaml")
done

# 2. Schemas. ServiceMonitor is a CRD: no schema ships with Kubernetes, so it is reported
# as a warning and checked by checkov only.
for version in "${KUBERNETES_VERSIONS[@]}"; do
    "$TOOLS/bin/kubernetes-validate" --kubernetes-version "$version" --strict --quiet "${RENDERED[@]}" \
        || die "objects do not match the Kubernetes $version schemas (above)"
    log "every object matches the Kubernetes $version schemas (kubernetes-validate --strict)"
done

# 3. Policies. checkov scans the rendered files (what is applied), with the skips and
# their reasons in checkov.yaml.
log "checkov skips, each with its reason in $DEPLOY/checkov.yaml: $(sed -n 's/^  - \(CKV[A-Z0-9_]*\)$/\1/p' "$DEPLOY/checkov.yaml" | paste -sd' ')"
"$TOOLS/bin/checkov" --config-file "$DEPLOY/checkov.yaml" --quiet "${RENDERED[@]/#/--file=}" \
    || die "checkov found failing checks (above): fix the manifests, or skip the check in $DEPLOY/checkov.yaml with its reason"
log "all checks passed in $((SECONDS - T0))s"
