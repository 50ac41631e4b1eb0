#!/usr/bin/env bash
# Issue 24: one tenant moved between two PostgreSQL clusters on this machine. Cluster 1 holds the master (database winback)
# and shard a (shard_a); cluster 2, its own data directory and port, holds shard b (shard_b). One Release process (role all:
# API, daemon and the move worker). The tenant, placed on a, gets EVENTS customers through one NDJSON import (one
# customer_imported event each); once every projection and outbox of shard a has read them, POST .../move {"toShard":"b"},
# and GET on the move every 200 ms until it ends. WRITERS threads post activities for the tenant during the move (about
# RATE a second each; 503s are retried). Settle waits 2 s after the freeze began (WinBack__Moves__SettleAfter=00:00:02;
# the default is the longer send timeout + 5 s), after the flip and outside the freeze. Prints the move's time, freezeMs,
# each step's time from the worker's log, the rows per table and the writers' outcome. Not part of CI.
#   bash bench/move.sh [events] [writers] [rate]    (default 100000 2 20)
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-100000}
WRITERS=${2:-2}
RATE=${3:-20}
WORK=${WORK:-/tmp/winback-bench-move}
SHARDS=1
API_EXTRA_ENV="WinBack__Moves__SettleAfter=00:00:02 Logging__LogLevel__WinBack.Api.Features.Moves=Information"
source bench/lib.sh

now() { date +%s.%N; }
since() { printf '%.1f' "$(echo "$(now) - $1" | bc)"; }
sql() { psql -h 127.0.0.1 -p "$1" -U postgres -d "$2" -At -F ' ' -c "$3"; }

echo "== build (Release)"
dotnet build src/WinBack.Api -c Release -v q -nologo >/dev/null
echo "== two PostgreSQL clusters (fsync on): master + shard a, and shard b"
start_postgres winback
start_second_cluster
echo "cluster 1 port $PG_PORT (winback, shard_a), cluster 2 port $PG2_PORT (shard_b)"
start_api
TENANT_JSON=$(curl -s -X POST "http://127.0.0.1:$API_PORT/v1/tenants" -H "Authorization: Bearer $PLATFORM" -H 'Content-Type: application/json' \
  -d '{"name":"move-bench","mode":"live","shard":"a"}')
read -r TENANT SHARD KEY < <(echo "$TENANT_JSON" | python3 -c "import json,sys; t=json.load(sys.stdin); print(t['id'], t['shard'], [k['secret'] for k in t['apiKeys'] if k['scope']=='ingest'][0])")
echo "tenant $TENANT on shard $SHARD"

echo "== load: $EVENTS customers imported"
python3 bench/make-import.py "$WORK/import.ndjson" "$EVENTS"
START=$(now)
import_file "$KEY" "$WORK/import.ndjson" | python3 -c 'import json,sys; j=json.load(sys.stdin); print({k: j.get(k) for k in ["status","imported","rejected"]})'
echo "import seconds: $(since "$START")"
caught_up() {
  sql "$PG_PORT" shard_a "select count(*) filter (where last_seq_id < (select max(seq_id) from winback.mt_events)) || ' ' || count(*) from winback.mt_event_progression where name = 'HighWaterMark' or name like '%:All'"
}
until read -r behind names < <(caught_up) && [ "$behind" = 0 ] && [ "$names" -ge 4 ]; do sleep 1; done
echo "daemon caught up after $(since "$START") s: $(sql "$PG_PORT" shard_a "select string_agg(name || '=' || last_seq_id, ', ' order by name) from winback.mt_event_progression where name = 'HighWaterMark' or name like '%:All'")"
echo "on shard a: $(sql "$PG_PORT" shard_a "select count(*) || ' events, ' || count(distinct stream_id) || ' streams' from winback.mt_events where tenant_id = '$TENANT'")"
echo "database sizes: shard_a $(sql "$PG_PORT" shard_a "select pg_size_pretty(pg_database_size('shard_a'))"), shard_b $(sql "$PG2_PORT" shard_b "select pg_size_pretty(pg_database_size('shard_b'))")"

WRITERS_PID=
if [ "$WRITERS" -gt 0 ]; then
  echo "== $WRITERS writers at about $RATE activities/s each"
  rm -f "$WORK/stop-writers"
  python3 bench/move-writers.py "$API_PORT" "$KEY" "$WRITERS" "$RATE" "$WORK/stop-writers" "$WORK/acked.txt" > "$WORK/writers.json" &
  WRITERS_PID=$!
  trap 'touch "$WORK/stop-writers"; [ -n "$WRITERS_PID" ] && kill $WRITERS_PID 2>/dev/null; cleanup' EXIT
  sleep 3
