/**
 * Every request of S3ObjectStore against s3rver behind the fault proxy, each faulted once with each kind of broken
 * answer that applies to it (cut or reset bodies, a listing page cut cleanly or of keys outside its prefix, 200 with
 * an <Error>, HTML or JSON body, a 404 web page, a wrong content type, no answer): the call still returns the real result (the client read the answer strictly and
 * asked again). Faulted every time, it fails with an error naming side, bucket and operation that says it may be
 * retried — never a short or empty result.
 */
import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../worker/adapters/s3/s3-object-store.js';
import { isRetryableError, MalformedAnswerError } from '../../../worker/core/errors.js';
import { startFaultProxy, type FaultKind, type FaultProxy, type S3Operation } from '../../support/fault-proxy.js';
import { createBucket, S3RVER_KEYS, s3Client, servers } from '../../support/servers.js';

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');
const BODY = Buffer.from('0123456789abcdef'.repeat(4096)); // 64 KiB
const PART = Buffer.alloc(5 * 1024 * 1024, 7);

let srcBucket: string;
let dstBucket: string;
let proxy: FaultProxy | undefined;

beforeAll(async () => {
  srcBucket = await createBucket(servers.s3Source, 'answers-src');
  dstBucket = await createBucket(servers.s3Source, 'answers-dst');
  const s3 = s3Client(servers.s3Source);
  for (let i = 0; i < 30; i++)
    await s3.send(new PutObjectCommand({ Bucket: srcBucket, Key: `list/k${String(i).padStart(2, '0')}`, Body: 'x' }));
  await s3.send(new PutObjectCommand({ Bucket: srcBucket, Key: 'obj.bin', Body: BODY }));
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

function store(endpoint: string, bucket: string, side: 'source' | 'destination', maxAttempts?: number): S3ObjectStore {
  return new S3ObjectStore({ bucket, region: 'us-east-1', endpoint, credentials: S3RVER_KEYS, side, maxAttempts });
}

const BODY_FAULTS: FaultKind[] = [
  'shortBody',
  'truncateBody',
  'resetResponse',
  'errorDocument200',
  'htmlBody200',
  'jsonBody200',
  'wrongContentType',
  'dropResponse',
];
const WRITE_FAULTS: FaultKind[] = [
  'errorDocument200',
  'htmlBody200',
  'jsonBody200',
  'dropResponse',
  'serverError',
  'slowDown',
];

interface Case {
  op: S3Operation;
  kinds: FaultKind[];
  /** Runs the call through the proxy and checks its result. */
  run: (endpoint: string) => Promise<void>;
}

const CASES: Case[] = [
  {
    op: 'ListObjects',
    kinds: [...BODY_FAULTS, 'shortListing', 'ignorePrefix', 'htmlNotFound404'],
    run: async (endpoint) => {
      const keys: string[] = [];
      for await (const o of store(endpoint, srcBucket, 'source').list('list/')) keys.push(o.key);
      expect(keys).toEqual(Array.from({ length: 30 }, (_, i) => `list/k${String(i).padStart(2, '0')}`));
    },
  },
  {
    op: 'HeadObject',
    kinds: ['dropResponse', 'serverError', 'slowDown'],
    run: async (endpoint) => {
      expect(await store(endpoint, srcBucket, 'source').head('obj.bin')).toMatchObject({
        size: BODY.length,
        etag: `"${md5(BODY)}"`,
      });
    },
  },
  {
    op: 'GetObject',
    kinds: [
      'errorDocument200',
      'htmlBody200',
      'jsonBody200',
      'htmlNotFound404',
      'partialWhole',
      'dropResponse',
      'serverError',
    ],
    run: async (endpoint) => {
      const s = store(endpoint, srcBucket, 'source');
      const opened = await s.open('obj.bin');
      const chunks: Buffer[] = [];
      for await (const c of opened!.body) chunks.push(c as Buffer);
      expect(md5(Buffer.concat(chunks))).toBe(md5(BODY));
      const ranged: Buffer[] = [];
      for await (const c of await s.get('obj.bin', { start: 10, end: 4105 })) ranged.push(c as Buffer);
      expect(Buffer.concat(ranged).equals(BODY.subarray(10, 4106))).toBe(true);
    },
  },
  {
    op: 'GetObjectTagging',
    kinds: [...BODY_FAULTS, 'htmlNotFound404'],
    run: async (endpoint) => {
      expect(await store(endpoint, srcBucket, 'source').getTags('obj.bin')).toEqual({});
    },
  },
  {
    op: 'PutObject',
    kinds: WRITE_FAULTS,
    run: async (endpoint) => {
      const put = await store(endpoint, dstBucket, 'destination').put('put.bin', BODY, BODY.length, {});
      expect(put.etag).toBe(`"${md5(BODY)}"`);
    },
  },
  {
    op: 'CopyObject',
    kinds: BODY_FAULTS,
    run: async (endpoint) => {
      const out = await store(endpoint, dstBucket, 'destination').copyFrom(
        { bucket: srcBucket, key: 'obj.bin' },
        'copied.bin',
        {},
        BODY.length,
      );
      expect(out.etag).toBe(`"${md5(BODY)}"`);
    },
  },
  ...(['CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload'] as const).map(
    (op): Case => ({
      // A completion that reached the server cannot be sent again (s3rver then answers 500, AWS NoSuchUpload): only the
      // answers made up by the proxy are tried here; the engine's recovery from lost completions is in faulty-operations.
      op,
      kinds:
        op === 'UploadPart'
          ? WRITE_FAULTS
          : op === 'CompleteMultipartUpload'
            ? ['errorDocument200', 'htmlBody200', 'jsonBody200', 'serverError', 'slowDown']
            : BODY_FAULTS,
      run: async (endpoint) => {
        const s = store(endpoint, dstBucket, 'destination');
        const uploadId = await s.createMultipart('mp.bin', {});
        expect(uploadId).toMatch(/\S/);
        const part = await s.uploadPart('mp.bin', uploadId, 1, PART, PART.length);
        expect(part.etag).toBe(`"${md5(PART)}"`);
        const done = await s.completeMultipart('mp.bin', uploadId, [
          { partNumber: 1, etag: part.etag, size: PART.length },
        ]);
        expect(done.etag).toMatch(/\S/);
        expect(await store(servers.s3Source, dstBucket, 'destination').head('mp.bin')).toMatchObject({
          size: PART.length,
        });
      },
    }),
  ),
];

describe('S3ObjectStore reads every answer strictly and asks again', () => {
  for (const c of CASES) {
    for (const kind of c.kinds) {
      it(`${c.op} answered once with ${kind}: the real result`, async () => {
        proxy = await startFaultProxy({
          target: servers.s3Source,
          rates: { [kind]: 1 },
          limits: { [kind]: 1 },
          faultOps: [c.op],
        });
        await c.run(proxy.endpoint);
        expect(proxy.faultCount(kind)).toBe(1);
      });
    }
  }
});

describe('a store busy for a while', () => {
  it("a listing page throttled past the request's own attempts (503 SlowDown) is asked again, further apart", async () => {
    // Before: 2 attempts here (4 by default), a few hundred ms apart, and the pass failed, its listing thrown away.
    proxy = await startFaultProxy({
      target: servers.s3Source,
      rates: { slowDown: 1 },
      limits: { slowDown: 3 },
      faultOps: ['ListObjects'],
    });
    const keys: string[] = [];
    for await (const o of store(proxy.endpoint, srcBucket, 'source', 2).list('list/')) keys.push(o.key);
    expect(keys).toHaveLength(30);
    expect(proxy.faultCount('slowDown')).toBe(3);
  });

  it('a listing answered with something else than S3 (an HTML page) is not asked again beyond its own attempts', async () => {
    proxy = await startFaultProxy({ target: servers.s3Source, rates: { htmlBody200: 1 }, faultOps: ['ListObjects'] });
    const err = await (async () => {
      for await (const _ of store(proxy!.endpoint, srcBucket, 'source', 2).list('list/'));
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedAnswerError);
    expect(proxy.faultCount('htmlBody200')).toBe(2);
  });
});

describe('answers broken every time fail clearly, as retryable', () => {
  it('a listing page always cut: MalformedAnswerError naming source bucket and ListObjectsV2, never a short listing', async () => {
    proxy = await startFaultProxy({ target: servers.s3Source, rates: { shortListing: 1 }, faultOps: ['ListObjects'] });
    const listed: string[] = [];
    const err = await (async () => {
      for await (const o of store(proxy!.endpoint, srcBucket, 'source', 2).list('list/')) listed.push(o.key);
    })().catch((e: unknown) => e);
    expect(listed).toEqual([]);
    expect(err).toBeInstanceOf(MalformedAnswerError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^source bucket ${srcBucket}: ListObjectsV2: the answer is not a valid S3 response \\(not a complete XML document`,
      ),
    );
    expect(isRetryableError(err)).toBe(true);
    expect(proxy.faultCount('shortListing')).toBe(2);
  });

  it('CompleteMultipartUpload answered with HTML: MalformedAnswerError naming destination bucket, operation and key', async () => {
    proxy = await startFaultProxy({
      target: servers.s3Source,
      rates: { htmlBody200: 1 },
      faultOps: ['CompleteMultipartUpload'],
    });
    const s = store(proxy.endpoint, dstBucket, 'destination', 2);
    const uploadId = await s.createMultipart('mp-html.bin', {});
    const part = await s.uploadPart('mp-html.bin', uploadId, 1, PART, PART.length);
    const err = await s
      .completeMultipart('mp-html.bin', uploadId, [{ partNumber: 1, etag: part.etag, size: PART.length }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedAnswerError);
    expect((err as Error).message).toBe(
      `destination bucket ${dstBucket}: CompleteMultipartUpload "mp-html.bin": the answer is not a valid S3 response (content type text/html; charset=utf-8 where XML was expected)`,
    );
  });
});
