# Shared by bench/cluster-netpipe.sh and bench/failover-stall.sh (sourced, not run).
#
# One machine, namespaces on one bridge, the topology of docs/cluster-file.md ("One machine"), made by
# ./ertcp lan (the builder the demo and the system tests use) from the cluster files ./ertcp
# cluster-file prints, so the addresses and MACs are that command's numbering:
#
#   eb-client (kernel TCP, 10.81.0.2) ── eb-lan:br0 ── eb-primary (.11)  eb-logger (.12)
#                                                      eb-backup1 (.13)  eb-backup2 (.14)  eb-witness (.15)
#
# Scripts name a node by its short name (p l b1 b2 w, c the client): EB_NAME gives its name in the
# cluster files, EB_NS its namespace, EB_LAN the bridge's. EB_PREFIX (default eb) is the namespaces'
# prefix, so two scripts can run side by side (bench/snapshot-stall.sh uses sb).
# eb-witness holds the witness of an st-tcp cluster (primary, backup1, witness: no logger).
# EB_AGEING, when set, is the bridge's ageing_time (ip link ... type bridge ageing_time): 0 makes
# the bridge forget every MAC at once, so it floods all unicast to every port (./ertcp lan --hub,
# which spares the witness the flood). ST-TCP needs that (its backup taps the client's frames to and
# from the VIP); scripts comparing modes set it for the whole run so every mode crosses the same
# flooding bridge.
#
# The VIP is 10.81.0.100/24 (virtual MAC 02:00:00:00:81:64). Each node namespace has one veth end
# named eth0 whose MAC is the cluster file's; every eth0 has its transmit offloads off, so that the
# nodes' raw-frame readers see real checksums and MTU-sized frames (and the kernel baselines, served
# from the primary's namespace, send what the nodes would). Veths are created straight into their
# namespaces (no names in the root namespace, so nothing collides with other users).

EB_PREFIX=${EB_PREFIX:-eb}
EB_NODES="p l b1 b2 w"
EB_VIP=10.81.0.100
EB_VIP_MAC=02:00:00:00:81:64
declare -A EB_IP=([c]=10.81.0.2 [p]=10.81.0.11 [l]=10.81.0.12 [b1]=10.81.0.13 [b2]=10.81.0.14 [w]=10.81.0.15)
declare -A EB_NAME=([p]=primary [l]=logger [b1]=backup1 [b2]=backup2 [w]=witness)
declare -A EB_NS=([c]="$EB_PREFIX-client" [p]="$EB_PREFIX-primary" [l]="$EB_PREFIX-logger" [b1]="$EB_PREFIX-backup1"
  [b2]="$EB_PREFIX-backup2" [w]="$EB_PREFIX-witness")
EB_LAN="$EB_PREFIX-lan"

eb_down() {
  ERTCP_NO_BUILD=1 "$ROOT/ertcp" lan down --prefix "$EB_PREFIX" >/dev/null || true
}

# eb_up: the LAN of every node either mode uses (an er-tcp file with two backups, an st-tcp file with
# its witness), made by ./ertcp lan; whatever a previous run left is removed first.
eb_up() {
  local n topology
  eb_down
  topology=$(mktemp -d /tmp/eb-topology.XXXXXX)
  EB_SECURITY=none eb_write_cluster "$topology/er.yaml" eb-bench er-tcp logger echo 10ms 50ms "$topology/log" "p l b1 b2"
  EB_SECURITY=none eb_write_cluster "$topology/st.yaml" eb-bench-st st-tcp backup echo 10ms 50ms "$topology/log" "p b1 w"
  ERTCP_NO_BUILD=1 "$ROOT/ertcp" lan up --config "$topology/er.yaml,$topology/st.yaml" --prefix "$EB_PREFIX" \
    --client "${EB_IP[c]}/24" $([ "${EB_AGEING:-}" = 0 ] && echo --hub) >/dev/null || { rm -rf "$topology"; return 1; }
  rm -rf "$topology"
  if [ -n "${EB_AGEING:-}" ] && [ "$EB_AGEING" != 0 ]; then
    ip -n "$EB_LAN" link set br0 type bridge ageing_time "$EB_AGEING"
  fi
  for n in $EB_NODES; do ip netns exec "${EB_NS[$n]}" ethtool -K eth0 tx off tso off gso off gro off >/dev/null; done
}

# eb_cluster_file FILE SERVICE BACKUPS HEARTBEAT SUSPECT LOGDIR: writes an er-tcp cluster file with
# primary, logger and BACKUPS (0..2) backups, shared threading (the default: backs off when idle).
eb_cluster_file() {
  local file=$1 service=$2 backups=$3 hb=$4 suspect=$5 logdir=$6 nodes="p l"
  [ "$backups" -ge 1 ] && nodes="$nodes b1"
  [ "$backups" -ge 2 ] && nodes="$nodes b2"
  eb_write_cluster "$file" eb-bench er-tcp logger "$service" "$hb" "$suspect" "$logdir" "$nodes"
}

