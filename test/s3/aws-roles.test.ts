import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { DynamoStatusStore, ensureSqsQueue, ensureStatusTable, SqsJobQueue } from '../../worker/adapters/aws/index.js';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { toActionableError } from '../../worker/adapters/s3/s3-errors.js';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { silentLogger } from '../../worker/core/log.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { runS3Transfer, transferSockets } from '../../worker/s3/run-transfer.js';
import type { TransferJob } from '../../worker/s3/transfer-job.js';
import { localDynamoClient, localSqsClient } from '../adapters/aws/clients.js';
import { localRoleEnv } from '../support/cloud-role.js';
import { startMoto, motoClientConfig } from '../support/moto.js';
import { type CliResult, lastJson, spawnCli } from '../reliability/helpers.js';
import { servers, uniqueName } from '../support/servers.js';
import { baseParams, bucketPair, bytes, md5, putSource, readObject, secretsFile } from './engine-fixtures.js';

const MiB = 1024 * 1024;
const sqs = localSqsClient();
const ddb = localDynamoClient();

/** A task's cloud resources: its queue (+DLQ) and its status table, as the task stack would create them. */
async function taskResources(maxReceiveCount = 3) {
  const name = uniqueName('task');
  const { queueUrl, dlqUrl } = await ensureSqsQueue(sqs, name, { maxReceiveCount, visibilityTimeoutSec: 120 });
  await ensureStatusTable(ddb, name);
  return {
    queueUrl,
    dlqUrl,
    tableName: name,
    queue: new SqsJobQueue<TransferJob>({ client: sqs, queueUrl, dlqUrl }),
    status: new DynamoStatusStore({ client: ddb, tableName: name }),
  };
}

async function seedSource(src: string): Promise<Record<string, Buffer>> {
  const objects: Record<string, Buffer> = {
    'a.txt': Buffer.from('hello'),
    'dir/b.bin': bytes(100 * 1024, 2),
    'dir/ü space+plus.txt': Buffer.from('unicode key'),
    'big.bin': bytes(12 * MiB, 3),
    empty: Buffer.alloc(0),
  };
  for (const [key, body] of Object.entries(objects)) await putSource(src, key, body);
  return objects;
}

async function expectCopied(dst: string, objects: Record<string, Buffer>) {
  for (const [key, body] of Object.entries(objects)) {
    expect(md5(await readObject(servers.s3Dest, dst, key)), key).toBe(md5(body));
  }
}

describe('S3 engine on SQS + DynamoDB adapters', () => {
  it('runS3Transfer copies everything byte-exact, multipart included, and reports DONE + verified', async () => {
    const { src, dst } = await bucketPair();
    const objects = await seedSource(src);
    const params = parseS3TaskParams(baseParams(src, dst, { maxAttempts: '3' }));
    const { queue, status } = await taskResources(params.maxAttempts);
    const report = await runS3Transfer({
      params,
      queue,
      status,
      logger: silentLogger,
      buckets: await openTaskBuckets(params, new FileSecretStore(secretsFile()), transferSockets(params)),
    });
    expect(report.finder).toMatchObject({ scanned: 5, toTransfer: 5, bytesToTransfer: 12 * MiB + 100 * 1024 + 16 });
    expect(report).toMatchObject({
      complete: true,
      total: 5,
      done: 5,
      verified: 5,
      failed: 0,
      pending: 0,
      inProgress: 0,
    });
    await expectCopied(dst, objects);
    const big = await status.get('big.bin');
    expect(big).toMatchObject({ status: 'DONE', verified: true, size: 12 * MiB, bytesDone: 12 * MiB });
    expect(big?.uploadId).toBeUndefined();
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
  });
});

