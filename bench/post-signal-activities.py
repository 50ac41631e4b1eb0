"""Posts, through POST /v1/activities/batch (1,000 a call, 4 calls at once), 10 logins each for D customers 'dec{i}', every
3 days from 40 to 13 days before now: against the bench's usage_decline rule (7 recent days, 28 baseline, dropBelow 0.5,
minBaseline 4) each has crossed by now, so the first sweep fires exactly D.
  python3 bench/post-signal-activities.py PORT KEY D"""
import json
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

port, key, decliners = sys.argv[1], sys.argv[2], int(sys.argv[3])
now = datetime.now(timezone.utc).replace(microsecond=0)
items = [{"customerId": f"dec{i}", "type": "login", "occurredAt": (now - timedelta(days=40 - 3 * k)).strftime("%Y-%m-%dT%H:%M:%SZ")}
         for i in range(decliners) for k in range(10)]


def post(chunk):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/activities/batch", data=json.dumps({"activities": chunk}).encode(),
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request) as response:
        return sum(1 for r in json.load(response)["results"] if r["status"] == "created")


started = datetime.now()
with ThreadPoolExecutor(4) as pool:
    created = sum(pool.map(post, [items[i:i + 1000] for i in range(0, len(items), 1000)]))
print(f"activities created: {created} of {len(items)} in {(datetime.now() - started).total_seconds():.1f} s")
