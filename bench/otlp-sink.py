#!/usr/bin/env python3
"""A local OTLP/HTTP receiver that accepts every export and discards it (for measuring the exporter's cost, not a backend).
   python3 bench/otlp-sink.py PORT   -- prints per-path request counts and bytes to stdout when stopped (SIGTERM)."""
import collections, http.server, signal, sys

counts = collections.Counter()
sizes = collections.Counter()

class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        counts[self.path] += 1
        sizes[self.path] += len(body)
        # An empty body is a valid (empty) Export*ServiceResponse.
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

def report(*_):
    for path in sorted(counts):
        print(f"otlp sink {path}: {counts[path]} exports, {sizes[path]} bytes", flush=True)
    sys.exit(0)

signal.signal(signal.SIGTERM, report)
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
