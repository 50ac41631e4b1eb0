#!/usr/bin/env bash
# The batch on a fresh database and after 60 s of single POSTs (the order bench/run.sh measures them in): client backends,
# PostgreSQL minor faults a second and throughput (docs/benchmarks.md, "#16: the tenth session"). Not part of CI.
#   bash bench/experiments/batch-after-posts.sh          SINGLE=0 for the batch alone; API_DLL=... for another build
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
start_postgres winback
start_api
KEY=$(create_tenant live ingest); export KEY
minflt() { local s=0 f; for p in $(pgrep -u postgres postgres); do f=$(awk '{print $10}' "/proc/$p/stat" 2>/dev/null || echo 0); s=$((s + f)); done; echo "$s"; }
if [ "${SINGLE:-1}" = 1 ]; then wrk -t2 -c32 -d60s -s bench/wrk/activity.lua "http://127.0.0.1:$API_PORT" | grep Requests; fi
pg_sql winback -At -c "select count(*) from pg_stat_activity where backend_type='client backend'"
wrk -t1 -c4 -d60s -s bench/wrk/batch.lua "http://127.0.0.1:$API_PORT" | grep Requests
wrk -t1 -c4 -d30s -s bench/wrk/batch.lua "http://127.0.0.1:$API_PORT" > $WORK/wrk.txt &
W=$!
sleep 3
F0=$(minflt); T0=$(date +%s.%N)
sleep 20
F1=$(minflt); T1=$(date +%s.%N)
pg_sql winback -At -c "select count(*) from pg_stat_activity where backend_type='client backend'"
wait $W; grep Requests $WORK/wrk.txt
echo "faults/s: $(echo "($F1 - $F0) / ($T1 - $T0)" | bc)"
pg_sql winback -At -c "select avg(length(data)) from winback.customer_summary"
