"""Joins the commit time of each reward.issued event with its arrival at the receiver: delivery rate and commit-to-delivery latency.
   The commit time is the event's mt_events.timestamp (the appending transaction's start, so latencies are upper bounds).
   python3 bench/webhook-result.py <sent-file> <arrivals-file> <pg-port> <label>"""
import subprocess
import sys

sent_file, arrivals_file, pg_port, label = sys.argv[1:5]
sent = {line.split()[1] for line in open(sent_file)}
rows = subprocess.run(["psql", "-qtA", "-F", " ", "-h", "127.0.0.1", "-p", pg_port, "-U", "postgres", "winback", "-c",
                       "select data->>'rewardId', (extract(epoch from timestamp) * 1000)::bigint from winback.mt_events where type = 'reward_issued'"],
                      check=True, capture_output=True, text=True).stdout.split("\n")
committed = {r: int(t) for r, t in (row.split() for row in rows if row) if r in sent}
arrivals = {}
for line in open(arrivals_file):
    at, kind, _, reward = line.split()
    if kind == "reward.issued" and reward in committed and reward not in arrivals:
        arrivals[reward] = int(at)
latencies = sorted(arrivals[r] - committed[r] for r in arrivals)
if not latencies:
    sys.exit(f"{label}: nothing arrived")
first, last = min(committed.values()), max(arrivals.values())
pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))]
print(f"{label}: {len(arrivals)}/{len(sent)} delivered; committed {len(committed) / ((max(committed.values()) - first) / 1000):.0f}/s, "
      f"delivered {len(arrivals) / ((last - first) / 1000):.0f}/s (first commit to last arrival); "
      f"commit->delivery ms p50 {pct(0.50)} p95 {pct(0.95)} p99 {pct(0.99)} max {latencies[-1]}")
