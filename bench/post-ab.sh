#!/usr/bin/env bash
# The single-activity POST of several builds, side by side on one PostgreSQL cluster (fsync on), each API on a database of
# its own, measured in turns so that the machine's slow spells fall on every build alike. Not part of CI.
#   bash bench/post-ab.sh ROUNDS [shard:]DLL...     e.g. bench/post-ab.sh 4 /work/wt/old/src/WinBack.Api/bin/Release/net10.0/WinBack.Api.dll \
#                                                                    src/WinBack.Api/bin/Release/net10.0/WinBack.Api.dll
# A "shard:" prefix runs that build with sharding configured: its tenants on a shard database of their own (abN_shard, same
# cluster), the master holding platform data only. A "NAME=value,NAME=value@" prefix runs it with those environment variables
# set (DB_LOCALE=x among them instead makes that build's database with locale x, e.g. DB_LOCALE=C@baseline). The word
# "baseline" instead of a DLL builds and runs bench/Baseline (Release) on its database, under the same load
# (single POST only), so that the issue's ratio comes from alternated turns. The builds' order is shuffled in every round.
# Each turn: wrk, 2 threads, 32 connections, 20 s (after one warm-up per API, AB_WARM seconds, 60 by default); prints req/s and latency per build and turn.
# AB_LOAD=batch: the batch POST instead (bench/wrk/batch.lua, 1,000 logins a request, 1 thread, 4 connections; activities/s =
# req/s x 1,000; BATCH_TYPE=purchase for 1,000 purchases a request). AB_CPU=1: also the whole machine's idle time
# (/proc/stat) and the CPU per request of that API process and of every postgres process (user + system ticks) over each
# turn. A single turn's PostgreSQL figure is sometimes off (negative, and the next turn's inflated by as much; not explained
# yet, although the backends that exit are counted): compare means over turns.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=$1; shift
DLLS=("$@")
if [ "${AB_LOAD:-single}" = batch ]; then LOAD=(-t1 -c4 -s bench/wrk/batch.lua); else LOAD=(-t2 -c32 -s bench/wrk/activity.lua); fi
# is_baseline spec: whether a build given on the command line (with or without variables) is the bare baseline.
is_baseline() { [ "${1#*@}" = baseline ]; }
for spec in "${DLLS[@]}"; do
  if [ "${AB_LOAD:-single}" = batch ] && is_baseline "$spec"; then
    echo "The baseline has no batch endpoint: run it with single POSTs only." >&2; exit 2
  fi
done
source bench/lib.sh

start_postgres $(seq -f "ab%g" 0 $((${#DLLS[@]} - 1))) $(seq -f "ab%g_shard" 0 $((${#DLLS[@]} - 1)))
openssl req -x509 -newkey rsa:3072 -sha256 -days 30 -nodes -subj /CN=winback-bench -keyout "$WORK/dp.key" -out "$WORK/dp.crt" 2>/dev/null
openssl pkcs12 -export -inkey "$WORK/dp.key" -in "$WORK/dp.crt" -out "$WORK/dp.pfx" -passout pass:bench
PLATFORM=wb_platform_bench_$(date +%s)
PIDS=(); PORTS=(); KEYS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup' EXIT
load_of() { if is_baseline "${DLLS[$1]}"; then echo -t2 -c32 -s "$WORK/baseline.lua"; else echo "${LOAD[@]}"; fi; }
for i in "${!DLLS[@]}"; do
  port=$(free_port); spec=${DLLS[$i]}; extra=()
  if [[ $spec == *@* ]]; then IFS=, read -ra extra <<< "${spec%%@*}"; spec=${spec#*@}; fi
  dll=${spec#shard:}; shard=()
  # DB_LOCALE=x among the variables: the build's database is made again with that locale (collation and ctype), not set in its environment.
  for j in "${!extra[@]}"; do
    if [[ ${extra[$j]} == DB_LOCALE=* ]]; then
      pg_sql postgres -c "drop database ab$i" -c "create database ab$i template template0 locale '${extra[$j]#DB_LOCALE=}'" >/dev/null
      unset 'extra[j]'
    fi
  done
  if is_baseline "${DLLS[$i]}"; then
    start_baseline "ab$i" "$port" "$WORK/api-$i.log"
    PIDS+=($!); PORTS+=("$port"); KEYS+=("")
  else
    [ "$dll" != "$spec" ] && shard=("WinBack__Shards__a=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=ab${i}_shard")
    env WinBack__Role=all $(api_env) "ConnectionStrings__WinBack=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=ab$i" \
      ${shard[@]+"${shard[@]}"} ${extra[@]+"${extra[@]}"} dotnet "$dll" --urls "http://127.0.0.1:$port" > "$WORK/api-$i.log" 2>&1 &
    PIDS+=($!); PORTS+=("$port")
    wait_ready "$port"
    API_PORT=$port
    KEYS+=("$(create_tenant live ingest)")
  fi
  KEY=${KEYS[$i]} wrk $(load_of "$i") -d${AB_WARM:-60}s "http://127.0.0.1:$port" > /dev/null # warm-up: the JIT still compiles (tier 1) after 20 s
done
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $t; }
# PostgreSQL's CPU: its live processes' and, through the postmaster's children's ticks, those that have exited (autovacuum workers).
pg_ticks() { echo $(( $(ticks $(pgrep -u postgres postgres)) + $(awk '{print $16+$17}' "/proc/$(head -1 "$WORK/pg/postmaster.pid")/stat") )); }
for ((round = 1; round <= ROUNDS; round++)); do
  for i in $(shuf -e "${!DLLS[@]}"); do
    read -r busy0 idle0 < <(machine_cpu); api0=$(ticks "${PIDS[$i]}"); pg0=$(pg_ticks)
    out=$(KEY=${KEYS[$i]} wrk $(load_of "$i") -d20s --latency "http://127.0.0.1:${PORTS[$i]}")
    read -r busy1 idle1 < <(machine_cpu); api1=$(ticks "${PIDS[$i]}"); pg1=$(pg_ticks)
    cpu=""
    if [ "${AB_CPU:-0}" = 1 ]; then
      n=$(echo "$out" | awk '/requests in/ {print $1}')
      cpu=$(python3 -c "print(f' idle {100*($idle1-$idle0)/($busy1-$busy0+$idle1-$idle0):.1f}% api {($api1-$api0)*1e4/$n:.0f} us/req postgres {($pg1-$pg0)*1e4/$n:.0f} us/req')")
    fi
    echo "round $round build $i ${DLLS[$i]}: $(echo "$out" | awk '/Requests\/sec/ {print $2 " req/s"}') p50 $(echo "$out" | awk '$1=="50%" {print $2}') p99 $(echo "$out" | awk '$1=="99%" {print $2}') non2xx $(echo "$out" | awk '/Non-2xx/ {print $NF}')$cpu"
  done
done
