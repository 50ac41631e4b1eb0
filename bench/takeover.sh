#!/usr/bin/env bash
# The issue-15 takeover benchmark at full size: one API process (WinBack__Role=api) and two workers (WinBack__Role=worker)
# on one PostgreSQL. In the middle of each piece of work the worker leading it is killed with kill -9; a fresh worker is
# started afterwards, so that two run again. For each: the takeover time (signal -> first progress by the other worker),
# the total time, and the exactly-once checks.
#   1. a live tenant's sweep of 20,000 lapsing customers          (engine loop)
#   2. 5,000 webhook deliveries to a local receiver (100 ms each)  (webhook-dispatcher loop)
#   3. 1,000 Stripe credits to a local Stripe fake (20 ms each)    (stripe-sync loop)
#   4. a 200,000-line import                                       (the import's row lease)
# Default settings (TakeoverPoll 5 s, ImportLease 20 s) unless set in the environment. Needs node, python3, curl, psql
# and the PostgreSQL binaries. Not part of CI.
#   bash bench/takeover.sh
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/winback-bench-takeover}
source bench/lib.sh
SWEEP=${SWEEP:-20000} PINGS=${PINGS:-5000} CREDITS=${CREDITS:-1000} LINES=${LINES:-200000}

now_ms() { date +%s%3N; }
sql() { psql -qtA -h 127.0.0.1 -p "$PG_PORT" -U postgres winback -c "$1"; }
# call key method path [json]: an API call with a tenant's key, with a JSON body when one is given.
call() {
  local key=$1 method=$2 path=$3
  if [ $# -gt 3 ]; then curl -s -X "$method" "http://127.0.0.1:$API_PORT$path" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$4"
  else curl -s -X "$method" "http://127.0.0.1:$API_PORT$path" -H "Authorization: Bearer $key"; fi
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
# wait_for cmd...: until the command succeeds, every 0.1 s; gives up after 10 minutes.
wait_for() {
  local deadline=$(( $(date +%s) + 600 ))
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "gave up waiting for: $*" >&2; exit 1; }
    sleep 0.1
  done
}
at_least() { [ "$($1)" -ge "$2" ]; }
more_than() { [ "$($1)" -gt "$2" ]; }

# new_tenant mode: prints "id admin-key".
new_tenant() {
  curl -s -X POST "http://127.0.0.1:$API_PORT/v1/tenants" -H "Authorization: Bearer $PLATFORM" -H 'Content-Type: application/json' \
    -d "{\"name\":\"takeover\",\"mode\":\"$1\"}" \
    | python3 -c "import json,sys; t=json.load(sys.stdin); print(t['id'], [k['secret'] for k in t['apiKeys'] if k['scope']=='admin'][0])"
}

# customers path count prefix [stripe]: an NDJSON import of customers last active on 2025-01-01 (all past a 90-day window).
customers() {
  python3 - "$@" <<'EOF'
import json, sys
path, count, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
stripe = len(sys.argv) > 4
with open(path, "w") as out:
    for i in range(count):
        line = {"customerId": f"{prefix}{i}", "firstSeenAt": "2024-06-01T00:00:00Z", "lastActivityAt": "2025-01-01T00:00:00Z",
                "orderCount": i % 7, "lifetimeValue": {"amount": i % 10000, "currency": "eur"}}
        if stripe:
            line["stripeCustomerId"] = f"cus_{prefix}{i}"
        out.write(json.dumps(line, separators=(",", ":")) + "\n")
EOF
}

# activate_rule key: a 90-day inactivity rule with a 10 eur credit.
activate_rule() {
  local rule
  rule=$(call "$1" POST /v1/rules '{"name":"90 days quiet","priority":10,"trigger":{"type":"inactivity","days":90},
    "reward":{"type":"account_credit","amount":1000,"currency":"eur","expiresInDays":30}}' | field '["id"]')
  call "$1" POST "/v1/rules/$rule/activate" | field "['status']" | sed "s/^/rule: /"
}

# leader_of loop: the pid of the live worker that leads the loop, from GET /v1/platform/status.
leader_of() {
  curl -s "http://127.0.0.1:$API_PORT/v1/platform/status" -H "Authorization: Bearer $PLATFORM" | python3 -c "
import json, os, sys
for w in json.load(sys.stdin)['workers']:
    try: os.kill(w['pid'], 0)
    except OSError: continue
    if '$1' in w['loops']: print(w['pid']); break"
}

# kill_and_time progress-cmd: kill -9 $VICTIM, then waits for the progress figure to move; sets TAKEOVER_S.
kill_and_time() {
  local killed_at before
  killed_at=$(now_ms)
  kill -9 "$VICTIM"
  wait "$VICTIM" 2>/dev/null || true # a child of this shell: reaped, so that leader_of no longer sees it
  before=$($1)
  wait_for more_than "$1" "$before"
  TAKEOVER_S=$(python3 -c "print(f'{($(now_ms) - $killed_at) / 1000:.1f}')")
  KILLED_AT_PROGRESS=$before
}

leads() { [ -n "$(leader_of "$1")" ]; }
sweep_ended() { call "$1" GET "/v1/sweeps/$2" | grep -qE '"status":"(succeeded|failed)"'; }
import_ended() { call "$1" GET "/v1/imports/$2" | grep -qE '"status":"(completed|failed|cancelled)"'; }
seconds_since() { python3 -c "print(f'{($(now_ms) - $1) / 1000:.1f}')"; }

echo "== build (Release)"
dotnet build src/WinBack.Api -c Release -v q -nologo >/dev/null
echo "== PostgreSQL (fsync on), one API process and two workers; takeover poll ${WinBack__Workers__TakeoverPoll:-5 s (default)}, import lease ${WinBack__Workers__ImportLease:-20 s (default)}"
start_postgres winback
RECEIVER_PORT=$(free_port) STRIPE_PORT=$(free_port)
node bench/webhook-receiver.js "$RECEIVER_PORT" "$WORK/arrivals.txt" 100 &
RECEIVER_PID=$!
node bench/stripe-fake.js "$STRIPE_PORT" "$WORK/stripe.txt" 20 &
STRIPE_PID=$!
trap 'kill $RECEIVER_PID $STRIPE_PID 2>/dev/null || true; cleanup' EXIT
export WinBack__Webhooks__AllowPrivateTargets=true WinBack__Stripe__ApiBase="http://127.0.0.1:$STRIPE_PORT"
API_ROLE=api start_api
start_workers 1
wait_for leads engine
start_workers 1
echo "cores: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load at start: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== 1. a live tenant's sweep of $SWEEP lapsing customers, the engine's leader killed"
read -r T1 K1 < <(new_tenant live)
customers "$WORK/sweep.ndjson" "$SWEEP" swp
import_file "$K1" "$WORK/sweep.ndjson" | field '["imported"]' | sed 's/^/imported: /'
activate_rule "$K1"
rewards() { sql "select count(*) from winback.mt_events where tenant_id = '$T1' and type = 'reward_issued'"; }
START=$(now_ms)
SWEEP_ID=$(call "$K1" POST /v1/sweeps | field '["id"]')
wait_for at_least rewards $((SWEEP / 4))
VICTIM=$(leader_of engine)
kill_and_time rewards
echo "killed the engine's leader (pid $VICTIM) at $KILLED_AT_PROGRESS rewards; rewards went on ${TAKEOVER_S} s after the signal"
wait_for sweep_ended "$K1" "$SWEEP_ID"
echo "total: $(seconds_since "$START") s; sweep $(call "$K1" GET "/v1/sweeps/$SWEEP_ID" | field '["status"]')"
echo "rewards: $(rewards), customers rewarded: $(sql "select count(distinct stream_id) from winback.mt_events where tenant_id = '$T1' and type = 'reward_issued'"), lapses: $(sql "select count(*) from winback.mt_events where tenant_id = '$T1' and type = 'customer_lapsed'") (want $SWEEP each)"
start_workers 1

echo "== 2. $PINGS webhook deliveries to a receiver answering in 100 ms, the dispatcher's leader killed"
read -r T2 K2 < <(new_tenant test)
ENDPOINT=$(call "$K2" POST /v1/webhook-endpoints "{\"url\":\"http://127.0.0.1:$RECEIVER_PORT/hook\",\"events\":[\"*\"]}" | field '["id"]')
arrivals() { wc -l < "$WORK/arrivals.txt"; }
distinct_arrivals() { cut -d' ' -f3 "$WORK/arrivals.txt" | sort -u | wc -l; }
START=$(now_ms)
python3 - "$API_PORT" "$K2" "$ENDPOINT" "$PINGS" <<'EOF' &
import http.client, sys, threading
port, key, endpoint, pings = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def send(n):
    c = http.client.HTTPConnection("127.0.0.1", int(port))
    for _ in range(n):
        c.request("POST", f"/v1/webhook-endpoints/{endpoint}/test", headers={"Authorization": f"Bearer {key}"})
        assert c.getresponse().read() is not None
threads = [threading.Thread(target=send, args=(pings // 4,)) for _ in range(4)]
[t.start() for t in threads]; [t.join() for t in threads]
EOF
PINGER=$!
wait_for at_least arrivals $((PINGS / 4))
VICTIM=$(leader_of webhook-dispatcher)
kill_and_time arrivals
echo "killed the dispatcher's leader (pid $VICTIM) at $KILLED_AT_PROGRESS arrivals; deliveries went on ${TAKEOVER_S} s after the signal"
wait "$PINGER"
wait_for at_least distinct_arrivals "$PINGS"
echo "total: $(seconds_since "$START") s; delivered: $(distinct_arrivals) distinct of $PINGS, sent twice: $(( $(arrivals) - $(distinct_arrivals) )) (in flight at the kill; cap 128)"
start_workers 1

echo "== 3. $CREDITS Stripe credits to a fake answering in 20 ms, the Stripe sender's leader killed"
read -r T3 K3 < <(new_tenant test)
call "$K3" PUT /v1/integrations/stripe '{"secretKey":"sk_test_bench_0000000000","webhookSigningSecret":"whsec_bench_0000000000000000"}' | field '["livemode"]' >/dev/null
customers "$WORK/stripe.ndjson" "$CREDITS" stc stripe
import_file "$K3" "$WORK/stripe.ndjson" | field '["imported"]' | sed 's/^/imported: /'
activate_rule "$K3"
created() { grep -c created "$WORK/stripe.txt" || true; }
START=$(now_ms)
call "$K3" POST /v1/sweeps >/dev/null
wait_for at_least created $((CREDITS / 4))
VICTIM=$(leader_of stripe-sync)
kill_and_time created
echo "killed the Stripe sender's leader (pid $VICTIM) at $KILLED_AT_PROGRESS credits; credits went on ${TAKEOVER_S} s after the signal"
synced() { sql "select count(*) from winback.stripe_sync where tenant_id = '$T3' and status = 'succeeded'"; }
wait_for at_least synced "$CREDITS"
echo "total: $(seconds_since "$START") s; balance transactions created: $(created), distinct keys: $(cut -d' ' -f2 "$WORK/stripe.txt" | sort -u | wc -l), POSTs: $(wc -l < "$WORK/stripe.txt") (want $CREDITS, $CREDITS, $CREDITS + at most the 1 in flight); syncs recorded: $(sql "select count(*) from winback.mt_events where tenant_id = '$T3' and type = 'reward_synced_to_stripe'")"
start_workers 1

echo "== 4. an import of $LINES lines, the worker running it killed"
read -r T4 K4 < <(new_tenant test)
customers "$WORK/import.ndjson" "$LINES" imp
START=$(now_ms)
JOB=$(curl -s -X POST "http://127.0.0.1:$API_PORT/v1/customers/import" -H "Authorization: Bearer $K4" -H 'Content-Type: application/x-ndjson' \
  --data-binary @"$WORK/import.ndjson" | field '["id"]')
lines_read() { call "$K4" GET "/v1/imports/$JOB" | field '["linesRead"]'; }
wait_for at_least lines_read $((LINES / 4))
VICTIM=$(sql "select split_part(claimed_by, '/', 2) from winback.import_run where import_id = '$JOB'")
kill_and_time lines_read
echo "killed the worker running the import (pid $VICTIM) at $KILLED_AT_PROGRESS lines; the import went on ${TAKEOVER_S} s after the signal"
wait_for import_ended "$K4" "$JOB"
echo "total: $(seconds_since "$START") s; job: $(call "$K4" GET "/v1/imports/$JOB" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["status"], "linesRead", j["linesRead"], "imported", j["imported"], "rejected", j["rejected"])')"
echo "customers imported: $(sql "select count(*) from winback.mt_events where tenant_id = '$T4' and type = 'customer_imported'") events on $(sql "select count(distinct stream_id) from winback.mt_events where tenant_id = '$T4' and type = 'customer_imported'") customers (want $LINES each)"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
