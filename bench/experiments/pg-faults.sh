#!/usr/bin/env bash
# PostgreSQL's minor page faults under the batch load, and where they come from (docs/benchmarks.md, "#16: the tenth session").
# On this PVM guest a backend's first touch of a page of memory costs tens of microseconds, so faults are CPU the statements'
# own timings do not show. Not part of CI; needs perf and wrk.
#   bash bench/experiments/pg-faults.sh          (API_DLL=... for another build) -> faults a second; perf data in $OUT
# Read it with: perf report -i $OUT/faults.data --no-children --sort sym --stdio -G | less
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/winback-pg-faults}; mkdir -p "$OUT"
source bench/lib.sh
start_postgres winback
start_api
KEY=$(create_tenant live ingest); export KEY
minflt() { local s=0 f; for p in $(pgrep -u postgres postgres); do f=$(awk '{print $10}' "/proc/$p/stat" 2>/dev/null || echo 0); s=$((s + f)); done; echo "$s"; }
wrk -t1 -c4 -d40s -s bench/wrk/batch.lua "http://127.0.0.1:$API_PORT" | grep Requests # warm-up (the JIT)
wrk -t1 -c4 -d35s -s bench/wrk/batch.lua "http://127.0.0.1:$API_PORT" > "$OUT/wrk.txt" &
WRK=$!
sleep 2
F0=$(minflt); T0=$(date +%s.%N)
sleep 15
F1=$(minflt); T1=$(date +%s.%N)
perf record -e page-faults --call-graph dwarf,8192 -o "$OUT/faults.data" -p "$(pgrep -d, -u postgres postgres)" -- sleep 8 2> "$OUT/perf-record.log" || true
wait $WRK
grep Requests "$OUT/wrk.txt"
echo "postgres minor faults a second: $(echo "($F1 - $F0) / ($T1 - $T0)" | bc)"
