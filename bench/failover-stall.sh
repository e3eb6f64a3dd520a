#!/usr/bin/env bash
# The client-observed stall at failover: repeated kill -9 of the ER-TCP or ST-TCP primary under a
# small-message ping-pong, at several heartbeat/suspicion settings, in one run. Writes bench/out/failover-stall.csv
# (one row per kill), bench/out/failover-stall.png (CDF of the stalls and per-kill bars), and prints
# Markdown tables for BENCHMARKS.md (the figures quoted there are kept in bench/results/).
#
#   sudo bench/failover-stall.sh [--kills N] [--settings "10ms/50ms 1ms/10ms"] [--probe-s S]
#                                [--node-cpus LIST] [--client-cpu N] [--size BYTES] [--report-only]
#                                [--flood] [--baselines] [--fresh] [--switchover [--request-file]]
#
# --switchover: a planned move instead of a crash: each "kill" is ./ertcp switchover --to the
# standby backup; the old primary rejoins as a backup by itself (no restart). Tags get "switch-".
# Its takeover column is what the nodes measure themselves (their monotonic clocks, not the
# lines' arrival): the old primary's hold ("handed over ... after X ms") plus the successor's
# "Y ms after the primary's LEAVE" (election, drain, restore, first segments sent). The stall is
# the client's, as for crashes.
# --request-file: with --switchover, ask for each switchover by writing the request file into the
# primary's node directory (log.dir/NAME/switchover, what ./ertcp switchover writes) from the shell,
# so that no JVM starts up beside the nodes on the same cores during the hand-over.
#
# --fresh: every kill on a freshly started cluster (start, wait until the backup holds the
# connection in sync, kill -9 the primary, wait for the takeover and for replies to flow, stop
# everything) instead of restarting the killed node to rejoin and killing the other next; no
# rejoin gap then. (It was needed for ST-TCP while a rejoined ST-TCP backup could not catch up under
# a steady ping-pong; see BENCHMARKS.md, "ST-TCP vs ER-TCP vs the kernel", problem 1, now fixed.)
# A setting stops after 8 cluster restarts (false role changes): too short a suspicion for the
# machine.
#
# --report-only: no run; the tables and the chart again from the last run's bench/out files.
#
# A setting is [MODE:]HEARTBEAT/SUSPECT[/RTO_MIN]: MODE ertcp (the default) or sttcp, the cluster
# file's failure-detection keys and, optionally, the client route's rto_min (ip route ... rto_min;
# the kernel's default is 200 ms). E.g. --settings "ertcp:10ms/500ms sttcp:10ms/500ms".
#
# --flood: the bridge floods all unicast (ageing_time 0) for the whole run, every setting; it is
# implied when any setting is sttcp (its backup taps the client's frames off the LAN).
# --baselines: before the settings, the same ping-pong against the kernel's own TCP (a Python echo
# server in eb-primary, 10.81.0.100 on its eth0) and the engine alone (./ertcp serve --service echo),
# one kill -9 of the server each: neither has a failover; the script records what the client saw.
#
# Topology (bench/eb-cluster-lib.sh): the client in eb-client, an er-tcp cluster of primary (eb-primary),
# logger (eb-logger) and one backup (eb-backup1) serving echo on 10.81.0.100:7, durability logger, shared
# threading; or an st-tcp cluster of primary (eb-primary), backup (eb-backup1) and witness (eb-witness), durability
# backup; every node JVM on --node-cpus (default 0), the client on --client-cpu (default 1).
#
# Per setting: start the cluster (primary first; er-tcp: logger, backup; st-tcp: backup, witness), start bench/stall_client.py (SIZE-byte ping-pong,
# one connection for the whole setting, every reply checked), let it run --probe-s seconds with no
# kill and count the nodes' suspicions (any is a false one), then N times: wait until the standby
# backup has the connection and no lag (./ertcp status; st-tcp: the primary names it in sync),
# kill -9 the primary's JVM, wait for the
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
FRESH=0
FLOOD=0
BASELINES=0
SWITCHOVER=0
REQUEST_FILE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) KILLS=$2; shift 2 ;;
    --settings) SETTINGS=$2; shift 2 ;;
    --probe-s) PROBE_S=$2; shift 2 ;;
    --node-cpus) NODE_CPUS=$2; shift 2 ;;
    --client-cpu) CLIENT_CPU=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --report-only) REPORT_ONLY=1; shift ;;
    --flood) FLOOD=1; shift ;;
    --fresh) FRESH=1; shift ;;
    --baselines) BASELINES=1; shift ;;
    --switchover) SWITCHOVER=1; shift ;;
    --request-file) REQUEST_FILE=1; shift ;;
    -h|--help) sed -n '2,50p' "$0"; exit 0 ;;
    *) echo "failover-stall.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "failover-stall.sh needs root for network namespaces: run it with sudo" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "failover-stall.sh: installing gnuplot-nox for the chart"; apt-get install -y -q gnuplot-nox >/dev/null; }

