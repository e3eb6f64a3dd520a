#!/usr/bin/env bash
# Builds libertcp_dpdk.so from src/main/c when libdpdk is installed; otherwise says once how to get it.
#
# The net_af_packet driver (the DPDK port on a veth or any Linux interface), the net_tap driver (a
# TAP device; it offers checksum offloads, done in software, so the offload path runs without such
# a NIC) and the ring mempool driver (every mbuf pool needs it) are linked in by name, with
# --no-as-needed so the linker keeps them although the shim calls nothing in them: their
# constructors register the drivers with EAL when the shim loads. Debian ships them as plugins,
# which EAL would otherwise have to find by scanning its plugin directory.
set -euo pipefail
out=${1:-target/native}
mkdir -p "$out"
if ! pkg-config --exists libdpdk 2>/dev/null; then
  echo "[native-dpdk] libdpdk not found: the DPDK port is not built (install it with: apt-get install -y libdpdk-dev dpdk pkg-config)."
  exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
src="$here/src/main/c"
libdir=$(pkg-config --variable=libdir libdpdk)
drivers=()
for driver in net_af_packet net_tap mempool_ring; do
  # The library with the ABI-versioned name, such as librte_net_af_packet.so.23.
  lib=$(find "$libdir" -maxdepth 1 -name "librte_${driver}.so.*" 2>/dev/null | grep -E '\.so\.[0-9]+$' | head -n 1 || true)
  if [ -n "$lib" ]; then
    drivers+=("-l:$(basename "$lib")")
  else
    echo "[native-dpdk] warning: librte_${driver} not found in $libdir; pass EAL -d <its plugin> to load it."
  fi
done
# shellcheck disable=SC2046
gcc -O2 -g -fPIC -shared -Wall -Wextra -Werror=implicit-function-declaration \
  $(pkg-config --cflags libdpdk) \
  -o "$out/libertcp_dpdk.so" "$src/ertcp_dpdk.c" \
  -L"$libdir" -Wl,--no-as-needed "${drivers[@]}" -Wl,--as-needed \
  $(pkg-config --libs libdpdk)
echo "[native-dpdk] built $out/libertcp_dpdk.so"
