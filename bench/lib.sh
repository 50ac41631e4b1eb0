# Shared by the benchmark scripts: a fresh PostgreSQL cluster (fsync on, as in production) and the API in Release.
# Source it, then call start_postgres, start_api. Not part of CI.
WORK=${WORK:-/tmp/winback-bench}
PG_BIN=$(dirname "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | tail -1)")
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
# machine_cpu: the whole machine's busy and idle ticks so far (/proc/stat), as "busy idle".
machine_cpu() { awk '/^cpu / {print $2+$3+$4+$6+$7+$8, $5}' /proc/stat; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cleanup() {
  [ -n "${API_PID:-}" ] && kill "$API_PID" 2>/dev/null || true
  for pid in ${WORKER_PIDS[@]+"${WORKER_PIDS[@]}"}; do kill "$pid" 2>/dev/null || true; done
  [ -n "${BASE_PID:-}" ] && kill "$BASE_PID" 2>/dev/null || true
  as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -m fast -w stop >/dev/null 2>&1 || true
  [ -d "$WORK/pg2" ] && { as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg2" -m fast -w stop >/dev/null 2>&1 || true; }
}
trap cleanup EXIT

# start_postgres db...: creates the cluster and the databases named (and shard_a with SHARDS=1); sets PG_PORT. PG_OPTS: more
# server options (e.g. "-c huge_pages=on" after reserving them: echo 400 > /proc/sys/vm/nr_hugepages).
start_postgres() {
  rm -rf "$WORK" && mkdir -p "$WORK/pg" && chmod 755 "$WORK"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$WORK/pg"
  as_pg "$PG_BIN/initdb" -D "$WORK/pg" -U postgres --auth=trust --no-instructions >/dev/null
  PG_PORT=$(free_port); echo "$PG_PORT" > /tmp/winback-bench-pgport
  as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200 -c shared_buffers=512MB ${PG_OPTS:-}" start >/dev/null
  for db in "$@" ${SHARDS:+shard_a}; do psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "create database $db" >/dev/null; done
}

# start_second_cluster: a second cluster (own data directory and port, started as the first) with database shard_b, after
# start_postgres; sets PG2_PORT, and api_env then adds it as shard b.
start_second_cluster() {
  mkdir -p "$WORK/pg2" && { [ "$(id -u)" != 0 ] || chown postgres:postgres "$WORK/pg2"; }
  as_pg "$PG_BIN/initdb" -D "$WORK/pg2" -U postgres --auth=trust --no-instructions >/dev/null
  PG2_PORT=$(free_port)
  as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg2" -l "$WORK/pg2/server.log" -w -o "-p $PG2_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200 -c shared_buffers=512MB" start >/dev/null
  psql -q -h 127.0.0.1 -p "$PG2_PORT" -U postgres -c "create database shard_b" >/dev/null
}

# run_service role port log: one process of the Release build on database winback, in the background (its pid in $!).
run_service() {
  # The key ring certificate that Production requires, made as the service's start-up message says.
  [ -f "$WORK/dp.pfx" ] || { openssl req -x509 -newkey rsa:3072 -sha256 -days 30 -nodes -subj /CN=winback-bench \
      -keyout "$WORK/dp.key" -out "$WORK/dp.crt" 2>/dev/null && openssl pkcs12 -export -inkey "$WORK/dp.key" -in "$WORK/dp.crt" \
      -out "$WORK/dp.pfx" -passout pass:bench; }
  env WinBack__Role=$1 $(api_env) dotnet "${API_DLL:-src/WinBack.Api/bin/Release/net10.0/WinBack.Api.dll}" --urls "http://127.0.0.1:$2" > "$3" 2>&1 &
}

# start_baseline db port log: the bare ASP.NET + Npgsql baseline (bench/Baseline, built here in Release) on database db, in the
# background (its pid in $!), once it answers; writes $WORK/baseline.lua, bench/wrk/activity.lua for the baseline's route.
start_baseline() {
  dotnet build bench/Baseline -c Release -v q -nologo >/dev/null
  sed 's#/v1/customers/#/customers/#' bench/wrk/activity.lua > "$WORK/baseline.lua"
  BASELINE_DB="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$1" \
    dotnet bench/Baseline/bin/Release/net10.0/Baseline.dll --urls "http://127.0.0.1:$2" > "$3" 2>&1 &
  until curl -s -o /dev/null "http://127.0.0.1:$2/"; do sleep 0.5; done
}

# pg_sql db [psql arguments...]: psql on the bench cluster, as postgres, quiet, without ~/.psqlrc.
pg_sql() { local db=$1; shift; psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$db" "$@"; }

wait_ready() { until curl -sf "http://127.0.0.1:$1/health/ready" >/dev/null; do sleep 0.5; done; }

# start_api: the API (role all, or $API_ROLE) on database winback; sets API_PORT, API_PID, PLATFORM.
start_api() {
  API_PORT=$(free_port)
  PLATFORM=wb_platform_bench_$(date +%s)
  run_service "${API_ROLE:-all}" "$API_PORT" "$WORK/api.log"
  API_PID=$!
  wait_ready "$API_PORT"
}

# start_workers n: n more processes with WinBack__Role=worker (after start_api); appends their pids to WORKER_PIDS.
WORKER_PIDS=()
start_workers() {
  local i port
  for ((i = 0; i < $1; i++)); do
    port=$(free_port)
    run_service worker "$port" "$WORK/worker-${#WORKER_PIDS[@]}.log"
    WORKER_PIDS+=($!)
    wait_ready "$port"
  done
}

# api_env (SHARDS=1: tenants on shard a, database shard_a of the same server; the master keeps platform data only;
# PARTITIONED=1: Marten's tenant-partitioned events): the API's settings (as the Dockerfile sets them: DOTNET_GCgen0size) (database, platform key, key ring, rate limits) as NAME=value words for env; none holds a space.
api_env() {
  echo ASPNETCORE_ENVIRONMENT=Production DOTNET_GCgen0size=0x4000000 "ConnectionStrings__WinBack=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=winback" \
    WinBack__PlatformKey=$PLATFORM WinBack__RateLimit__RequestsPerSecond=10000000 WinBack__RateLimit__Burst=10000000 \
    WinBack__RateLimit__TenantRequestsPerSecond=10000000 WinBack__RateLimit__TenantBurst=10000000 \
    WinBack__DataProtection__Certificate="$WORK/dp.pfx" WinBack__DataProtection__CertificatePassword=bench \
    Logging__LogLevel__Default=Warning ${SHARDS:+"WinBack__Shards__a=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=shard_a"} \
    ${PG2_PORT:+"WinBack__Shards__b=Host=127.0.0.1;Port=$PG2_PORT;Username=postgres;Database=shard_b"} \
    ${PARTITIONED:+WinBack__TenantPartitionedEvents=true} ${API_EXTRA_ENV:-}
}

# stop_api: SIGTERM, and waits until it has exited.
stop_api() { kill "$API_PID"; wait "$API_PID" 2>/dev/null || true; API_PID=; }

# create_tenant mode scope: prints the new tenant's key of that scope.
create_tenant() {
  curl -s -X POST "http://127.0.0.1:$API_PORT/v1/tenants" -H "Authorization: Bearer $PLATFORM" -H 'Content-Type: application/json' \
    -d "{\"name\":\"bench\",\"mode\":\"$1\"}" | python3 -c "import json,sys; print([k['secret'] for k in json.load(sys.stdin)['apiKeys'] if k['scope']=='$2'][0])"
}

# import_file key path: uploads an NDJSON import and waits for it; prints the job when done.
import_file() {
  local job status
  job=$(curl -s -X POST "http://127.0.0.1:$API_PORT/v1/customers/import" -H "Authorization: Bearer $1" \
    -H 'Content-Type: application/x-ndjson' --data-binary @"$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  while :; do
    status=$(curl -s "http://127.0.0.1:$API_PORT/v1/imports/$job" -H "Authorization: Bearer $1")
    echo "$status" | grep -qE '"status":"(completed|failed)"' && break
    sleep 1
  done
  echo "$status"
}

# seed_risk_histories tenant n now: n purchasing customers drawn from a BG/NBD process (bench/make-risk-histories.py) up to
# the tenant's time, written straight into its customer summaries (no event streams behind them: fits and reads only).
seed_risk_histories() {
  python3 bench/make-risk-histories.py "$2" "$3" > "$WORK/histories.csv"
  psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d winback -p "$PG_PORT" <<SQL
create temp table h (id text, first_at timestamptz, last_at timestamptz, orders int);
\copy h from '$WORK/histories.csv' with (format csv)
insert into winback.customer_summary (tenant_id, id, data, mt_version, status, first_seen_at, last_activity_at, last_purchase_at,
  first_purchase_at, order_count, attributes)
select '$1', id, jsonb_build_object('id', id, 'version', orders, 'state', jsonb_build_object(
    'id', id, 'status', 'Active', 'firstSeenAt', first_at, 'lastActivityAt', last_at, 'firstPurchaseAt', first_at,
    'lastPurchaseAt', last_at, 'recordedOrderCount', orders))::text,
  gen_random_uuid(), 'Active', first_at, last_at, last_at, first_at, orders, '{}'
from h;
analyze winback.customer_summary;
SQL
}
