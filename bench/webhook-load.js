// Issues manual rewards (each one reward.issued event) at a fixed rate and appends "sentMs rewardId" per committed reward.
//   node bench/webhook-load.js <api-base> <admin-key> <rate-per-s> <seconds> <customers> <out-file>
// sentMs is taken before the request is sent, so commit-to-delivery latencies computed from it are upper bounds.
const http = require("http");
const fs = require("fs");
const [base, key, rate, seconds, customers, outFile] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const out = fs.createWriteStream(outFile);
const url = new URL(base);
const body = JSON.stringify({ reward: { type: "account_credit", amount: 500, currency: "eur", expiresInDays: 30 }, note: "bench" });
let sent = 0, done = 0, failed = 0, n = 0;
const total = Number(rate) * Number(seconds);
const start = Date.now();
function one() {
  const customer = "imp" + (n++ % Number(customers));
  const sentAt = Date.now();
  const req = http.request({ agent, host: url.hostname, port: url.port, method: "POST", path: `/v1/customers/${customer}/rewards`,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, res => {
    const chunks = [];
    res.on("data", c => chunks.push(c));
    res.on("end", () => {
      done++;
      if (res.statusCode === 201) out.write(`${sentAt} ${JSON.parse(Buffer.concat(chunks)).id}\n`);
      else failed++;
      if (done === total) out.end(() => { console.log(`sent ${total} in ${(Date.now() - start) / 1000}s, failed ${failed}`); process.exit(0); });
    });
  });
  req.on("error", () => { done++; failed++; });
  req.end(body);
}
// Every 10 ms, send what the schedule says should have been sent by now.
const timer = setInterval(() => {
  const due = Math.min(total, Math.floor((Date.now() - start) * Number(rate) / 1000));
  while (sent < due) { sent++; one(); }
  if (sent >= total) clearInterval(timer);
}, 10);
