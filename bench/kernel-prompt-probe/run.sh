#!/bin/bash
# What a real Linux client does with each takeover prompt (BENCHMARKS.md, "Takeover prompt"):
#   sudo bench/kernel-prompt-probe/setup.sh   # namespaces kp-c (client) and kp-s (the probe)
#   sudo bench/kernel-prompt-probe/run.sh STIMULUS SIZE [--warm N --freeze-ms MS --ss-at MS,...]
# STIMULUS: none dupack zerowin icmp sack-last sack-tail sack-all1 probe-sack-tail. Delete with ip netns del kp-c kp-s.
# run.sh STIMULUS SIZE [extra kprobe args]
st=$1; size=$2; shift 2
ip netns exec kp-s python3 "$(dirname "$0")"/kprobe.py --stimulus $st --size $size "$@" > /tmp/kprobe-srv.out 2>&1 &
sp=$!
sleep 0.5
ip netns exec kp-c timeout 20 python3 "$(dirname "$0")"/client.py $size 60 > /tmp/kprobe-cli.out 2>&1
wait $sp
cat /tmp/kprobe-srv.out /tmp/kprobe-cli.out