# shellcheck source=bench/eb-cluster-lib.sh
. "$ROOT/bench/eb-cluster-lib.sh"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/eb-stall.XXXXXX)
# --report-only touches no namespace: another run may be using them
if [ "$REPORT_ONLY" = 0 ]; then trap 'eb_down; rm -rf "$WORK"' EXIT; else trap 'rm -rf "$WORK"' EXIT; fi

case " $SETTINGS" in *" sttcp:"*) FLOOD=1 ;; esac

if [ "$REPORT_ONLY" = 0 ]; then
[ "${ERTCP_NO_BUILD:-}" = 1 ] || "$ROOT/ertcp" build >/dev/null
if [ "$FLOOD" = 1 ]; then EB_AGEING=0; fi
eb_up
echo "failover-stall: start $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), settings $SETTINGS, $KILLS kills each, bridge $(ip -n "$EB_LAN" -d link show br0 | grep -o 'ageing_time [0-9]*')" >&2

now() { date +%s.%N; }

# status_row FILE NAME: the node's row of ./ertcp status (NODE STATE EPOCH LOG APPLIED LAG CONNS ...).
status_row() { ERTCP_NO_BUILD=1 "$ROOT/ertcp" status --config "$1" 2>/dev/null | awk -v n="$2" '$1 == n' || true; }

# wait_caught_up FILE NAME: until NAME is a backup holding the client's connection with no lag
# (st-tcp: the LAG column is "?"; the primary's row names the backup in sync instead).
wait_caught_up() {
  local file=$1 name=$2 row i st
  for i in $(seq 1 60); do
    if grep -q '^mode: st-tcp' "$file"; then
      st=$(ERTCP_NO_BUILD=1 "$ROOT/ertcp" status --config "$file" 2>/dev/null || true)
      row=$(echo "$st" | awk -v n="$name" '$1 == n')
      if echo "$row" | awk '$2 == "backup" && $7 >= 1 { ok = 1 } END { exit !ok }' &&
         echo "$st" | awk -v n="$name" '$2 == "primary" && index($0, "backup " n " in sync") { ok = 1 } END { exit !ok }'; then return 0; fi
    else
      row=$(status_row "$file" "$name")
      if echo "$row" | awk '$2 == "backup" && $6 ~ /^[0-9]+$/ && $6 == 0 && $7 >= 1 { ok = 1 } END { exit !ok }'; then return 0; fi
    fi
    case "$(echo "$row" | awk '{ print $2 }')" in logger|primary|fenced) echo "failover-stall: $name is no longer a backup: $row" >&2; return 1 ;; esac
    sleep 0.3
  done
  echo "failover-stall: $name not caught up after 60 polls: $row" >&2
  return 1
}

# count_lines LOG PATTERN
count_lines() { grep -c -- "$2" "$1" 2>/dev/null || true; }

CSV="$OUT/failover-stall.csv"
echo "setting,heartbeat,suspect,rto_min,kill,killed,kill_time,stall_ms,takeover_ms,rejoin_gap_ms,client,mode" > "$CSV"
SUMMARY="$OUT/failover-stall.summary"
PROBE="$OUT/failover-stall.probe"
BASE="$OUT/failover-stall.baselines"
: > "$SUMMARY"
: > "$BASE"

stop_all() {
  local n
  ip netns pids "${EB_NS[c]}" | xargs -r kill 2>/dev/null || true
  for n in $EB_NODES; do eb_kill_node "$n"; done
  sleep 0.5
}