# eb_st_cluster_file FILE SERVICE HEARTBEAT SUSPECT LOGDIR: writes an st-tcp cluster file: primary
# (eb-p), one backup (eb-b1, rank 1) and a witness (eb-w); durability backup (st-tcp's default: the
# primary acknowledges the client only what the backup confirmed), shared threading.
eb_st_cluster_file() {
  eb_write_cluster "$1" eb-bench-st st-tcp backup "$2" "$3" "$4" "$5" "p b1 w"
}

# eb_write_cluster FILE CLUSTER MODE DURABILITY SERVICE HEARTBEAT SUSPECT LOGDIR NODES: the cluster
# file both writers above share, printed by ./ertcp cluster-file (docs/cluster-file.md): NODES are
# namespaces (p primary, l logger, w witness, b1 b2 backups ranked in order), every node af-packet on
# its eth0, with the addresses of EB_IP (cluster-file's numbering: primary .11,
# logger .12, backups .13 on, witness .15, MACs the virtual MAC with those digits last). The
# replication channel is authenticated with the key FILE.key beside it (32 bytes from /dev/urandom,
# owner-only, made once, as ./ertcp keygen would); EB_SECURITY=none writes security: none instead,
# for the unauthenticated figure.
eb_write_cluster() {
  local file=$1 cluster=$2 mode=$3 durability=$4 service=$5 hb=$6 suspect=$7 logdir=$8 nodes=$9 n backups=0
  local -a security=(--key-file "$file.key")
  for n in $nodes; do case $n in b*) backups=$((backups + 1)) ;; esac; done
  if [ "${EB_SECURITY:-key}" = none ]; then
    security=(--security none)
  elif [ ! -s "$file.key" ]; then
    (umask 077 && head -c 32 /dev/urandom > "$file.key")
  fi
  ERTCP_NO_BUILD=1 "$ROOT/ertcp" cluster-file --name "$cluster" --mode "$mode" --durability "$durability" \
    --service "$service" --backups "$backups" --numbered-backups --vip "$EB_VIP/24" --vip-mac "$EB_VIP_MAC" \
    --heartbeat-interval "$hb" --suspect-timeout "$suspect" --log-dir "$logdir" "${security[@]}" > "$file"
}

# eb_start_node NS FILE CPUS LOG: starts the node of namespace NS (p, l, b1, b2) pinned to CPUS;
# every output line is stamped with the wall clock (seconds.micros) as it arrives. The JVM starts
# at nice 10 (EB_START_NICE) and eb_settle_node puts it back to 0 once warm: on this 2-core machine
# a starting JVM's class loading and JIT otherwise starve the running nodes past their suspicion
# timeout, an artefact of sharing cores that separate machines do not have.
eb_start_node() {
  local n=$1 file=$2 cpus=$3 log=$4
  ( ERTCP_NO_BUILD=1 ip netns exec "${EB_NS[$n]}" nice -n "${EB_START_NICE:-10}" taskset -c "$cpus" "$ROOT/ertcp" node --config "$file" --name "${EB_NAME[$n]}" 2>&1 \
      | perl -MTime::HiRes=time -ne 'BEGIN { $| = 1 } printf "%.6f %s", time, $_' >> "$log" ) 2>/dev/null &
  disown $! 2>/dev/null || true
}

# eb_start_cluster FILE NODES CPUS LOG: starts the nodes one after the other, each once the one
# before has said it started (the primary first: a backup started before the primary would
# suspect a primary it never heard and, with the logger's vote, elect itself).
eb_start_cluster() {
  local file=$1 nodes=$2 cpus=$3 log=$4 n
  for n in $nodes; do
    eb_start_node "$n" "$file" "$cpus" "$log"
    eb_wait_for "$log" "\[${EB_NAME[$n]}\] started as" 30 || { echo "node ${EB_NAME[$n]} did not start:" >&2; cat "$log" >&2; return 1; }
    eb_settle_node "$n"
  done
  eb_wait_for "$log" "serving" 30
}

# eb_settle_node NS: let the node's JVM warm up (EB_SETTLE_S, 2 s) then renice it to 0.
eb_settle_node() {
  sleep "${EB_SETTLE_S:-2}"
  ip netns pids "${EB_NS[$1]}" 2>/dev/null | xargs -r renice -n 0 -p >/dev/null 2>&1 || true
}

# eb_kill_node NS: kill -9 every process in the node's namespace (the node's JVM).
eb_kill_node() { ip netns pids "${EB_NS[$1]}" 2>/dev/null | xargs -r kill -9 2>/dev/null || true; }

# eb_wait_for LOG PATTERN SECONDS: waits until LOG holds a line matching PATTERN (0) or times out (1).
eb_wait_for() {
  local log=$1 pattern=$2 limit=$3 i
  for i in $(seq 1 $((limit * 20))); do
    grep -q -- "$pattern" "$log" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
