#!/usr/bin/env bash
# Benchmark for the primary lease (issue: partition safety). Needs root (network namespaces).
# primary + 2 standbys + witness, each in its own network namespace on a private switch, a daemon on
# each (reconnect_attempts=2, reconnect_interval=1, monitor_interval_secs=2, connect_timeout=2). Each
# run cuts the primary's switch port (packets dropped, no reset) while clients on every data node
# write through its unix socket (one new connection per write, one session that switches
# default_transaction_read_only off before each write), heals once the majority side takes writes,
# and watches the cluster for 30 s. Prints per run and in total: writes the cut-off primary acknowledged
# after the new primary's first (target 0), the cut to its last acknowledged write (target <= 6 s),
# the cut to a writable majority-side primary (target median <= 10 s), the heal to one writable primary
# (target <= 5 s, and no other writable node for the next 30 s), majority-side acknowledged writes lost
# (target 0). PGWARDEN_PARTITION_RUNS=N changes the number of runs (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests >/dev/null
PGWARDEN_BENCHMARK=1 swift test --skip-build --filter PartitionBenchmark 2>&1 | grep -E '^(run [0-9]+|partition,)|✘'
