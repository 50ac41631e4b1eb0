#!/usr/bin/env python3
"""N customers (default 1,000,000) drawn from a BG/NBD process, for bench/risk-fit.sh: r=0.25, alpha=30 days, a=0.8, b=2.5,
acquired over the year before NOW (argument 2, ISO 8601; default now), observed to NOW. Prints CSV rows: id, first purchase,
last purchase, purchases."""
import random, sys
from datetime import datetime, timedelta, timezone

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
now = datetime.fromisoformat(sys.argv[2]) if len(sys.argv) > 2 else datetime.now(timezone.utc)
rng = random.Random(17)
out = sys.stdout
for i in range(n):
    T = rng.uniform(1, 365)
    rate = rng.gammavariate(0.25, 1 / 30)
    dropout = rng.betavariate(0.8, 2.5)
    x, t, last = 0, 0.0, 0.0
    while rate > 0:
        t += rng.expovariate(rate)
        if t > T:
            break
        x += 1
        last = t
        if rng.random() < dropout:
            break
    first = now - timedelta(days=T)
    out.write(f"cus_{i},{first.isoformat()},{(first + timedelta(days=last)).isoformat()},{x + 1}\n")
