// Runs operations against a copydesk /graphql WebSocket with the graphql-ws
// reference client and prints what happened as JSON
// (TestWebSocketGraphQLWSReferenceClient in graph/websocket_test.go checks
// it). Usage: node check.mjs <ws-url> <token> <revoked-token>
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, revoked] = process.argv.slice(2);

function run(client, query) {
  return new Promise((resolve, reject) => {
    let result;
    client.subscribe({ query }, {
      next: (v) => (result = v),
      error: (e) => reject(e),
      complete: () => resolve(result),
    });
  });
}

const out = {};
const ok = createClient({ url, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: true });
out.viewer = await run(ok, '{ viewer { email } }');
out.parallel = await Promise.all([1, 2, 3].map(() => run(ok, '{ serverInfo { version } }')));
try { await run(ok, '{ nosuch }'); } catch (e) { out.validation = e; }
await ok.dispose();

const bad = createClient({ url, webSocketImpl: WebSocket, connectionParams: { authToken: revoked }, retryAttempts: 0, lazy: true });
try { await run(bad, '{ viewer { email } }'); } catch (e) { out.revoked = { code: e.code, reason: e.reason }; }
await bad.dispose();
console.log(JSON.stringify(out));
