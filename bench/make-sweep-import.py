"""Writes an NDJSON import of N customers (default 1,000,000) of whom C (default 100,000) were last active 31 to 59
days ago, and the rest 0 to 28 days ago, relative to now: against a 30-day inactivity rule, exactly C cross."""
import json
import random
import sys
from datetime import datetime, timedelta, timezone

path = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
crossing = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
now = datetime.now(timezone.utc).replace(microsecond=0)
random.seed(42)
with open(path, "w") as out:
    for i in range(count):
        days = random.randint(31, 59) if i < crossing else random.randint(0, 28)
        last = now - timedelta(days=days, minutes=random.randint(0, 600))
        orders = random.randint(1, 40)
        out.write(json.dumps({
            "customerId": f"swp{i}",
            "firstSeenAt": "2024-01-01T00:00:00Z",
            "lastActivityAt": last.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "orderCount": orders,
            "lifetimeValue": {"amount": orders * 2500, "currency": "eur"},
        }, separators=(",", ":")) + "\n")
