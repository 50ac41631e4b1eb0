#!/usr/bin/env bash
# The issue-5 sweep benchmark: a test tenant of N customers (default 1,000,000) of whom C (default 100,000) crossed a
# 30-day inactivity window. Sweep 1 lapses and rewards the C; sweep 2 finds nobody new. Both through the real path:
# POST /v1/sweeps, run by the worker loop, timed by the job's own startedAt/completedAt. Not part of CI.
#   bash bench/sweep.sh [customers] [crossing]
# TRIGGER overrides the rule's trigger JSON, e.g. TRIGGER='{"type":"inactivity","days":30,"personalWindow":{"multiple":2.5,"minPurchases":3}}'.
set -euo pipefail
cd "$(dirname "$0")/.."
CUSTOMERS=${1:-1000000}
CROSSING=${2:-100000}
TRIGGER=${TRIGGER:-'{"type":"inactivity","days":30}'}
source bench/lib.sh

echo "== build (Release)"
dotnet build src/WinBack.Api -c Release -v q -nologo >/dev/null
echo "== PostgreSQL (fsync on, as in production) and the API"
start_postgres winback
start_api
KEY=$(create_tenant test admin)

echo "== import of $CUSTOMERS customers, $CROSSING past 30 days"
python3 bench/make-sweep-import.py "$WORK/sweep.ndjson" "$CUSTOMERS" "$CROSSING"
import_file "$KEY" "$WORK/sweep.ndjson" | python3 -c 'import json,sys; j=json.load(sys.stdin); print("imported:", j["imported"], "rejected:", j["rejected"])'

RULE=$(curl -s -X POST "http://127.0.0.1:$API_PORT/v1/rules" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{
  "name":"30 days quiet","priority":10,"trigger":'"$TRIGGER"',
  "reward":{"type":"account_credit","amount":1000,"currency":"eur","expiresInDays":30}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -sf -X POST "http://127.0.0.1:$API_PORT/v1/rules/$RULE/activate" -H "Authorization: Bearer $KEY" >/dev/null

sweep() {
  local id job
  id=$(curl -s -X POST "http://127.0.0.1:$API_PORT/v1/sweeps" -H "Authorization: Bearer $KEY" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  while :; do
    job=$(curl -s "http://127.0.0.1:$API_PORT/v1/sweeps/$id" -H "Authorization: Bearer $KEY")
    echo "$job" | grep -qE '"status":"(succeeded|failed)"' && break
    sleep 0.2
  done
  echo "$job" | python3 bench/sweep-result.py
}

echo "== sweep 1: $CROSSING customers cross"
sweep
echo "== sweep 2: nobody new crosses"
sweep
echo "== sweep 3: nobody new crosses"
sweep
echo "API RSS: $(( $(grep VmRSS /proc/$API_PID/status | awk '{print $2}') / 1024 )) MB, VmHWM: $(( $(grep VmHWM /proc/$API_PID/status | awk '{print $2}') / 1024 )) MB"
