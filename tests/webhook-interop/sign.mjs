// Signs as the Standard Webhooks reference does. Input on stdin, JSON:
// {"secrets": ["whsec_…", …], "id": "evt_…", "timestamp": <unix seconds>, "body": "<raw body>"}
// Prints the webhook-signature header: one signature per secret, space-separated.
import { Webhook } from "standardwebhooks";

const input = JSON.parse(await new Response(process.stdin).text());
const at = new Date(input.timestamp * 1000);
process.stdout.write(input.secrets.map((s) => new Webhook(s).sign(input.id, at, input.body)).join(" "));
