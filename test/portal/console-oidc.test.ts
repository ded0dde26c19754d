/**
 * The cloud console's OpenID Connect sign-in (the China deployment) in a real browser: the built console signs in
 * through oidc-client-ts against a small OpenID provider run here (discovery, authorization code + PKCE, token,
 * end session), then calls the API through Amplify's GraphQL client with the ID token.
 *
 * Stand-ins, and why: there is no network, so the provider is a ~70-line server below (it signs in a fixed user
 * without a login form), and AppSync is a gate that does what AppSync's OIDC mode does — check the ID token's
 * signature, issuer, audience and expiry — before passing the request to a real local hub's GraphQL API.
 * Not covered: Cognito's hosted UI (Amplify only talks https to an amazoncognito.com domain; its configuration
 * mapping is checked in console-logic.test.ts).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConsoleFile } from '../../control-plane/local/static-files.js';
import { startHub, type RunningHub } from '../../control-plane/local/hub.js';
import { createLogger } from '../../worker/core/log.js';
import { axeViolations, launchChromium, openPage, shot } from './console-browser.js';

const CLIENT_ID = 'dth-console';
const SIGNING_KEY = randomBytes(32);
const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function signJwt(claims: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  return `${head}.${body}.${b64url(createHmac('sha256', SIGNING_KEY).update(`${head}.${body}`).digest())}`;
}

/** What AppSync's OIDC mode checks: signature, issuer, audience, expiry. */
function verifyJwt(token: string, issuer: string): boolean {
  const [head, body, sig] = token.split('.');
  if (!head || !body || !sig) return false;
  const want = createHmac('sha256', SIGNING_KEY).update(`${head}.${body}`).digest();
  const got = Buffer.from(sig, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return false;
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as { iss?: string; aud?: string; exp?: number };
  return claims.iss === issuer && claims.aud === CLIENT_ID && (claims.exp ?? 0) > Date.now() / 1000;
}

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

function listen(server: Server): Promise<string> {
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      ok(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    }),
  );
}

let browser: Browser;
let hub: RunningHub;
let provider: Server;
let gate: Server;
let issuer = '';
let consoleUrl = '';
const seen = { authorize: 0, token: 0, endSession: 0, apiCalls: 0, apiRefused: 0, pkceChecked: 0 };
/** The provider's ID token lifetime (seconds); it gives no refresh token, as Authing or Okta without offline_access. */
let tokenLifetime = 3600;
/** API calls the gate refuses with 401 even with a valid token (a token AppSync no longer takes). */
let refuseNext = 0;
/** The redirect_uri of each authorization request. */
const redirects: string[] = [];

