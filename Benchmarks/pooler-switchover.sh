#!/usr/bin/env bash
# Benchmark for pgbouncer fencing during `pgwarden standby switchover --siblings-follow` (issue 5).
# primary + 2 standbys + witness, built with pgwarden's own commands, and a real pgbouncer
# (transaction pooling) in front of database `app`, named in every node's pgbouncer_admin_conninfo.
# Each run switches over to the other node (node1 -> node2, then back) while
# `pgwarden-write-prober --pooled` inserts through pgbouncer every 20 ms on one connection.
# Prints, per run, the client's failed transactions and its longest write stall.
# Targets: 0 failed transactions; longest stall <= 1 s.
source "$(dirname "$0")/lib.sh"
declare -a PORTS
RUNS=${RUNS:-5}
SCRATCH=${BENCH_SCRATCH:-/tmp/build-pooler-release}
PGBOUNCER=${PGBOUNCER:-/usr/sbin/pgbouncer}
[[ -x $PGBOUNCER ]] || { echo "pgbouncer not found at $PGBOUNCER (apt-get install pgbouncer)" >&2; exit 1; }

# Stops pgbouncer by the PID it wrote, then everything lib.sh started.
pooler_cleanup() {
  if [[ -f $SANDBOX/pgbouncer/pgbouncer.pid ]]; then
    kill "$(cat "$SANDBOX/pgbouncer/pgbouncer.pid")" 2>/dev/null || true
  fi
  cleanup
}
trap pooler_cleanup EXIT

# Builds into a scratch path of its own (other work may be building in .build at the same time).
build_into_scratch() {
  if ! (cd "$BENCH_ROOT" &&
    swift build -c release --static-swift-stdlib --scratch-path "$SCRATCH" --product pgwarden >"$SANDBOX/build.log" 2>&1 &&
    swift build -c release --static-swift-stdlib --scratch-path "$SCRATCH" --product pgwarden-write-prober \
      >>"$SANDBOX/build.log" 2>&1); then
    grep -E 'error' "$SANDBOX/build.log" >&2 || tail -20 "$SANDBOX/build.log" >&2
    exit 1
  fi
  mkdir -p "$SANDBOX/bin"
  cp "$SCRATCH/release/pgwarden" "$SCRATCH/release/pgwarden-write-prober" "$SANDBOX/bin/"
  chmod 755 "$SANDBOX/bin" "$SANDBOX/bin/pgwarden" "$SANDBOX/bin/pgwarden-write-prober"
  PGWARDEN=$SANDBOX/bin/pgwarden
  PROBER=$SANDBOX/bin/pgwarden-write-prober
}

# start_pgbouncer: database `app` -> node1, admin console for user repmgr, run as the server user.
start_pgbouncer() {
  local dir=$SANDBOX/pgbouncer
  mkdir -p "$dir"
  printf '"repmgr" ""\n' >"$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<EOC
; benchmark pgbouncer; pgwarden rewrites host/port of the app entry on every switchover
[databases]
app = host=127.0.0.1 port=${PORTS[1]} dbname=app

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir = $dir
auth_type = trust
auth_file = $dir/userlist.txt
admin_users = repmgr
pool_mode = transaction
server_login_retry = 1
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOC
  chmod 640 "$dir/pgbouncer.ini"
  [[ ${#RUN_AS[@]} -gt 0 ]] && chown -R postgres: "$dir"
  as_server_user "$PGBOUNCER" -d "$dir/pgbouncer.ini"
  for _ in $(seq 50); do
    [[ -f $dir/pgbouncer.pid ]] && break
    sleep 0.1
  done
}

PGB_PORT=$(free_port)
EXTRA_CONFIG="pgbouncer_admin_conninfo='host=127.0.0.1 port=$PGB_PORT user=repmgr dbname=pgbouncer connect_timeout=2'
pgbouncer_databases='app'"
build_into_scratch
create_primary
as_server_user "$PGBIN/createdb" -h 127.0.0.1 -p "${PORTS[1]}" -U repmgr app
add_standby 2 1
add_standby 3 1
create_witness 4
start_pgbouncer
POOLED="host=127.0.0.1 port=$PGB_PORT user=repmgr dbname=app connect_timeout=2"

failures=()
stalls=()
candidate=2
for run in $(seq "$RUNS"); do
  sleep 1
  "$PROBER" --pooled 5 "$POOLED" 20 >"$SANDBOX/probe.out" &
  prober=$!
  sleep 1.5
  if ! as_server_user "$PGWARDEN" -f "$SANDBOX/node$candidate.conf" standby switchover --siblings-follow \
    >"$SANDBOX/switchover.out" 2>&1; then
    cat "$SANDBOX/switchover.out" >&2
    echo "switchover run $run failed" >&2
    exit 1
  fi
  wait "$prober"
  failures+=("$(awk '/^writes:/ {print $4}' "$SANDBOX/probe.out")")
  stalls+=("$(awk '/longest write stall/ {print $(NF-1)}' "$SANDBOX/probe.out")")
  printf 'run %d: switchover to node%d through pgbouncer: %s; failed transactions %s; longest write stall %s s\n' \
    "$run" "$candidate" "$(awk '/^writes:/ {print $2, "writes ok"}' "$SANDBOX/probe.out")" "${failures[-1]}" "${stalls[-1]}"
  grep '^failure:' "$SANDBOX/probe.out" || true
  candidate=$((candidate == 2 ? 1 : 2))
done
total_failed=$(printf '%s\n' "${failures[@]}" | awk '{s += $1} END {print s}')
stall_median=$(printf '%s\n' "${stalls[@]}" | median)
stall_max=$(printf '%s\n' "${stalls[@]}" | sort -g | tail -1)
printf 'switchover through pgbouncer, %d runs: failed transactions per run: %s (total %d, target 0)\n' \
  "$RUNS" "${failures[*]}" "$total_failed"
printf 'longest client write stall per run: %s s; median %.3f s, worst %.3f s (target <= 1 s)\n' \
  "${stalls[*]}" "$stall_median" "$stall_max"
