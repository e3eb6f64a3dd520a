#!/usr/bin/env bash
# The client-observed cost of kv snapshots on the primary (issue 13's last benchmark): a kv ER-TCP
# cluster loaded with 10^6 keys, then a client that opens a new connection per request (connect,
# SET, GET, close) in --phases, with snapshots off and on (same load, same run), and the round
# trip's distribution for each. Prints a Markdown table for BENCHMARKS.md ("Snapshots"); keeps
# every request's timing in bench/out/snapshot-stall-MODE-ROUND-gapGAP.rtt.
#
#   sudo bench/snapshot-stall.sh [--keys N] [--every-records N | --every T]
#                                [--rounds R] [--node-cpus LIST] [--client-cpu N] [--phases "GAP:S ..."]
#                                [--suspect T] [--heap SIZE]
#
# Topology (bench/eb-cluster-lib.sh, in namespaces named sb-* instead of eb-* so it can run beside
# the other benches): client in sb-client (kernel TCP), primary sb-primary, logger sb-logger, backup sb-backup1, kv on
# 10.81.0.100:6379, durability logger, shared threading, heartbeat 10ms, suspect-timeout --suspect
# (default 500ms: the 2-core VM is shared; at 200ms the load phase made false role changes), every node JVM (all its threads, the snapshot thread
# too) on --node-cpus (default 0), the client on --client-cpu (default 1), ERTCP_HEAP --heap (1g).
#
# Per round, mode off then on: a fresh cluster (on: log.snapshot-every-records N, default 500, or
# log.snapshot-every T), load --keys keys (bench/snapshot_client.py load: 2,000-command pipelines,
# 20,000 keys per connection), 2 s of rest, then the probe phases, each GAP:S (default "0:10 5:25"):
# S seconds of requests one after the other with GAP ms of sleep between. (Before snapshots held
# open connections, a due snapshot waited for a moment with none open and the primary said so,
# counted as "due but open"; that line no longer exists, so the column stays 0.)
# Snapshots in a phase: the nodes' "snapshot at
# position P written" lines (with the capture's duty-cycle time and the serialization's) whose
# capture falls in it, and the files the probe saw appear in the primary's and the backup's
# snapshots directories (DIR/NODE/snapshots). A request "across a capture" was in flight at the
# primary's capture, dated as the probe's first sight of snapshot-P.snap.tmp minus P's
# serialization time; "during a serialization" overlaps [capture, that first sight].
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out"
KEYS=1000000
EVERY_RECORDS=500
EVERY=""
ROUNDS=1
NODE_CPUS=0
CLIENT_CPU=1
PHASES="0:10 5:25"
SUSPECT=500ms
HEAP=1g
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) KEYS=$2; shift 2 ;;
    --every-records) EVERY_RECORDS=$2; EVERY=""; shift 2 ;;
    --every) EVERY=$2; EVERY_RECORDS=""; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --node-cpus) NODE_CPUS=$2; shift 2 ;;
    --client-cpu) CLIENT_CPU=$2; shift 2 ;;
    --phases) PHASES=$2; shift 2 ;;
    --suspect) SUSPECT=$2; shift 2 ;;
    --heap) HEAP=$2; shift 2 ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "snapshot-stall.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "snapshot-stall.sh needs root for network namespaces: run it with sudo" >&2; exit 2; }

# The shared library with its namespaces prefixed sb- instead of eb- (names only; addresses and MACs
# live inside the namespaces, so two benches on one machine do not collide).
EB_PREFIX=sb
# shellcheck source=bench/eb-cluster-lib.sh
. "$ROOT/bench/eb-cluster-lib.sh"
mkdir -p "$OUT"
WORK=$(mktemp -d /var/tmp/sb-snap.XXXXXX)
trap 'eb_down; rm -rf "$WORK"' EXIT
export ERTCP_HEAP=$HEAP

[ "${ERTCP_NO_BUILD:-}" = 1 ] || "$ROOT/ertcp" build >/dev/null
eb_up
PORT=6379
ip -n "${EB_NS[c]}" route replace 10.81.0.0/24 dev eth0 src "${EB_IP[c]}"
echo "snapshot-stall: start $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), $KEYS keys, probe phases (gap ms:s) $PHASES, snapshots every ${EVERY_RECORDS:+$EVERY_RECORDS records}${EVERY}, nodes on CPU $NODE_CPUS, client on CPU $CLIENT_CPU, commit $(git -C "$ROOT" rev-parse --short HEAD)" >&2

