#!/usr/bin/env bash
# Runs the issue-3 ingestion benchmarks on this machine and prints the figures for docs/benchmarks.md.
# Needs: wrk (apt-get install wrk), python3, PostgreSQL binaries, curl. Not part of CI.
#   bash bench/run.sh [import-size]        (default 1,000,000 customers)
set -euo pipefail
cd "$(dirname "$0")/.."
IMPORT_SIZE=${1:-1000000}
WORK=/tmp/winback-bench
PG_BIN=$(dirname "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | tail -1)")
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cleanup() {
  [ -n "${API_PID:-}" ] && kill "$API_PID" 2>/dev/null || true
  [ -n "${BASE_PID:-}" ] && kill "$BASE_PID" 2>/dev/null || true
  as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -m fast -w stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== build (Release)"
dotnet build src/WinBack.Api -c Release -v q -nologo >/dev/null
dotnet build bench/Baseline -c Release -v q -nologo >/dev/null

echo "== PostgreSQL (fsync on, as in production)"
rm -rf "$WORK" && mkdir -p "$WORK/pg" && chmod 755 "$WORK"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$WORK/pg"
as_pg "$PG_BIN/initdb" -D "$WORK/pg" -U postgres --auth=trust --no-instructions >/dev/null
PG_PORT=$(free_port)
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200 -c shared_buffers=512MB" start >/dev/null
for db in winback baseline; do psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "create database $db" >/dev/null; done

API_PORT=$(free_port); BASE_PORT=$(free_port)
PLATFORM=wb_platform_bench_$(date +%s)
ASPNETCORE_ENVIRONMENT=Production ConnectionStrings__WinBack="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=winback" \
  WinBack__PlatformKey=$PLATFORM WinBack__RateLimit__RequestsPerSecond=10000000 WinBack__RateLimit__Burst=10000000 \
  Logging__LogLevel__Default=Warning \
  dotnet src/WinBack.Api/bin/Release/net10.0/WinBack.Api.dll --urls "http://127.0.0.1:$API_PORT" > "$WORK/api.log" 2>&1 &
API_PID=$!
BASELINE_DB="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=baseline" \
  dotnet bench/Baseline/bin/Release/net10.0/Baseline.dll --urls "http://127.0.0.1:$BASE_PORT" > "$WORK/baseline.log" 2>&1 &
BASE_PID=$!
until curl -sf "http://127.0.0.1:$API_PORT/health/ready" >/dev/null; do sleep 0.5; done
until curl -s -o /dev/null "http://127.0.0.1:$BASE_PORT/"; do sleep 0.5; done

KEY=$(curl -s -X POST "http://127.0.0.1:$API_PORT/v1/tenants" -H "Authorization: Bearer $PLATFORM" -H 'Content-Type: application/json' \
  -d '{"name":"bench","mode":"live"}' | python3 -c 'import json,sys; print([k["secret"] for k in json.load(sys.stdin)["apiKeys"] if k["scope"]=="ingest"][0])')
export KEY

echo "== (a) single-activity POSTs, 32 connections, 30 s each (after a 10 s warm-up)"
wrk -t2 -c32 -d10s -s bench/wrk/activity.lua "http://127.0.0.1:$API_PORT" >/dev/null
wrk -t2 -c32 -d10s -s bench/wrk/activity.lua "http://127.0.0.1:$BASE_PORT" >/dev/null
echo "-- WinBack POST /v1/customers/{id}/activities"
wrk -t2 -c32 -d30s --latency -s bench/wrk/activity.lua "http://127.0.0.1:$API_PORT" | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|Socket errors"
echo "-- bare ASP.NET + Npgsql baseline (same transaction shape)"
sed 's#/v1/customers/#/customers/#' bench/wrk/activity.lua > "$WORK/baseline.lua"
wrk -t2 -c32 -d30s --latency -s "$WORK/baseline.lua" "http://127.0.0.1:$BASE_PORT" | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|Socket errors"

echo "== (b) batch ingestion: 1,000 activities per request, 4 connections, 30 s"
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
