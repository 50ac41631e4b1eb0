#!/usr/bin/env bash
# Where PostgreSQL's time goes under WinBack's load: pg_stat_statements (with planning) over 20 s, then a perf profile of the
# postgres processes over 10 s. Debian's postgres binary is stripped, but perf unwinds it from .eh_frame (--call-graph dwarf)
# and names its exported functions, which is most of the executor. Not part of CI; needs perf and wrk.
#   bash bench/pg-profile.sh batch|single     -> $OUT (default /tmp/winback-pg-profile): statements.tsv, perf.data, wrk-*.txt
# Read the profile with: perf report -i $OUT/perf.data --children --sort sym --stdio -g none | head -100
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:?batch or single}
OUT=${OUT:-/tmp/winback-pg-profile}; mkdir -p "$OUT"
source bench/lib.sh
start_postgres winback
# The extension and its settings (written to the file: ALTER SYSTEM knows them only once the library is loaded); the
# restart reuses the start's options (postmaster.opts).
printf "%s\n" "shared_preload_libraries = 'pg_stat_statements'" "pg_stat_statements.track = all" \
  "pg_stat_statements.track_planning = on" >> "$WORK/pg/postgresql.conf"
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -m fast -w restart >/dev/null
pg_sql winback -c "create extension pg_stat_statements"
start_api
KEY=$(create_tenant live ingest); export KEY
if [ "$MODE" = batch ]; then LOAD=(-t1 -c4 -s bench/wrk/batch.lua); else LOAD=(-t2 -c32 -s bench/wrk/activity.lua); fi
wrk "${LOAD[@]}" -d60s "http://127.0.0.1:$API_PORT" > /dev/null # warm-up (the JIT)
pg_sql winback -c "select pg_stat_statements_reset()" > /dev/null
wrk "${LOAD[@]}" -d20s --latency "http://127.0.0.1:$API_PORT" > "$OUT/wrk-statements.txt"
pg_sql winback -At -F $'\t' -c "select calls, round(total_exec_time::numeric, 1) as exec_ms, round(total_plan_time::numeric, 1) as plan_ms, plans, rows,
  left(regexp_replace(query, '\s+', ' ', 'g'), 300) from pg_stat_statements order by total_exec_time desc limit 40" > "$OUT/statements.tsv"
wrk "${LOAD[@]}" -d25s "http://127.0.0.1:$API_PORT" > "$OUT/wrk-perf.txt" &
WRK=$!
sleep 2
perf record -F 499 --call-graph dwarf,16384 -o "$OUT/perf.data" -p "$(pgrep -d, -u postgres postgres)" -- sleep 10 2> "$OUT/perf-record.log" || true
wait $WRK
grep -H Requests/sec "$OUT"/wrk-*.txt
echo "calls, exec ms, plan ms, plans, rows, statement: $OUT/statements.tsv"
