/**
 * S3 answers that are not what they claim to be, through the real CLI: a listing page cut short that ends cleanly, a
 * source endpoint that answers 200 with HTML or JSON, a permission missing at the destination. Each run either copies
 * every source object byte-identical (and says complete) or fails with a clear error naming side, bucket and
 * operation — never exit 0 / complete: true with objects left behind.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from '../support/fault-proxy.js';
import { startMoto } from '../support/moto.js';
import { createBucket, s3Client, servers } from '../support/servers.js';
import { listKeys, runCli, seedObjects, type CliResult, type ObjectSpec } from './helpers.js';

/** 1,500 objects: a first page of 1,000 and a last of 500 (the case found by the probe). */
const SPECS: ObjectSpec[] = Array.from({ length: 1500 }, (_, i) => ({
  key: `many/${String(i).padStart(5, '0')}.txt`,
  size: 1 + (i % 97),
}));

let work: string;
let srcBucket: string;
let expected: Map<string, string>;
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dth-rel-strict-'));
  writeFileSync(
    join(work, 'secrets.json'),
    JSON.stringify({
      keys: { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' },
      wrong: { access_key_id: 'NOT-S3RVER-KEY', secret_access_key: 'S3RVER' },
    }),
    { mode: 0o600 },
  );
  srcBucket = await createBucket(servers.s3Source, 'rel-strict-src');
  expected = await seedObjects(s3Client(servers.s3Source), srcBucket, SPECS, 16);
}, 120_000);
afterAll(async () => {
  for (const p of proxies) await p.close();
  rmSync(work, { recursive: true, force: true });
});

async function proxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const p = await startFaultProxy(options);
  proxies.push(p);
  return p;
}

/** Runs `dth s3 sync --json` from `srcEndpoint` into a new destination bucket; returns the result and its summary. */
async function sync(name: string, endpoints: { src: string; dst: string }, overrides: Record<string, unknown> = {}) {
  const dstBucket = await createBucket(servers.s3Dest, `rel-strict-${name}`);
  const file = join(work, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      srcType: 'S3_Compatible',
      srcEndpoint: endpoints.src,
      srcBucket,
      srcCredentials: 'keys',
      destEndpoint: endpoints.dst,
      destBucket: dstBucket,
      destRegion: 'us-east-1',
      destCredentials: 'keys',
      workerConcurrency: 16,
      maxAttempts: 3,
      ...overrides,
    }),
  );
  const result = await runCli(
    [
      's3',
      'sync',
      '--params',
      file,
      '--state',
      join(work, `${name}.db`),
      '--secrets',
      join(work, 'secrets.json'),
      '--json',
    ],
    {
      timeoutMs: 150_000,
    },
  );
  const summaryLine = result.stdout.split('\n').find((l) => l.includes('"event":"summary"'));
  const summary = summaryLine
    ? (JSON.parse(summaryLine) as { complete: boolean; failures: { key: string; error: string }[] })
    : undefined;
  return { result, summary, dstBucket };
}

/** Keys missing at the destination or holding other bytes (s3rver's single-part ETags are the MD5 of the bytes stored). */
async function differences(dstBucket: string, only: (key: string) => boolean = () => true): Promise<string[]> {
  const s3 = s3Client(servers.s3Dest);
  const stored = new Map<string, string | undefined>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: dstBucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) stored.set(o.Key!, o.ETag?.replace(/"/g, ''));
    token = page.NextContinuationToken;
  } while (token);
  const problems: string[] = [];
  for (const [key, md5] of expected) {
    if (!only(key)) continue;
    if (!stored.has(key)) problems.push(`missing ${key}`);
    else if (stored.get(key) !== md5) problems.push(`different bytes in ${key}`);
  }
  return problems;
}

/** A failure a user can act on: non-zero exit, no stack trace, and `pattern` in what the CLI said. */
function expectClearFailure(result: CliResult, pattern: RegExp) {
  expect(result.code).not.toBe(0);
  const said = result.stdout + result.stderr;
  expect(said).toMatch(pattern);
  expect(said).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
}

/** The one-key access check is left alone, so the faults fall on the listing pages themselves. */
const pagesOnly: FaultProxyOptions['faultWhen'] = (op, url) => op === 'ListObjects' && !url.includes('max-keys=1');

