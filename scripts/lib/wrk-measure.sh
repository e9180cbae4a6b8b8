# Shared by scripts/bench.sh: one wrk run against a port, with the CPU time the servers,
# wrk and anything else used meanwhile. Needs scripts/lib/local-stack.sh, `$tmp/request.lua`,
# and the variables threads, connections, warmup, duration and round.

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
# Sets VAR to the BENCH line with the CPU time per request of the server side (PIDs), of the
# first of them alone (the front server, without what it calls) and of wrk, and the share of
# the machine anything else used meanwhile (the figures are only trustworthy when it is near
# 0).
measure() {
  local var="$1" label="$2" port="$3" run_line server0 server1 front0 front1 wrk0 wrk1 busy0 total0 busy1 total1
  shift 3
  if (( round == 1 )); then
    run_wrk "$label-warmup" "$port" "$warmup" run_line
  fi
  server0=$(cpu_ticks "$@")
  front0=$(cpu_ticks "$1")
  children_us wrk0
  read -r busy0 total0 < <(machine_ticks)
  run_wrk "$label" "$port" "$duration" run_line
  read -r busy1 total1 < <(machine_ticks)
  children_us wrk1
  server1=$(cpu_ticks "$@")
  front1=$(cpu_ticks "$1")
  local requests server_us front_us wrk_us other_us
  requests=$(field "$run_line" requests)
  server_us=$(( (server1 - server0) * tick_us ))
  front_us=$(( (front1 - front0) * tick_us ))
  wrk_us=$((wrk1 - wrk0))
  other_us=$(( (busy1 - busy0) * tick_us - server_us - wrk_us ))
  (( other_us > 0 )) || other_us=0
  local other_pct=$(( 100 * other_us / ((total1 - total0) * tick_us) ))
  printf -v "$var" '%s server_cpu_us=%d front_cpu_us=%d wrk_cpu_us=%d other_load_pct=%d' \
    "$run_line" $((server_us / requests)) $((front_us / requests)) $((wrk_us / requests)) "$other_pct"
}

# median LINE...: the BENCH line with the median requests/s (the lower middle of an even
# count).
median() {
  local line
  for line in "$@"; do printf '%s %s\n' "$(field "$line" rps)" "$line"; done |
    sort -n -k1,1 | sed -n "$(( ($# + 1) / 2 ))p" | cut -d' ' -f2-
}

