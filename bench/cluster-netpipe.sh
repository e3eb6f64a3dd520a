#!/usr/bin/env bash
# NetPIPE against the engine alone and against ER-TCP (a logger and 0, 1, 2 backups), and also the
# kernel's own TCP and ST-TCP, in one run, on one path. Writes bench/out/NAME-*.np (NPtcp's output),
# bench/out/NAME.csv, bench/out/NAME.png (NAME: cluster-netpipe unless --name) and prints a
# Markdown table for BENCHMARKS.md (the figures quoted there are kept in bench/results/).
#
#   sudo bench/cluster-netpipe.sh [--upper BYTES] [--modes "engine ertcp-0b ertcp-1b ertcp-2b"]
#                                 [--node-cpus LIST] [--client-cpu N] [--suspect-timeout 500ms]
#                                 [--flood] [--name NAME]
#
# --flood: the bridge floods all unicast (ageing_time 0) for the whole run, every mode; needed by
# sttcp, whose backup taps the client's frames. bench/modes-netpipe.sh runs kernel, engine,
# ertcp-1b and sttcp this way.
#
# Topology (bench/eb-cluster-lib.sh): namespace eb-client (kernel TCP client, NPtcp transmitter) and the
# node namespaces eb-primary, eb-logger, eb-backup1, eb-backup2, all on the bridge in eb-lan. The server is reached at
# 10.81.0.100 in every mode:
#   kernel    NPtcp's receiver in eb-primary on the kernel's own TCP, 10.81.0.100 added to eb-primary's eth0
#             (the same veth, bridge and offload settings as the engine's modes; pinned like them)
#   engine    ./ertcp serve --service netpipe --threading shared in eb-primary (the VIP as its address)
#   ertcp-Nb  ./ertcp node in eb-primary (primary), eb-logger (logger) and N of eb-backup1, eb-backup2 (backups), an
#             er-tcp cluster file with durability logger, heartbeats 10 ms, shared threading,
#             suspicion after --suspect-timeout (500 ms: no failover is wanted here, and with
#             every JVM on one loaded core a shorter one risks a false takeover mid-measurement;
#             the run checks the nodes' logs for suspicions and prints how many there were)
#   ertcp-Nb-inline  the same with the primary's own log copy appended on its duty cycle
#             (-Dertcp.log.writer-thread=false), not on its log writer thread, to compare the two in one run
#   ertcp-Nb-none  the same with security: none in the cluster file (the channel unauthenticated), to
#             measure what authentication costs against ertcp-Nb in one run
#   sttcp     an st-tcp cluster: primary (eb-primary), backup (eb-backup1, taps the LAN), witness (eb-witness);
#             durability backup, the same heartbeat and suspicion as ertcp-Nb; needs --flood
# Pinning, the same in every mode: every ertcp JVM on --node-cpus (default 0), NPtcp on
# --client-cpu (default 1). Nothing busy-spins: shared threading backs off when idle.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out"
UPPER=$((4 * 1024 * 1024))
MODES="engine ertcp-0b ertcp-1b ertcp-2b"
NODE_CPUS=0
SUSPECT=500ms
CLIENT_CPU=1
NAME=cluster-netpipe
FLOOD=0
while [ $# -gt 0 ]; do
  case "$1" in
    --upper) UPPER=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    --node-cpus) NODE_CPUS=$2; shift 2 ;;
    --client-cpu) CLIENT_CPU=$2; shift 2 ;;
    --suspect-timeout) SUSPECT=$2; shift 2 ;;
    --flood) FLOOD=1; shift ;;
    --name) NAME=$2; shift 2 ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "cluster-netpipe.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "cluster-netpipe.sh needs root for network namespaces: run it with sudo" >&2; exit 2; }
command -v NPtcp >/dev/null || { echo "cluster-netpipe.sh needs NPtcp: apt-get install -y netpipe-tcp" >&2; exit 2; }
if echo " $MODES " | grep -q " sttcp " && [ "$FLOOD" = 0 ]; then
  echo "cluster-netpipe.sh: mode sttcp needs --flood (its backup taps the client's frames off a flooding bridge)" >&2; exit 2
