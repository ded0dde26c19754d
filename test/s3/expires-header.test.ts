/**
 * The Expires header is copied as the string the source holds, against a moto server, which (as S3) stores whatever
 * string a PUT gave it. Values that are not HTTP dates are common ("0" and "-1" mean "already expired" to caches) and
 * used to be parsed as dates: "0" became the year 2000, "3600" the year 3600 (cached for ever), "never" was dropped.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOG_EVENTS } from '../../worker/core/events.js';
import { createLogger } from '../../worker/core/log.js';
import { useMoto } from '../support/moto.js';
import { createBucket } from '../support/servers.js';
import { baseParams, embeddedAdapters, runEngine } from './engine-fixtures.js';

const moto = useMoto();
/** The Expires values of the probe (report s3edge, fault 1), and a real HTTP date, which must stay as it is too. */
const VALUES = ['0', '-1', '3600', 'never', 'Thu, 01 Jan 2037 00:00:00 GMT'];
const key = (i: number) => `exp/v${i}`;
let src: string;
let secrets: string;

/** moto checks no signature with IAM enforcement off, but answers an unsigned read of a private object 403. */
const SIGNED = {
  authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0',
};

/** Answers moto gives as stored: a raw PUT and a raw HEAD, so no SDK parses the header on either side. */
async function putRaw(bucket: string, k: string, expires: string): Promise<void> {
  const res = await fetch(`${moto.endpoint}/${bucket}/${k}`, {
    method: 'PUT',
    body: 'x',
    headers: { ...SIGNED, expires },
  });
  expect(res.status).toBe(200);
}

async function expiresOf(bucket: string, k: string): Promise<string | null> {
  const res = await fetch(`${moto.endpoint}/${bucket}/${k}`, { method: 'HEAD', headers: SIGNED });
  expect(res.status).toBe(200);
  return res.headers.get('expires');
}

beforeAll(async () => {
  src = await createBucket(moto.endpoint, 'exp-src');
  for (const [i, v] of VALUES.entries()) await putRaw(src, key(i), v);
  for (const [i, v] of VALUES.entries()) expect(await expiresOf(src, key(i))).toBe(v);
  // Two names for the same keys: two signers make the two sides different endpoints (a streamed copy), one the same.
  secrets = join(mkdtempSync(join(tmpdir(), 'dth-expires-')), 'secrets.json');
  const keys = { access_key_id: 'test', secret_access_key: 'test' };
  writeFileSync(secrets, JSON.stringify({ a: keys, b: { ...keys, access_key_id: 'test2' } }), { mode: 0o600 });
}, 60_000);

describe('the Expires header is copied unchanged', () => {
  for (const [way, destCredentials] of [
    ['streamed', 'b'],
    ['server-side', 'a'],
  ] as const) {
    it(`${way} copy: "0", "-1", "3600", "never" and a date arrive as the source's strings`, async () => {
      const dst = await createBucket(moto.endpoint, `exp-${way}`);
      const lines: string[] = [];
      const { report } = await runEngine(
        embeddedAdapters,
        baseParams(src, dst, {
          srcEndpoint: moto.endpoint,
          srcCredentials: 'a',
          destEndpoint: moto.endpoint,
          destCredentials,
        }),
        { secrets, logger: createLogger({}, { write: (l) => lines.push(l) }) },
      );
      expect(report).toMatchObject({ complete: true, done: VALUES.length, failed: 0 });
      const methods = lines.map((l) => JSON.parse(l)).filter((l) => l.event === LOG_EVENTS.workerCopied);
      expect(new Set(methods.map((l) => l.method))).toEqual(new Set([way === 'streamed' ? 'put' : 'server-side']));
      const copied = await Promise.all(VALUES.map((_, i) => expiresOf(dst, key(i))));
      expect(copied).toEqual(VALUES);
    });
  }
});
