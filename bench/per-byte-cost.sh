#!/usr/bin/env bash
# Per-byte cost harness (issue 11, item 1): CPU, allocations and frames per MiB echoed, per role, with
# real cluster nodes and the engine alone on one in-memory LAN, stepped in one thread on simulated
# time (io.ertcp.engine.cluster.PerByteCost in jmh/). No root, no network; each configuration runs in
# its own JVM. Writes bench/out/NAME.md (the tables, as BENCHMARKS.md quotes them) and
# bench/out/NAME.csv (every window), and prints the tables.
#
#   bench/per-byte-cost.sh [--configs "engine er-tcp-0 er-tcp-1 er-tcp-2 st-tcp"]
#                          [--logs "/dev/shm /var/tmp"] [--warmup-mib 32] [--window-mib 16]
#                          [--windows 3] [--cpu N] [--name NAME] [--security key|none]
#                          [--counters] [--replication-mtu BYTES] [--prefault-wait]
#
# --logs: the directories the cluster's Chronicle logs go under (java.io.tmpdir of the run): tmpfs
# and disk by default. The engine alone keeps no log and runs once. --cpu pins every run to one CPU
# (taskset), which keeps its caches its own while it runs; thread CPU time is what is counted either way.
# --security none: the cluster file says security: none (frames carry the trailer, no MAC) instead of the test
# key. --counters: also print every node counter that moved, per MiB (re-sends, NAKs, tail probes).
# --replication-mtu: the cluster file's replication-mtu (default 1500).
# --prefault-wait: step the cluster only once the log prefaulter thread has every node's log paged in ahead of its
# appends (the wait is in no duty cycle): the duty cycles with all their page work off them, as when each node's
# prefaulter has a core to itself; here one thread serves every node's log and on two cores it can fall behind.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out"
CONFIGS="engine er-tcp-0 er-tcp-1 er-tcp-2 st-tcp"
LOGS="/dev/shm /var/tmp"
WARMUP=32
WINDOW=16
WINDOWS=3
CPU=
NAME=per-byte-cost
SECURITY=key
COUNTERS=false
MTU=
PREFAULT_WAIT=false
while [ $# -gt 0 ]; do
  case "$1" in
    --configs) CONFIGS=$2; shift 2 ;;
    --logs) LOGS=$2; shift 2 ;;
    --warmup-mib) WARMUP=$2; shift 2 ;;
    --window-mib) WINDOW=$2; shift 2 ;;
    --windows) WINDOWS=$2; shift 2 ;;
    --cpu) CPU=$2; shift 2 ;;
    --name) NAME=$2; shift 2 ;;
    --security) SECURITY=$2; shift 2 ;;
    --counters) COUNTERS=true; shift ;;
    --replication-mtu) MTU=$2; shift 2 ;;
    --prefault-wait) PREFAULT_WAIT=true; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "per-byte-cost.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
for dir in $LOGS; do
  [ -d "$dir" ] && [ -w "$dir" ] || { echo "per-byte-cost.sh: the log directory $dir does not exist or is not writable: give another with --logs" >&2; exit 2; }
done

"$ROOT/ertcp" build
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | sort -rV | head -1)}
JAVA="$JAVA_HOME/bin/java"
PIN=()
[ -n "$CPU" ] && PIN=(taskset -c "$CPU")

mkdir -p "$OUT"
MD="$OUT/$NAME.md"
CSV="$OUT/$NAME.csv"
rm -f "$CSV"
{
  echo "## per-byte cost, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo '+changes')"
  echo
  echo "machine: $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), load average $(cut -d' ' -f1-3 /proc/loadavg)" \
       "before the run, $("$JAVA" -version 2>&1 | head -1)"
  echo "command: bench/per-byte-cost.sh --configs \"$CONFIGS\" --logs \"$LOGS\" --warmup-mib $WARMUP --window-mib $WINDOW --windows $WINDOWS${CPU:+ --cpu $CPU} --security $SECURITY${MTU:+ --replication-mtu $MTU}$([ "$COUNTERS" = true ] && echo ' --counters')$([ "$PREFAULT_WAIT" = true ] && echo ' --prefault-wait')"
} > "$MD"

run() {
  local config=$1 tmp=$2
  "${PIN[@]}" "$JAVA" @"$ROOT/jvm.flags" -Xmx1g -XX:+UseZGC -Djava.io.tmpdir="$tmp" \
    -cp "$ROOT/jmh/target/benchmarks.jar" io.ertcp.engine.cluster.PerByteCost --config "$config" \
    --warmup-mib "$WARMUP" --window-mib "$WINDOW" --windows "$WINDOWS" --csv "$CSV" --security "$SECURITY" --counters "$COUNTERS" ${MTU:+--replication-mtu "$MTU"} \
    --prefault-wait "$PREFAULT_WAIT" \
    | grep -v '^\[' >> "$MD"
}

for config in $CONFIGS; do
  if [ "$config" = engine ]; then
    run engine "${LOGS%% *}"
  else
    for dir in $LOGS; do
      run "$config" "$dir"
    done
  fi
done
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$MD"
cat "$MD"
echo "per-byte-cost.sh: wrote $MD and $CSV" >&2