stop_all() {
  local n
  ip netns pids "${EB_NS[c]}" | xargs -r kill 2>/dev/null || true
  for n in $EB_NODES; do eb_kill_node "$n"; done
  sleep 0.5
}

SUMMARY="$OUT/snapshot-stall.summary"
: > "$SUMMARY"

# run MODE ROUND: one fresh cluster, loaded, probed; a line "MODE ROUND rtt-file log-file load t0 t1" in $SUMMARY.
run() {
  local mode=$1 round=$2 file="$WORK/$1.yaml" log="$OUT/snapshot-stall-$1-$2.log"
  rm -rf "$WORK/log"; : > "$log"
  eb_cluster_file "$file" kv 1 10ms "$SUSPECT" "$WORK/log"
  if [ "$mode" = on ]; then
    if [ -n "$EVERY_RECORDS" ]; then
      sed -i "s|^\(  roll-cycle: .*\)$|\1\n  snapshot-every-records: $EVERY_RECORDS|" "$file"
    else
      sed -i "s|^\(  roll-cycle: .*\)$|\1\n  snapshot-every: $EVERY|" "$file"
    fi
  fi
  cp "$file" "$OUT/snapshot-stall-$mode.yaml"
  ip -n "${EB_NS[c]}" neigh flush all
  eb_start_cluster "$file" "p l b1" "$NODE_CPUS" "$log" || { stop_all; return 1; }
  echo "snapshot-stall: $mode round $round: loading $KEYS keys ($(date -u +%T), load $(cut -d' ' -f1 /proc/loadavg))" >&2
  ip netns exec "${EB_NS[c]}" taskset -c "$CLIENT_CPU" python3 "$ROOT/bench/snapshot_client.py" load "$EB_VIP" "$PORT" --keys "$KEYS" 2>&1 | tee -a "$log" >&2
  sleep 2
  local phase gap secs rtt t0 t1 la
  for phase in $PHASES; do
    gap=${phase%%:*}; secs=${phase#*:}
    rtt="$OUT/snapshot-stall-$mode-$round-gap$gap.rtt"
    la=$(cut -d' ' -f1 /proc/loadavg)
    echo "snapshot-stall: $mode round $round: probe for $secs s, $gap ms between requests ($(date -u +%T), load $la)" >&2
    # the nodes serving as primary and backup now (a false role change during the load swaps them)
    pri=$(grep -o '\[[a-z0-9]*\] \(took over as primary\|primary in epoch [0-9]*, serving\)' "$log" | tail -1 | sed 's/^\[\([^]]*\)\].*/\1/')
    [ "$pri" = backup1 ] && bak=primary || bak=backup1
    t0=$(date +%s.%N)
    ip netns exec "${EB_NS[c]}" taskset -c "$CLIENT_CPU" python3 "$ROOT/bench/snapshot_client.py" probe "$EB_VIP" "$PORT" "$rtt" \
      --seconds "$secs" --gap-ms "$gap" --watch "$WORK/log/$pri/snapshots" --watch "$WORK/log/$bak/snapshots" 2>&1 | tee -a "$log" >&2
    t1=$(date +%s.%N)
    echo "$mode $round $gap $rtt $log $la $(cut -d' ' -f1 /proc/loadavg) $t0 $t1 $pri $bak" >> "$SUMMARY"
  done
  sleep 1.5   # the last snapshot's line (written on the snapshot thread, reported within 100 ms)
  ls -l "$WORK/log/primary/snapshots" "$WORK/log/backup1/snapshots" >> "$log" 2>&1 || true
  stop_all
}

for r in $(seq 1 "$ROUNDS"); do
  run off "$r" || echo "snapshot-stall: off round $r failed" >&2
  run on "$r" || echo "snapshot-stall: on round $r failed" >&2
done
echo "snapshot-stall: end $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# Percentiles by nearest rank.
pct() { sort -n | awk -v p="$1" '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } i = int(p * NR + 0.999999); if (i < 1) i = 1; printf "%.1f", v[i] }'; }
echo
echo "| snapshots | gap between requests | primary | load avg (start/end) | requests | errors | round trip p50 ms | p90 | p99 | p99.9 | max | snapshots captured in the window (primary/backup) | primary's capture, duty cycle ms (median, max) | its serialization ms (median) | \"due but open\" lines | suspicions | role changes in the cluster's run (load too) | max round trip across a capture ms | requests during a serialization, p50 / max ms |"
echo "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"
while read -r mode round gap rtt log la0 la1 t0 t1 pri bak; do
  ok=$(awk '$2 != "error" { print $2 }' "$rtt")
  n=$(echo "$ok" | grep -c . || true)
  errs=$(awk '$2 == "error"' "$rtt" | wc -l)
  # "STAMP ISO LEVEL [NODE] snapshot at position P written (B bytes; the service's capture took X ms of the duty
  # cycle, its bytes Y ms on the snapshot thread)": P X Y, for the snapshots whose capture (stamp - Y, an upper
  # bound: the file's write and the 100 ms report interval come after) falls in the window.
  snaps() { awk -v a="$t0" -v b="$t1" -v who="[$1]" '$4 == who && / snapshot at position [0-9]+ written/ {
      line = $0; sub(/.* position /, "", line); p = line + 0
      x = $0; sub(/.*capture took /, "", x); y = $0; sub(/.*its bytes /, "", y)
      c = $1 - (y + 0) / 1000; if (c >= a - 1 && c <= b) print p, x + 0, y + 0 }' "$log"; }
  snaps "$pri" > "$WORK/sp"; snaps "$bak" > "$WORK/sb"
  # the capture's moment: the probe's first sight of the primary's snapshot-P.snap.tmp minus P's serialization
  awk -v d="/$pri/snapshots" 'substr($2, length($2) - length(d) + 1) == d && $3 ~ /\.snap\.tmp$/ { p = $3; sub(/^[^0-9]*/, "", p); sub(/\..*/, "", p); print p + 0, $1 }' "$rtt.files" > "$WORK/seen"
  awk 'FILENAME == ARGV[1] { ser[$1] = $3; next }
       FILENAME == ARGV[2] { if ($1 in ser) { nc++; cap[nc] = $2 - ser[$1] / 1000; end[nc] = $2 } next }
       $2 != "error" { s = $1; e = $1 + $2 / 1000; hit = 0
         for (i = 1; i <= nc; i++) {
           if (s <= cap[i] && e >= cap[i]) print "across", $2
           if (e >= cap[i] && s <= end[i]) hit = 1
         }
         if (hit) print "during", $2 }' "$WORK/sp" "$WORK/seen" "$rtt" > "$WORK/hits"
  across=$(awk '$1 == "across" { print $2 }' "$WORK/hits" | pct 1)
  during=$(awk '$1 == "during" { print $2 }' "$WORK/hits")
  [ -n "$during" ] && during="$(echo "$during" | pct 0.5) / $(echo "$during" | pct 1) (n=$(echo "$during" | wc -l))" || during=-
  caps=$(awk '{ print $2 }' "$WORK/sp"); sers=$(awk '{ print $3 }' "$WORK/sp")
  held=$(awk -v a="$t0" -v b="$t1" '$1 >= a && $1 <= b && /a snapshot is due but/' "$log" | wc -l)
  susp=$(awk -v a="$t0" -v b="$t1" '$1 >= a && $1 <= b && /suspects|lost at/' "$log" | wc -l)
  roles=$(grep -c '\] took over as primary\|\] elected primary\|\] promoted to logger' "$log" || true)
  echo "| $mode | $gap ms | $pri | $la0/$la1 | $n | $errs | $(echo "$ok" | pct 0.5) | $(echo "$ok" | pct 0.9) | $(echo "$ok" | pct 0.99) | $(echo "$ok" | pct 0.999) | $(echo "$ok" | pct 1) | $(wc -l < "$WORK/sp")/$(wc -l < "$WORK/sb") | $( [ -n "$caps" ] && echo "$(echo "$caps" | pct 0.5), $(echo "$caps" | pct 1)" || echo -) | $( [ -n "$sers" ] && echo "$sers" | pct 0.5 || echo -) | $held | $susp | $roles | $across | $during |"
done < "$SUMMARY"
echo
echo "per-request timings: $OUT/snapshot-stall-MODE-ROUND-gapG.rtt (start_wall total connect set get, ms), .files the snapshot files' first sight; node logs beside them"
