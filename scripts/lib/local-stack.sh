# Used by scripts/reliability.sh: start processes on 127.0.0.1 with
# free ports, wait for them, and stop everything (and report its logs on failure) on exit.
#
# The sourcing script sets `me` (the prefix of its messages) first, then calls
# `stack_init`; `$tmp` is its scratch directory (kept when KEEP_TMP=1).

die() {
  echo "$me: $*" >&2
  exit 1
}

# "10s", "2m" or "15" -> whole seconds.
seconds_of() {
  case "$1" in
    *[!0-9smSM]* | "" ) die "bad duration '$1' (use e.g. 10s or 1m)" ;;
    *[mM]) echo $(( ${1%[mM]} * 60 )) ;;
    *[sS]) echo $(( ${1%[sS]} )) ;;
    *) echo $(( $1 )) ;;
  esac
}

stack_init() {
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/cardmesh-$me.XXXXXX")"
  pids=()
  wrk_pid=""
  used_ports=" "
  trap stack_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

stack_cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local pid
  [[ -z "${wrk_pid:-}" ]] || kill -TERM "$wrk_pid" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # Give everything 5 s to stop, then kill what is left.
  local deadline=$((SECONDS + 5))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if (( status != 0 )) && [[ -d "$tmp" ]]; then
    local f
    for f in "$tmp"/*.log; do
      [[ -s "$f" ]] || continue
      echo "--- last lines of $(basename "$f")" >&2
      tail -n 5 "$f" >&2
    done
  fi
  if [[ "${KEEP_TMP:-}" == 1 ]]; then
    echo "$me: kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
  exit "$status"
}

# free_port VAR: sets VAR to a port nothing listens on, not handed out before in this run.
free_port() {
  local candidate tries=0
  while (( tries < 200 )); do
    tries=$((tries + 1))
    candidate=$((20000 + RANDOM % 30000))
    [[ "$used_ports" == *" $candidate "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
      used_ports+="$candidate "
      printf -v "$1" '%s' "$candidate"
      return
    fi
  done
  die "no free port found on 127.0.0.1"
}

# start NAME COMMAND...: runs COMMAND in the background with a clean environment plus the
# variables given as NAME=VALUE words before it, appending to $tmp/NAME.log; its pid goes to
# pid_NAME (dashes become underscores).
start() {
  local name="$1"
  shift
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" "$@" >>"$tmp/$name.log" 2>&1 &
  pids+=("$!")
  eval "pid_${name//-/_}=$!"
}

# wait_until SECONDS WHAT PID COMMAND...: polls COMMAND until it succeeds; fails when PID
# exits or the deadline passes.
wait_until() {
  local limit="$1" what="$2" pid="$3"
  shift 3
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || die "$what: the process exited (see its log below)"
    (( SECONDS < deadline )) || die "$what: not ready within ${limit}s"
    sleep 0.1
  done
}

# ready PORT: the gateway on PORT answers /readyz (every service described its cards).
ready() { curl -fsS -o /dev/null "http://127.0.0.1:$1/readyz"; }

# vmhwm PID: peak resident set size of PID in KiB.
vmhwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

mib() { awk -v kb="$1" 'BEGIN { printf "%.1f MiB", kb / 1024 }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }

# field LINE KEY: the value of KEY=... in a `NAME key=value ...` result line.
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

# sign BODY SECRET: the Plain-Request-Signature of BODY.
sign() {
  local signature
  signature="$(printf '%s' "$1" | "$bin/cardmesh-gateway" sign --secret "$2")"
  [[ "$signature" =~ ^[0-9a-f]{64}$ ]] || die "unexpected signature output: $signature"
  echo "$signature"
}