/** The destination with uploadPart replaced: `fail(partNumber)` returns the error to throw, or undefined to upload. */
function withUploadPart(
  dest: ObjectStore,
  fail: (partNumber: number) => Error | undefined,
  uploaded: number[] = [],
): ObjectStore {
  return new Proxy(dest, {
    get(target, prop, receiver) {
      if (prop === 'uploadPart') {
        return async (...args: Parameters<ObjectStore['uploadPart']>) => {
          const err = fail(args[2]);
          if (err) throw err;
          const out = await target.uploadPart(...args);
          uploaded.push(args[2]);
          return out;
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

async function transferOnAws(
  raw: Record<string, string>,
  task: Awaited<ReturnType<typeof taskResources>>,
  wrapDest: (d: ObjectStore) => ObjectStore,
) {
  const params = parseS3TaskParams(raw);
  const secrets = new FileSecretStore(secretsFile());
  const opened = await openTaskBuckets(params, secrets);
  return runS3Transfer({
    params,
    queue: task.queue,
    status: task.status,
    logger: silentLogger,
    buckets: { source: opened.source, dest: wrapDest(opened.dest) },
  });
}

describe('S3 engine resilience on SQS + DynamoDB', () => {
  it('resumes a multipart upload from the parts recorded in DynamoDB after a crash', async () => {
    const { src, dst } = await bucketPair();
    const body = bytes(16 * MiB, 5); // parts of 5, 5, 5 and 1 MiB
    await putSource(src, 'big.bin', body);
    const raw = baseParams(src, dst, { partConcurrency: '1', maxAttempts: '1' });
    const task = await taskResources(1);

    const first: number[] = [];
    const crashed = await transferOnAws(raw, task, (d) =>
      withUploadPart(d, () => (first.length >= 2 ? new Error('simulated crash') : undefined), first),
    );
    expect(crashed.complete).toBe(false);
    expect(first).toEqual([1, 2]);
    const record = await task.status.get('big.bin');
    expect(record).toMatchObject({ status: 'FAILED' });
    expect(record?.uploadId).toBeTruthy();
    expect((await task.status.listParts('big.bin', record!.uploadId!)).map((p) => p.partNumber)).toEqual([1, 2]);

    const second: number[] = [];
    const resumed = await transferOnAws(raw, task, (d) => withUploadPart(d, () => undefined, second));
    expect(resumed.complete).toBe(true);
    expect(second.sort()).toEqual([3, 4]);
    expect(md5(await readObject(servers.s3Dest, dst, 'big.bin'))).toBe(md5(body));
    expect(await task.status.get('big.bin')).toMatchObject({ status: 'DONE', verified: true });
    expect(await task.status.listParts('big.bin', record!.uploadId!)).toEqual([]);
  });

  it('retries through SQS redelivery, then dead-letters via the redrive policy and marks the object FAILED', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'flaky.bin', bytes(9 * MiB, 3));
    await putSource(src, 'fine.txt', 'ok');
    const raw = baseParams(src, dst, { maxAttempts: '2' });
    const task = await taskResources(2);
    // The error the S3 adapter makes of a 500 answer to UploadPart (it carries the retry advice the engine reads).
    const internal = () =>
      toActionableError(
        Object.assign(new Error('We encountered an internal error'), {
          name: 'InternalError',
          $metadata: { httpStatusCode: 500 },
        }),
        { side: 'destination', bucket: dst, operation: 'UploadPart', key: 'flaky.bin', endpoint: servers.s3Dest },
      ) as Error;
    const report = await transferOnAws(raw, task, (d) => withUploadPart(d, internal));
    expect(report).toMatchObject({ complete: false, failed: 1, done: 1 });
    const rec = await task.status.get('flaky.bin');
    expect(rec).toMatchObject({ status: 'FAILED', attempts: 2 });
    expect(rec?.error).toMatch(/internal error/i);
    expect(await task.queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 1 });
    expect((await readObject(servers.s3Dest, dst, 'fine.txt')).toString()).toBe('ok');
  });
});

/** `dth <role>` from the sources; `onStderr` sees its standard error so far and may stop it (SIGTERM). */
function dth(
  args: string[],
  env: Record<string, string>,
  onStderr?: (text: string, kill: () => void) => void,
): Promise<CliResult> {
  const { child, done } = spawnCli(args, { env });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr, () => child.kill('SIGTERM'));
  });
  return done;
}