# run_baseline kernel|engine: the same ping-pong against a server with no failover; one kill -9 of
# it after 3 s; what the client saw in the next 10 s goes to $BASE as "MODE|replies_before|what".
run_baseline() {
  local mode=$1 gaps="$WORK/base-$1.gaps" count="$WORK/base-$1.count" err="$OUT/failover-stall-base-$1.client.err" client_pid i what t_kill
  : > "$gaps"; rm -f "$count"; : > "$err"
  echo "failover-stall: baseline $mode ($(date -u +%T), load $(cut -d' ' -f1 /proc/loadavg))" >&2
  case "$mode" in
    kernel)
      ip -n "${EB_NS[p]}" addr add "$EB_VIP/24" dev eth0
      ( ip netns exec "${EB_NS[p]}" taskset -c "$NODE_CPUS" python3 -c '
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 7)); s.listen(8)
def echo(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        d = c.recv(65536)
        if not d: return
        c.sendall(d)
while True:
    c, _ = s.accept(); threading.Thread(target=echo, args=(c,), daemon=True).start()
' > "$OUT/failover-stall-base-kernel.log" 2>&1 ) 2>/dev/null &
      disown $! 2>/dev/null || true
      for i in $(seq 1 100); do ip netns exec "${EB_NS[p]}" ss -ltn | grep -q ':7 ' && break; sleep 0.1; done
      ;;
    engine)
      ( ERTCP_NO_BUILD=1 ip netns exec "${EB_NS[p]}" taskset -c "$NODE_CPUS" "$ROOT/ertcp" serve --driver af-packet --iface eth0 \
          --ip "$EB_VIP/24" --service echo --threading shared > "$OUT/failover-stall-base-engine.log" 2>&1 ) 2>/dev/null &
      disown $! 2>/dev/null || true
      eb_wait_for "$OUT/failover-stall-base-engine.log" listening 30 || { echo "engine did not start" >&2; return 1; }
      ;;
  esac
  ( ip netns exec "${EB_NS[c]}" taskset -c "$CLIENT_CPU" python3 "$ROOT/bench/stall_client.py" "$EB_VIP" 7 "$gaps" "$count" \
      --size "$SIZE" 2>> "$err" ) &
  client_pid=$!
  sleep 3
  t_kill=$(now)
  eb_kill_node p
  for i in $(seq 1 100); do kill -0 "$client_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$client_pid" 2>/dev/null; then
    what="no reply in the 10 s after the kill; the connection hangs (the client retransmits into nothing until its retries run out)"
    ip netns pids "${EB_NS[c]}" | xargs -r kill 2>/dev/null || true
  else
    what="the client's connection failed $(awk -v t="$t_kill" '{ printf "%.0f ms after the kill", ($1 - t) * 1000; exit }' "$err"): $(tail -1 "$err" | cut -d' ' -f2- | sed 's/|/\\|/g')"
  fi
  wait "$client_pid" 2>/dev/null || true
  echo "$mode|$(cut -d' ' -f2 "$count" 2>/dev/null || echo 0)|$what" >> "$BASE"
  echo "failover-stall: baseline $mode: $what" >&2
  ip -n "${EB_NS[p]}" addr flush dev eth0
  ip -n "${EB_NS[c]}" neigh flush all
}

