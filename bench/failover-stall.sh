#!/usr/bin/env bash
# The client-observed stall at failover: repeated kill -9 of the ER-TCP primary under a
# small-message ping-pong, at several heartbeat/suspicion settings. Writes bench/out/failover-stall.csv
# (one row per kill), bench/out/failover-stall.png (CDF of the stalls and per-kill bars), and prints
# Markdown tables for BENCHMARKS.md (the figures quoted there are kept in bench/results/).
#
#   sudo bench/failover-stall.sh [--kills N] [--settings "10ms/50ms 1ms/10ms"] [--probe-s S]
#                                [--node-cpus LIST] [--client-cpu N] [--size BYTES] [--report-only]
#
# --report-only: no run; the tables and the chart again from the last run's bench/out files.
#
# A setting is HEARTBEAT/SUSPECT[/RTO_MIN]: the cluster file's failure-detection keys and,
# optionally, the client route's rto_min (ip route ... rto_min; the kernel's default is 200 ms).
#
# Topology (bench/eb-cluster-lib.sh): the client in eb-c, an er-tcp cluster of primary (eb-p),
# logger (eb-l) and one backup (eb-b1) serving echo on 10.81.0.100:7, durability logger, shared
# threading; every node JVM on --node-cpus (default 0), the client on --client-cpu (default 1).
#
# Per setting: start the cluster (primary first), start bench/stall_client.py (SIZE-byte ping-pong,
# one connection for the whole setting, every reply checked), let it run --probe-s seconds with no
# kill and count the nodes' suspicions (any is a false one), then N times: wait until the standby
# backup has the connection and no lag (./ertcp status), kill -9 the primary's JVM, wait for the
# backup's "took over as primary" line and for replies to flow again, restart the killed node with
# the same file (it rejoins as a backup), wait for its "rejoined" line; the next kill hits the new
# primary, so the two nodes alternate.
#
# Stall of one kill = the longest gap between two successive replies seen by the client from the
# kill until the killed node is restarted. Takeover = kill to the "took over" line (the node's own
# output, stamped on arrival). Rejoin gap = the longest gap while the killed node rejoins.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out"
KILLS=20
SETTINGS="10ms/50ms 1ms/10ms"
PROBE_S=15
NODE_CPUS=0
CLIENT_CPU=1
SIZE=64
REPORT_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) KILLS=$2; shift 2 ;;
    --settings) SETTINGS=$2; shift 2 ;;
    --probe-s) PROBE_S=$2; shift 2 ;;
    --node-cpus) NODE_CPUS=$2; shift 2 ;;
    --client-cpu) CLIENT_CPU=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --report-only) REPORT_ONLY=1; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "failover-stall.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "failover-stall.sh needs root for network namespaces: run it with sudo" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "failover-stall.sh: installing gnuplot-nox for the chart"; apt-get install -y -q gnuplot-nox >/dev/null; }

# shellcheck source=bench/eb-cluster-lib.sh
. "$ROOT/bench/eb-cluster-lib.sh"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/eb-stall.XXXXXX)
trap 'eb_down; rm -rf "$WORK"' EXIT

if [ "$REPORT_ONLY" = 0 ]; then
"$ROOT/ertcp" build >/dev/null
eb_up
echo "failover-stall: start $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), settings $SETTINGS, $KILLS kills each" >&2

now() { date +%s.%N; }

# status_row FILE NAME: the node's row of ./ertcp status (NODE STATE EPOCH LOG APPLIED LAG CONNS ...).
status_row() { ERTCP_NO_BUILD=1 "$ROOT/ertcp" status --config "$1" 2>/dev/null | awk -v n="$2" '$1 == n' || true; }

