#!/usr/bin/env bash
# The issue-7 webhook benchmark: rewards issued through the API at a fixed rate (each one reward.issued event), delivered
# through the real path (commit -> Marten subscription -> outbox -> dispatcher -> signed POST) to a local receiver that
# answers at once. Reports the delivery rate and the latency from the request that committed the event to its delivery.
#   bash bench/webhooks.sh [rate-per-s ...]      (default: 500 for 60 s, then 1000 for 30 s; then a replay of everything)
# Needs node, python3, PostgreSQL binaries, curl. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
CUSTOMERS=50000

echo "== build (Release)"
dotnet build src/WinBack.Api -c Release -v q -nologo >/dev/null
echo "== PostgreSQL (fsync on, as in production) and the API (private targets allowed for the local receiver)"
start_postgres winback
export WinBack__Webhooks__AllowPrivateTargets=true
start_api
KEY=$(create_tenant test admin)
python3 bench/make-import.py "$WORK/customers.ndjson" "$CUSTOMERS"
import_file "$KEY" "$WORK/customers.ndjson" | python3 -c 'import json,sys; j=json.load(sys.stdin); print("imported:", j["imported"])'

RECEIVER_PORT=$(free_port)
node bench/webhook-receiver.js "$RECEIVER_PORT" "$WORK/arrivals.txt" &
RECEIVER_PID=$!
trap 'kill $RECEIVER_PID 2>/dev/null || true; cleanup' EXIT
sleep 0.5
ENDPOINT=$(curl -sf -X POST "http://127.0.0.1:$API_PORT/v1/webhook-endpoints" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d "{\"url\":\"http://127.0.0.1:$RECEIVER_PORT/hook\",\"events\":[\"*\"]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

run() { # rate seconds
  echo "== $1 rewards/s for $2 s"
  node bench/webhook-load.js "http://127.0.0.1:$API_PORT" "$KEY" "$1" "$2" "$CUSTOMERS" "$WORK/sent-$1.txt"
  sleep 5 # let the last deliveries arrive
  python3 bench/webhook-result.py "$WORK/sent-$1.txt" "$WORK/arrivals.txt" "$PG_PORT" "$1/s"
}
if [ $# -gt 0 ]; then for rate in "$@"; do run "$rate" 30; done
else run 500 60; run 1000 30; fi

# The dispatcher alone: a replay queues every event so far at once; the drain rate is its throughput.
echo "== replay of everything so far"
BEFORE=$(wc -l < "$WORK/arrivals.txt")
START_MS=$(date +%s%3N)
curl -sf -X POST "http://127.0.0.1:$API_PORT/v1/webhook-endpoints/$ENDPOINT/replay" -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' -d '{"since":"2000-01-01T00:00:00Z"}'; echo
QUEUED=$(psql -qtA -h 127.0.0.1 -p "$PG_PORT" -U postgres winback -c "select count(*) from winback.webhook_delivery where status = 'pending'")
while [ "$(psql -qtA -h 127.0.0.1 -p "$PG_PORT" -U postgres winback -c "select count(*) from winback.webhook_delivery where status = 'pending'")" != 0 ]; do sleep 0.2; done
LAST_MS=$(tail -1 "$WORK/arrivals.txt" | cut -d' ' -f1)
echo "replayed: $(( $(wc -l < "$WORK/arrivals.txt") - BEFORE )) deliveries (queued at the first count: $QUEUED) in $(( LAST_MS - START_MS )) ms = $(( ( $(wc -l < "$WORK/arrivals.txt") - BEFORE ) * 1000 / (LAST_MS - START_MS) ))/s"
echo "== API process: $(ps -o rss= -p "$API_PID" | awk '{printf "%.0f MB RSS", $1/1024}')"