fi
command -v gnuplot >/dev/null || { echo "cluster-netpipe.sh: installing gnuplot-nox for the chart"; apt-get install -y -q gnuplot-nox >/dev/null; }

# shellcheck source=bench/eb-cluster-lib.sh
. "$ROOT/bench/eb-cluster-lib.sh"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/eb-netpipe.XXXXXX)
trap 'eb_down; rm -rf "$WORK"' EXIT

[ "${ERTCP_NO_BUILD:-}" = 1 ] || "$ROOT/ertcp" build >/dev/null
if [ "$FLOOD" = 1 ]; then EB_AGEING=0; fi
eb_up
echo "cluster-netpipe: start $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), upper $UPPER, bridge $(ip -n "$EB_LAN" -d link show br0 | grep -o 'ageing_time [0-9]*')" >&2

stop_nodes() {
  local n
  for n in $EB_NODES; do eb_kill_node "$n"; done
  sleep 0.5
  ip -n "${EB_NS[p]}" addr flush dev eth0
  ip -n "${EB_NS[c]}" neigh flush all
}

run_mode() {
  local mode=$1 n backups nodes security
  echo "cluster-netpipe: $mode ($(date -u +%T), load $(cut -d' ' -f1 /proc/loadavg))" >&2
  case "$mode" in
    kernel)
      nodes=p
      ip -n "${EB_NS[p]}" addr add "$EB_VIP/24" dev eth0
      ( cd "$WORK" && ip netns exec "${EB_NS[p]}" taskset -c "$NODE_CPUS" NPtcp > "$OUT/$NAME-kernel.log" 2>&1 ) 2>/dev/null &
      disown $! 2>/dev/null || true
      local i
      for i in $(seq 1 100); do ip netns exec "${EB_NS[p]}" ss -ltn | grep -q ':5002 ' && break; sleep 0.1; done
      ;;
    engine)
      nodes=p
      ( ERTCP_NO_BUILD=1 ip netns exec "${EB_NS[p]}" taskset -c "$NODE_CPUS" "$ROOT/ertcp" serve --driver af-packet --iface eth0 \
          --ip "$EB_VIP/24" --service netpipe --threading shared > "$OUT/$NAME-engine.log" 2>&1 ) 2>/dev/null &
      disown $! 2>/dev/null || true
      eb_wait_for "$OUT/$NAME-engine.log" listening 30 || { echo "engine did not start:" >&2; cat "$OUT/$NAME-engine.log" >&2; exit 1; }
      ;;
    ertcp-[012]b|ertcp-[012]b-none|ertcp-[012]b-inline)
      backups=${mode#ertcp-}; backups=${backups%-none}; backups=${backups%-inline}; backups=${backups%b}
      nodes="p l"; [ "$backups" -ge 1 ] && nodes="$nodes b1"; [ "$backups" -ge 2 ] && nodes="$nodes b2"
      rm -rf "$WORK/log"
      case "$mode" in *-none) security=none ;; *) security=key ;; esac
      EB_SECURITY=$security eb_cluster_file "$WORK/$mode.yaml" netpipe "$backups" 10ms "$SUSPECT" "$WORK/log"
      cp "$WORK/$mode.yaml" "$OUT/$NAME-$mode.yaml"
      : > "$OUT/$NAME-$mode.log"
      local opts=${ERTCP_JAVA_OPTS:-}
      case "$mode" in *-inline) opts="$opts -Dertcp.log.writer-thread=false" ;; esac
      ERTCP_JAVA_OPTS=$opts eb_start_cluster "$WORK/$mode.yaml" "$nodes" "$NODE_CPUS" "$OUT/$NAME-$mode.log" || { stop_nodes; return 1; }
      ;;
    sttcp)
      # the backup before the witness: started after the primary suspected it, it would join an idle
      # primary's empty log and be named in sync only once some record went past (the engine's rule)
      nodes="p b1 w"
      rm -rf "$WORK/log"
      eb_st_cluster_file "$WORK/$mode.yaml" netpipe 10ms "$SUSPECT" "$WORK/log"
      cp "$WORK/$mode.yaml" "$OUT/$NAME-$mode.yaml"
      : > "$OUT/$NAME-$mode.log"
      eb_start_cluster "$WORK/$mode.yaml" "$nodes" "$NODE_CPUS" "$OUT/$NAME-$mode.log" || { stop_nodes; return 1; }
      # the backup is in sync only once it caught up; NPtcp before that would measure a primary alone
      local i
      for i in $(seq 1 30); do
        ERTCP_NO_BUILD=1 "$ROOT/ertcp" status --config "$WORK/$mode.yaml" 2>/dev/null | grep -q "backup ${EB_NAME[b1]} in sync" && break
        [ "$i" = 30 ] && { echo "sttcp: the backup never came in sync:" >&2; cat "$OUT/$NAME-$mode.log" >&2; stop_nodes; return 1; }
        sleep 1
      done
      ;;
    *) echo "cluster-netpipe.sh: unknown mode $mode" >&2; exit 2 ;;
  esac
  sleep 2
  local s0=0
  case "$mode" in kernel|engine) ;; *) s0=$(grep -c 'suspects\|lost at' "$OUT/$NAME-$mode.log" || true) ;; esac
  ip netns exec "${EB_NS[c]}" taskset -c "$CLIENT_CPU" NPtcp -h "$EB_VIP" -u "$UPPER" -o "$OUT/$NAME-$mode.np" \
    > "$OUT/nptcp-$mode.log" 2>&1 &
  local np=$! lost=""
  # Other users' broad "pkill -f ...Main node" on this shared machine kill our nodes too: watch them.
  while kill -0 "$np" 2>/dev/null; do
    for n in $nodes; do [ -n "$(ip netns pids "${EB_NS[$n]}")" ] || lost="$lost $n"; done
    if [ -n "$lost" ]; then
      echo "cluster-netpipe: $mode: node(s)$lost died under NPtcp (killed from outside?): retrying the mode" >&2
      kill "$np" 2>/dev/null || true; wait "$np" 2>/dev/null || true
      stop_nodes; return 1
    fi
    sleep 1
  done
  wait "$np" || true
  if [ "$mode" != engine ] && [ "$mode" != kernel ]; then
    echo "cluster-netpipe: $mode: $(( $(grep -c 'suspects\|lost at' "$OUT/$NAME-$mode.log" || true) - s0 )) suspicion(s) during NPtcp ($s0 while starting), $(grep -c '\] took over\|\] promoted to logger\|\] elected primary' "$OUT/$NAME-$mode.log" || true) takeover(s)/promotion(s)" >&2
  fi
  if [ "$mode" != engine ] && [ "$mode" != kernel ]; then ERTCP_NO_BUILD=1 "$ROOT/ertcp" status --config "$WORK/$mode.yaml" >> "$OUT/$NAME-$mode.log" 2>&1 || true; fi
  stop_nodes
}

