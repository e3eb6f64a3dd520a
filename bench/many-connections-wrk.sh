#!/usr/bin/env bash
# Many connections through a replicated node (issues 11/12, BENCHMARKS.md "Many connections"): an ER-TCP
# cluster (primary, logger, backup) serving http in namespaces (./ertcp lan up), a warm-up of
# wrk -c100 for 3 s, then wrk -t1 -cN -d8s from the client namespace, with no kill. Prints the
# requests and each process's CPU seconds and CPU per request (primary, logger, backup, wrk), and
# every suspicion the nodes logged while wrk ran. As root; writes bench/out/many-connections-N-TIME/.
#
#   bench/many-connections-wrk.sh CONNECTIONS [--jfr]
#
# SPARE=N in the environment: tcp.spare-connections N (connections built ahead in idle time; default 0).
# --jfr: the primary runs a JFR recording (settings=profile), written when it stops (SIGTERM):
# jfr print --events jdk.ExecutionSample FILE. Namespaces mc-*; removed at the end.
set -u
[ $# -ge 1 ] || { sed -n '2,12p' "$0"; exit 2; }
C=$1; JFR=${2:-}
case "$C" in ''|*[!0-9]*) echo "many-connections-wrk.sh: CONNECTIONS is a number, not $C" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "many-connections-wrk.sh: needs root (it makes network namespaces)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "many-connections-wrk.sh: needs wrk (apt-get install -y wrk)" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
./ertcp build >/dev/null
D="$ROOT/bench/out/many-connections-$C-$(date -u +%H%M%S)"; mkdir -p "$D/www"
echo '<h1>ertcp cluster</h1>' > "$D/www/index.html"
export ERTCP_NO_BUILD=1 ERTCP_HEAP=256m
./ertcp lan down --prefix mc >/dev/null 2>&1
./ertcp keygen "$D/key" --force >/dev/null
# The settings ClusterHttpSystemTest runs: 10 ms heartbeats, a 400 ms suspicion, 64 KiB buffers.
./ertcp cluster-file --key-file "$D/key" --service http --root "$D/www" --heartbeat-interval 10ms --suspect-timeout 400ms \
  --buffer-kib 64 --max-connections 4096 --spare-connections "${SPARE:-0}" --log-dir "$D/log" > "$D/cluster.yaml"
./ertcp lan up --config "$D/cluster.yaml" --prefix mc >/dev/null
for n in primary logger backup; do
  OPTS=""
  [ "$n" = primary ] && [ "$JFR" = --jfr ] && OPTS="-XX:StartFlightRecording=filename=$D/primary.jfr,settings=profile"
  ERTCP_JAVA_OPTS="$OPTS" ip netns exec "mc-$n" ./ertcp node --config "$D/cluster.yaml" --name "$n" > "$D/$n.log" 2>&1 &
  echo $! > "$D/$n.pid"
done
for _ in $(seq 60); do ./ertcp status --config "$D/cluster.yaml" >/dev/null 2>&1 && break; sleep 1; done
ip netns exec mc-client sh -c "ulimit -n 16384 && wrk -t1 -c100 -d3s --timeout 2s http://10.80.0.100/" > "$D/warmup.log" 2>&1
sleep 1
cpu() { for n in primary logger backup; do awk '{printf "%d ", $14+$15}' "/proc/$(cat "$D/$n.pid")/stat"; done; }
BEFORE=$(cpu); START=$(date -u +%T.%N)
ip netns exec mc-client bash -c "ulimit -n 16384 && time wrk -t1 -c$C -d8s --timeout 2s --latency http://10.80.0.100/" > "$D/wrk.log" 2>&1
AFTER=$(cpu)
for n in primary logger backup; do ./ertcp stat --config "$D/cluster.yaml" "$n" > "$D/$n.stat" 2>&1; done
for n in primary logger backup; do kill -TERM "$(cat "$D/$n.pid")"; done
sleep 4
./ertcp lan down --prefix mc >/dev/null 2>&1
python3 - "$D" "$C" "$BEFORE" "$AFTER" "$START" <<'PY'
import datetime, re, sys
d, c, before, after, start = sys.argv[1:]
wrk = open(d + '/wrk.log').read()
requests = int(re.search(r'(\d+) requests in', wrk).group(1)) if 'requests in' in wrk else 0
def seconds(name):
    m = re.search(name + r'\s+(\d+)m([\d.]+)s', wrk)
    return int(m.group(1)) * 60 + float(m.group(2)) if m else 0.0
cpu = [(int(a) - int(b)) / 100 for a, b in zip(after.split(), before.split())] + [seconds('user') + seconds('sys')]
names = ['primary', 'logger', 'backup', 'wrk']
print('wrk -t1 -c%s -d8s: %d requests; CPU s %s; us CPU per request %s' % (c, requests,
    ' '.join('%s %.2f' % (n, s) for n, s in zip(names, cpu)),
    ' '.join('%s %.1f' % (n, s / max(1, requests) * 1e6) for n, s in zip(names, cpu))))
t0 = datetime.datetime.strptime(start[:12], '%H:%M:%S.%f')
for n in names[:3]:
    for line in open('%s/%s.log' % (d, n)):
        m = re.search(r'T(\d\d:\d\d:\d\d\.\d{3})Z .*(suspects node \w+|elected primary)', line)
        if m:
            at = (datetime.datetime.strptime(m.group(1), '%H:%M:%S.%f') - t0).total_seconds()
            if 0 <= at <= 8.2:
                print('  %.1f s in: %s %s' % (at, n, m.group(2)))
print('(files in %s)' % d)
PY
