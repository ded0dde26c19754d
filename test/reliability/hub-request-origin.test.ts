/**
 * DNS rebinding and cross-site requests against a real `dth serve`: a page on another site can make the browser send
 * requests to 127.0.0.1 — under its own host name (DNS rebinding: the name resolves to 127.0.0.1, the Host header
 * keeps the attacker's name) or with its own Origin. The hub serves only requests addressed to a loopback name (or the
 * public name given with --public-host), and refuses a state-changing request whose Origin is not the hub's own —
 * even with a valid token — and such requests change nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE, params } from '../control-plane/local/hub-process.js';
import { mustStartServe, rawRequest, type HubChild } from './hub-child.js';

const work = mkdtempSync(join(tmpdir(), 'dth-rel-origin-'));
let hub: HubChild;
let exposed: HubChild | undefined;

beforeAll(async () => {
  hub = await mustStartServe(join(work, 'hub'));
});
afterAll(async () => {
  await Promise.all([hub?.stop(), exposed?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

const createBody = JSON.stringify({
  query: CREATE,
  variables: {
    input: {
      type: 'S3EC2',
      scheduleType: 'ONE_TIME',
      parameters: params({
        // Nothing listens on port 9: a task that is created fails at once, without leaving the machine.
        srcType: 'S3_Compatible',
        srcEndpoint: 'http://127.0.0.1:9',
        srcBucket: 'aaa',
        destEndpoint: 'http://127.0.0.1:9',
        destBucket: 'bbb',
        destRegion: 'us-east-1',
      }),
    },
  },
});

function post(h: HubChild, headers: Record<string, string>, body = createBody) {
  return rawRequest(h.port, {
    method: 'POST',
    path: '/graphql',
    body,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${h.token}`,
      'content-length': String(Buffer.byteLength(body)),
      ...headers,
    },
  });
}

async function taskCount(h: HubChild): Promise<number> {
  const r = await h.gql('{ listTasksV2(count: 100) { total } }');
  return r.body.data.listTasksV2.total;
}

describe('hub request origin checks', () => {
  it('a request under a host name that is not loopback is refused, even with a valid token, and changes nothing', async () => {
    const port = hub.port;
    const foreign = [
      'rebind.attacker.example',
      `rebind.attacker.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `localhost.attacker.example:${port}`,
      `attacker.example:${port}`,
      `127.0.0.1:${port + 1}`,
      `localhost:${port}.attacker.example`,
      '',
    ];
    for (const host of foreign) {
      const res = await post(hub, { host });
      expect(res.status, `Host: ${host} → ${res.body}`).toBe(403);
      expect(res.body).not.toContain('"data"');
      expect(res.body).toMatch(/host/i);
      // The console and its config are not served to such a page either.
      for (const path of ['/', '/config.json']) {
        const page = await rawRequest(port, { path, headers: { host } });
        expect(page.status, `GET ${path} Host: ${host}`).toBe(403);
      }
    }
    expect(await taskCount(hub)).toBe(0);
  });

  it('loopback names are served, with the port the hub listens on', async () => {
    const port = hub.port;
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      `[::1]:${port}`,
      '127.0.0.1',
      'localhost',
    ]) {
      const res = await post(hub, { host }, JSON.stringify({ query: '{ listTasksV2 { total } }' }));
      expect(res.status, `Host: ${host} → ${res.body}`).toBe(200);
      expect(JSON.parse(res.body).data.listTasksV2.total).toBe(0);
    }
  });

  it("a state-changing request from another origin is refused, even with a valid token; the hub's own origin is served", async () => {
    const port = hub.port;
    const host = `127.0.0.1:${port}`;
    for (const origin of [
      'https://attacker.example',
      'null',
      `http://127.0.0.1:${port + 1}`,
      // Other servers of this machine: the ports a scheme implies, the hub's port over TLS (before: all served).
      'http://127.0.0.1',
      'http://localhost',
      'https://localhost',
      'http://127.0.0.1:80',
      `https://127.0.0.1:${port}`,
      `http://localhost.attacker.example:${port}`,
      'file://',
    ]) {
      const res = await post(hub, { host, origin });
      expect(res.status, `Origin: ${origin} → ${res.body}`).toBe(403);
      expect(res.body).toMatch(/origin/i);
    }
    expect(await taskCount(hub)).toBe(0);
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const res = await post(hub, { host, origin });
      expect(res.status, `Origin: ${origin} → ${res.body}`).toBe(200);
      expect(JSON.parse(res.body).errors).toBeUndefined();
    }
    // No Origin at all: a script or the CLI (the token is what it must show).
    expect((await post(hub, { host })).status).toBe(200);
    expect(await taskCount(hub)).toBe(3);
  });

  it('--public-host adds one name (a reverse proxy in front of the hub); other names stay refused', async () => {
    exposed = await mustStartServe(join(work, 'exposed'), { args: ['--public-host', 'dth.example.com'] });
    const ok = await post(exposed, { host: 'dth.example.com', origin: 'https://dth.example.com' });
    expect(ok.status, ok.body).toBe(200);
    expect((await post(exposed, { host: `127.0.0.1:${exposed.port}` })).status).toBe(200);
    expect((await post(exposed, { host: 'rebind.attacker.example' })).status).toBe(403);
    expect((await post(exposed, { host: 'dth.example.com', origin: 'https://attacker.example' })).status).toBe(403);
    expect(await taskCount(exposed)).toBe(2);
  });

  it('a --public-host named with :443 serves a Host without a port (browsers and proxies leave the default out)', async () => {
    const proxied = await mustStartServe(join(work, 'proxied'), { args: ['--public-host', 'dth.example.com:443'] });
    try {
      const ok = await post(proxied, { host: 'dth.example.com', origin: 'https://dth.example.com' });
      expect(ok.status, ok.body).toBe(200);
      expect((await post(proxied, { host: 'dth.example.com:443', origin: 'https://dth.example.com' })).status).toBe(
        200,
      );
      expect((await post(proxied, { host: 'dth.example.com:8443' })).status).toBe(403);
      expect((await post(proxied, { host: 'other.example.com' })).status).toBe(403);
    } finally {
      await proxied.stop();
    }
  });

  it('takes the token under any case of the scheme name (bearer, BEARER), and nothing else', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const r = await post(hub, { host: `127.0.0.1:${hub.port}`, authorization: `${scheme} ${hub.token}` });
      expect(r.status, scheme).toBe(200);
    }
    expect((await post(hub, { host: `127.0.0.1:${hub.port}`, authorization: `Basic ${hub.token}` })).status).toBe(401);
    expect((await post(hub, { host: `127.0.0.1:${hub.port}`, authorization: `bearer ${hub.token}x` })).status).toBe(
      401,
    );
  });

  it('on --host ::1 prints a link that is a URL (the address bracketed) and serves it', async () => {
    const v6 = await mustStartServe(join(work, 'v6'), { args: ['--host', '::1'] });
    try {
      expect(v6.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect(v6.output()).toContain(`Open ${v6.url}`);
      expect((await v6.gql('{ listTasksV2(count: 1) { total } }')).status).toBe(200);
    } finally {
      await v6.stop();
    }
  });
});
