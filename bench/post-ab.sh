#!/usr/bin/env bash
# The single-activity POST of several builds, side by side on one PostgreSQL cluster (fsync on), each API on a database of
# its own, measured in turns so that the machine's slow spells fall on every build alike. Not part of CI.
#   bash bench/post-ab.sh ROUNDS [shard:]DLL...     e.g. bench/post-ab.sh 4 /work/wt/old/src/WinBack.Api/bin/Release/net10.0/WinBack.Api.dll \
#                                                                    src/WinBack.Api/bin/Release/net10.0/WinBack.Api.dll
# A "shard:" prefix runs that build with sharding configured: its tenants on a shard database of their own (abN_shard, same
# cluster), the master holding platform data only. The builds' order is shuffled in every round.
# Each turn: wrk, 2 threads, 32 connections, 20 s (after one 20 s warm-up per API); prints req/s and latency per build and turn.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=$1; shift
DLLS=("$@")
source bench/lib.sh

start_postgres $(seq -f "ab%g" 0 $((${#DLLS[@]} - 1))) $(seq -f "ab%g_shard" 0 $((${#DLLS[@]} - 1)))
openssl req -x509 -newkey rsa:3072 -sha256 -days 30 -nodes -subj /CN=winback-bench -keyout "$WORK/dp.key" -out "$WORK/dp.crt" 2>/dev/null
openssl pkcs12 -export -inkey "$WORK/dp.key" -in "$WORK/dp.crt" -out "$WORK/dp.pfx" -passout pass:bench
PLATFORM=wb_platform_bench_$(date +%s)
PIDS=(); PORTS=(); KEYS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup' EXIT
for i in "${!DLLS[@]}"; do
  port=$(free_port); dll=${DLLS[$i]#shard:}; shard=()
  [ "$dll" != "${DLLS[$i]}" ] && shard=("WinBack__Shards__a=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=ab${i}_shard")
  env WinBack__Role=all $(api_env) "ConnectionStrings__WinBack=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=ab$i" \
    ${shard[@]+"${shard[@]}"} dotnet "$dll" --urls "http://127.0.0.1:$port" > "$WORK/api-$i.log" 2>&1 &
  PIDS+=($!); PORTS+=("$port")
  wait_ready "$port"
  API_PORT=$port
  KEYS+=("$(create_tenant live ingest)")
  KEY=${KEYS[$i]} wrk -t2 -c32 -d20s -s bench/wrk/activity.lua "http://127.0.0.1:$port" > /dev/null # warm-up
done
for ((round = 1; round <= ROUNDS; round++)); do
  for i in $(shuf -e "${!DLLS[@]}"); do
    out=$(KEY=${KEYS[$i]} wrk -t2 -c32 -d20s --latency -s bench/wrk/activity.lua "http://127.0.0.1:${PORTS[$i]}")
    echo "round $round build $i ${DLLS[$i]}: $(echo "$out" | awk '/Requests\/sec/ {print $2 " req/s"}') p50 $(echo "$out" | awk '$1=="50%" {print $2}') p99 $(echo "$out" | awk '$1=="99%" {print $2}') non2xx $(echo "$out" | awk '/Non-2xx/ {print $NF}')"
  done
done