# wait_caught_up FILE NAME: until NAME is a backup holding the client's connection with no lag.
wait_caught_up() {
  local file=$1 name=$2 row i
  for i in $(seq 1 60); do
    row=$(status_row "$file" "$name")
    if echo "$row" | awk '$2 == "backup" && $6 ~ /^[0-9]+$/ && $6 == 0 && $7 >= 1 { ok = 1 } END { exit !ok }'; then return 0; fi
    case "$(echo "$row" | awk '{ print $2 }')" in logger|primary|fenced) echo "failover-stall: $name is no longer a backup: $row" >&2; return 1 ;; esac
    sleep 0.3
  done
  echo "failover-stall: $name not caught up after 60 polls: $row" >&2
  return 1
}

# count_lines LOG PATTERN
count_lines() { grep -c -- "$2" "$1" 2>/dev/null || true; }

CSV="$OUT/failover-stall.csv"
echo "setting,heartbeat,suspect,rto_min,kill,killed,kill_time,stall_ms,takeover_ms,rejoin_gap_ms,client" > "$CSV"
SUMMARY="$OUT/failover-stall.summary"
PROBE="$OUT/failover-stall.probe"
: > "$SUMMARY"

stop_all() {
  local n
  ip netns pids eb-c | xargs -r kill 2>/dev/null || true
  for n in $EB_NODES; do eb_kill_node "$n"; done
  sleep 0.5
}

