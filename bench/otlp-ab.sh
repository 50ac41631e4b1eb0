#!/usr/bin/env bash
# The cost of OpenTelemetry on the single-activity POST, measured in pairs: two Release API processes on one fresh
# PostgreSQL (fsync on), one with OTEL_EXPORTER_OTLP_ENDPOINT at a local sink that discards (bench/otlp-sink.py), one
# without; wrk -c32 alternates between them, 20 s each, so that a busy machine's drift hits both alike. Not part of CI.
#   bash bench/otlp-ab.sh [pairs]        (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=${1:-3}
source bench/lib.sh
dotnet build src/WinBack.Api -c Release -v q -nologo >/dev/null
start_postgres winback

SINK_PORT=$(free_port)
python3 bench/otlp-sink.py "$SINK_PORT" > "$WORK/otlp-sink.log" 2>&1 &
SINK_PID=$!
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$SINK_PORT" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf start_api
ON_PORT=$API_PORT ON_PID=$API_PID
start_api
OFF_PORT=$API_PORT
trap 'kill "$ON_PID" "$SINK_PID" 2>/dev/null; sleep 0.5; cat "$WORK/otlp-sink.log"; cleanup' EXIT
KEY=$(create_tenant live ingest); export KEY   # the tenant of the API without OTLP; both share the database

run() { wrk -t2 -c32 -d"$2" --latency -s bench/wrk/activity.lua "http://127.0.0.1:$1" | grep -E "Requests/sec|99%|Non-2xx|Socket errors" | tr -s ' ' | paste -sd' '; }
run "$ON_PORT" 10s >/dev/null; run "$OFF_PORT" 10s >/dev/null   # warm-up
for i in $(seq "$PAIRS"); do
  echo "pair $i, OTLP off: $(run "$OFF_PORT" 20s)"
  echo "pair $i, OTLP on:  $(run "$ON_PORT" 20s)"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
