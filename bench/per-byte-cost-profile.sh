#!/usr/bin/env bash
# JFR execution samples (1 ms) of one per-byte harness configuration, then the samples attributed to roles by their
# stack frames (bench/per-byte-cost-profile-roles.py). No root.
#
#   bench/per-byte-cost-profile.sh CONFIG OUT [PerByteCost options]   # writes OUT.jfr, OUT.txt, OUT.cost, OUT.roles
set -u
CFG=$1; OUT=$2; shift 2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin
"$JAVA/java" @"$ROOT/jvm.flags" -Xmx1g -XX:+UseZGC -Djava.io.tmpdir=/dev/shm \
  "-XX:StartFlightRecording=filename=$OUT.jfr,jdk.ExecutionSample#period=1ms,jdk.NativeMethodSample#enabled=false" \
  -cp "$ROOT/jmh/target/benchmarks.jar" io.ertcp.engine.cluster.PerByteCost --config "$CFG" --warmup-mib 32 \
  --window-mib 32 --windows 3 "$@" 2>/dev/null | grep -E "^\| (engine|primary|logger|backup)" > "$OUT.cost"
"$JAVA/jfr" print --events jdk.ExecutionSample --stack-depth 80 "$OUT.jfr" > "$OUT.txt"
python3 "$ROOT/bench/per-byte-cost-profile-roles.py" "$OUT.txt" 14 > "$OUT.roles"
cat "$OUT.roles"
