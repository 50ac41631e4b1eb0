#!/usr/bin/env bash
# The issue-23 fairness benchmark: tenant B's webhook ping latency alone, then beside tenant A's flood of pings to a receiver
# that holds every request (a slow receiver). First, what the caps cost a tenant alone: the drain rate of 4,000 deliveries
# to one endpoint. The tenants are test tenants (http receivers on 127.0.0.1).
#   bash bench/webhook-fairness.sh [flood] [hold-ms] [pings] [a-endpoints]   (default: 2000 5000 20 4)
# API_DLL=path/to/WinBack.Api.dll measures another build (e.g. an older commit's) instead of building this one.
# Needs node, python3, PostgreSQL binaries, curl. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
FLOOD=${1:-2000}; HOLD_MS=${2:-5000}; PINGS=${3:-20}; A_ENDPOINTS=${4:-4}

if [ -z "${API_DLL:-}" ]; then
  echo "== build (Release)"
  dotnet build src/WinBack.Api -c Release -v q -nologo >/dev/null
fi
echo "== PostgreSQL (fsync on) and the API (private targets allowed for the local receivers)"
start_postgres winback
export WinBack__Webhooks__AllowPrivateTargets=true
start_api
echo "== one endpoint alone: 4000 deliveries drained (per-endpoint cap ${WinBack__Webhooks__MaxInFlightPerEndpoint:-default})"
node bench/webhook-drain.js "http://127.0.0.1:$API_PORT" "$(create_tenant test admin)" 4000
KEY_A=$(create_tenant test admin)
KEY_B=$(create_tenant test admin)
echo "== B's pings alone, then beside A's $FLOOD pings to a receiver holding each ${HOLD_MS} ms"
node bench/webhook-fairness.js "http://127.0.0.1:$API_PORT" "$KEY_A" "$KEY_B" "$FLOOD" "$HOLD_MS" "$PINGS" "$A_ENDPOINTS"
