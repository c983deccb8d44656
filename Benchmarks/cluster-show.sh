#!/usr/bin/env bash
# Benchmark for `pgwarden cluster show` (issue: foundation).
# Builds a 4-node cluster (primary + 3 standbys, connect_timeout=2), then times
#   1. cluster show with every node up (median of 20 runs),
#   2. cluster show with one standby's postmaster SIGSTOPped (hung), median of 5 runs.
# Target: (2) <= 1 x connect_timeout + 0.3 s = 2.3 s; repmgr 5.3 measured 4.05 s here.
source "$(dirname "$0")/lib.sh"
declare -a PORTS
build_pgwarden
create_primary
add_standby 2 1
add_standby 3 1
add_standby 4 1

run_show() { "$PGWARDEN" -f "$SANDBOX/node1.conf" cluster show >/dev/null 2>&1 || true; }

for _ in 1 2 3; do run_show; done
up=$(for _ in $(seq 20); do s=$(now); run_show; e=$(now); awk -v e="$e" -v s="$s" "BEGIN{print e - s}"; done | median)

kill -STOP "$(head -1 "$SANDBOX/node4/postmaster.pid")"
hung=$(for _ in $(seq 5); do s=$(now); run_show; e=$(now); awk -v e="$e" -v s="$s" "BEGIN{print e - s}"; done | median)
kill -CONT "$(head -1 "$SANDBOX/node4/postmaster.pid")"

printf 'cluster show, 4 nodes all up:            median %.3f s  (repmgr 5.3: 0.06 s)\n' "$up"
printf 'cluster show, 1 of 4 hung (SIGSTOP):     median %.3f s  (target <= 2.30 s; repmgr 5.3: 4.05 s)\n' "$hung"
