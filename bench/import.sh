#!/usr/bin/env bash
# The customer import alone (issue 15): SIZE customers (default 200,000) uploaded to an API-only process and imported by
# worker processes from PostgreSQL. With "kill", the worker is killed with SIGKILL half-way and a second one started; the
# second takes over when the first's lease (30 s) runs out and resumes from its last checkpoint. Prints the time, the job,
# each process's peak memory (VmHWM) and whether every line's customer was imported exactly once. Not part of CI.
#   bash bench/import.sh [size] [kill]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-200000}
MODE=${2:-}
WORK=${WORK:-/tmp/winback-bench-import}
source bench/lib.sh

hwm_mb() { echo $(( $(grep VmHWM "/proc/$1/status" | awk '{print $2}') / 1024 )); }
start_worker() {
  ASPNETCORE_ENVIRONMENT=Production ConnectionStrings__WinBack="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=winback" \
    WinBack__Role=worker WinBack__PlatformKey=$PLATFORM \
    WinBack__DataProtection__Certificate="$WORK/dp.pfx" WinBack__DataProtection__CertificatePassword=bench Logging__LogLevel__Default=Warning \
    dotnet src/WinBack.Api/bin/Release/net10.0/WinBack.Api.dll --urls "http://127.0.0.1:$(free_port)" > "$WORK/worker-$1.log" 2>&1 &
  echo $!
}
job_field() { python3 -c "import json,sys; print(json.load(sys.stdin).get('$1'))"; }

echo "== build (Release)"
dotnet build src/WinBack.Api -c Release -v q -nologo >/dev/null
echo "== PostgreSQL, an API-only process and a worker"
start_postgres winback
export WinBack__Role=api
start_api
unset WinBack__Role
W1=$(start_worker 1); W2=""
trap 'kill $W1 ${W2:-} 2>/dev/null || true; cleanup' EXIT
KEY=$(create_tenant live ingest)
python3 bench/make-import.py "$WORK/import.ndjson" "$SIZE"
ls -l "$WORK/import.ndjson" | awk '{print "file bytes:", $5}'

START=$(date +%s.%N)
JOB=$(curl -s -X POST "http://127.0.0.1:$API_PORT/v1/customers/import" -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/x-ndjson' --data-binary @"$WORK/import.ndjson" | job_field id)
echo "upload seconds: $(echo "$(date +%s.%N) - $START" | bc)"
while :; do
  STATUS=$(curl -s "http://127.0.0.1:$API_PORT/v1/imports/$JOB" -H "Authorization: Bearer $KEY")
  echo "$STATUS" | grep -qE '"status":"(completed|failed|cancelled)"' && break
  if [ "$MODE" = kill ] && [ -z "$W2" ] && [ "$(echo "$STATUS" | job_field linesRead)" -ge $((SIZE / 2)) ]; then
    echo "killing worker 1 (SIGKILL) at line $(echo "$STATUS" | job_field linesRead), after $(echo "$(date +%s.%N) - $START" | bc) s"
    echo "worker 1 peak RSS: $(hwm_mb "$W1") MB"
    kill -9 "$W1"; W2=$(start_worker 2); KILLED=$(date +%s.%N)
  fi
  sleep 1
done
END=$(date +%s.%N)
echo "$STATUS" | python3 -c 'import json,sys; j=json.load(sys.stdin); print({k: j[k] for k in ["status","linesRead","imported","rejected","totalLines","linesPerSecond","runs"]})'
echo "import seconds (upload + processing): $(echo "$END - $START" | bc)"
[ -n "$W2" ] && echo "seconds from the kill to the end: $(echo "$END - $KILLED" | bc)"
echo "API peak RSS (VmHWM): $(hwm_mb "$API_PID") MB; worker peak RSS: $(hwm_mb "${W2:-$W1}") MB"
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d winback -Atc \
  "select 'customer_imported events: ' || count(*) || ', customers: ' || count(distinct stream_id) from winback.mt_events where type = 'customer_imported'"
