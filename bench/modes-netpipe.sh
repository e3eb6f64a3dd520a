#!/usr/bin/env bash
# NetPIPE, one run, one path: the Linux kernel's TCP, the engine alone, ER-TCP (logger + 1 backup)
# and ST-TCP (primary + backup tapping the LAN + witness). bench/cluster-netpipe.sh with
#   --modes "${EB_MODES:-kernel engine ertcp-1b sttcp}" --flood --name modes-netpipe
# so the bridge floods all unicast (ageing_time 0) for every mode, not just ST-TCP's. Writes
# bench/out/modes-netpipe-*.np, bench/out/modes-netpipe.csv, bench/out/modes-netpipe.png and prints
# Markdown tables. Any other option is passed on (--upper BYTES, --node-cpus LIST, --client-cpu N,
# --suspect-timeout T, --modes "...").
#
#   sudo bench/modes-netpipe.sh [--upper BYTES] [--node-cpus 0] [--client-cpu 1]
set -euo pipefail
exec "$(dirname "$0")/cluster-netpipe.sh" --modes "${EB_MODES:-kernel engine ertcp-1b sttcp}" --flood --name modes-netpipe "$@"
