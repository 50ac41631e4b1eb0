#!/usr/bin/env bash
# KEPT FOR THE RECORD: it measured the shapes the hot state could take while it was still a Marten document
# (docs/benchmarks.md, "#16: the eighth session"); the typed table it argued for is now how the state is stored. It reads
# winback.mt_doc_customersummary, which the current code no longer writes, so run it from a checkout of d0493f5:
#   git worktree add /tmp/pre-hot d0493f5 && bash /tmp/pre-hot/bench/hot-state-rowcost.sh
# What the hot customer summary costs PostgreSQL as a Marten document (jsonb, expression indexes) against the same state in a
# table of typed columns with the JSON kept as text (the option the #16 notes weigh), and against Marten's table with the
# status and last activity duplicated into typed columns (the index on them, the JSON still jsonb). Fills a database with single POSTs
# (FILL seconds, 60 by default), copies the summaries into both shapes, then alternates three times: an upsert of 10,000
# random summaries (all of them when there are fewer; rolled back) and a read of them. Not part of CI; needs wrk. Prints psql's timings.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
start_postgres winback
start_api
KEY=$(create_tenant live ingest); export KEY
wrk -t2 -c32 -s bench/wrk/activity.lua -d"${FILL:-60}"s "http://127.0.0.1:$API_PORT" | grep Requests/sec
stop_api
pg_sql winback <<'SQL'
create table s_src as select tenant_id, id, data::text as data, data -> 'state' ->> 'status' as status,
  (data -> 'state' ->> 'lastActivityAt')::timestamptz as last_at from winback.mt_doc_customersummary;
create table a_json (like winback.mt_doc_customersummary including all);
insert into a_json select * from winback.mt_doc_customersummary;
create table b_typed (tenant_id varchar not null, id varchar not null, data text not null, status text not null,
  last_activity_at timestamptz, stripe_customer_id text, version bigint, primary key (tenant_id, id));
create index on b_typed (tenant_id, status, last_activity_at);
create index on b_typed (tenant_id, stripe_customer_id) where stripe_customer_id is not null;
insert into b_typed select tenant_id, id, data, status, last_at, null, 1 from s_src;
create table c_dup (tenant_id varchar not null, id varchar not null, data jsonb not null, mt_last_modified timestamptz,
  mt_version uuid not null, mt_dotnet_type varchar, status text, last_activity_at timestamptz, primary key (tenant_id, id));
create index on c_dup (tenant_id, status, last_activity_at);
create index on c_dup (tenant_id, (data -> 'state' ->> 'stripeCustomerId')) where (data -> 'state' ->> 'stripeCustomerId') is not null;
insert into c_dup select tenant_id, id, data::jsonb, now(), gen_random_uuid(), 'x', status, last_at from s_src;
create table s_sample as select * from s_src order by random() limit 10000;
vacuum analyze a_json; vacuum analyze b_typed; vacuum analyze c_dup; vacuum analyze s_sample;
select count(*) as summaries, round(avg(length(data))) as json_chars from s_src;
SQL
JSON_UPSERT="insert into a_json as d (tenant_id, id, data, mt_version, mt_dotnet_type, mt_last_modified)
  select tenant_id, id, data::jsonb, gen_random_uuid(), 'x', now() from s_sample
  on conflict (tenant_id, id) do update set data = excluded.data, mt_version = excluded.mt_version,
    mt_dotnet_type = excluded.mt_dotnet_type, mt_last_modified = excluded.mt_last_modified"
TYPED_UPSERT="insert into b_typed as d (tenant_id, id, data, status, last_activity_at, stripe_customer_id, version)
  select tenant_id, id, data, status, now(), null, 2 from s_sample
  on conflict (tenant_id, id) do update set data = excluded.data, status = excluded.status,
    last_activity_at = excluded.last_activity_at, stripe_customer_id = excluded.stripe_customer_id, version = excluded.version"
DUP_UPSERT="insert into c_dup as d (tenant_id, id, data, mt_version, mt_dotnet_type, mt_last_modified, status, last_activity_at)
  select tenant_id, id, data::jsonb, gen_random_uuid(), 'x', now(), status, now() from s_sample
  on conflict (tenant_id, id) do update set data = excluded.data, mt_version = excluded.mt_version,
    mt_dotnet_type = excluded.mt_dotnet_type, mt_last_modified = excluded.mt_last_modified, status = excluded.status,
    last_activity_at = excluded.last_activity_at"
N=$(pg_sql winback -At -c "select count(*) from s_sample") # 10,000, or every summary when a short FILL made fewer
timed() { pg_sql winback -c '\timing on' -c "$2" -o /dev/null | sed "s/^Time:/$1:/"; }
for round in 1 2 3; do
  timed "jsonb document upsert of $N" "begin; $JSON_UPSERT; rollback;"
  timed "typed table upsert of $N" "begin; $TYPED_UPSERT; rollback;"
  timed "jsonb + duplicated columns upsert of $N" "begin; $DUP_UPSERT; rollback;"
  timed "jsonb document read of $N" "select d.id, d.data from a_json d join s_sample s using (tenant_id, id)"
  timed "typed table read of $N" "select d.id, d.data from b_typed d join s_sample s using (tenant_id, id)"
done
