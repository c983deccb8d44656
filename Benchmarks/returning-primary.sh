#!/usr/bin/env bash
# Benchmark for the returning-primary guard (issue: fencing).
# primary + 2 standbys + witness, a daemon on each (monitor_interval_secs=2, reconnect_attempts=2,
# reconnect_interval=1, connect_timeout=2). Each run kills the current primary with SIGKILL, waits
# for the automatic failover, then starts the old primary again with a plain `pg_ctl start` while
# `pgwarden-write-prober --returning` writes to it directly every 10 ms. Prints the writes the old
# primary accepted and how long after it first accepted a connection it refused writes.
#   - RUNS runs with the old primary's daemon running (it prepares the stopped data directory),
#   - RUNS runs with its daemon stopped (the new primary's daemon fences the second primary).
# After each run the old primary is rejoined with `node rejoin --force-rewind` for the next one.
# Targets: zero writes accepted while its daemon runs; refused within 1 s when its daemon is down.
# repmgr 5.3 here: the old primary stays writable indefinitely.
source "$(dirname "$0")/lib.sh"
declare -a PORTS
RUNS=${RUNS:-5}
EXTRA_CONFIG="failover=automatic
reconnect_attempts=2
reconnect_interval=1
monitor_interval_secs=2"
start_cluster_with_daemons

psql_at 1 'CREATE TABLE write_probe (seq int, at timestamptz DEFAULT now())' >/dev/null
sleep 6

# one_run MODE: MODE is "running" (old primary's daemon left running) or "stopped".
one_run() {
  local mode=$1 old new="" waited=0
  old=$(primary_node)
  [[ $mode == stopped ]] && as_server_user "$PGWARDEN" -f "$SANDBOX/node$old.conf" daemon stop >/dev/null 2>&1
  kill -9 "$(head -1 "$SANDBOX/node$old/postmaster.pid")"
  until [[ -n $new ]]; do
    for id in 1 2 3; do [[ $id != "$old" && $(psql_at "$id" 'select pg_is_in_recovery()') == f ]] && new=$id; done
    sleep 0.05
  done
  if [[ $mode == running ]]; then
    until [[ -f $SANDBOX/node$old/standby.signal ]] || ((waited > 200)); do sleep 0.1; waited=$((waited + 1)); done
  else
    sleep 3
  fi
  "$PROBER" --returning 6 "$(conninfo_of "$old")" >"$SANDBOX/returning.out" &
  local prober=$!
  sleep 0.3
  as_server_user "$PGBIN/pg_ctl" -D "$SANDBOX/node$old" -l "$SANDBOX/node$old.log" -w start >/dev/null
  wait "$prober"
  accepted+=("$(awk '/writes accepted/ {print $3}' "$SANDBOX/returning.out")")
  refused+=("$(awk '/refused writes/ {print $3}' "$SANDBOX/returning.out")")
  printf 'run (%s daemon): node%d killed, node%d promoted; node%d restarted: %s writes accepted, refused after %s s\n' \
    "$mode" "$old" "$new" "$old" "${accepted[-1]}" "${refused[-1]:-never}"
  # Rejoin the old primary as a standby of the new one for the next run.
  as_server_user "$PGWARDEN" -f "$SANDBOX/node$old.conf" daemon stop >/dev/null 2>&1 || true
  as_server_user "$PGBIN/pg_ctl" -D "$SANDBOX/node$old" -m fast -w stop >/dev/null
  as_server_user "$PGWARDEN" -f "$SANDBOX/node$old.conf" -d "$(conninfo_of "$new")" node rejoin --force-rewind \
    >"$SANDBOX/rejoin.out" 2>&1 || { cat "$SANDBOX/rejoin.out" >&2; exit 1; }
  as_server_user "$PGWARDEN" -f "$SANDBOX/node$old.conf" daemon start >/dev/null 2>&1
  sleep 5
}

summary() {
  local mode=$1
  printf "old primary's daemon %s, %d runs: writes accepted by the restarted old primary: %s (total %d); refused writes after: %s s (worst %s s)\n" \
    "$mode" "$RUNS" "${accepted[*]}" "$(printf '%s\n' "${accepted[@]}" | awk '{s += $1} END {print s}')" \
    "${refused[*]}" "$(printf '%s\n' "${refused[@]}" | sort -g | tail -1)"
}
accepted=() refused=()
for run in $(seq "$RUNS"); do one_run running; done
summary running >"$SANDBOX/summary.txt"
accepted=() refused=()
for run in $(seq "$RUNS"); do one_run stopped; done
summary stopped >>"$SANDBOX/summary.txt"
echo "targets: zero writes accepted while its daemon runs; refused within 1 s when its daemon is down (repmgr 5.3: writable indefinitely)"
cat "$SANDBOX/summary.txt"
