#!/usr/bin/env bash
# The issue-25 signal sweep benchmark: a test tenant of N customers (default 1,000,000, imported, last active 0-59 days ago)
# and D (default 20,000) customers whose logins declined, with an active usage_decline rule. The first advance of the test
# clock (to the next midnight, where customers already in decline at activation fire) holds the rule's first read (it fills
# winback.signal_crossing from the customers active within its windows) and fires the D; the next two (a day each) find
# nobody new: their cost is the stored steps due and the activities appended since, not the N. Run it with two N (say
# 100,000 and 1,000,000) and the same D: the later advances should take the same time. Not part of CI.
#   bash bench/signal-sweep.sh [customers] [decliners]
set -euo pipefail
cd "$(dirname "$0")/.."
CUSTOMERS=${1:-1000000}
DECLINERS=${2:-20000}
source bench/lib.sh

echo "== build (Release)"
dotnet build src/WinBack.Api -c Release -v q -nologo >/dev/null
echo "== PostgreSQL (fsync on, as in production) and the API"
start_postgres winback
start_api
KEY=$(create_tenant test admin)

echo "== import of $CUSTOMERS customers; $DECLINERS more whose use declined"
python3 bench/make-sweep-import.py "$WORK/sweep.ndjson" "$CUSTOMERS" 0
import_file "$KEY" "$WORK/sweep.ndjson" | python3 -c 'import json,sys; j=json.load(sys.stdin); print("imported:", j["imported"], "rejected:", j["rejected"])'
python3 bench/post-signal-activities.py "$API_PORT" "$KEY" "$DECLINERS"

RULE=$(curl -s -X POST "http://127.0.0.1:$API_PORT/v1/rules" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{
  "name":"usage falls","trigger":{"type":"usage_decline","activities":["login"],"recentDays":7,"baselineDays":28,"dropBelow":0.5,"minBaseline":4},
  "reward":{"type":"account_credit","amount":1000,"currency":"eur","expiresInDays":30}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -sf -X POST "http://127.0.0.1:$API_PORT/v1/rules/$RULE/activate" -H "Authorization: Bearer $KEY" >/dev/null

# Advances the test clock (the sweeps it passes run in the API process), timed from outside.
advance() {
  local started
  started=$(date +%s.%N)
  curl -sf -X POST "http://127.0.0.1:$API_PORT/v1/test-clock/advance" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d "{\"to\":\"$1\"}" >/dev/null
  echo "advance to $1: $(python3 -c "import time; print(f'{time.time() - $started:.3f}')") s"
}
NOW=$(curl -s "http://127.0.0.1:$API_PORT/v1/test-clock" -H "Authorization: Bearer $KEY" | python3 -c 'import json,sys; print(json.load(sys.stdin)["now"])')
MIDNIGHT=$(python3 -c "from datetime import datetime, timedelta; n = datetime.fromisoformat('$NOW'.replace('Z', '+00:00')); print(n.date() + timedelta(days=1))")

echo "== to the next midnight: the rule's first read; the $DECLINERS, in decline when it was activated, fire there"
advance "${MIDNIGHT}T00:10:00Z"
echo "rewards: $(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d winback -Atc "select count(*) from winback.mt_events where type = 'reward_issued'")"
echo "== a day on: nobody new crosses"
advance "${MIDNIGHT}T23:50:00Z"
echo "== another day: nobody new crosses"
advance "$(python3 -c "from datetime import date, timedelta; print(date.fromisoformat('$MIDNIGHT') + timedelta(days=1))")T23:50:00Z"
echo "rows stored: $(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d winback -Atc 'select count(*) from winback.signal_crossing')"
echo "API RSS: $(( $(grep VmRSS /proc/$API_PID/status | awk '{print $2}') / 1024 )) MB, VmHWM: $(( $(grep VmHWM /proc/$API_PID/status | awk '{print $2}') / 1024 )) MB"