run_setting() {
  local spec=$1 hb suspect rto tag file log gaps count client_pid k cur other t_kill t_took t_restart takeovers rejoins mode=ertcp nodes
  case "$spec" in *:*) mode=${spec%%:*}; spec=${spec#*:} ;; esac
  IFS=/ read -r hb suspect rto <<< "$spec"
  rto=${rto:-default}
  tag="$mode-hb${hb}-st${suspect}"; [ "$rto" != default ] && tag="$tag-rto$rto"
  [ "$SWITCHOVER" = 1 ] && tag="switch-$tag"; [ "$REQUEST_FILE" = 1 ] && tag="file-$tag"
  echo "failover-stall: setting $tag ($(date -u +%T), load $(cut -d' ' -f1 /proc/loadavg))" >&2
  file="$WORK/$tag.yaml"; log="$OUT/failover-stall-$tag.log"; gaps="$OUT/failover-stall-$tag.gaps"; count="$WORK/$tag.count"
  rm -rf "$WORK/log"; : > "$log"; : > "$gaps"; rm -f "$count"
  case "$mode" in
    ertcp) eb_cluster_file "$file" echo 1 "$hb" "$suspect" "$WORK/log"; nodes="p l b1" ;;
    sttcp) eb_st_cluster_file "$file" echo "$hb" "$suspect" "$WORK/log"; nodes="p b1 w" ;;
    *) echo "failover-stall.sh: unknown mode $mode in $1" >&2; return 1 ;;
  esac
  cp "$file" "$OUT/failover-stall-$tag.yaml"
  if [ "$rto" = default ]; then
    ip -n "${EB_NS[c]}" route replace 10.81.0.0/24 dev eth0 src "${EB_IP[c]}"
  else
    ip -n "${EB_NS[c]}" route replace 10.81.0.0/24 dev eth0 src "${EB_IP[c]}" rto_min "$rto"
  fi
  ip -n "${EB_NS[c]}" neigh flush all
  local done_kills=0 attempt=0 probed=0 false_susp=- false_take=- s0=- restarts=0
  : > "$WORK/$tag.kills"
  local max_attempts=4; [ "$FRESH" = 1 ] && max_attempts=$((KILLS + 4))
  while [ "$done_kills" -lt "$KILLS" ] && [ "$attempt" -lt "$max_attempts" ] && [ "$restarts" -lt 8 ]; do
    attempt=$((attempt + 1))
    rm -rf "$WORK/log"
    local roles0; roles0=$(count_lines "$log" '\] took over\|\] promoted to logger\|\] elected primary')
    eb_start_cluster "$file" "$nodes" "$NODE_CPUS" "$log" || { stop_all; continue; }
    sleep 1
    if [ "$(count_lines "$log" '\] took over\|\] promoted to logger\|\] elected primary')" != "$roles0" ]; then
      echo "failover-stall: $tag: roles changed while the cluster started (attempt $attempt): starting again" >&2
      stop_all; restarts=$((restarts + 1)); continue
    fi
    ( ip netns exec "${EB_NS[c]}" taskset -c "$CLIENT_CPU" python3 "$ROOT/bench/stall_client.py" "$EB_VIP" 7 "$gaps" "$count" \
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
      if [ "$SWITCHOVER" = 1 ]; then
        rejoins=$(count_lines "$log" "\\[${EB_NAME[$cur]}\\] rejoined")
        if [ "$REQUEST_FILE" = 1 ]; then
          printf '%s' "${EB_NAME[$other]}" > "$WORK/log/${EB_NAME[$cur]}/switchover.tmp"
          mv -f "$WORK/log/${EB_NAME[$cur]}/switchover.tmp" "$WORK/log/${EB_NAME[$cur]}/switchover"
        else
          ERTCP_NO_BUILD=1 "$ROOT/ertcp" switchover --config "$file" --to "${EB_NAME[$other]}" \
            >> "$OUT/failover-stall-$tag.switchover.log" 2>&1 &
        fi
      else
        eb_kill_node "$cur"
      fi
      eb_wait_for_count "$log" "\\[${EB_NAME[$other]}\\] took over" $((takeovers + 1)) 20 || { echo "failover-stall: no takeover after kill $k" >&2; break; }
      t_took=$(grep -- "\\[${EB_NAME[$other]}\\] took over" "$log" | tail -1 | cut -d' ' -f1)
      node_ms=-
      if [ "$SWITCHOVER" = 1 ]; then
        node_ms=$(awk -v a="$(grep -- "\\[${EB_NAME[$cur]}\\] handed over" "$log" | tail -1 | sed -n 's/.* after \([0-9.]*\) ms,.*/\1/p')" \
          -v b="$(grep -- "\\[${EB_NAME[$other]}\\] took over" "$log" | tail -1 | sed -n "s/.* \([0-9.]*\) ms after the primary's LEAVE.*/\1/p")" \
          'BEGIN { if (a == "" || b == "") print "-"; else printf "%.1f", a + b }')
      fi
      # replies flow again: the count file was rewritten after the takeover
      local i alive=1
      for i in $(seq 1 200); do
        [ -f "$count" ] && awk -v t="$t_took" '{ exit !($1 > t) }' "$count" && break
        kill -0 "$client_pid" 2>/dev/null || { alive=0; break; }
        sleep 0.05
      done
      if [ "$alive" = 0 ]; then
        echo "failover-stall: $tag: the client's connection failed after kill $k: $(tail -1 "$OUT/failover-stall-$tag.client.err")" >&2
        echo "$k ${EB_NAME[$cur]} $t_kill $t_took $(now) failed $node_ms" >> "$WORK/$tag.kills"
        done_kills=$k; break
      fi
      sleep 0.3
      t_restart=$(now)
      if [ "$FRESH" = 1 ]; then
        echo "$k ${EB_NAME[$cur]} $t_kill $t_took $t_restart ok $node_ms" >> "$WORK/$tag.kills"
        done_kills=$k
        echo "failover-stall: $tag kill $k (${EB_NAME[$cur]}, fresh cluster): takeover $(awk -v a="$t_kill" -v b="$t_took" 'BEGIN { printf "%.1f", (b - a) * 1000 }') ms" >&2
        break
      fi
      if [ "$SWITCHOVER" = 0 ]; then
        rejoins=$(count_lines "$log" "\\[${EB_NAME[$cur]}\\] rejoined")
        eb_start_node "$cur" "$file" "$NODE_CPUS" "$log"
      fi
      echo "$k ${EB_NAME[$cur]} $t_kill $t_took $t_restart ok $node_ms" >> "$WORK/$tag.kills"
      done_kills=$k
      echo "failover-stall: $tag kill $k (${EB_NAME[$cur]}): takeover $(awk -v a="$t_kill" -v b="$t_took" 'BEGIN { printf "%.1f", (b - a) * 1000 }') ms (line arrival)$([ "$SWITCHOVER" = 1 ] && echo ", $node_ms ms by the nodes' clocks")" >&2
      eb_wait_for_count "$log" "\\[${EB_NAME[$cur]}\\] rejoined" $((rejoins + 1)) 30 || { echo "failover-stall: ${EB_NAME[$cur]} did not rejoin" >&2; break; }
      eb_settle_node "$cur"
      local tmp=$cur; cur=$other; other=$tmp
    done
    [ "$done_kills" -ge "$KILLS" ] && [ "$FRESH" = 0 ] && wait_caught_up "$file" "${EB_NAME[$other]}" || true
    stop_all
  done
  local t_end; t_end=$(now)
  # One CSV row per kill: the longest reply gap from the kill to the restart, and while rejoining.
  awk -v fresh="$FRESH" -v tag="$tag" -v mode="$mode" -v hb="$hb" -v st="$suspect" -v rto="$rto" -v tend="$t_end" '
    FNR == NR { g_t[FNR] = $1; g_d[FNR] = $2; ng = FNR; next }
    { k[++nk] = $1; who[nk] = $2; tk[nk] = $3; tt[nk] = $4; tr[nk] = $5; res[nk] = $6; nm[nk] = $7 }
    END {
      for (i = 1; i <= nk; i++) {
        next_kill = (i < nk) ? tk[i + 1] : tend; s = 0; r = 0
        for (j = 1; j <= ng; j++) {
          if (g_t[j] >= tk[i] && g_t[j] < tr[i] && g_d[j] > s) s = g_d[j]
          if (g_t[j] >= tr[i] && g_t[j] < next_kill && g_d[j] > r) r = g_d[j]
        }
        take = (nm[i] != "" && nm[i] != "-") ? nm[i] : sprintf("%.3f", (tt[i] - tk[i]) * 1000)
        printf "%s,%s,%s,%s,%d,%s,%.6f,%.3f,%s,%s,%s,%s\n", tag, hb, st, rto, k[i], who[i], tk[i], s * 1000, take, fresh == 1 ? "" : sprintf("%.3f", r * 1000), res[i], mode
      }
    }' "$gaps" "$WORK/$tag.kills" >> "$CSV"
  echo "$tag $hb $suspect $rto $false_susp $restarts $mode" >> "$SUMMARY"
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
if [ "$BASELINES" = 1 ]; then
  run_baseline kernel || echo "failover-stall: baseline kernel failed" >&2
  stop_all
  run_baseline engine || echo "failover-stall: baseline engine failed" >&2
  stop_all
fi
for spec in $SETTINGS; do
  run_setting "$spec" || echo "failover-stall: setting $spec stopped early" >&2
  stop_all
done
echo "failover-stall: end $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
else
  CSV="$OUT/failover-stall.csv"; SUMMARY="$OUT/failover-stall.summary"; PROBE="$OUT/failover-stall.probe"; BASE="$OUT/failover-stall.baselines"
fi

# Percentiles by nearest rank (p99 of 20 kills is the largest).
pct() { { grep -v '^$' || true; } | sort -n | awk -v p="$1" '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } i = int(p * NR + 0.999999); if (i < 1) i = 1; printf "%.1f", v[i] }'; }
echo
echo "| setting | suspicions with no kill (${PROBE_S} s of ping-pong) | role changes with no kill |"
echo "| --- | ---: | ---: |"
while read -r tag fs ft; do echo "| $tag | $fs | $ft |"; done < "$PROBE"
echo
echo "| setting | heartbeat | suspect-timeout | client rto_min | kills | client failed | cluster restarts (false role change) | stall p50 ms | stall p99 ms | stall max ms | takeover p50 ms | takeover p99 ms | rejoin gap max ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
if [ -s "$BASE" ]; then
  while IFS='|' read -r bmode _ bwhat; do
    echo "| $bmode (no failover) | - | - | default | 1 | 1 | - | no failover: $bwhat | | | | | |"
  done < "$BASE"
fi
while read -r tag hb suspect rto fs restarts _; do
  col() { awk -F, -v t="$tag" -v c="$1" '$1 == t { print $c }' "$CSV"; }
  echo "| $tag | $hb | $suspect | $rto | $(col 5 | wc -l) | $(col 11 | grep -c failed || true) | $restarts | $(col 8 | pct 0.5) | $(col 8 | pct 0.99) | $(col 8 | pct 1) | $(col 9 | pct 0.5) | $(col 9 | pct 0.99) | $(col 10 | pct 1) |"
done < "$SUMMARY"

# Chart: CDF of the stalls per setting, and the stall of each kill.
plot_cdf=""; plot_bars=""; i=0; nset=$(wc -l < "$SUMMARY"); [ "$nset" -ge 1 ] || nset=1
while read -r tag _; do
  awk -F, -v t="$tag" '$1 == t { print $8 }' "$CSV" | sort -n | awk '{ v[NR] = $1 } END { for (i = 1; i <= NR; i++) print v[i], i / NR }' > "$WORK/$tag.cdf"
  awk -F, -v t="$tag" '$1 == t { print $5, $8, $9 }' "$CSV" > "$WORK/$tag.bars"
  plot_cdf="$plot_cdf${plot_cdf:+, }'$WORK/$tag.cdf' using 1:2 with steps lw 2 title '$tag'"
  plot_bars="$plot_bars${plot_bars:+, }'$WORK/$tag.bars' using (\$1 - 0.4 + ($i + 0.5) * 0.8 / $nset):2 with boxes title '$tag stall'"
  i=$((i + 1))
done < "$SUMMARY"
[ -s "$SUMMARY" ] && [ "$(wc -l < "$CSV")" -gt 1 ] && gnuplot <<GP
set terminal png size 1200,500
set output '$OUT/failover-stall.png'
set multiplot layout 1,2 title '$(awk '{ print $7 }' "$SUMMARY" | sort -u | sed 's/^ertcp$/ER-TCP/; s/^sttcp$/ST-TCP/' | paste -sd/ -) failover: client-observed stall of a ${SIZE}-byte ping-pong per kill -9 of the primary'
set xlabel 'stall (ms)'
set ylabel 'fraction of kills'
set key bottom right
set yrange [0:1.05]
plot $plot_cdf
set autoscale y
set xlabel 'kill'
set ylabel 'stall (ms)'
set style fill solid 0.6
set boxwidth 0.8 / $nset
set key below
plot $plot_bars
unset multiplot
GP
echo
echo "chart: $OUT/failover-stall.png, csv: $CSV"
