/**
 * A request body over the hub's 1 MiB limit is refused, and the caller's next requests still go through: the refused
 * request's connection is closed (its body was left unread), where before it was kept alive and the next request sent
 * on it met a reset (fetch failed, ECONNRESET). The hub's real HTTP server, in process; Node's fetch as the client.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubServer } from '../../../control-plane/local/http-server.js';
import { silentLogger } from '../../../worker/core/log.js';

const server = createHubServer({
  token: 'body-limit',
  execute: async () => ({ data: { ok: true } }),
  logger: silentLogger,
});
let url: string;
beforeAll(async () => {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
});

const post = (body: string) =>
  fetch(url, {
    method: 'POST',
    headers: { authorization: 'Bearer body-limit', 'content-type': 'application/json' },
    body,
  });

describe('the hub refusing a body over 1 MiB', () => {
  it('answers 400 naming the limit, and the next requests on the same client succeed', async () => {
    for (let round = 0; round < 3; round++) {
      const refused = await post(
        JSON.stringify({ query: '{ listSecrets { name } }', variables: { x: 'p'.repeat(2e6) } }),
      );
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({ errors: [{ message: 'body: request body is larger than 1 MiB' }] });
      for (let i = 0; i < 2; i++) {
        const ok = await post(JSON.stringify({ query: '{ listSecrets { name } }' }));
        expect(ok.status).toBe(200);
        expect(await ok.json()).toEqual({ data: { ok: true } });
      }
    }
  });
});