for mode in $MODES; do
  run_mode "$mode" || run_mode "$mode" || run_mode "$mode" || { echo "cluster-netpipe: $mode failed three times" >&2; exit 1; }
done
echo "cluster-netpipe: end $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# CSV: mode,bytes,mbps,one_way_latency_us (NPtcp's time column is half a round trip, in seconds).
{
  echo "mode,bytes,mbps,latency_us"
  for mode in $MODES; do
    awk -v m="$mode" '{ printf "%s,%d,%.3f,%.3f\n", m, $1, $2, $3 * 1e6 }' "$OUT/$NAME-$mode.np"
  done
} > "$OUT/$NAME.csv"

plot=""
lat=""
FLOOD_TITLE=""; [ "$FLOOD" = 1 ] && FLOOD_TITLE=" that floods unicast (ageing 0)"
for mode in $MODES; do
  plot="$plot${plot:+, }'$OUT/$NAME-$mode.np' using 1:2 with linespoints title '$mode'"
  lat="$lat${lat:+, }'$OUT/$NAME-$mode.np' using 1:(\$3*1e6) with linespoints title '$mode'"
done
gnuplot <<GP
set terminal png size 1200,500
set output '$OUT/$NAME.png'
set multiplot layout 1,2 title 'NPtcp to 10.81.0.100 over a bridge$FLOOD_TITLE: $(echo $MODES | sed 's/ / vs /g'); server side on cpu $NODE_CPUS, client on cpu $CLIENT_CPU'
set logscale x 2
set format x '%.0b%B'
set xlabel 'message size (bytes)'
set ylabel 'throughput (Mbit/s)'
set key top left
plot $plot
set logscale y 10
set ylabel 'one-way latency (us)'
plot $lat
unset multiplot
GP

