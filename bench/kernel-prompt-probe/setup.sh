#!/bin/bash
# Namespaces for bench/kernel-prompt-probe/run.sh (see there).
# kp-c: kernel client 10.98.0.2; kp-s: no address (the probe owns 10.98.0.1 on a virtual MAC)
set -e
ip netns del kp-c 2>/dev/null || true; ip netns del kp-s 2>/dev/null || true
ip netns add kp-c; ip netns add kp-s
ip link add eth0 netns kp-c type veth peer name eth0 netns kp-s
for n in kp-c kp-s; do ip -n $n link set lo up; ip -n $n link set eth0 up; ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
ip -n kp-c addr add 10.98.0.2/24 dev eth0
ip netns exec kp-c ethtool -K eth0 tso off gso off gro off tx off >/dev/null 2>&1 || true
ip netns exec kp-s ethtool -K eth0 tso off gso off gro off tx off >/dev/null 2>&1 || true