beforeAll(async () => {
  hub = await startHub({
    dataDir: mkdtempSync(join(tmpdir(), 'dth-oidc-')),
    port: 0,
    token: 'hub-token-for-oidc',
    logger: createLogger({}, { write: () => {} }),
  });
  const codes = new Map<string, { challenge: string; nonce?: string; redirect: string }>();
  provider = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    res.setHeader('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-headers': 'content-type',
        'access-control-allow-methods': 'GET, POST',
      });
      return res.end();
    }
    if (url.pathname === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(
        JSON.stringify({
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          end_session_endpoint: `${issuer}/logout`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
        }),
      );
    }
    if (url.pathname === '/authorize') {
      seen.authorize++;
      const q = url.searchParams;
      if (
        q.get('client_id') !== CLIENT_ID ||
        q.get('response_type') !== 'code' ||
        q.get('code_challenge_method') !== 'S256' ||
        !q.get('code_challenge')
      ) {
        res.writeHead(400);
        return res.end('bad authorization request');
      }
      redirects.push(q.get('redirect_uri')!);
      const code = randomBytes(12).toString('hex');
      codes.set(code, {
        challenge: q.get('code_challenge')!,
        nonce: q.get('nonce') ?? undefined,
        redirect: q.get('redirect_uri')!,
      });
      res.writeHead(302, {
        location: `${q.get('redirect_uri')}?code=${code}&state=${encodeURIComponent(q.get('state') ?? '')}`,
      });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      seen.token++;
      const form = new URLSearchParams(await body(req));
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      if (
        !grant ||
        grant.redirect !== form.get('redirect_uri') ||
        createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
      ) {
        res.writeHead(400, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: 'invalid_grant' }));
      }
      seen.pkceChecked++;
      const now = Math.floor(Date.now() / 1000);
      const idToken = signJwt({
        iss: issuer,
        aud: CLIENT_ID,
        sub: 'user-1',
        email: 'ops@example.cn',
        iat: now,
        exp: now + tokenLifetime,
        ...(grant.nonce ? { nonce: grant.nonce } : {}),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(
        JSON.stringify({
          access_token: randomBytes(16).toString('hex'),
          id_token: idToken,
          token_type: 'Bearer',
          expires_in: tokenLifetime,
        }),
      );
    }
    if (url.pathname === '/logout') {
      seen.endSession++;
      res.writeHead(302, { location: url.searchParams.get('post_logout_redirect_uri') ?? '/' });
      return res.end();
    }
    res.writeHead(404);
    res.end();
  });
  issuer = await listen(provider);
  const dist = resolve('portal/dist');
  gate = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(
        JSON.stringify({
          authType: 'OIDC',
          apiUrl: `${consoleUrl}/graphql`,
          region: 'cn-north-1',
          oidcIssuer: issuer,
          clientId: CLIENT_ID,
        }),
      );
    }
    if (url.pathname === '/graphql') {
      const refused = refuseNext > 0;
      if (refused) refuseNext--;
      if (refused || !verifyJwt(String(req.headers.authorization ?? ''), issuer)) {
        seen.apiRefused++;
        res.writeHead(401, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({
            errors: [{ errorType: 'UnauthorizedException', message: 'Valid authorization header not provided.' }],
          }),
        );
      }
      seen.apiCalls++;
      const answer = await fetch(`${hub.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${hub.token}` },
        body: await body(req),
      });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      return res.end(await answer.text());
    }
    serveConsoleFile(req, res, dist, url.pathname, [issuer]);
  });
  consoleUrl = await listen(gate);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((ok) => gate?.close(ok));
  await new Promise((ok) => provider?.close(ok));
  await hub?.close();
});

