// A webhook receiver for the benchmark: answers 200 (at once, or after [delay-ms]) and appends "arrivalMs type webhookId
// rewardId" per request.
//   node bench/webhook-receiver.js <port> <out-file> [delay-ms]
const http = require("http");
const fs = require("fs");
const [port, outFile, delayArg] = process.argv.slice(2);
const delay = Number(delayArg ?? 0);
const out = fs.createWriteStream(outFile);
http.createServer({ keepAlive: true }, (req, res) => {
  const chunks = [];
  req.on("data", c => chunks.push(c));
  req.on("end", () => {
    const at = Date.now();
    const body = Buffer.concat(chunks).toString();
    const type = /"type":"([^"]+)"/.exec(body)?.[1] ?? "?";
    const reward = /"rewardId":"([^"]+)"/.exec(body)?.[1] ?? "-";
    out.write(`${at} ${type} ${req.headers["webhook-id"]} ${reward}\n`);
    const answer = () => { res.writeHead(200, { "content-type": "text/plain" }); res.end("ok"); };
    if (delay > 0) setTimeout(answer, delay); else answer();
  });
}).listen(Number(port), "127.0.0.1");
process.on("SIGTERM", () => out.end(() => process.exit(0)));
