"""Writers for bench/move.sh: each posts one login activity at a time (about RATE a second) for the moving tenant, with an
externalId of its own; a 503 is retried with the same id after 200 ms, as a client would. Runs until the file STOP exists,
then prints one JSON line: acknowledged, refused (503 tenant_moving), other failures, and the refusals' span (first to
last, as the writers saw the freeze); acknowledged ids go to ACKED.
    python3 move-writers.py PORT KEY WRITERS RATE STOP ACKED"""
import http.client
import json
import os
import sys
import threading
import time

port, key, writers, rate, stop, acked_path = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
lock = threading.Lock()
totals = {"acknowledged": 0, "refused": 0, "refusedCodes": {}, "other": 0}
refusals = []
acked = []


def write(w):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = 0
    while not os.path.exists(stop):
        ext = f"w{w}-{i}"
        body = json.dumps({"type": "login", "externalId": ext})
        try:
            conn.request("POST", f"/v1/customers/w{w}-{i % 50}/activities", body,
                         {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
            resp = conn.getresponse()
            text = resp.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                totals["other"] += 1
            time.sleep(0.2)
            continue
        with lock:
            if resp.status in (200, 201):
                totals["acknowledged"] += 1
                acked.append(ext)
            elif resp.status == 503:
                totals["refused"] += 1
                code = json.loads(text or b"{}").get("code", "?")
                totals["refusedCodes"][code] = totals["refusedCodes"].get(code, 0) + 1
                refusals.append(time.time())
            else:
                totals["other"] += 1
        if resp.status in (200, 201):
            i += 1
            time.sleep(1 / rate)
        else:
            time.sleep(0.2)


threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
for t in threads:
    t.start()
for t in threads:
    t.join()
with open(acked_path, "w") as out:
    out.write("\n".join(acked) + "\n")
if refusals:
    totals["refusedSpanMs"] = round((max(refusals) - min(refusals)) * 1000)
print(json.dumps(totals))