run_setting() {
  local spec=$1 hb suspect rto tag file log gaps count client_pid k cur other t_kill t_took t_restart takeovers rejoins
  IFS=/ read -r hb suspect rto <<< "$spec"
  rto=${rto:-default}
  tag="hb${hb}-st${suspect}"; [ "$rto" != default ] && tag="$tag-rto$rto"
  echo "failover-stall: setting $tag ($(date -u +%T), load $(cut -d' ' -f1 /proc/loadavg))" >&2
  file="$WORK/$tag.yaml"; log="$OUT/failover-stall-$tag.log"; gaps="$OUT/failover-stall-$tag.gaps"; count="$WORK/$tag.count"
  rm -rf "$WORK/log"; : > "$log"; : > "$gaps"; rm -f "$count"
  eb_cluster_file "$file" echo 1 "$hb" "$suspect" "$WORK/log"
  cp "$file" "$OUT/failover-stall-$tag.yaml"
  if [ "$rto" = default ]; then
    ip -n eb-c route replace 10.81.0.0/24 dev eth0 src "${EB_IP[c]}"
  else
    ip -n eb-c route replace 10.81.0.0/24 dev eth0 src "${EB_IP[c]}" rto_min "$rto"
  fi
  ip -n eb-c neigh flush all
  local done_kills=0 attempt=0 probed=0 false_susp=- false_take=- s0=- restarts=0
  : > "$WORK/$tag.kills"
  while [ "$done_kills" -lt "$KILLS" ] && [ "$attempt" -lt 4 ]; do
    attempt=$((attempt + 1))
    rm -rf "$WORK/log"
    local roles0; roles0=$(count_lines "$log" '\] took over\|\] promoted to logger\|\] elected primary')
    eb_start_cluster "$file" "p l b1" "$NODE_CPUS" "$log" || { stop_all; continue; }
    sleep 1
    if [ "$(count_lines "$log" '\] took over\|\] promoted to logger\|\] elected primary')" != "$roles0" ]; then
      echo "failover-stall: $tag: roles changed while the cluster started (attempt $attempt): starting again" >&2
      stop_all; restarts=$((restarts + 1)); continue
    fi
    ( ip netns exec eb-c taskset -c "$CLIENT_CPU" python3 "$ROOT/bench/stall_client.py" "$EB_VIP" 7 "$gaps" "$count" \
        --size "$SIZE" 2>> "$OUT/failover-stall-$tag.client.err" ) &
    client_pid=$!
    if [ "$probed" = 0 ]; then
      probed=1
      s0=$(count_lines "$log" 'suspects\|lost at')
      local r0; r0=$(count_lines "$log" '\] took over\|\] promoted to logger\|\] elected primary')
      sleep "$PROBE_S"
      false_susp=$(( $(count_lines "$log" 'suspects\|lost at') - s0 ))
      false_take=$(( $(count_lines "$log" '\] took over\|\] promoted to logger\|\] elected primary') - r0 ))
      echo "failover-stall: $tag: $false_susp suspicion(s), $false_take takeover(s)/promotion(s) in ${PROBE_S} s of ping-pong with no kill" >&2
      echo "$tag $false_susp $false_take" >> "$PROBE"
    fi
    cur=p; other=b1
    while [ "$done_kills" -lt "$KILLS" ]; do
      k=$((done_kills + 1))
      wait_caught_up "$file" "${EB_NAME[$other]}" || { echo "failover-stall: $tag: a false suspicion changed the roles? starting the cluster again" >&2; restarts=$((restarts + 1)); break; }
      sleep 0.5
      takeovers=$(count_lines "$log" "\\[${EB_NAME[$other]}\\] took over")
      t_kill=$(now)
      eb_kill_node "$cur"
      eb_wait_for_count "$log" "\\[${EB_NAME[$other]}\\] took over" $((takeovers + 1)) 20 || { echo "failover-stall: no takeover after kill $k" >&2; break; }
      t_took=$(grep -- "\\[${EB_NAME[$other]}\\] took over" "$log" | tail -1 | cut -d' ' -f1)
      # replies flow again: the count file was rewritten after the takeover
      local i alive=1
      for i in $(seq 1 200); do
        [ -f "$count" ] && awk -v t="$t_took" '{ exit !($1 > t) }' "$count" && break
        kill -0 "$client_pid" 2>/dev/null || { alive=0; break; }
        sleep 0.05
      done
      if [ "$alive" = 0 ]; then
        echo "failover-stall: $tag: the client's connection failed after kill $k: $(tail -1 "$OUT/failover-stall-$tag.client.err")" >&2
        echo "$k ${EB_NAME[$cur]} $t_kill $t_took $(now) failed" >> "$WORK/$tag.kills"
        done_kills=$k; break
      fi
      sleep 0.3
      t_restart=$(now)
      rejoins=$(count_lines "$log" "\\[${EB_NAME[$cur]}\\] rejoined")
      eb_start_node "$cur" "$file" "$NODE_CPUS" "$log"
      echo "$k ${EB_NAME[$cur]} $t_kill $t_took $t_restart ok" >> "$WORK/$tag.kills"
      done_kills=$k
      echo "failover-stall: $tag kill $k (${EB_NAME[$cur]}): takeover $(awk -v a="$t_kill" -v b="$t_took" 'BEGIN { printf "%.1f", (b - a) * 1000 }') ms" >&2
      eb_wait_for_count "$log" "\\[${EB_NAME[$cur]}\\] rejoined" $((rejoins + 1)) 30 || { echo "failover-stall: ${EB_NAME[$cur]} did not rejoin" >&2; break; }
      eb_settle_node "$cur"
      local tmp=$cur; cur=$other; other=$tmp
    done
    [ "$done_kills" -ge "$KILLS" ] && wait_caught_up "$file" "${EB_NAME[$other]}" || true
    stop_all
  done
  local t_end; t_end=$(now)
  # One CSV row per kill: the longest reply gap from the kill to the restart, and while rejoining.
  awk -v tag="$tag" -v hb="$hb" -v st="$suspect" -v rto="$rto" -v tend="$t_end" '
    FNR == NR { g_t[FNR] = $1; g_d[FNR] = $2; ng = FNR; next }
    { k[++nk] = $1; who[nk] = $2; tk[nk] = $3; tt[nk] = $4; tr[nk] = $5; res[nk] = $6 }
    END {
      for (i = 1; i <= nk; i++) {
        next_kill = (i < nk) ? tk[i + 1] : tend; s = 0; r = 0
        for (j = 1; j <= ng; j++) {
          if (g_t[j] >= tk[i] && g_t[j] < tr[i] && g_d[j] > s) s = g_d[j]
          if (g_t[j] >= tr[i] && g_t[j] < next_kill && g_d[j] > r) r = g_d[j]
        }
        printf "%s,%s,%s,%s,%d,%s,%.6f,%.3f,%.3f,%.3f,%s\n", tag, hb, st, rto, k[i], who[i], tk[i], s * 1000, (tt[i] - tk[i]) * 1000, r * 1000, res[i]
      }
    }' "$gaps" "$WORK/$tag.kills" >> "$CSV"
  echo "$tag $hb $suspect $rto $false_susp $restarts" >> "$SUMMARY"
}

