// Verifies as the Standard Webhooks reference does (its own clock, 5 minutes' tolerance). Input on stdin, JSON:
// {"secret": "whsec_…", "headers": {"webhook-id": …, "webhook-timestamp": …, "webhook-signature": …}, "body": "<raw body>"}
// Prints "verified" and exits 0, or prints the reference's error and exits 1.
import { Webhook } from "standardwebhooks";

const input = JSON.parse(await new Response(process.stdin).text());
try {
  new Webhook(input.secret).verify(input.body, input.headers, { jsonParse: false });
  process.stdout.write("verified");
} catch (e) {
  process.stdout.write(`${e.name}: ${e.message}`);
  process.exitCode = 1;
}
