// Runs the graphql-http GraphQL-over-HTTP server audits against a URL and
// prints the outcome as one JSON object:
//
//   {"url": "...", "ok": 41, "warnings": [{"id", "name", "reason", "status"}], "failures": [...]}
//
// Usage: node scripts/http-audit/audit.mjs http://127.0.0.1:8080/graphql
// Exits 0 whatever the audits found (the caller judges); 2 on a usage error
// or when the audits could not run at all.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}

const results = await Promise.all(serverAudits({ url }).map(({ fn }) => fn()));
const summary = (r) => ({
  id: r.id,
  name: r.name,
  reason: r.reason,
  status: r.response ? r.response.status : undefined,
});
const out = {
  url,
  ok: results.filter((r) => r.status === 'ok').length,
  warnings: results.filter((r) => r.status === 'warn').map(summary),
  failures: results.filter((r) => r.status === 'error').map(summary),
};
console.log(JSON.stringify(out, null, 2));
