#!/usr/bin/env bash
# NetPIPE comparison on one namespace path, in one run: the Linux kernel's TCP against ertcp with
# DPDK (net_af_packet) and with AF_PACKET. Writes bench/out/netpipe-*.np (NPtcp's own output),
# bench/out/netpipe.csv, bench/out/netpipe.png, and prints a Markdown table for BENCHMARKS.md
# (the figures quoted there are kept in bench/results/).
#
#   sudo bench/netpipe.sh [--upper BYTES] [--modes "kernel kernel-same-cpu dpdk af-packet"]
#                         [--server-cpu N] [--client-cpu N]
#
# Topology: namespace np-client (10.66.0.2, kernel TCP, NPtcp transmitter) -- veth -- namespace
# np-server (10.66.0.1: the kernel's NPtcp receiver, or ./ertcp serve --service netpipe with no
# kernel address). Both sides are pinned the same way in every mode (server on --server-cpu,
# client on --client-cpu); the client's veth has transmit offloads off so that the raw-frame
# readers see real checksums and MTU-sized frames, in every mode alike. kernel-same-cpu is the
# kernel with both ends on the client's CPU, a reference only: a busy-polling server cannot share
# its client's core.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out"
UPPER=$((8 * 1024 * 1024))
MODES="kernel kernel-same-cpu dpdk af-packet"
SERVER_CPU=0
CLIENT_CPU=1
while [ $# -gt 0 ]; do
  case "$1" in
    --upper) UPPER=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    --server-cpu) SERVER_CPU=$2; shift 2 ;;
    --client-cpu) CLIENT_CPU=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "netpipe.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "netpipe.sh needs root to create network namespaces: run it with sudo" >&2; exit 2; }
command -v NPtcp >/dev/null || { echo "netpipe.sh needs NPtcp: apt-get install -y netpipe-tcp" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "netpipe.sh: installing gnuplot-nox for the chart"; apt-get install -y -q gnuplot-nox >/dev/null; }

mkdir -p "$OUT"
SERVER=np-server CLIENT=np-client
cleanup() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null || true
  ip netns pids "$SERVER" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns pids "$CLIENT" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns del "$SERVER" 2>/dev/null || true
  ip netns del "$CLIENT" 2>/dev/null || true
}
trap cleanup EXIT
cleanup

ip netns add "$SERVER"; ip netns add "$CLIENT"
ip link add s0 netns "$SERVER" type veth peer name c0 netns "$CLIENT"
for ns in "$SERVER" "$CLIENT"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip -n "$ns" link set lo up
done
ip -n "$SERVER" link set s0 up
ip -n "$CLIENT" addr add 10.66.0.2/24 dev c0
ip -n "$CLIENT" link set c0 up
ip netns exec "$CLIENT" ethtool -K c0 tx off tso off gso off >/dev/null
ip netns exec "$SERVER" ethtool -K s0 tx off tso off gso off gro off >/dev/null

"$ROOT/ertcp" build >/dev/null

run_mode() {
  local mode=$1
  echo "netpipe: $mode" >&2
  case "$mode" in
    kernel|kernel-same-cpu)
      local cpu=$SERVER_CPU
      [ "$mode" = kernel-same-cpu ] && cpu=$CLIENT_CPU
      ip -n "$SERVER" addr add 10.66.0.1/24 dev s0
      ip netns exec "$SERVER" taskset -c "$cpu" NPtcp >/dev/null 2>&1 &
      SERVER_PID=$!
      ;;
    dpdk|af-packet)
      ip -n "$SERVER" addr flush dev s0
      ERTCP_NO_BUILD=1 ip netns exec "$SERVER" taskset -c "$SERVER_CPU" "$ROOT/ertcp" serve --driver "$mode" \
        --iface s0 --ip 10.66.0.1/24 --service netpipe --threading dedicated > "$OUT/serve-$mode.log" 2>&1 &
      SERVER_PID=$!
      for _ in $(seq 1 100); do grep -q "listening" "$OUT/serve-$mode.log" 2>/dev/null && break; sleep 0.2; done
      ;;
  esac
  sleep 1
  ip netns exec "$CLIENT" taskset -c "$CLIENT_CPU" NPtcp -h 10.66.0.1 -u "$UPPER" -o "$OUT/netpipe-$mode.np" > "$OUT/nptcp-$mode.log" 2>&1
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
  ip -n "$SERVER" addr flush dev s0
}

for mode in $MODES; do run_mode "$mode"; done

# CSV: mode,bytes,mbps,one_way_latency_us (NPtcp's time column is half a round trip, in seconds).
{
  echo "mode,bytes,mbps,latency_us"
  for mode in $MODES; do
    awk -v m="$mode" '{ printf "%s,%d,%.3f,%.3f\n", m, $1, $2, $3 * 1e6 }' "$OUT/netpipe-$mode.np"
  done
} > "$OUT/netpipe.csv"

plot=""
lat=""
for mode in $MODES; do
  plot="$plot${plot:+, }'$OUT/netpipe-$mode.np' using 1:2 with linespoints title '$mode'"
  lat="$lat${lat:+, }'$OUT/netpipe-$mode.np' using 1:(\$3*1e6) with linespoints title '$mode'"
done
gnuplot <<GP
set terminal png size 1200,500
set output '$OUT/netpipe.png'
set multiplot layout 1,2 title 'NPtcp over a veth pair, server cpu $SERVER_CPU, client cpu $CLIENT_CPU'
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

echo "| bytes | $(echo $MODES | sed 's/ / Mbit\/s | /g') Mbit/s | $(echo $MODES | sed 's/ / µs | /g') µs |"
echo "|$(for _ in $MODES $MODES; do printf -- ' ---: |'; done) ---: |"
paste -d' ' $(for m in $MODES; do echo "$OUT/netpipe-$m.np"; done) | awk -v n="$(echo $MODES | wc -w)" '
  NR % 3 == 1 || $1 >= 1048576 {
    line = "| " $1; for (i = 0; i < n; i++) line = line " | " sprintf("%.0f", $(i*3+2));
    for (i = 0; i < n; i++) line = line " | " sprintf("%.1f", $(i*3+3) * 1e6);
    print line " |" }'
echo
echo "chart: $OUT/netpipe.png, csv: $OUT/netpipe.csv"
