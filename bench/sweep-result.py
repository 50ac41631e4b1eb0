"""Prints one line about a finished sweep job (JSON on stdin), timed by its own startedAt and completedAt."""
import json
import sys
from datetime import datetime


def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


job = json.load(sys.stdin)
seconds = (at(job["completedAt"]) - at(job["startedAt"])).total_seconds()
line = (f"status {job['status']}: examined {job['examined']}, lapsed {job['lapsed']}, rewarded {job['rewarded']}, "
        f"failed {job['failed']}, {seconds:.3f} s")
if job["rewarded"]:
    line += f", {job['rewarded'] / seconds:,.0f} rewards/s"
print(line)