describe('listing pages cut short that end cleanly', () => {
  it('a cut first page is read again: exit 0 only with all 1,500 objects byte-identical', async () => {
    const src = await proxy({
      target: servers.s3Source,
      rates: { shortListing: 1 },
      limits: { shortListing: 1 },
      faultOps: ['ListObjects'],
      faultWhen: pagesOnly,
    });
    const { result, summary, dstBucket } = await sync('cut-once', { src: src.endpoint, dst: servers.s3Dest });
    expect(src.faultCount('shortListing')).toBe(1);
    expect(result.code, result.stderr).toBe(0);
    expect(summary?.complete).toBe(true);
    expect(await differences(dstBucket)).toEqual([]);
  }, 180_000);

  it('pages that keep coming back cut: a clear failure naming the source bucket and ListObjectsV2, never complete', async () => {
    const src = await proxy({
      target: servers.s3Source,
      rates: { shortListing: 1 },
      faultOps: ['ListObjects'],
      faultWhen: pagesOnly,
    });
    const { result, summary } = await sync('cut-always', { src: src.endpoint, dst: servers.s3Dest });
    expect(src.faultCount('shortListing')).toBeGreaterThanOrEqual(2);
    expect(summary?.complete).not.toBe(true);
    expectClearFailure(
      result,
      new RegExp(
        `source bucket ${srcBucket}: ListObjectsV2: the answer is not a valid S3 response \\(not a complete XML document`,
      ),
    );
  }, 120_000);

  it('a store that ignores continuation-token (the first page again, for ever): a clear failure, not an endless listing', async () => {
    const src = await proxy({
      target: servers.s3Source,
      rates: { ignoreContinuation: 1 },
      faultOps: ['ListObjects'],
      faultWhen: (op, url) => op === 'ListObjects' && url.includes('continuation-token'),
    });
    const { result, summary } = await sync('no-continuation', { src: src.endpoint, dst: servers.s3Dest });
    expect(src.faultCount('ignoreContinuation')).toBeGreaterThanOrEqual(1);
    expect(summary?.complete).not.toBe(true);
    expectClearFailure(
      result,
      new RegExp(
        `source bucket ${srcBucket}: ListObjectsV2: the answer is not a valid S3 response \\(the listing went back: a page after key "many/00999.txt" starts at "many/00000.txt"`,
      ),
    );
    // Nothing was queued twice: at most the first page's 1,000 objects were copied.
    expect((summary as { queued?: number } | undefined)?.queued ?? 0).toBeLessThanOrEqual(1000);
  }, 120_000);

  it('a store that ignores prefix (keys outside it): a clear failure, not a copy of what the task left out', async () => {
    const src = await proxy({
      target: servers.s3Source,
      rates: { ignorePrefix: 1 },
      faultOps: ['ListObjects'],
      faultWhen: (op, url) => op === 'ListObjects' && url.includes('prefix=many%2F0000'),
    });
    const { result, summary, dstBucket } = await sync(
      'no-prefix',
      { src: src.endpoint, dst: servers.s3Dest },
      { srcPrefix: 'many/0000' },
    );
    expect(src.faultCount('ignorePrefix')).toBeGreaterThanOrEqual(1);
    expect(summary?.complete).not.toBe(true);
    expectClearFailure(
      result,
      new RegExp(
        `source bucket ${srcBucket}: ListObjectsV2: the answer is not a valid S3 response \\(a listing of prefix "many/0000" answered the key "many/00010.txt", outside it \\(does the store ignore prefix\\?\\)\\)`,
      ),
    );
    expect((await listKeys(s3Client(servers.s3Dest), dstBucket)).size).toBe(0);
  }, 120_000);

  it('a cut page whose Content-Length is kept (the connection ends early) is read again', async () => {
    const src = await proxy({
      target: servers.s3Source,
      rates: { truncateBody: 1 },
      limits: { truncateBody: 2 },
      faultOps: ['ListObjects'],
      faultWhen: pagesOnly,
    });
    // Both pages are listed; only the last 100 keys (on the second page) are copied, to keep the run short.
    const { result, summary, dstBucket } = await sync(
      'truncated',
      { src: src.endpoint, dst: servers.s3Dest },
      { include: 'many/014*' },
    );
    expect(src.faultCount('truncateBody')).toBe(2);
    expect(result.code, result.stderr).toBe(0);
    expect(summary?.complete).toBe(true);
    expect(await differences(dstBucket, (k) => k.startsWith('many/014'))).toEqual([]);
    expect((await listKeys(s3Client(servers.s3Dest), dstBucket)).size).toBe(100);
  }, 180_000);
});

describe('a source endpoint that is not S3', () => {
  for (const kind of ['htmlBody200', 'jsonBody200'] as const) {
    it(`answering 200 with ${kind === 'htmlBody200' ? 'an HTML page' : 'a JSON body'}: a clear failure, not DONE with 0 objects`, async () => {
      const src = await proxy({
        target: servers.s3Source,
        rates: { [kind]: 1 },
        faultOps: ['ListObjects', 'HeadBucket', 'HeadObject', 'GetObject'],
      });
      const { result, summary, dstBucket } = await sync(kind, { src: src.endpoint, dst: servers.s3Dest });
      expect(src.faultCount(kind)).toBeGreaterThan(0);
      expect(summary?.complete).not.toBe(true);
      expectClearFailure(
        result,
        new RegExp(
          `source bucket ${srcBucket}: ListObjectsV2: the answer is not a valid S3 response \\(content type (text/html|application/json)`,
        ),
      );
      expect((await listKeys(s3Client(servers.s3Dest), dstBucket)).size).toBe(0);
    }, 60_000);
  }
});

