// A Stripe stand-in for the benchmarks: answers GET /v1/balance (the connection check) and
// POST /v1/customers/{id}/balance_transactions. It honours Idempotency-Key as Stripe does (a repeated key replays the first
// answer and creates nothing), answers each call <delay-ms> after doing it (a slow Stripe), and appends
// "arrivalMs key created|replayed" per balance-transaction POST to <out-file>.
//   node bench/stripe-fake.js <port> <out-file> [delay-ms]
const http = require("http");
const fs = require("fs");
const [port, outFile, delayArg] = process.argv.slice(2);
const delay = Number(delayArg ?? 0);
const out = fs.createWriteStream(outFile);
const answered = new Map();
let ids = 0;

function send(res, status, body) {
  setTimeout(() => { res.writeHead(status, { "content-type": "application/json" }); res.end(body); }, delay);
}

http.createServer({ keepAlive: true }, (req, res) => {
  const chunks = [];
  req.on("data", c => chunks.push(c));
  req.on("end", () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    if (req.method === "GET" && req.url.startsWith("/v1/balance"))
      return send(res, 200, JSON.stringify({ object: "balance", available: [{ amount: 0, currency: "usd" }], pending: [{ amount: 0, currency: "usd" }], livemode: false }));
    const match = /^\/v1\/customers\/([^/]+)\/balance_transactions$/.exec(req.url);
    if (req.method !== "POST" || !match)
      return send(res, 404, JSON.stringify({ error: { type: "invalid_request_error", message: `Unrecognized request URL (${req.method}: ${req.url}).` } }));
    const key = req.headers["idempotency-key"] ?? `none-${ids + 1}`;
    const replay = answered.get(key);
    out.write(`${Date.now()} ${key} ${replay ? "replayed" : "created"}\n`);
    if (replay) return send(res, 200, replay);
    const metadata = {};
    for (const [name, value] of form) if (name.startsWith("metadata[")) metadata[name.slice(9, -1)] = value;
    const body = JSON.stringify({
      id: `cbtxn_bench${String(++ids).padStart(7, "0")}`, object: "customer_balance_transaction", amount: Number(form.get("amount")),
      currency: form.get("currency"), customer: match[1], description: form.get("description"), created: Math.floor(Date.now() / 1000),
      ending_balance: 0, livemode: false, metadata, type: "adjustment", credit_note: null, invoice: null,
    });
    answered.set(key, body);
    send(res, 200, body);
  });
}).listen(Number(port), "127.0.0.1");
process.on("SIGTERM", () => out.end(() => process.exit(0)));