n=$(echo $MODES | wc -w)
echo "| bytes | $(echo $MODES | sed 's/ / Mbit\/s | /g') Mbit/s | $(echo $MODES | sed 's/ / µs | /g') µs |"
echo "|$(for _ in $MODES $MODES; do printf -- ' ---: |'; done) ---: |"
paste -d' ' $(for m in $MODES; do echo "$OUT/$NAME-$m.np"; done) | awk -v n="$n" '
  NR % 3 == 1 || $1 >= 65536 {
    line = "| " $1; for (i = 0; i < n; i++) line = line " | " sprintf("%.0f", $(i*3+2));
    for (i = 0; i < n; i++) line = line " | " sprintf("%.1f", $(i*3+3) * 1e6);
    print line " |" }'
echo
# Relative to the engine alone, for messages of 64 KB and more (the aim: at least 90%).
if echo " $MODES " | grep -q " engine "; then
  echo "| mode | mean Mbit/s, >= 64 KiB | of engine alone | mean one-way µs, <= 1 KiB | minus engine alone |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  for m in $MODES; do
    paste -d' ' "$OUT/$NAME-engine.np" "$OUT/$NAME-$m.np" | awk -v m="$m" '
      $1 >= 65536 { big++; t += $5; te += $2 }
      $1 <= 1024  { small++; l += $6 * 1e6; le += $3 * 1e6 }
      END { printf "| %s | %.0f | %.0f%% | %.1f | %+.1f |\n", m, t / big, 100 * t / te, l / small, (l - le) / small }'
  done
  echo
  echo "| mode | median Mbit/s, >= 64 KiB | of engine alone | median one-way µs, <= 1 KiB | minus engine alone |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  med() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
  te=$(awk '$1 >= 65536 { print $2 }' "$OUT/$NAME-engine.np" | med)
  le=$(awk '$1 <= 1024 { print $3 * 1e6 }' "$OUT/$NAME-engine.np" | med)
  for m in $MODES; do
    t=$(awk '$1 >= 65536 { print $2 }' "$OUT/$NAME-$m.np" | med)
    l=$(awk '$1 <= 1024 { print $3 * 1e6 }' "$OUT/$NAME-$m.np" | med)
    awk -v m="$m" -v t="$t" -v te="$te" -v l="$l" -v le="$le" 'BEGIN { printf "| %s | %.0f | %.0f%% | %.1f | %+.1f |\n", m, t, 100 * t / te, l, l - le }'
  done
fi
# What authentication costs: each ertcp-Nb against its ertcp-Nb-none of the same run.
med() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for m in $MODES; do
  case "$m" in *-none) ;; *) continue ;; esac
  k=${m%-none}
  echo " $MODES " | grep -q " $k " || continue
  echo "| $k | median Mbit/s >= 64 KiB, none | key | key vs none | median one-way µs <= 1 KiB, none | key | key minus none |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  tn=$(awk '$1 >= 65536 { print $2 }' "$OUT/$NAME-$m.np" | med)
  tk=$(awk '$1 >= 65536 { print $2 }' "$OUT/$NAME-$k.np" | med)
  ln=$(awk '$1 <= 1024 { print $3 * 1e6 }' "$OUT/$NAME-$m.np" | med)
  lk=$(awk '$1 <= 1024 { print $3 * 1e6 }' "$OUT/$NAME-$k.np" | med)
  awk -v tn="$tn" -v tk="$tk" -v ln="$ln" -v lk="$lk" 'BEGIN { printf "| | %.0f | %.0f | %+.1f%% | %.2f | %.2f | %+.2f |\n", tn, tk, 100 * (tk - tn) / tn, ln, lk, lk - ln }'
  echo
done
echo "chart: $OUT/$NAME.png, csv: $OUT/$NAME.csv"
