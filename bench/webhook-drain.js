// The dispatcher's throughput for one endpoint, to weigh the in-flight caps: n pings are queued while the endpoint is
// disabled, then it is enabled, and the time until all have arrived at a receiver that answers at once is measured.
//   node bench/webhook-drain.js <api-base> <admin-key> <n>
const http = require("http");
const [base, key, n] = process.argv.slice(2);
const api = new URL(base);
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : "";
    const headers = { authorization: `Bearer ${key}`, "content-length": Buffer.byteLength(data) };
    if (body) headers["content-type"] = "application/json";
    const req = http.request({ agent, host: api.hostname, port: api.port, method, path, headers }, res => {
      const c = []; res.on("data", x => c.push(x)); res.on("end", () => res.statusCode < 300 ? resolve(JSON.parse(Buffer.concat(c))) : reject(new Error(method + path + res.statusCode)));
    });
    req.on("error", reject); req.end(data);
  });
}
let count = 0, done;
const server = http.createServer({ keepAlive: true }, (req, res) => { req.resume(); req.on("end", () => { res.writeHead(200); res.end("ok"); if (++count === Number(n)) done(); }); });
server.listen(0, "127.0.0.1", async () => {
  const ep = (await call("POST", "/v1/webhook-endpoints", { url: `http://127.0.0.1:${server.address().port}/hook`, events: ["*"] })).id;
  await call("PATCH", `/v1/webhook-endpoints/${ep}`, { enabled: false });
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => { while (next < Number(n)) { next++; await call("POST", `/v1/webhook-endpoints/${ep}/test`); } }));
  const finished = new Promise(r => done = r);
  const t0 = Date.now();
  await call("PATCH", `/v1/webhook-endpoints/${ep}`, { enabled: true });
  await finished;
  const ms = Date.now() - t0;
  console.log(`${n} drained in ${ms} ms = ${Math.round(n * 1000 / ms)}/s`);
  process.exit(0);
});
