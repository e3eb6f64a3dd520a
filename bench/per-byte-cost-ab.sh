#!/usr/bin/env bash
# The per-byte cost harness, before against after, interleaved (issue 11): each configuration runs on a BASE tree's
# build, then on this tree's, ROUNDS times, so that a machine shared with other work loads both alike. Build the base
# first (git archive COMMIT | tar -x -C DIR; cd DIR && ./ertcp build) and this tree (./ertcp build). No root.
#
#   BASE=/tmp/base bench/per-byte-cost-ab.sh OUTDIR "er-tcp-1 er-tcp-2 er-tcp-0 engine st-tcp" ROUNDS [PerByteCost options]
#
# PerByteCost options go to both builds (--security none needs a base whose harness has it). BASE_JAVA_OPTS and
# NEW_JAVA_OPTS add JVM options to one side: BASE=. with BASE_JAVA_OPTS=-Dertcp.log.writer-thread=false compares one
# build with a switch off and on. Appends to OUTDIR/log.md;
# bench/per-byte-cost-ab-summary.py OUTDIR/log.md prints the medians, base against new.
set -u
OUT=$1; CONFIGS=$2; ROUNDS=$3; shift 3
BASE=${BASE:?set BASE to the base tree}
HERE=$(cd "$(dirname "$0")/.." && pwd)
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
mkdir -p "$OUT"
for r in $(seq 1 "$ROUNDS"); do
  for c in $CONFIGS; do
    for build in base new; do
      if [ $build = base ]; then ROOT=$BASE; OPTS=${BASE_JAVA_OPTS:-}; else ROOT=$HERE; OPTS=${NEW_JAVA_OPTS:-}; fi
      echo "== $build $c round $r $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> "$OUT/log.md"
      # shellcheck disable=SC2086 # OPTS is a list of JVM options
      "$JAVA" @"$ROOT/jvm.flags" $OPTS -Xmx1g -XX:+UseZGC -Djava.io.tmpdir=/dev/shm -cp "$ROOT/jmh/target/benchmarks.jar" \
        io.ertcp.engine.cluster.PerByteCost --config "$c" "$@" 2>/dev/null | grep -v '^\[' >> "$OUT/log.md"
    done
  done
done
echo ALLDONE >> "$OUT/log.md"
