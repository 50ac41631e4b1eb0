#!/usr/bin/env bash
# The issue-6 report benchmark: 1,000,000 lapse episodes in one tenant (bench/report-seed.sql writes the report rows
# directly and marks their groups for the rollup refresh), one report to refresh every rollup, then REQUESTS (default 100) sequential GET /v1/reports/reactivation per grouping after 3 warm-up requests,
# timed by curl end to end. Prints p50/p95/max per grouping. Not part of CI.
# SEED=events (issue 16): the events behind about 1,000,000 episodes instead (bench/report-events.sql, CUSTOMERS of them,
# default 924,557), written while the API is stopped; `projections rebuild --projection Reports` builds the report tables
# from them (timed), then the API starts again and the reports are timed as above.
#   bash bench/report.sh            REQUESTS=20 bash bench/report.sh            SEED=events CUSTOMERS=100000 bash bench/report.sh
# WAIT_FOR=<file>: after seeding (and the rebuild), wait until the file exists before timing: a long rebuild can run while
# the machine is busy, and the reports be timed once it is quiet.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${REQUESTS:-100}
source bench/lib.sh

echo "== build (Release)"
dotnet build src/WinBack.Api -c Release -v q -nologo >/dev/null
echo "== PostgreSQL (fsync on, as in production) and the API"
start_postgres winback
start_api
CREATED=$(curl -s -X POST "http://127.0.0.1:$API_PORT/v1/tenants" -H "Authorization: Bearer $PLATFORM" -H 'Content-Type: application/json' \
  -d '{"name":"bench","mode":"live"}')
TENANT=$(echo "$CREATED" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
KEY=$(echo "$CREATED" | python3 -c 'import json,sys; print([k["secret"] for k in json.load(sys.stdin)["apiKeys"] if k["scope"]=="admin"][0])')

if [ "${SEED:-rows}" = events ]; then
  stop_api
  echo "== seeding the events of ${CUSTOMERS:-924557} customers (the API is stopped)"
  START=$(date +%s)
  psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d winback -v tenant="$TENANT" -v customers="${CUSTOMERS:-}" \
    -f bench/report-events.sql >/dev/null
  echo "seeded in $(( $(date +%s) - START )) s: $(psql -tA -h 127.0.0.1 -p "$PG_PORT" -U postgres -d winback -c "select count(*) from winback.mt_events") events"
  echo "== projections rebuild --projection Reports"
  START=$(date +%s.%N)
  env $(api_env) dotnet src/WinBack.Api/bin/Release/net10.0/WinBack.Api.dll projections rebuild --projection Reports > "$WORK/rebuild.log" 2>&1
  python3 -c "print(f'rebuilt in {$(date +%s.%N) - $START:.0f} s')"
  psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d winback -c "analyze winback.lapse_episode; analyze winback.lapse_episode_revenue"
  start_api
else
  echo "== seeding 1,000,000 episodes"
  START=$(date +%s)
  psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d winback -v tenant="$TENANT" -f bench/report-seed.sql
fi
echo "$(psql -tA -h 127.0.0.1 -p "$PG_PORT" -U postgres -d winback -c "select count(*) from winback.lapse_episode") episodes"

if [ -n "${WAIT_FOR:-}" ]; then
  echo "== waiting for $WAIT_FOR before timing the reports"
  until [ -e "$WAIT_FOR" ]; do sleep 5; done
fi
echo "== first report: refreshes the rollups of every group (the worker may already have started)"
curl -sf -o /dev/null -w 'first report: %{time_total} s\n' "http://127.0.0.1:$API_PORT/v1/reports/reactivation" -H "Authorization: Bearer $KEY"
echo "rollup rows: $(psql -tA -h 127.0.0.1 -p "$PG_PORT" -U postgres -d winback -c "select count(*) from winback.report_rollup")"

for query in "groupBy=rule" "groupBy=variant" "groupBy=lapseMonth" "groupBy=churnReason" "groupBy=variant&ruleId=rule_1" "overview"; do
  url="http://127.0.0.1:$API_PORT/v1/reports/reactivation?$query"
  [ "$query" = overview ] && url="http://127.0.0.1:$API_PORT/v1/reports/overview"
  for _ in $(seq 3); do curl -sf -o /dev/null "$url" -H "Authorization: Bearer $KEY"; done
  for _ in $(seq "$REQUESTS"); do curl -sf -o /dev/null -w '%{time_total}\n' "$url" -H "Authorization: Bearer $KEY"; done > "$WORK/times.txt"
  python3 -c "
import sys
t = sorted(float(x) * 1000 for x in open('$WORK/times.txt'))
at = lambda q: t[max(0, -(-len(t) * q // 100) - 1)]
print(f'$query: p50 {at(50):.1f} ms, p95 {at(95):.1f} ms, max {t[-1]:.1f} ms ({len(t)} requests)')"
done
