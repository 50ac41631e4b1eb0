-- The events behind about 1,000,000 lapse episodes (customers 1..:customers, default 924,557), for bench/report.sh with
-- SEED=events: the report tables are then built from them by the report projection (`projections rebuild`), not written
-- directly. Spread like bench/report-seed.sql: 4 rules, arms A/B and a 10% holdout, 365 lapse days, 8 churn reasons; a
-- reward for every treated episode but 1 in 50 (withheld: budget), about 40% come back with a purchase (credit partly redeemed),
-- the others' rewards expire; 1 in 5 of those who came back lapse again 45 days later (a second episode, withheld for
-- cooldown). Events are in phases across all customers (first purchases, then lapses, rewards, returns, ...), as sweeps
-- write them, so a replay meets every customer again and again.
set timezone = 'UTC';
create temporary table plan as
select i, 'cus_' || i as customer, 'rule_' || (abs(hashint8(i)) % 4) as rule,
  case when i % 10 = 0 then 'holdout' when i % 2 = 0 then 'A' else 'B' end as variant,
  timestamptz '2025-11-01' + (i % 365) * interval '1 day' + (i % 1440) * interval '1 minute' as lapsed_at,
  (array['TooExpensive','BadExperience','TooComplex','Forgot','Switched','MissingFeatures','Other', null])[1 + abs(hashint8(i + 1)) % 8] as churn,
  (array['web','ios','android','store'])[1 + i % 4] as channel,
  (i * 7919) % 100 < case when i % 10 = 0 then 30 else 42 end as returned,
  ((i * 31) % 60) + 0.5 as days
from generate_series(1::bigint, coalesce(nullif(:'customers', '')::bigint, 924557)) as i;
alter table plan add column treated boolean, add column rewarded boolean;
update plan set treated = variant <> 'holdout', rewarded = variant <> 'holdout' and i % 50 <> 1;

create temporary table seeded (phase int, i bigint, type text, dotnet text, data jsonb);
insert into seeded
select 1, i, 'activity_recorded', 'ActivityRecorded', jsonb_build_object('customerId', customer, 'activityId', 'act_first_' || i,
  'type', 'Purchase', 'occurredAt', lapsed_at - interval '30 days', 'recordedAt', lapsed_at - interval '30 days',
  'amount', jsonb_build_object('amount', 1500, 'currency', 'eur'), 'reason', null, 'name', null, 'properties', null, 'externalId', null)
from plan
union all
select 2, i, 'customer_lapsed', 'CustomerLapsed', jsonb_build_object('customerId', customer, 'episodeId', 'lap_' || i, 'ruleId', rule,
  'ruleVersion', 1, 'variant', variant, 'lastActivityAt', lapsed_at - interval '30 days', 'lapsedAt', lapsed_at, 'detectedAt', lapsed_at,
  'returnTypes', jsonb_build_array('Purchase', 'Login', 'SubscriptionStarted', 'Custom'), 'churnReason', churn,
  'attributes', jsonb_build_object('channel', channel), 'attributionDays', 90)
from plan
union all
select 3, i, 'reward_issued', 'RewardIssued', jsonb_build_object('customerId', customer, 'rewardId', 'rwd_' || i, 'episodeId', 'lap_' || i,
  'ruleId', rule, 'ruleVersion', 1, 'variant', variant, 'type', 'AccountCredit', 'amount', 1000, 'currency', 'eur', 'percent', null,
  'uses', null, 'sku', null, 'payload', null, 'issuedAt', lapsed_at, 'expiresAt', lapsed_at + interval '30 days' + interval '1 hour',
  'grant', 'Immediate', 'note', null)
from plan where rewarded
union all
select 3, i, 'reward_withheld', 'RewardWithheld', jsonb_build_object('customerId', customer, 'episodeId', 'lap_' || i, 'ruleId', rule,
  'reason', case when treated then 'Budget' else 'Holdout' end, 'withheldAt', lapsed_at)
from plan where not rewarded
union all
select 4, i, 'activity_recorded', 'ActivityRecorded', jsonb_build_object('customerId', customer, 'activityId', 'act_back_' || i,
  'type', 'Purchase', 'occurredAt', lapsed_at + days * interval '1 day', 'recordedAt', lapsed_at + days * interval '1 day',
  'amount', jsonb_build_object('amount', 2500, 'currency', 'eur'), 'reason', null, 'name', null, 'properties', null, 'externalId', null)
from plan where returned
union all
select 5, i, 'customer_reactivated', 'CustomerReactivated', jsonb_build_object('customerId', customer, 'episodeId', 'lap_' || i,
  'activityId', 'act_back_' || i, 'reactivatedAt', lapsed_at + days * interval '1 day', 'activityType', 'Purchase',
  'amount', jsonb_build_object('amount', 2500, 'currency', 'eur'))
from plan where returned
union all
select 6, i, 'reward_redeemed', 'RewardRedeemed', jsonb_build_object('customerId', customer, 'rewardId', 'rwd_' || i,
  'redemptionId', 'red_' || i, 'orderId', 'order_' || i, 'amount', 600, 'currency', 'eur', 'redeemedAt', lapsed_at + days * interval '1 day')
from plan where returned and rewarded
union all
select 7, i, 'reward_expired', 'RewardExpired', jsonb_build_object('customerId', customer, 'rewardId', 'rwd_' || i, 'unusedAmount', 1000,
  'currency', 'eur', 'expiredAt', lapsed_at + interval '30 days' + interval '1 hour')
from plan where rewarded and not returned
union all
select 8, i, 'customer_lapsed', 'CustomerLapsed', jsonb_build_object('customerId', customer, 'episodeId', 'lap_again_' || i, 'ruleId', rule,
  'ruleVersion', 1, 'variant', variant, 'lastActivityAt', lapsed_at + days * interval '1 day',
  'lapsedAt', lapsed_at + (days + 45) * interval '1 day', 'detectedAt', lapsed_at + (days + 45) * interval '1 day',
  'returnTypes', jsonb_build_array('Purchase', 'Login', 'SubscriptionStarted', 'Custom'), 'churnReason', churn,
  'attributes', jsonb_build_object('channel', channel), 'attributionDays', 90)
from plan where returned and i % 5 = 0
union all
select 9, i, 'reward_withheld', 'RewardWithheld', jsonb_build_object('customerId', customer, 'episodeId', 'lap_again_' || i, 'ruleId', rule,
  'reason', 'Cooldown', 'withheldAt', lapsed_at + (days + 45) * interval '1 day')
from plan where returned and i % 5 = 0;

-- Sequence numbers after the ones already used (the tenant's own events); versions per customer in phase order.
select coalesce(max(seq_id), 0) as base from winback.mt_events \gset
insert into winback.mt_streams (tenant_id, id, version)
select :'tenant', 'cus_' || i, count(*) from seeded group by i;
insert into winback.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, mt_dotnet_type)
select :base + row_number() over (order by phase, i), gen_random_uuid(), 'cus_' || i,
  row_number() over (partition by i order by phase), data, type, :'tenant', 'WinBack.Domain.Customers.' || dotnet || ', WinBack.Domain'
from seeded;
select setval('winback.mt_events_sequence', (select max(seq_id) from winback.mt_events));
analyze winback.mt_events;