eb_wait_for_count() {
  local log=$1 pattern=$2 want=$3 limit=$4 i
  for i in $(seq 1 $((limit * 20))); do
    [ "$(count_lines "$log" "$pattern")" -ge "$want" ] && return 0
    sleep 0.05
  done
  return 1
}

: > "$PROBE"
for spec in $SETTINGS; do
  run_setting "$spec" || echo "failover-stall: setting $spec stopped early" >&2
  stop_all
done
echo "failover-stall: end $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
else
  CSV="$OUT/failover-stall.csv"; SUMMARY="$OUT/failover-stall.summary"; PROBE="$OUT/failover-stall.probe"
fi

# Percentiles by nearest rank (p99 of 20 kills is the largest).
pct() { sort -n | awk -v p="$1" '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } i = int(p * NR + 0.999999); if (i < 1) i = 1; printf "%.1f", v[i] }'; }
echo
echo "| setting | suspicions with no kill (${PROBE_S} s of ping-pong) | role changes with no kill |"
echo "| --- | ---: | ---: |"
while read -r tag fs ft; do echo "| $tag | $fs | $ft |"; done < "$PROBE"
echo
echo "| setting | heartbeat | suspect-timeout | client rto_min | kills | client failed | cluster restarts (false role change) | stall p50 ms | stall p99 ms | stall max ms | takeover p50 ms | takeover p99 ms | rejoin gap max ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
while read -r tag hb suspect rto fs restarts; do
  col() { awk -F, -v t="$tag" -v c="$1" '$1 == t { print $c }' "$CSV"; }
  echo "| $tag | $hb | $suspect | $rto | $(col 5 | wc -l) | $(col 11 | grep -c failed || true) | $restarts | $(col 8 | pct 0.5) | $(col 8 | pct 0.99) | $(col 8 | pct 1) | $(col 9 | pct 0.5) | $(col 9 | pct 0.99) | $(col 10 | pct 1) |"
done < "$SUMMARY"

# Chart: CDF of the stalls per setting, and the stall of each kill.
plot_cdf=""; plot_bars=""; i=0
while read -r tag _; do
  awk -F, -v t="$tag" '$1 == t { print $8 }' "$CSV" | sort -n | awk '{ v[NR] = $1 } END { for (i = 1; i <= NR; i++) print v[i], i / NR }' > "$WORK/$tag.cdf"
  awk -F, -v t="$tag" '$1 == t { print $5, $8, $9 }' "$CSV" > "$WORK/$tag.bars"
  plot_cdf="$plot_cdf${plot_cdf:+, }'$WORK/$tag.cdf' using 1:2 with steps lw 2 title '$tag'"
  plot_bars="$plot_bars${plot_bars:+, }'$WORK/$tag.bars' using (\$1 + $i * 0.25):2 with boxes title '$tag stall'"
  i=$((i + 1))
done < "$SUMMARY"
[ -s "$SUMMARY" ] && [ "$(wc -l < "$CSV")" -gt 1 ] && gnuplot <<GP
set terminal png size 1200,500
set output '$OUT/failover-stall.png'
set multiplot layout 1,2 title 'ER-TCP failover: client-observed stall of a ${SIZE}-byte ping-pong per kill -9 of the primary'
set xlabel 'stall (ms)'
set ylabel 'fraction of kills'
set key bottom right
set yrange [0:1.05]
plot $plot_cdf
set autoscale y
set xlabel 'kill'
set ylabel 'stall (ms)'
set style fill solid 0.6
set boxwidth 0.25
set key top left
plot $plot_bars
unset multiplot
GP
echo
echo "chart: $OUT/failover-stall.png, csv: $CSV"
