#!/usr/bin/env bash
# The issue-18 backtest benchmark: 1,000,000 customer events (bench/backtest-events.sql, CUSTOMERS customers of 10 activities,
# default 100,000, EVENTS each, default 10) written straight into a live tenant's event store while the API is stopped, then one POST /v1/rules/backtest
# of a 30-day inactivity rule over 2025, polled every 0.2 s until it succeeds. Prints the time from the POST to the result, the
# API's resident memory before and its peak (VmHWM) after, the API process's CPU seconds over the backtest (/proc/PID/stat) with the
# load average (the machine may be shared), and the result's counts. Not part of CI.
#   bash bench/backtest.sh            CUSTOMERS=50000 EVENTS=20 bash bench/backtest.sh   (as many events, half the customers)
set -euo pipefail
cd "$(dirname "$0")/.."
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
stop_api
echo "== seeding the activities of ${CUSTOMERS:-100000} customers (the API is stopped)"
START=$(date +%s)
psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d winback -v tenant="$TENANT" -v customers="${CUSTOMERS:-}" -v events="${EVENTS:-}" \
  -f bench/backtest-events.sql >/dev/null
echo "seeded in $(( $(date +%s) - START )) s: $(psql -tA -h 127.0.0.1 -p "$PG_PORT" -U postgres -d winback -c "select count(*) from winback.mt_events where type = 'activity_recorded'") activities"
start_api
sleep 5
echo "API RSS before: $(grep VmRSS /proc/$API_PID/status | awk '{print $2/1024 " MB"}')"

RULE='{"name":"30 days","trigger":{"type":"inactivity","days":30},"reward":{"type":"account_credit","amount":500,"currency":"eur","expiresInDays":30},"limits":{"dailyBudget":{"amount":50000,"currency":"eur"},"maxRewardsPerCustomer":3,"cooldownDays":14}}'
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$API_PID/stat"; }
# After its start the API has its own work (tiering up, the async daemon looking at the seeded events): wait until it idles (under
# 0.5 s of CPU in 5 s, at most 2 minutes), so that the backtest's CPU is its own.
for _ in $(seq 24); do
  IDLE_FROM=$(cpu_seconds); sleep 5
  IDLE=$(python3 -c "print(f'{$(cpu_seconds) - $IDLE_FROM:.2f}')"); echo "API CPU in 5 s before the backtest: $IDLE s"
  python3 -c "import sys; sys.exit(0 if $IDLE < 0.5 else 1)" && break
done
CPU_BEFORE=$(cpu_seconds)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
START=$(date +%s.%N)
JOB=$(curl -s -X POST "http://127.0.0.1:$API_PORT/v1/rules/backtest" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d "{\"rule\":$RULE,\"from\":\"2025-01-01\",\"to\":\"2026-01-01\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
while :; do
  RESULT=$(curl -s "http://127.0.0.1:$API_PORT/v1/rules/backtests/$JOB" -H "Authorization: Bearer $KEY")
  echo "$RESULT" | grep -qE '"status":"(succeeded|failed)"' && break
  sleep 0.2
done
python3 -c "print(f'backtest done in {$(date +%s.%N) - $START:.1f} s; API CPU {$(cpu_seconds) - $CPU_BEFORE:.1f} s')"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "API peak RSS (VmHWM): $(grep VmHWM /proc/$API_PID/status | awk '{print $2/1024 " MB"}')"
echo "$RESULT" | python3 -c 'import json,sys; j=json.load(sys.stdin); r=j.get("result") or {}; print(j["status"], j.get("failure"), {k: r.get(k) for k in ["eventsRead","customersSeen","reached","rewarded","withheld","cost","returned","purchased"]}, len(r.get("days") or []), "days")'
