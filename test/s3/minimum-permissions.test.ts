/**
 * Keys with the original's documented minimum IAM policies (its docs/en-base/tutorial/IAM-Policy.md) — source
 * s3:GetObject + s3:ListBucket; destination s3:PutObject, s3:ListBucket, s3:PutObjectAcl, s3:AbortMultipartUpload,
 * s3:ListBucketMultipartUploads, s3:ListMultipartUploadParts, no s3:GetObject — copy what the original copied:
 * - a tagged source object is copied without its tags (no s3:GetObjectTagging), with a warning naming the permission,
 *   one line for many objects, not one per object;
 * - a copy the write's answer proves needs no HEAD of the destination: onto SSE-KMS (ETags no MD5s) the Content-MD5 the
 *   store accepted proves it, a single-part source copied in parts the completion's ETag;
 * - a copy nothing proves, whose verification HEAD is refused, stays FAILED and says it was written and what
 *   verification needs.
 * Against moto with IAM enforcement on (S3 policies are evaluated there: /work/shared/notes/aws-emulator.md); for the
 * multipart cases s3rver behind the recording front, the destination store refusing HEADs as S3 does.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { GetObjectTaggingCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessDeniedError } from '../../worker/core/errors.js';
import { createLogger } from '../../worker/core/log.js';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { TAGS_REFUSED_EVENT } from '../../worker/s3/tags-refused.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { useMoto } from '../support/moto.js';
import { createBucket, s3Client, servers } from '../support/servers.js';
import {
  baseParams,
  bucketPair,
  bytes,
  embeddedAdapters,
  headObject,
  putSource,
  runEngine,
} from './engine-fixtures.js';
import { startS3Front } from './s3-front.js';

const MiB = 1024 * 1024;
const moto = useMoto();
let work: string;

async function enforceIam(on: boolean): Promise<void> {
  const res = await fetch(`${moto.endpoint}/moto-api/reset-auth`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: on ? '0' : 'inf',
  });
  expect(res.ok).toBe(true);
}

/** The original's minimum policies, as IAM users of moto; their keys in a secrets file (and `open`: any keys). */
async function usersWithMinimumPolicies(src: string, dst: string): Promise<string> {
  const iam = new IAMClient(moto.clientConfig());
  const policies = {
    srcuser: ['s3:GetObject', 's3:ListBucket'],
    dstuser: [
      's3:PutObject',
      's3:ListBucket',
      's3:PutObjectAcl',
      's3:AbortMultipartUpload',
      's3:ListBucketMultipartUploads',
      's3:ListMultipartUploadParts',
    ],
  };
  const secrets: Record<string, { access_key_id: string; secret_access_key: string }> = {
    open: { access_key_id: 'test', secret_access_key: 'test' },
  };
  for (const [user, actions] of Object.entries(policies)) {
    const bucket = user === 'srcuser' ? src : dst;
    const document = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: actions, Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] },
      ],
    };
    await iam.send(new CreateUserCommand({ UserName: user }));
    await iam.send(
      new PutUserPolicyCommand({ UserName: user, PolicyName: 'dth', PolicyDocument: JSON.stringify(document) }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!;
    secrets[user] = { access_key_id: key.AccessKeyId!, secret_access_key: key.SecretAccessKey! };
  }
  const file = join(work, 'secrets.json');
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return file;
}

let src: string;
let dst: string;
let secrets: string;
const TAGGED = ['tagged/a.txt', 'tagged/b.txt', 'tagged/c.txt', 'tagged/d.txt', 'tagged/e.txt'];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dth-minimum-policies-'));
  src = await createBucket(moto.endpoint, 'min-src');
  dst = await createBucket(moto.endpoint, 'min-dst');
  const s3 = s3Client(moto.endpoint);
  for (const key of TAGGED)
    await s3.send(new PutObjectCommand({ Bucket: src, Key: key, Body: `body of ${key}`, Tagging: 'project=alpha' }));
  await s3.send(new PutObjectCommand({ Bucket: src, Key: 'plain/p.txt', Body: 'plain' }));
  secrets = await usersWithMinimumPolicies(src, dst);
}, 60_000);
afterAll(() => enforceIam(false));

/** Runs the engine with the minimum-policy users (IAM enforced while it runs); returns its report and its log. */
async function runWithMinimumPolicies(extra: Record<string, string>, dstEndpoint = moto.endpoint) {
  const lines: string[] = [];
  await enforceIam(true);
  try {
    const run = await runEngine(
      embeddedAdapters,
      baseParams(src, dst, {
        srcEndpoint: moto.endpoint,
        srcCredentials: 'srcuser',
        destEndpoint: dstEndpoint,
        destCredentials: 'dstuser',
        multipartThreshold: '5MiB',
        chunkSize: '5MiB',
        ...extra,
      }),
      { secrets, logger: createLogger({}, { write: (l) => lines.push(l) }) },
    );
    return { ...run, log: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  } finally {
    await enforceIam(false);
  }
}

describe("the original's minimum IAM policies", () => {
  it('tagged source objects are copied without their tags; the warning names s3:GetObjectTagging and a key, not once per object', async () => {
    const { report, log } = await runWithMinimumPolicies({ include: 'tagged/**' });
    // Before: every tagged object FAILED (GetObjectTagging 403 AccessDenied).
    expect(report).toMatchObject({ complete: true, done: TAGGED.length, failed: 0 });
    const warnings = log.filter((l) => l.event === TAGS_REFUSED_EVENT);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.length).toBeLessThan(TAGGED.length);
    expect(warnings.reduce((n, w) => n + (w.objects as number), 0)).toBe(TAGGED.length);
    for (const w of warnings) {
      expect(w).toMatchObject({ level: 'warn', permission: 's3:GetObjectTagging' });
      expect(TAGGED).toContain(w.key);
      expect(w.message).toMatch(/copied without (its|their) tags .*grant s3:GetObjectTagging on the source bucket/);
    }
    const s3 = s3Client(moto.endpoint);
    for (const key of TAGGED) {
      expect((await s3.send(new GetObjectTaggingCommand({ Bucket: dst, Key: key }))).TagSet).toEqual([]);
    }
  });

  it('onto SSE-KMS (ETags are no MD5s) a write accepted with Content-MD5 is verified without reading the destination', async () => {
    const { report, status } = await runWithMinimumPolicies({ include: 'plain/**', destPutObjectSSEType: 'AWS_KMS' });
    // Before: written, then FAILED on the destination's HEAD (403: no s3:GetObject).
    expect(report).toMatchObject({ complete: true, done: 1, failed: 0 });
    expect(await status.get('plain/p.txt')).toMatchObject({ status: 'DONE', verified: true });
    const h = await s3Client(moto.endpoint).send(new HeadObjectCommand({ Bucket: dst, Key: 'plain/p.txt' }));
    expect(h.ServerSideEncryption).toBe('aws:kms');
  });
});

