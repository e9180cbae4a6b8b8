#!/usr/bin/env bash
# Make sure a Docker daemon answers on /var/run/docker.sock.
# These machines have no init system, so dockerd is started by hand, in the background,
# logging to /var/log/dockerd.log. Idempotent: does nothing if `docker info` already answers.
# No extra dockerd flags are needed here (overlay2 on ext4, cgroupfs v1, iptables all work).
set -euo pipefail

LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
TIMEOUT=${DOCKERD_TIMEOUT:-60}

if docker info >/dev/null 2>&1; then
    echo "start-docker: daemon already running ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'))"
    exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
    echo "start-docker: dockerd not found; run ci/install-deps.sh first" >&2
    exit 1
fi

# A dockerd process that exists but does not answer is probably still starting: wait for it
# rather than starting a second one (which would fail on the pid file anyway).
if pgrep -x dockerd >/dev/null; then
    echo "start-docker: dockerd process exists (pid $(pgrep -x dockerd | tr '\n' ' ')) but does not answer yet; waiting"
else
    echo "start-docker: starting dockerd (log: $LOG)"
    # setsid + nohup: detach from this script's session so the daemon outlives it.
    setsid nohup dockerd >>"$LOG" 2>&1 </dev/null &
fi

deadline=$((SECONDS + TIMEOUT))
until docker info >/dev/null 2>&1; do
    if (( SECONDS >= deadline )); then
        echo "start-docker: dockerd did not answer within ${TIMEOUT}s; last log lines:" >&2
        tail -n 40 "$LOG" >&2 || true
        exit 1
    fi
    if ! pgrep -x dockerd >/dev/null; then
        echo "start-docker: dockerd exited; last log lines:" >&2
        tail -n 40 "$LOG" >&2 || true
        exit 1
    fi
    sleep 1
done

echo "start-docker: daemon up ($(docker version -f '{{.Server.Version}}'), $(docker info -f '{{.Driver}}') storage driver)"
