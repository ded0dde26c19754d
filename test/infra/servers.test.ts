import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createBucket, s3Client, servers } from '../support/servers.js';

describe('local test servers', () => {
  it('s3rver paginates listings (needs the OpenSSL legacy provider)', async () => {
    const client = s3Client(servers.s3Source);
    const bucket = await createBucket(servers.s3Source, 'infra');
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: `k${i}`, Body: `v${i}` })),
      ),
    );
    const page1 = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 2 }));
    const page2 = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 2, ContinuationToken: page1.NextContinuationToken }),
    );
    expect(page2.Contents?.map((o) => o.Key)).toEqual(['k2', 'k3']);
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k4' }));
    expect(await got.Body?.transformToString()).toBe('v4');
  });

  it('registries answer /v2/, the auth one demands credentials', async () => {
    expect((await fetch(`http://${servers.registryOpen}/v2/`)).status).toBe(200);
    expect((await fetch(`http://${servers.registryAuth}/v2/`)).status).toBe(401);
    const auth = Buffer.from(`${servers.registryUser}:${servers.registryPassword}`).toString('base64');
    expect(
      (await fetch(`http://${servers.registryAuth}/v2/`, { headers: { authorization: `Basic ${auth}` } })).status,
    ).toBe(200);
  });

  it('SQS and DynamoDB servers answer', async () => {
    expect((await fetch(`${servers.sqs}/health`)).ok).toBe(true);
    expect((await fetch(servers.dynamodb)).status).toBeGreaterThan(0);
  });

  it("refuses to start on ports another checkout's servers hold, naming DTH_PORT_BASE, and leaves them running", async () => {
    // The servers this suite runs on: a second start on the same ports must not pass for a start of its own.
    const base = Number(new URL(servers.s3Source).port) - 4568;
    const r = spawnSync('bash', ['scripts/test-servers.sh', 'start'], {
      encoding: 'utf8',
      env: { ...process.env, RUN: mkdtempSync(join(tmpdir(), 'dth-run-')), DTH_PORT_BASE: String(base) },
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^port \d+ on 127\.0\.0\.1 is in use by another process .*set DTH_PORT_BASE/);
    expect((await fetch(`${servers.s3Source}/`)).ok).toBe(true);
  }, 60_000);
});
