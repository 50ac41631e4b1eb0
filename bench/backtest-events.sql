-- The activities of :customers customers (default 100,000), :events each (default 10; 1,000,000 events), for bench/backtest.sh: customer i starts
-- between 1 January and 31 March 2025 and then comes back after gaps of 1 to 50 days (about 40% of them over 30 days, so a
-- 30-day inactivity rule catches them), a purchase (15.00 EUR) every third time and a login otherwise. Written in time order
-- across customers, as the API would have recorded them.
set timezone = 'UTC';
create temporary table seeded as
with plan as (
  select i, k, timestamptz '2025-01-01' + (i % 90) * interval '1 day' + (i % 1440) * interval '1 minute'
           + (sum(case when k = 0 then 0 else ((i * 7 + k * 13) % 50) + 1 end) over (partition by i order by k)) * interval '1 day' as at
  from generate_series(1::bigint, coalesce(nullif(:'customers', '')::bigint, 100000)) as i, generate_series(0, coalesce(nullif(:'events', '')::int, 10) - 1) as k)
select i, k, at, jsonb_build_object('customerId', 'cus_' || i, 'activityId', 'act_' || i || '_' || k,
  'type', case when (i + k) % 3 = 0 then 'Purchase' else 'Login' end, 'occurredAt', at, 'recordedAt', at,
  'amount', case when (i + k) % 3 = 0 then jsonb_build_object('amount', 1500, 'currency', 'eur') end,
  'reason', null, 'name', null, 'properties', null, 'externalId', null) as data
from plan;

select coalesce(max(seq_id), 0) as base from winback.mt_events \gset
insert into winback.mt_streams (tenant_id, id, version)
select :'tenant', 'cus_' || i, count(*) from seeded group by i;
insert into winback.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, mt_dotnet_type)
select :base + row_number() over (order by at, i), gen_random_uuid(), 'cus_' || i, k + 1, data, 'activity_recorded', :'tenant',
  'WinBack.Domain.Customers.ActivityRecorded, WinBack.Domain'
from seeded;
select setval('winback.mt_events_sequence', (select max(seq_id) from winback.mt_events));
-- The async projections (reports) are not what is measured: they start after these events.
update winback.mt_event_progression set last_seq_id = (select max(seq_id) from winback.mt_events);
analyze winback.mt_events;
