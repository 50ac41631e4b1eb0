#!/usr/bin/env bash
# Issue 24: the report projection rebuilt for one tenant, with Marten's tenant-partitioned events (PARTITIONED=1: a per-tenant
# rebuild, Marten's IProjectionDaemon.RebuildProjectionAsync(name, tenant)) and with today's conjoined events (where only the
# whole database can be rebuilt: `projections rebuild`, even with --tenant). One cluster (bench/lib.sh), one database; TENANTS
# tenants, each loaded through the API with batches of 1,000 logins for SECONDS seconds (wrk, 4 connections); the API is then
# stopped and bench/RebuildTenant times the rebuilds of the first tenant (per tenant, when partitioned) and of the database.
# Not part of CI.
#   bash bench/rebuild.sh [tenants] [seconds]     (default 10 10); PARTITIONED=1 bash bench/rebuild.sh ...
set -euo pipefail
cd "$(dirname "$0")/.."
TENANTS=${1:-10}; LOAD_SECONDS=${2:-10}
source bench/lib.sh
echo "== build (Release)"
dotnet build -c Release -m:1 -v q src/WinBack.Api >/dev/null
dotnet build -c Release -m:1 -v q bench/RebuildTenant >/dev/null
start_postgres winback
start_api
IDS=()
for ((i = 1; i <= TENANTS; i++)); do
  read -r id key < <(curl -s -X POST "http://127.0.0.1:$API_PORT/v1/tenants" -H "Authorization: Bearer $PLATFORM" -H 'Content-Type: application/json' \
    -d '{"name":"bench","mode":"live"}' | python3 -c "import json,sys; t=json.load(sys.stdin); print(t['id'], [k['secret'] for k in t['apiKeys'] if k['scope']=='ingest'][0])")
  IDS+=("$id")
  KEY=$key wrk -t1 -c4 -d"${LOAD_SECONDS}s" -s bench/wrk/batch.lua "http://127.0.0.1:$API_PORT" | awk -v t="$id" '/Requests\/sec/ {print "tenant " t ": " $2 " batches/s"}'
done
stop_api
psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d winback -At -c \
  "select 'events: ' || count(*) || ' in all, ' || count(*) filter (where tenant_id = '${IDS[0]}') || ' of the tenant rebuilt' from winback.mt_events"
TOOL=bench/RebuildTenant/bin/Release/net10.0/RebuildTenant.dll
if [ -n "${PARTITIONED:-}" ]; then
  env $(api_env) dotnet "$TOOL" "${IDS[0]}" tenant
fi
env $(api_env) dotnet "$TOOL" "${IDS[0]}" database
