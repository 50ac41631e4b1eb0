#!/usr/bin/env bash
# Customer reads with a risk score (issue 17): one test tenant with N (default 2,000) purchasing customers written straight
# into the summaries, FITS refits (default 52, a year of weekly fits) so the model stream has that many events, then
# wrk GET /v1/customers/{id} for 20 s after a 5 s warm-up. Not part of CI.   bash bench/risk-reads.sh [customers] [fits]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
FITS=${2:-52}
source bench/lib.sh

dotnet build src/WinBack.Api -c Release -v q -nologo >/dev/null
start_postgres winback
start_api
CREATED=$(curl -s -X POST "http://127.0.0.1:$API_PORT/v1/tenants" -H "Authorization: Bearer $PLATFORM" -H 'Content-Type: application/json' \
  -d '{"name":"bench","mode":"test"}')
TENANT=$(echo "$CREATED" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
ADMIN=$(echo "$CREATED" | python3 -c 'import json,sys; print([k["secret"] for k in json.load(sys.stdin)["apiKeys"] if k["scope"]=="admin"][0])')
INGEST=$(echo "$CREATED" | python3 -c 'import json,sys; print([k["secret"] for k in json.load(sys.stdin)["apiKeys"] if k["scope"]=="ingest"][0])')
NOW=$(curl -s "http://127.0.0.1:$API_PORT/v1/test-clock" -H "Authorization: Bearer $ADMIN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["now"])')
seed_risk_histories "$TENANT" "$N" "$NOW"
for ((i = 0; i < FITS; i++)); do
  JOB=$(curl -s -X POST "http://127.0.0.1:$API_PORT/v1/risk-model/refit" -H "Authorization: Bearer $ADMIN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  until curl -s "http://127.0.0.1:$API_PORT/v1/risk-model/refits/$JOB" -H "Authorization: Bearer $ADMIN" | grep -qE '"status":"(succeeded|failed)"'; do sleep 0.2; done
done
curl -s "http://127.0.0.1:$API_PORT/v1/risk-model/history?limit=100" -H "Authorization: Bearer $ADMIN" | python3 -c 'import json,sys; print("model events:", len(json.load(sys.stdin)["data"]))'
curl -s "http://127.0.0.1:$API_PORT/v1/customers/cus_1" -H "Authorization: Bearer $INGEST"; echo
wrk -t2 -c16 -d5s -H "Authorization: Bearer $INGEST" "http://127.0.0.1:$API_PORT/v1/customers/cus_1" >/dev/null
wrk -t2 -c16 -d20s --latency -H "Authorization: Bearer $INGEST" "http://127.0.0.1:$API_PORT/v1/customers/cus_1"