fi

# From here on, each cluster logs every statement that takes over a second (the per-statement breakdown printed at the end).
for port in "$PG_PORT" "$PG2_PORT"; do sql "$port" postgres "alter system set log_min_duration_statement = 1000" >/dev/null; sql "$port" postgres "select pg_reload_conf()" >/dev/null; done

echo "== move to shard b"
LOCATION=$(curl -s -D - -o "$WORK/move-post.json" -X POST "http://127.0.0.1:$API_PORT/v1/platform/tenants/$TENANT/move" \
  -H "Authorization: Bearer $PLATFORM" -H 'Content-Type: application/json' -d '{"toShard":"b"}' | tr -d '\r' | awk 'tolower($1)=="location:" {print $2}')
echo "Location: $LOCATION"
echo "POST at $(date -u +%T) UTC"
python3 - "http://127.0.0.1:$API_PORT$LOCATION" "$PLATFORM" > "$WORK/move.json" <<'PY'
import json, sys, time, urllib.request
url, key = sys.argv[1], sys.argv[2]
start, last = time.monotonic(), None
while True:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})) as r:
        move = json.load(r)
    seen = (move["status"], move["step"])
    if seen != last:
        print(f"  {time.monotonic() - start:7.2f} s ({time.strftime('%H:%M:%S', time.gmtime())})  {move['status']:<10} {move['step']}", file=sys.stderr)
        last = seen
    if move["status"] in ("succeeded", "failed", "rolled_back"):
        move["benchSeconds"] = round(time.monotonic() - start, 2)
        print(json.dumps(move))
        break
    time.sleep(0.2)
PY
if [ -n "$WRITERS_PID" ]; then
  sleep 2; touch "$WORK/stop-writers"; wait "$WRITERS_PID"; WRITERS_PID=
fi

echo "== result ($EVENTS events)"
python3 - "$WORK/move.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(f"status {m['status']}, error {m.get('error')}")
print(f"move time (POST to succeeded, polled every 200 ms): {m['benchSeconds']} s; created {m['createdAt']} -> updated {m['updatedAt']}")
print(f"freezeMs: {m['freezeMs']}")
print("rows per table (source, target, checksums equal):")
for table, c in sorted(m["counts"].items()):
    if c["target"] or c["source"]:
        print(f"  {table:<45} {c['source']!s:>9} {c['target']:>9}  {c['equal']}")
PY
MOVE_ID=${LOCATION##*/}
echo "steps (worker log):"
grep -o "Move $MOVE_ID of tenant [^:]*: step [a-z_]* took [0-9]* ms" "$WORK/api.log" | awk '{printf "  %-15s %8s ms\n", $7, $9}'
echo "tenant's events: shard a $(sql "$PG_PORT" shard_a "select count(*) from winback.mt_events where tenant_id = '$TENANT'"), shard b $(sql "$PG2_PORT" shard_b "select count(*) from winback.mt_events where tenant_id = '$TENANT'")"
if [ -f "$WORK/writers.json" ] && [ -s "$WORK/writers.json" ]; then
  echo "writers: $(cat "$WORK/writers.json")"
  sql "$PG2_PORT" shard_b "select data->>'externalId' from winback.mt_events where tenant_id = '$TENANT' and data->>'externalId' like 'w%'" | sort > "$WORK/on-b.txt"
  sort "$WORK/acked.txt" | grep -v '^$' > "$WORK/acked-sorted.txt" || true
  echo "acknowledged activities: $(wc -l < "$WORK/acked-sorted.txt"), on shard b: $(wc -l < "$WORK/on-b.txt") ($(sort -u "$WORK/on-b.txt" | wc -l) distinct), acknowledged but missing on b: $(comm -23 "$WORK/acked-sorted.txt" <(sort -u "$WORK/on-b.txt") | wc -l)"
fi
echo "statements over 1 s during the move (cluster 1 = master + shard a, cluster 2 = shard b; first 150 characters):"
for n in 1 2; do
  log="$WORK/pg/server.log"; [ "$n" = 2 ] && log="$WORK/pg2/server.log"
  grep -h "LOG:  duration:" "$log" | sed -E 's/^[0-9-]+ ([0-9:]+)\.[0-9]+ .*duration: ([0-9.]+) ms  [a-z0-9 <>_]*: ?/\1 \2 ms /' | tr -s ' \t' ' ' | cut -c1-160 | sed "s/^/  cluster $n: /" || true
done
grep -E "^warn: WinBack.Api.Features.Moves|^fail: WinBack.Api.Features.Moves" -A1 "$WORK/api.log" | head -6 || true
