#!/usr/bin/env bash
# Peak memory of an import with one 200 MiB line (issue 23): the API's VmHWM (peak RSS) after a warm-up import of good
# lines, then after importing a file of good lines around a single line of SIZE_MIB (default 200) MiB. Lines are read with
# a bounded buffer, so the long line is refused by number and costs no more than a normal line. Not part of CI.
#   bash bench/import-longline.sh [size_mib]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MIB=${1:-200}
source bench/lib.sh

hwm_mb() { echo $(( $(grep VmHWM "/proc/$API_PID/status" | awk '{print $2}') / 1024 )); }
good_lines() { for i in $(seq "$2" "$3"); do
  printf '{"customerId":"%s_%d","firstSeenAt":"2025-01-01T00:00:00Z","lastActivityAt":"2026-05-01T00:00:00Z","orderCount":1,"lifetimeValue":{"amount":100,"currency":"eur"}}\n' "$1" "$i"
done; }
summary() { python3 -c 'import json,sys; j=json.load(sys.stdin); print("  status:", j["status"], "lines:", j["linesRead"], "imported:", j["imported"], "rejected:", j["rejected"], "errors:", [(e["line"], e["message"][:40]) for e in j["errors"]])'; }

echo "== build (Release)"
dotnet build src/WinBack.Api -c Release -v q -nologo >/dev/null
echo "== PostgreSQL and the API"
start_postgres winback
start_api
KEY=$(create_tenant test ingest)

echo "== warm-up: an import of 1,000 good lines"
good_lines warm 1 1000 > "$WORK/warm.ndjson"
import_file "$KEY" "$WORK/warm.ndjson" | summary
BEFORE=$(hwm_mb)

echo "== the file: 5 good lines, one line of $SIZE_MIB MiB, 5 good lines"
{ good_lines long 1 5
  python3 -c "
import sys
out = sys.stdout.buffer
out.write(b'{\"customerId\":\"huge\",\"email\":\"')
chunk = b'a' * (1 << 20)
for _ in range($SIZE_MIB): out.write(chunk)
out.write(b'\"}\n')"
  good_lines long 6 10; } > "$WORK/longline.ndjson"
ls -l "$WORK/longline.ndjson" | awk '{printf "  %.1f MiB\n", $5/1048576}'
import_file "$KEY" "$WORK/longline.ndjson" | summary
AFTER=$(hwm_mb)

echo "== API peak RSS (VmHWM): before $BEFORE MB, after $AFTER MB, raised by $((AFTER - BEFORE)) MB"
