"""Writes an NDJSON import file of N customers (default 1,000,000) to the path given."""
import json
import random
import sys

path, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
random.seed(42)
with open(path, "w") as out:
    for i in range(count):
        orders = random.randint(0, 40)
        out.write(json.dumps({
            "customerId": f"imp{i}",
            "email": f"customer{i}@example.com",
            "attributes": {"channel": random.choice(["web", "ios", "android", "store"])},
            "firstSeenAt": "2024-01-01T00:00:00Z",
            "lastActivityAt": f"2026-{random.randint(1, 10):02d}-{random.randint(1, 28):02d}T12:00:00Z",
            "orderCount": orders,
            "lifetimeValue": {"amount": orders * 2500, "currency": "eur"},
        }, separators=(",", ":")) + "\n")
