#!/usr/bin/env bash
# Issue 16: does a write cost more for a customer with a long history? Seeds one customer with 5,000 activities and
# 200 rewards ("long") and one with a single activity ("short"), then records purchases for each in turn, with
# 1 connection (the cost of one write) and 32 (group commit on one stream). Prints both rates. Not part of CI.
#   bash bench/long-history.sh [seconds per run]    (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-15}
source bench/lib.sh

echo "== build (Release)"
dotnet build src/WinBack.Api -c Release -v q -nologo >/dev/null
echo "== PostgreSQL (fsync on)"
start_postgres winback
start_api
KEY=$(create_tenant live admin)
export KEY
api() { curl -sf -X POST "http://127.0.0.1:$API_PORT$1" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d "$2" >/dev/null; }

echo "== seed: 'long' gets 5,000 activities and 200 rewards; 'short' one activity"
python3 - > "$WORK/history-batch.json" <<'PY'
import json
types = ["login", "purchase", "login", "custom", "refund"]
items = []
for i in range(1000):
    t = types[i % len(types)]
    item = {"customerId": "long", "type": t, "occurredAt": "2026-01-01T00:00:00Z"}
    if t in ("purchase", "refund"): item.update(amount=100 + i, currency="eur")
    if t == "custom": item["name"] = "webinar_attended"
    items.append(item)
print(json.dumps({"activities": items}))
PY
for _ in 1 2 3 4 5; do api /v1/activities/batch @"$WORK/history-batch.json"; done
for i in $(seq 1 200); do
  api /v1/customers/long/rewards '{"reward":{"type":"account_credit","amount":500,"currency":"eur","expiresInDays":365},"note":"seed '"$i"'"}'
done
api /v1/customers/short/activities '{"type":"login"}'
sql() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d winback -At -F ' ' -c "$1" 2>/dev/null || true; }
sql "select 'long: events', count(*) from winback.mt_events where stream_id = 'long'"
sql "select 'long: summary bytes', pg_column_size(data), octet_length(data) from winback.customer_summary where id = 'long'"
sql "select 'long: history bytes', pg_column_size(data), octet_length(data::text) from winback.mt_doc_customerhistory where id = 'long'"
sql "select 'short: summary bytes', pg_column_size(data), octet_length(data) from winback.customer_summary where id = 'short'"

for c in 1 32; do
  for who in long short; do CUSTOMER=$who wrk -t1 -c$c -d5s -s bench/wrk/one-customer.lua "http://127.0.0.1:$API_PORT" >/dev/null; done
  for round in 1 2; do
    for who in long short; do
      printf -- "-- %-5s c=%-2s round %s: " "$who" "$c" "$round"
      CUSTOMER=$who wrk -t1 -c$c -d${SECONDS_PER_RUN}s --latency -s bench/wrk/one-customer.lua "http://127.0.0.1:$API_PORT" \
        | awk '/Requests\/sec/ {r=$2} / 99%/ {p=$2} /Non-2xx/ {e=$0} END {print r " req/s, p99 " p, e}'
    done
  done
done