describe('cloud console with OpenID Connect sign-in (oidc-client-ts + Amplify GraphQL client)', () => {
  it('refuses API calls without a valid ID token', async () => {
    const post = (authorization?: string) =>
      fetch(`${consoleUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ query: '{ listTasksV2 { total } }' }),
      });
    expect((await post()).status).toBe(401);
    expect((await post(signJwt({ iss: issuer, aud: 'another-client', exp: Date.now() / 1000 + 60 }))).status).toBe(401);
    expect((await post(signJwt({ iss: issuer, aud: CLIENT_ID, exp: Date.now() / 1000 + 60 }))).status).toBe(200);
  });

  it('signs in through the provider (code + PKCE), then lists tasks through the API with the ID token', async () => {
    const { page, watch, context } = await openPage(browser);
    const refusedBefore = seen.apiRefused;
    await page.goto(`${consoleUrl}/#/tasks`);
    await page.getByRole('heading', { name: /^Tasks/, level: 1 }).waitFor({ timeout: 30_000 });
    await page.getByText('No tasks', { exact: true }).waitFor();
    expect(seen).toMatchObject({ authorize: 1, token: 1, pkceChecked: 1 });
    expect(seen.apiCalls).toBeGreaterThan(0);
    expect(seen.apiRefused).toBe(refusedBefore); // every call the console made carried a valid token
    expect(page.url()).not.toContain('code='); // the authorization response is removed from the address bar
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, '21-oidc-signed-in');
    // The signed-in user, from the ID token's e-mail, as the original's "Welcome, <email>"; Sign out is in that menu.
    await page.getByRole('button', { name: /^Welcome, ops@example\.cn/ }).click();
    // Signing out ends the provider's session too (its end-session endpoint), then the console asks to sign in again.
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await expect.poll(() => seen.endSession, { timeout: 15_000 }).toBe(1);
    await expect.poll(() => seen.authorize, { timeout: 15_000 }).toBe(2);
    expect(watch.problems).toEqual([]);
    await context.close();
  });

  it("registers the console's origin as the original does (no trailing slash) for login and logout", () => {
    expect(redirects.length).toBeGreaterThan(0);
    expect(new Set(redirects)).toEqual(new Set([consoleUrl]));
  });

  it('a short-lived ID token without a refresh token: the console signs in again before it expires, never sends it stale', async () => {
    tokenLifetime = 16; // renewed 4 s before its end (a quarter of its life), so every 12 s: beyond the 10 s loop guard
    try {
      const { page, watch, context } = await openPage(browser);
      const before = { ...seen };
      await page.goto(`${consoleUrl}/#/tasks`);
      await page.getByRole('heading', { name: /^Tasks/, level: 1 }).waitFor({ timeout: 30_000 });
      await page.getByText('No tasks', { exact: true }).waitFor();
      // The task list refreshes every few seconds: past the token's life, its calls go on with a new one.
      await expect.poll(() => seen.authorize - before.authorize, { timeout: 40_000, interval: 500 }).toBeGreaterThan(1);
      const calls = seen.apiCalls;
      await expect.poll(() => seen.apiCalls, { timeout: 20_000 }).toBeGreaterThan(calls);
      await page.getByText('No tasks', { exact: true }).waitFor();
      expect(seen.apiRefused).toBe(before.apiRefused);
      expect(page.url()).toMatch(/#\/tasks$/); // back on the page it was on
      expect(await page.getByText(/Unknown error|Could not load/).count()).toBe(0);
      expect(watch.problems).toEqual([]);
      await context.close();
    } finally {
      tokenLifetime = 3600;
    }
  }, 90_000);

  it('a token AppSync refuses (401) sends the console to sign in again, then it works on', async () => {
    const { page, watch, context } = await openPage(browser);
    await page.goto(`${consoleUrl}/#/tasks`);
    await page.getByText('No tasks', { exact: true }).waitFor({ timeout: 30_000 });
    const before = { ...seen };
    refuseNext = 1;
    await expect.poll(() => seen.apiRefused - before.apiRefused, { timeout: 20_000 }).toBe(1);
    await expect.poll(() => seen.authorize - before.authorize, { timeout: 20_000 }).toBe(1);
    const calls = seen.apiCalls;
    await expect.poll(() => seen.apiCalls, { timeout: 20_000 }).toBeGreaterThan(calls);
    await page.getByText('No tasks', { exact: true }).waitFor();
    expect(page.url()).toMatch(/#\/tasks$/);
    // The refused call's own message, if it showed at all, is gone with the reload; no problem reached the console.
    expect(watch.problems.filter((p) => !/401/.test(p))).toEqual([]);
    await context.close();
  }, 60_000);

  it('an AppSync that refuses every token: one trip back to the provider, then the error on the page — no redirect loop', async () => {
    const { page, context } = await openPage(browser);
    await page.goto(`${consoleUrl}/#/tasks`);
    await page.getByText('No tasks', { exact: true }).waitFor({ timeout: 30_000 });
    const before = { ...seen };
    refuseNext = 1_000;
    try {
      await expect.poll(() => seen.authorize - before.authorize, { timeout: 20_000 }).toBe(1);
      await page
        .getByText(/your sign-in has ended/)
        .first()
        .waitFor({ timeout: 20_000 });
      await sleep(6_000); // the list keeps refreshing: still no second trip within the guard
      expect(seen.authorize - before.authorize).toBe(1);
    } finally {
      refuseNext = 0;
    }
    await context.close();
  }, 60_000);
});
