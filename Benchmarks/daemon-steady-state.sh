#!/usr/bin/env bash
# Benchmark for the failover daemon's steady-state footprint (issue: daemon).
# primary + 2 standbys + witness with a daemon on each (monitor_interval_secs=2, monitoring_history on),
# no faults. Samples every daemon's RSS every SAMPLE_SECONDS for SOAK_SECONDS (default one hour) and
# prints, per daemon, its RSS at the start and the end, the largest RSS seen and its CPU use, then
# its private memory and proportional share (PSS). Beside them runs pgwarden-footprint-floor, the
# least a Swift program holding one libpq connection can be, and its RSS is printed too.
# Targets: RSS <= 12 MiB and flat over the hour, CPU < 0.1 % of a core (repmgrd: 8.4 MiB, < 0.1 %).
source "$(dirname "$0")/lib.sh"
declare -a PORTS
SOAK_SECONDS=${SOAK_SECONDS:-3600}
SAMPLE_SECONDS=${SAMPLE_SECONDS:-60}
EXTRA_CONFIG="failover=automatic
reconnect_attempts=2
reconnect_interval=1
monitor_interval_secs=2
monitoring_history=yes"
start_cluster_with_daemons
"$SANDBOX/bin/pgwarden-footprint-floor" "$(conninfo_of 1)" 2 &
floor_pid=$!
trap 'kill "$floor_pid" 2>/dev/null; stop_daemons; cleanup' EXIT
sleep 10

declare -A pid rss_first rss_max ticks_first
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
for id in 1 2 3 4; do
  pid[$id]=$(cat "$SANDBOX/daemon$id.pid")
  rss_first[$id]=$(rss "${pid[$id]}")
  rss_max[$id]=${rss_first[$id]}
  ticks_first[$id]=$(ticks "${pid[$id]}")
done
elapsed=0
while ((elapsed < SOAK_SECONDS)); do
  step=$((SAMPLE_SECONDS < SOAK_SECONDS - elapsed ? SAMPLE_SECONDS : SOAK_SECONDS - elapsed))
  sleep "$step"
  elapsed=$((elapsed + step))
  line="t=${elapsed}s RSS KiB:"
  for id in 1 2 3 4; do
    value=$(rss "${pid[$id]}")
    ((value > rss_max[$id])) && rss_max[$id]=$value
    line+=" node$id=$value"
  done
  echo "$line"
done
hz=$(getconf CLK_TCK)
for id in 1 2 3 4; do
  printf 'node%d daemon over %d s: RSS %d KiB -> %d KiB (max %d KiB), CPU %.3f %% of a core (targets: <= 12288 KiB, flat, < 0.1 %%)\n' \
    "$id" "$SOAK_SECONDS" "${rss_first[$id]}" "$(rss "${pid[$id]}")" "${rss_max[$id]}" \
    "$(awk -v a="${ticks_first[$id]}" -v b="$(ticks "${pid[$id]}")" -v hz="$hz" -v s="$SOAK_SECONDS" 'BEGIN{print (b - a) / hz / s * 100}')"
done
for id in 1 2 3 4; do
  printf 'node%d daemon at the end: private (anonymous) %d KiB, PSS %d KiB, shared file pages %d KiB\n' "$id" \
    "$(awk '/RssAnon/ {print $2}' "/proc/${pid[$id]}/status")" "$(awk '/^Pss:/ {print $2}' "/proc/${pid[$id]}/smaps_rollup")" \
    "$(awk '/RssFile/ {print $2}' "/proc/${pid[$id]}/status")"
done
printf 'floor (Swift runtime + libpq, one connection, one query every 2 s; no Foundation, no pgwarden code): RSS %d KiB, private %d KiB\n' \
  "$(rss "$floor_pid")" "$(awk '/RssAnon/ {print $2}' "/proc/$floor_pid/status")"
