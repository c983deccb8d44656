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
  rm -rf "$SANDBOX"
}
trap cleanup EXIT

build_pgwarden() {
  (cd "$BENCH_ROOT" && swift build -c release --product pgwarden >/dev/null)
  mkdir -p "$SANDBOX/bin"
  cp "$BENCH_ROOT/.build/release/pgwarden" "$SANDBOX/bin/pgwarden"
  chmod 755 "$SANDBOX/bin" "$SANDBOX/bin/pgwarden"
  PGWARDEN=$SANDBOX/bin/pgwarden
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
log_level='WARNING'
$extra
EOC
  chmod 644 "$SANDBOX/node$id.conf"
}

start_server() {
  local id=$1 port=$2
  as_server_user "$PGBIN/pg_ctl" -D "$SANDBOX/node$id" -l "$SANDBOX/node$id.log" -w \
    -o "-p $port -k $SANDBOX/node$id -c listen_addresses=127.0.0.1" start >/dev/null
  STARTED_DIRS+=("$SANDBOX/node$id")
}

# create_primary: node1 initdb + start + primary register
create_primary() {
  PORTS[1]=$(free_port)
  as_server_user "$PGBIN/initdb" -D "$SANDBOX/node1" -U repmgr --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$SANDBOX/node1/postgresql.conf" <<EOC
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

now() { date +%s.%N; }

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