describe("404 answers that are not S3's", () => {
  it('a listing answered with a web page: a clear failure that names what answered, not "bucket does not exist"', async () => {
    const src = await proxy({ target: servers.s3Source, rates: { htmlNotFound404: 1 }, faultOps: ['ListObjects'] });
    const { result, summary } = await sync('listing-404-page', { src: src.endpoint, dst: servers.s3Dest });
    expect(src.faultCount('htmlNotFound404')).toBeGreaterThan(0);
    expect(summary?.complete).not.toBe(true);
    expectClearFailure(
      result,
      new RegExp(
        `source bucket ${srcBucket}: ListObjectsV2: the answer is not a valid S3 response \\(HTTP 404 with text/html "404 Not Found nginx", not an S3 error document; check the endpoint\\)`,
      ),
    );
    expect(result.stdout + result.stderr).not.toMatch(/does not exist/);
  }, 60_000);

  /** The summary of a run whose every object's `op` was answered with a web page: each object FAILED, none skipped. */
  async function expectEveryObjectFailed(run: Awaited<ReturnType<typeof sync>>, op: string, keys: string[]) {
    const { result, summary, dstBucket } = run;
    expect(result.code).not.toBe(0);
    expect(summary?.complete).toBe(false);
    expect((summary as { skipped?: number } | undefined)?.skipped).toBe(0);
    expect(summary?.failures.map((f) => f.key).sort()).toEqual(keys);
    for (const f of summary!.failures)
      expect(f.error).toContain(
        `${op} "${f.key}": the answer is not a valid S3 response (HTTP 404 with text/html "404 Not Found nginx"`,
      );
    expect((await listKeys(s3Client(servers.s3Dest), dstBucket)).size).toBe(0);
  }

  it('a listed object whose GetObject is answered with a web page is FAILED, not skipped as deleted at the source', async () => {
    const src = await proxy({ target: servers.s3Source, rates: { htmlNotFound404: 1 }, faultOps: ['GetObject'] });
    const run = await sync('object-404-page', { src: src.endpoint, dst: servers.s3Dest }, { include: 'many/0000*' });
    expect(src.faultCount('htmlNotFound404')).toBeGreaterThan(0);
    await expectEveryObjectFailed(
      run,
      'GetObject',
      Array.from({ length: 10 }, (_, i) => `many/0000${i}.txt`),
    );
  }, 90_000);

  it('a tagged object whose GetObjectTagging is answered with a web page is FAILED, not copied without its tags', async () => {
    // moto, not s3rver, as the source: s3rver does not say an object has tags (x-amz-tagging-count), so none are read.
    const moto = await startMoto();
    try {
      const bucket = await createBucket(moto.endpoint, 'rel-strict-tagged');
      const keys = ['tagged/a.txt', 'tagged/b.txt'];
      for (const key of keys)
        await s3Client(moto.endpoint).send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}`, Tagging: 'team=data' }),
        );
      const src = await proxy({ target: moto.endpoint, rates: { htmlNotFound404: 1 }, faultOps: ['GetObjectTagging'] });
      const run = await sync('tags-404-page', { src: src.endpoint, dst: servers.s3Dest }, { srcBucket: bucket });
      expect(src.faultCount('htmlNotFound404')).toBeGreaterThan(0);
      await expectEveryObjectFailed(run, 'GetObjectTagging', keys);
    } finally {
      await moto.stop();
    }
  }, 90_000);
});

describe('permissions and credentials are told apart', () => {
  it('a missing s3:PutObject permission names side, bucket, operation and permission, and is not called a credentials problem', async () => {
    // s3rver has no bucket policies: the proxy answers PutObject as a policy without the permission does (403 AccessDenied).
    const dst = await proxy({ target: servers.s3Dest, rates: { accessDenied: 1 }, faultOps: ['PutObject'] });
    const { result, summary, dstBucket } = await sync(
      'denied',
      { src: servers.s3Source, dst: dst.endpoint },
      { include: 'many/0000*' },
    );
    expect(summary?.complete).toBe(false);
    expect(summary?.failures.length).toBeGreaterThan(0);
    for (const f of summary!.failures) {
      expect(f.error).toBe(
        `destination bucket ${dstBucket}: PutObject "${f.key}": the role/keys lack permission s3:PutObject (403 AccessDenied)`,
      );
    }
    expect(result.stdout + result.stderr).not.toMatch(/credentials/);
    // Not retried: redelivery cannot grant a permission.
    expect(dst.faultCount('accessDenied')).toBe(10);
  }, 60_000);

  it('keys the store does not know are reported as the named secret rejected', async () => {
    const { result } = await sync(
      'wrong-keys',
      { src: servers.s3Source, dst: servers.s3Dest },
      { destCredentials: 'wrong' },
    );
    expectClearFailure(
      result,
      /destination bucket [^:]+: ListObjectsV2: credentials of secret "wrong" were rejected \(403 InvalidAccessKeyId\)/,
    );
  }, 60_000);
});
