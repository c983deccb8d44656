# Shared helpers for the benchmark scripts: a sandbox cluster built with pgwarden's own
# commands on free loopback ports. Servers run as the unprivileged `postgres` user when
# the script runs as root. Every server started here is stopped on exit, by pg_ctl.
set -euo pipefail

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGBIN=${PGBIN:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}
[[ -x $PGBIN/initdb ]] || PGBIN=/usr/lib/postgresql/15/bin
RUN_AS=()
if [[ $(id -u) -eq 0 ]]; then RUN_AS=(runuser -u postgres --); fi

SANDBOX=$(mktemp -d /tmp/pgwarden-bench-XXXXXX)
chmod 755 "$SANDBOX"
[[ ${#RUN_AS[@]} -gt 0 ]] && chown postgres: "$SANDBOX"
STARTED_DIRS=()

cleanup() {
  for dir in "${STARTED_DIRS[@]}"; do
    if [[ -f $dir/postmaster.pid ]]; then
      kill -CONT "$(head -1 "$dir/postmaster.pid")" 2>/dev/null || true
      "${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true
    fi
  done
  [[ -n ${BENCH_KEEP_LOGS:-} ]] && cp "$SANDBOX"/daemon*.log "$BENCH_KEEP_LOGS"/ 2>/dev/null
  rm -rf "$SANDBOX"
}
trap cleanup EXIT

build_pgwarden() {
  if ! (cd "$BENCH_ROOT" && swift build -c release --static-swift-stdlib --product pgwarden >"$SANDBOX/build.log" 2>&1 &&
    swift build -c release --static-swift-stdlib --product pgwarden-write-prober >>"$SANDBOX/build.log" 2>&1 &&
    swift build -c release --static-swift-stdlib --product pgwarden-footprint-floor >>"$SANDBOX/build.log" 2>&1); then
    grep -E 'error' "$SANDBOX/build.log" >&2 || tail -20 "$SANDBOX/build.log" >&2
    exit 1
  fi
  mkdir -p "$SANDBOX/bin"
  cp "$BENCH_ROOT/.build/release/pgwarden" "$BENCH_ROOT/.build/release/pgwarden-write-prober" \
    "$BENCH_ROOT/.build/release/pgwarden-footprint-floor" "$SANDBOX/bin/"
  chmod 755 "$SANDBOX/bin" "$SANDBOX/bin/pgwarden" "$SANDBOX/bin/pgwarden-write-prober" \
    "$SANDBOX/bin/pgwarden-footprint-floor"
  PGWARDEN=$SANDBOX/bin/pgwarden
  PROBER=$SANDBOX/bin/pgwarden-write-prober
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

as_server_user() { "${RUN_AS[@]}" "$@"; }

# write_config ID PORT [extra lines]
write_config() {
  local id=$1 port=$2 extra=${3:-}
  cat >"$SANDBOX/node$id.conf" <<EOC
node_id=$id
node_name='node$id'
conninfo='host=127.0.0.1 port=$port user=repmgr dbname=repmgr connect_timeout=2'
data_directory='$SANDBOX/node$id'
use_replication_slots=yes
pg_bindir='$PGBIN'
log_level='${BENCH_LOG_LEVEL:-WARNING}'
$extra
EOC
  chmod 644 "$SANDBOX/node$id.conf"
}

# start_server ID PORT: pins the node's own port and socket directory in its postgresql.conf (the
# last setting wins, so a clone's copy of its upstream's settings is overridden), then starts it.
start_server() {
  local id=$1 port=$2
  mkdir -p "$SANDBOX/sock$id"
  [[ ${#RUN_AS[@]} -gt 0 ]] && chown postgres: "$SANDBOX/sock$id"
  printf "port = %s\nunix_socket_directories = '%s'\nlisten_addresses = '127.0.0.1'\n" "$port" "$SANDBOX/sock$id" \
    >>"$SANDBOX/node$id/postgresql.conf"
  as_server_user "$PGBIN/pg_ctl" -D "$SANDBOX/node$id" -l "$SANDBOX/node$id.log" -w start >/dev/null
  STARTED_DIRS+=("$SANDBOX/node$id")
}

# create_primary: node1 initdb + start + primary register
create_primary() {
  PORTS[1]=$(free_port)
  as_server_user "$PGBIN/initdb" -D "$SANDBOX/node1" -U repmgr --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$SANDBOX/node1/postgresql.conf" <<EOC
checkpoint_completion_target=0
wal_level=replica
max_wal_senders=10
max_replication_slots=10
hot_standby=on
wal_log_hints=on
shared_buffers='16MB'
fsync=off
EOC
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n' \
    >"$SANDBOX/node1/pg_hba.conf"
  start_server 1 "${PORTS[1]}"
  as_server_user "$PGBIN/createdb" -h 127.0.0.1 -p "${PORTS[1]}" -U repmgr repmgr
  write_config 1 "${PORTS[1]}" "${EXTRA_CONFIG:-}"
  as_server_user "$PGWARDEN" -f "$SANDBOX/node1.conf" primary register
}

# add_standby ID UPSTREAM_ID
add_standby() {
  local id=$1 upstream=$2
  PORTS[$id]=$(free_port)
  write_config "$id" "${PORTS[$id]}" "${EXTRA_CONFIG:-}"
  local upstream_option=()
  [[ $upstream != 1 ]] && upstream_option=(--upstream-node-id="$upstream")
  as_server_user "$PGWARDEN" -f "$SANDBOX/node$id.conf" -h 127.0.0.1 -p "${PORTS[$upstream]}" -U repmgr -d repmgr \
    standby clone --fast-checkpoint "${upstream_option[@]}" 2>/dev/null
  start_server "$id" "${PORTS[$id]}"
  as_server_user "$PGWARDEN" -f "$SANDBOX/node$id.conf" standby register "${upstream_option[@]}" 2>/dev/null
}

# create_witness ID: a separate instance registered as witness of node1
create_witness() {
  local id=$1
  PORTS[$id]=$(free_port)
  as_server_user "$PGBIN/initdb" -D "$SANDBOX/node$id" -U repmgr --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$SANDBOX/node$id/pg_hba.conf"
  start_server "$id" "${PORTS[$id]}"
  as_server_user "$PGBIN/createdb" -h 127.0.0.1 -p "${PORTS[$id]}" -U repmgr repmgr
  write_config "$id" "${PORTS[$id]}" "${EXTRA_CONFIG:-}"
  sed -i "s/^node_name=.*/node_name='witness'/" "$SANDBOX/node$id.conf"
  as_server_user "$PGWARDEN" -f "$SANDBOX/node$id.conf" -h 127.0.0.1 -p "${PORTS[1]}" -U repmgr -d repmgr witness register
}

conninfo_of() { echo "host=127.0.0.1 port=${PORTS[$1]} user=repmgr dbname=repmgr connect_timeout=2"; }

now() { date +%s.%N; }

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# start_cluster_with_daemons: primary node1, standbys node2 and node3, witness node4 (EXTRA_CONFIG in every
# configuration), then a daemon per node with its own PID file and log; the daemons are stopped on exit.
start_cluster_with_daemons() {
  build_pgwarden
  create_primary
  add_standby 2 1
  add_standby 3 1
  create_witness 4
  for id in 1 2 3 4; do
    printf "repmgrd_pid_file='%s'\nlog_file='%s'\n" "$SANDBOX/daemon$id.pid" "$SANDBOX/daemon$id.log" >>"$SANDBOX/node$id.conf"
    as_server_user "$PGWARDEN" -f "$SANDBOX/node$id.conf" daemon start >/dev/null 2>&1
  done
  trap 'stop_daemons; cleanup' EXIT
}

stop_daemons() {
  for id in 1 2 3 4; do as_server_user "$PGWARDEN" -f "$SANDBOX/node$id.conf" daemon stop >/dev/null 2>&1 || true; done
}

# psql_at ID SQL: one value from node ID; primary_node: the data node not in recovery.
psql_at() { psql -h 127.0.0.1 -p "${PORTS[$1]}" -U repmgr -d repmgr -Atc "$2" 2>/dev/null; }
primary_node() { for id in 1 2 3; do [[ $(psql_at "$id" 'select pg_is_in_recovery()') == f ]] && { echo "$id"; return; }; done; }
