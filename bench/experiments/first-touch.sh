#!/usr/bin/env bash
# The cost of a backend's first touch of shared memory on this machine: 800 primary-key reads of a 100,000-row table in a new
# connection, the same again in that connection, then other keys (docs/benchmarks.md, "#16: the tenth session"). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
start_postgres winback
pg_sql winback -c "create table ti(id int primary key, data text)" -c "insert into ti select g, repeat('x', 850) from generate_series(1, 100000) g" \
  -c "vacuum analyze ti"
q() { echo "explain (analyze, timing off) select data from ti where id = any(array(select (g * $1 % 100000) from generate_series(1, 800) g))"; }
pg_sql winback -c "$(q 97)" -c "$(q 97)" -c "$(q 89)" | grep Execution
