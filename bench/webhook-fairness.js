// Tenant B's ping latency, alone and beside tenant A's flood of pings to a slow receiver (issue 23).
//   node bench/webhook-fairness.js <api-base> <key-a> <key-b> <flood> <hold-ms> <pings> <a-endpoints>
// Runs two receivers on 127.0.0.1: A's holds every request <hold-ms> before answering 200, B's answers at once. Latency is
// from just before B's POST /v1/webhook-endpoints/{id}/test is sent to the ping's arrival at B's receiver. Bounded: it
// sends <flood> + 2 x <pings> pings and stops by itself.
const http = require("http");
const [base, keyA, keyB, flood, holdMs, pings, aEndpoints] = process.argv.slice(2);
const api = new URL(base);
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function call(key, method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : "";
    const headers = { authorization: `Bearer ${key}`, "content-length": Buffer.byteLength(data) };
    if (body) headers["content-type"] = "application/json";
    const req = http.request({ agent, host: api.hostname, port: api.port, method, path, headers }, res => {
      const chunks = [];
      res.on("data", c => chunks.push(c));
      res.on("end", () => res.statusCode < 300 ? resolve(JSON.parse(Buffer.concat(chunks))) : reject(new Error(`${method} ${path}: ${res.statusCode}`)));
    });
    req.on("error", reject);
    req.end(data);
  });
}

function receiver(hold, onArrival) {
  const stats = { open: 0, maxOpen: 0 };
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    req.resume();
    req.on("end", () => {
      onArrival(req.headers["webhook-id"], Date.now());
      stats.open++; stats.maxOpen = Math.max(stats.maxOpen, stats.open);
      setTimeout(() => { stats.open--; res.writeHead(200); res.end("ok"); }, hold);
    });
  });
  return new Promise(resolve => server.listen(0, "127.0.0.1", () => resolve({ server, stats, url: `http://127.0.0.1:${server.address().port}/hook` })));
}

const arrivals = new Map(); // B's event id -> arrival ms
const waiters = new Map();
function arrivedAtB(id, at) { arrivals.set(id, at); waiters.get(id)?.(); }
const arrival = id => arrivals.has(id) ? Promise.resolve() : new Promise(resolve => waiters.set(id, resolve));

async function pingB(endpoint, n) {
  const latencies = [];
  for (let i = 0; i < n; i++) {
    const sentAt = Date.now();
    const delivery = await call(keyB, "POST", `/v1/webhook-endpoints/${endpoint}/test`);
    await Promise.race([arrival(delivery.eventId), new Promise(r => setTimeout(r, 60000))]);
    latencies.push((arrivals.get(delivery.eventId) ?? Date.now() + 1e9) - sentAt);
    await new Promise(r => setTimeout(r, 200));
  }
  return latencies;
}

function summary(name, ms) {
  const s = [...ms].sort((x, y) => x - y);
  const q = p => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  console.log(`${name}: n=${s.length} p50=${q(0.5)} ms p95=${q(0.95)} ms max=${s[s.length - 1]} ms`);
}

(async () => {
  const slow = await receiver(Number(holdMs), () => {});
  const fast = await receiver(0, arrivedAtB);
  const endpointsA = [];
  for (let i = 0; i < Number(aEndpoints); i++)
    endpointsA.push((await call(keyA, "POST", "/v1/webhook-endpoints", { url: slow.url, events: ["*"] })).id);
  const endpointB = (await call(keyB, "POST", "/v1/webhook-endpoints", { url: fast.url, events: ["*"] })).id;

  summary("B alone", await pingB(endpointB, Number(pings)));

  const queued = Date.now();
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < Number(flood)) {
      const i = next++;
      await call(keyA, "POST", `/v1/webhook-endpoints/${endpointsA[i % endpointsA.length]}/test`);
    }
  }));
  console.log(`A: ${flood} pings queued over ${endpointsA.length} endpoints in ${Date.now() - queued} ms; its receiver holds each ${holdMs} ms`);
  await new Promise(r => setTimeout(r, 1000));
  summary("B beside A's flood", await pingB(endpointB, Number(pings)));
  console.log(`A's attempts in flight at once (at its receiver): max ${slow.stats.maxOpen}`);
  process.exit(0);
})().catch(e => { console.error(e); process.exit(1); });