describe('a destination that refuses tags on writes (no s3:PutObjectTagging)', () => {
  it('the refusal of a write carrying tags names s3:PutObjectTagging as well as s3:PutObject', async () => {
    // moto does not enforce s3:PutObjectTagging: the fault proxy answers the PutObject as AWS does without it.
    const proxy = await startFaultProxy({ target: moto.endpoint, rates: { accessDenied: 1 }, faultOps: ['PutObject'] });
    try {
      const bucket = await createBucket(moto.endpoint, 'min-tags');
      const { report, status } = await runEngine(
        embeddedAdapters,
        baseParams(src, bucket, {
          srcEndpoint: moto.endpoint,
          srcCredentials: 'open',
          destEndpoint: proxy.endpoint,
          destCredentials: 'open',
          include: 'tagged/a.txt',
          maxAttempts: '1',
        }),
        { secrets },
      );
      expect(report).toMatchObject({ complete: false, failed: 1 });
      expect((await status.get('tagged/a.txt'))?.error).toBe(
        `destination bucket ${bucket}: PutObject "tagged/a.txt": the role/keys lack permission s3:PutObject ` +
          '(and s3:PutObjectTagging: the copy carries tags) (403 AccessDenied)',
      );
    } finally {
      await proxy.close();
    }
  });
});

describe('a destination that refuses HEAD (no s3:GetObject)', () => {
  /**
   * The destination store answering every HEAD as S3 does without s3:GetObject, mapped as the S3 adapter maps it
   * (test/adapters/s3/s3-errors.test.ts). Over s3rver behind the recording front, which answers AWS's multipart ETags
   * (and SSE-KMS ones): moto 5.2.1 answers our CompleteMultipartUpload with <CompleteMultipartUploadResponse>.
   */
  function refusingHeads(store: ObjectStore, heads: string[]): ObjectStore {
    return Object.assign(Object.create(store) as ObjectStore, {
      head: (key: string) => {
        heads.push(key);
        return Promise.reject(
          new AccessDeniedError(
            `destination bucket ${store.bucket}: HeadObject "${key}"`,
            's3:GetObject',
            '403 AccessDenied',
          ),
        );
      },
    });
  }

  const KEY = 'large/one-part.bin';

  async function runDenyingDestinationHeads(front: { kms?: boolean }) {
    const pair = await bucketPair();
    await putSource(pair.src, KEY, bytes(6 * MiB, 3));
    const proxy = await startS3Front({ target: servers.s3Dest, multipartEtags: true, ...front });
    try {
      const heads: string[] = [];
      const run = await runEngine(
        embeddedAdapters,
        baseParams(pair.src, pair.dst, { destEndpoint: proxy.endpoint, multipartThreshold: '5MiB', chunkSize: '5MiB' }),
        { wrap: (b) => ({ source: b.source, dest: refusingHeads(b.dest, heads) }) },
      );
      return { ...run, dst: pair.dst, heads };
    } finally {
      await proxy.close();
    }
  }

  it('a single-part source copied in parts is verified by the completion, without the HEAD', async () => {
    const { report, status, heads } = await runDenyingDestinationHeads({});
    // Before: FAILED with "HeadObject …: the role/keys lack permission s3:GetObject" after the upload completed.
    expect(report).toMatchObject({ complete: true, done: 1, failed: 0 });
    expect(await status.get(KEY)).toMatchObject({ status: 'DONE', verified: true });
    expect(heads).toEqual([]);
  });

  it('onto SSE-KMS in parts nothing proves the copy: FAILED, saying it was written and that verification needs s3:GetObject', async () => {
    const { report, status, dst } = await runDenyingDestinationHeads({ kms: true });
    expect(report).toMatchObject({ complete: false, done: 0, failed: 1 });
    const record = await status.get(KEY);
    expect(record).toMatchObject({ status: 'FAILED' });
    expect(record?.verified).not.toBe(true);
    expect(record?.error).toContain(
      `"${KEY}" was written to the destination but could not be verified: its ETag does not prove the bytes`,
    );
    expect(record?.error).toMatch(/lack permission s3:GetObject .*grant s3:GetObject on the destination bucket/);
    // The bytes are there: only their verification was refused.
    expect((await headObject(servers.s3Dest, dst, KEY)).ContentLength).toBe(6 * MiB);
  });
});
