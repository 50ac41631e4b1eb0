#!/usr/bin/env bash
# Runs the issue-3 ingestion benchmarks on this machine and prints the figures for docs/benchmarks.md.
# Needs: wrk (apt-get install wrk), python3, PostgreSQL binaries, curl. Not part of CI.
#   bash bench/run.sh [import-size]        (default 1,000,000 customers)
#   OTLP=1 bash bench/run.sh ...           the same with OpenTelemetry on: OTEL_EXPORTER_OTLP_ENDPOINT points the API at a
#                                          local sink (bench/otlp-sink.py) that accepts every export over OTLP/HTTP and discards it
set -euo pipefail
cd "$(dirname "$0")/.."
IMPORT_SIZE=${1:-1000000}
source bench/lib.sh

echo "== build (Release)"
dotnet build src/WinBack.Api -c Release -v q -nologo >/dev/null

echo "== PostgreSQL (fsync on, as in production)"
start_postgres winback baseline

if [ "${OTLP:-0}" = 1 ]; then
  SINK_PORT=$(free_port)
  python3 bench/otlp-sink.py "$SINK_PORT" > "$WORK/otlp-sink.log" 2>&1 &
  SINK_PID=$!
  trap 'kill "$SINK_PID" 2>/dev/null; sleep 0.5; cat "$WORK/otlp-sink.log"; cleanup' EXIT
  export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$SINK_PORT" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
  echo "== OpenTelemetry on: OTLP/HTTP to a discarding sink on port $SINK_PORT"
fi
start_api
unset OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_OTLP_PROTOCOL
BASE_PORT=$(free_port)
start_baseline baseline "$BASE_PORT" "$WORK/baseline.log"
BASE_PID=$!

KEY=$(create_tenant live ingest)
export KEY

# 60 s of warm-up: a profile of the API 23-35 s into the load still spent 18% of its CPU in the JIT (tier-1 recompiles);
# 63-75 s into it, 2% (docs/benchmarks.md, "#16: the seventh session").
echo "== (a) single-activity POSTs, 32 connections, 30 s each (after a 60 s warm-up of each: JIT and tiering settle)"
wrk -t2 -c32 -d60s -s bench/wrk/activity.lua "http://127.0.0.1:$API_PORT" >/dev/null
wrk -t2 -c32 -d60s -s "$WORK/baseline.lua" "http://127.0.0.1:$BASE_PORT" >/dev/null
# The whole machine's idle share over a command (/proc/stat): how much CPU the side under load left unused.
idle_during() {
  local b0 i0 b1 i1
  read -r b0 i0 < <(machine_cpu)
  "$@"
  read -r b1 i1 < <(machine_cpu)
  echo "machine idle: $(( 100 * (i1 - i0) / (b1 - b0 + i1 - i0) ))%"
}
echo "-- WinBack POST /v1/customers/{id}/activities"
idle_during wrk -t2 -c32 -d30s --latency -s bench/wrk/activity.lua "http://127.0.0.1:$API_PORT" | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|Socket errors|idle"
echo "-- bare ASP.NET + Npgsql baseline (same transaction shape)"
idle_during wrk -t2 -c32 -d30s --latency -s "$WORK/baseline.lua" "http://127.0.0.1:$BASE_PORT" | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|Socket errors|idle"

echo "== (b) batch ingestion: 1,000 activities per request, 4 connections, 30 s (after a 60 s warm-up of the batch path, as for (a))"
wrk -t1 -c4 -d60s -s bench/wrk/batch.lua "http://127.0.0.1:$API_PORT" >/dev/null
wrk -t1 -c4 -d30s --latency -s bench/wrk/batch.lua "http://127.0.0.1:$API_PORT" | grep -E "Requests/sec|Latency|99%|Non-2xx|Socket errors"
echo "(activities/s = Requests/sec x 1000)"

echo "== (c) import of $IMPORT_SIZE customers"
python3 bench/make-import.py "$WORK/import.ndjson" "$IMPORT_SIZE"
ls -l "$WORK/import.ndjson" | awk '{print "file bytes:", $5}'
RSS_BEFORE=$(grep VmRSS /proc/$API_PID/status | awk '{print $2}')
START=$(date +%s.%N)
JOB=$(curl -s -X POST "http://127.0.0.1:$API_PORT/v1/customers/import" -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/x-ndjson' --data-binary @"$WORK/import.ndjson" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
PEAK=0
while :; do
  STATUS=$(curl -s "http://127.0.0.1:$API_PORT/v1/imports/$JOB" -H "Authorization: Bearer $KEY")
  RSS=$(grep VmRSS /proc/$API_PID/status | awk '{print $2}'); [ "$RSS" -gt "$PEAK" ] && PEAK=$RSS
  echo "$STATUS" | grep -qE '"status":"(completed|failed)"' && break
  sleep 1
done
END=$(date +%s.%N)
echo "$STATUS" | python3 -c 'import json,sys; j=json.load(sys.stdin); print("status:", j["status"], "imported:", j["imported"], "rejected:", j["rejected"])'
echo "import seconds (upload + processing): $(echo "$END - $START" | bc)"
echo "API RSS before: $((RSS_BEFORE/1024)) MB, peak sampled during import: $((PEAK/1024)) MB, VmHWM: $(( $(grep VmHWM /proc/$API_PID/status | awk '{print $2}') / 1024 )) MB"
