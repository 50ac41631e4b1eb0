-- 1,000,000 lapse episodes (and their revenue rows) for one tenant, spread like a real program: 4 rules, two arms and a
-- 10% holdout, 365 lapse days, 8 churn reasons (rule and reason drawn independently, so nearly every combination
-- occurs: 23,360 report groups), about 40% returned, some lapsed again. Used by bench/report.sh.
insert into winback.lapse_episode (tenant_id, episode_id, customer_id, rule_id, rule_version, variant, lapsed_at, lapse_date,
  churn_reason, attributes, withheld, reward_id, reward_currency, reward_issued, reward_redeemed, reward_expired, reward_outstanding,
  returned_at, days_to_return, orders_after_return, relapsed_at)
select :'tenant', 'lap_' || i, 'cus_' || (i % 700000), 'rule_' || (abs(hashint8(i)) % 4), 1, v.variant, l.lapsed_at,
  (l.lapsed_at at time zone 'UTC')::date,
  (array['too_expensive','bad_experience','too_complex','forgot','switched','missing_features','other', 'none'])[1 + abs(hashint8(i + 1)) % 8],
  jsonb_build_object('channel', (array['web','ios','android','store'])[1 + i % 4]),
  case when v.variant = 'holdout' then 'holdout' when i % 50 = 0 then 'budget' end,
  case when v.variant <> 'holdout' and i % 50 <> 0 then 'rwd_' || i end,
  case when v.variant <> 'holdout' and i % 50 <> 0 then 'eur' end,
  case when v.variant <> 'holdout' and i % 50 <> 0 then 1000 else 0 end,
  case when v.variant <> 'holdout' and i % 50 <> 0 and r.returned then 600 else 0 end,
  case when v.variant <> 'holdout' and i % 50 <> 0 and not r.returned then 1000 else 400 end * (case when v.variant <> 'holdout' and i % 50 <> 0 then 1 else 0 end),
  0,
  case when r.returned then l.lapsed_at + r.days * interval '1 day' end,
  case when r.returned then r.days end,
  case when r.returned then 1 + i % 4 else 0 end,
  case when r.returned and i % 5 = 0 then l.lapsed_at + (r.days + 45) * interval '1 day' end
from generate_series(1::bigint, 1000000) as i
cross join lateral (select timestamptz '2025-11-01' + (i % 365) * interval '1 day' + (i % 1440) * interval '1 minute' as lapsed_at) l
cross join lateral (select case when i % 10 = 0 then 'holdout' when i % 2 = 0 then 'A' else 'B' end as variant) v
cross join lateral (select (i * 7919) % 100 < case when i % 10 = 0 then 30 else 42 end as returned, ((i * 31) % 60) + 0.5 as days) r;

insert into winback.lapse_episode_revenue (tenant_id, episode_id, currency, amount)
select tenant_id, episode_id, 'eur', orders_after_return * 2500 - (case when length(episode_id) % 3 = 0 then 500 else 0 end)
from winback.lapse_episode where tenant_id = :'tenant' and returned_at is not null;

-- Rows written here bypass the projection, so their report groups are marked for the rollup refresh by hand.
insert into winback.report_dirty (tenant_id, rule_id, variant, lapse_date, churn_reason, shard)
select distinct tenant_id, rule_id, variant, lapse_date, churn_reason, 0 from winback.lapse_episode where tenant_id = :'tenant';

analyze winback.lapse_episode;
analyze winback.lapse_episode_revenue;