describe('dth finder / dth worker as cloud roles', () => {
  it('finder queues the difference (and skips while the queue is busy); worker --once copies it all', async () => {
    const { src, dst } = await bucketPair();
    const objects = await seedSource(src);
    const { queueUrl, dlqUrl, tableName, queue, status } = await taskResources();
    // No credential names in the params: the buckets use the default chain (s3rver's key, from the environment).
    const { srcCredentials: _s, destCredentials: _d, ...params } = baseParams(src, dst);
    const env = localRoleEnv({ params, queueUrl, dlqUrl, statusTable: tableName });

    const found = await dth(['finder'], env);
    expect(found.code, found.stderr).toBe(0);
    expect(lastJson(found.stdout)).toMatchObject({ event: 'finder.report', scanned: 5, toTransfer: 5 });
    expect((await queue.depth()).visible).toBe(5);
    expect(await status.summary()).toMatchObject({ total: 5, pending: 5, done: 0 });

    const skipped = await dth(['finder'], env);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(lastJson(skipped.stdout)).toMatchObject({ event: 'finder.skipped', visible: 5 });
    expect((await queue.depth()).visible).toBe(5);

    const worked = await dth(['worker', '--once'], env);
    expect(worked.code, worked.stderr).toBe(0);
    expect(lastJson(worked.stdout)).toMatchObject({ event: 'worker.report', copied: 5, failed: 0 });
    await expectCopied(dst, objects);
    expect(await status.summary()).toMatchObject({ total: 5, done: 5, verified: 5, failed: 0, pending: 0 });
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });

    // The next scheduled pass finds nothing left to copy.
    const again = await dth(['finder'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(lastJson(again.stdout)).toMatchObject({ event: 'finder.report', scanned: 5, toTransfer: 0 });
  });

  it('worker runs until SIGTERM and then stops gracefully with exit 0', async () => {
    const { src, dst } = await bucketPair();
    const { queueUrl, dlqUrl, tableName } = await taskResources();
    const { srcCredentials: _s, destCredentials: _d, ...params } = baseParams(src, dst);
    let signalled = false;
    const out = await dth(
      ['worker'],
      localRoleEnv({ params, queueUrl, dlqUrl, statusTable: tableName }),
      (stderr, kill) => {
        if (!signalled && stderr.includes('"worker.started"')) {
          signalled = true;
          kill();
        }
      },
    );
    expect(signalled, out.stderr).toBe(true);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain('"worker.stopping"');
    expect(lastJson(out.stdout)).toMatchObject({ event: 'worker.report', copied: 0, stopped: true });
  });

  it('finder reads bucket keys from Secrets Manager (SECRETS_ENDPOINT) and names a missing secret', async () => {
    // Secrets Manager has no local server but the AWS API emulator (moto): the secret lives there.
    const moto = await startMoto();
    try {
      const secrets = new SecretsManagerClient(motoClientConfig(moto.endpoint));
      await secrets.send(
        new CreateSecretCommand({
          Name: 'bucket-keys',
          SecretString: JSON.stringify({ access_key_id: 'S3RVER', secret_access_key: 'S3RVER' }),
        }),
      );
      const { src, dst } = await bucketPair();
      await putSource(src, 'one.txt', 'one');
      const { queueUrl, tableName } = await taskResources();
      const env = {
        QUEUE_URL: queueUrl,
        STATUS_TABLE: tableName,
        AWS_REGION: 'us-east-1',
        SQS_ENDPOINT: servers.sqs,
        DYNAMODB_ENDPOINT: servers.dynamodb,
        SECRETS_ENDPOINT: moto.endpoint,
        // The role's own credentials: s3rver would refuse them, so the listing only works with the keys from the secret.
        AWS_ACCESS_KEY_ID: 'role-key',
        AWS_SECRET_ACCESS_KEY: 'role-secret',
      };
      // Checked first: the finder skips its pass once the queue holds work. A missing secret is a setting error (exit 2).
      const missing = await dth(['finder'], {
        ...env,
        TASK_PARAMS: JSON.stringify(
          baseParams(src, dst, { srcCredentials: 'no-such-secret', destCredentials: 'bucket-keys' }),
        ),
      });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('secret \\"no-such-secret\\" was not found');
      const ok = await dth(['finder'], {
        ...env,
        TASK_PARAMS: JSON.stringify(
          baseParams(src, dst, { srcCredentials: 'bucket-keys', destCredentials: 'bucket-keys' }),
        ),
      });
      expect(ok.code, ok.stderr).toBe(0);
      expect(lastJson(ok.stdout)).toMatchObject({ event: 'finder.report', toTransfer: 1 });
      expect(ok.stderr + ok.stdout).not.toContain('"S3RVER"');
    } finally {
      await moto.stop();
    }
  });

  it('refuses a missing or malformed setting with exit 2, naming the variable', async () => {
    const missing = await dth(['finder'], {
      TASK_PARAMS: JSON.stringify(baseParams('src-a', 'dst-b')),
      AWS_REGION: 'us-east-1',
      QUEUE_URL: '',
      STATUS_TABLE: 't',
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('QUEUE_URL');
    const badParams = await dth(['worker', '--once'], {
      TASK_PARAMS: JSON.stringify({ ...baseParams('src-a', 'dst-b'), srcBucket: '' }),
      AWS_REGION: 'us-east-1',
      QUEUE_URL: 'http://127.0.0.1:1/q',
      STATUS_TABLE: 't',
    });
    expect(badParams.code).toBe(2);
    expect(badParams.stderr).toContain('TASK_PARAMS.srcBucket');
  });
});
