/**
 * `dth run -t Finder|Worker`: a config file written for the original CLI (dthcli, its config-example.yaml's keys) and
 * its environment variables run this engine's finder and worker, against s3rver, SQS (fauxqs) and DynamoDB (dynalite).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoStatusStore, ensureSqsQueue, ensureStatusTable, SqsJobQueue } from '../../worker/adapters/aws/index.js';
import type { TransferJob } from '../../worker/s3/transfer-job.js';
import { localDynamoClient, localSqsClient } from '../adapters/aws/clients.js';
import { type CliResult, lastJson, spawnCli } from '../reliability/helpers.js';
import { bucketPair, bytes, md5, putSource, readObject } from '../s3/engine-fixtures.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { servers, uniqueName } from '../support/servers.js';

const MiB = 1024 * 1024;
const sqs = localSqsClient();
const ddb = localDynamoClient();

/** The original's config-example.yaml, pointed at the test servers (destEndpoint: one of this engine's parameters). */
function originalConfig(v: { src: string; dst: string; queue: string; table: string }): string {
  return `srcType: Amazon_S3
srcBucket: ${v.src}
srcPrefix:
srcPrefixListBucket:
srcRegion: us-west-2
srcEndpoint: ${servers.s3Source}
srcCredential:
srcInCurrentAccount: true
skipCompare: false
payerRequest: false

destBucket: ${v.dst}
destPrefix: copied
destRegion: us-east-1
destEndpoint: ${servers.s3Dest}
destCredential:
destStorageClass: STANDARD
destInCurrentAccount: true
destAcl: bucket-owner-full-control
destSSEType: None
destSSEKMSKeyId:

jobTableName: ${v.table}
jobQueueName: ${v.queue}
singlePartTableName: single-part-test-table
sfnArn: sfn-arn

options:
  chunkSize: 5
  multipartThreshold: 10
  giantFileThreshold: 1024
  maxKeys: 1000
  messageBatchSize: 10
  finderDepth: 0
  finderNumber: 1
  workerNumber: 4
  includeMetadata: false
`;
}

/** The environment the original's users give it: the region, and here the local endpoints and s3rver's key. */
const ROLE_ENV = {
  AWS_REGION: 'us-east-1',
  SQS_ENDPOINT: servers.sqs,
  DYNAMODB_ENDPOINT: servers.dynamodb,
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
};

async function task(maxReceiveCount = 3) {
  const name = uniqueName('run');
  const { queueUrl, dlqUrl } = await ensureSqsQueue(sqs, name, { maxReceiveCount, visibilityTimeoutSec: 60 });
  await ensureStatusTable(ddb, name);
  const { src, dst } = await bucketPair();
  const dir = mkdtempSync(join(tmpdir(), 'dth-run-'));
  writeFileSync(join(dir, 'config.yaml'), originalConfig({ src, dst, queue: name, table: name }));
  return {
    src,
    dst,
    dir,
    name,
    queue: new SqsJobQueue<TransferJob>({ client: sqs, queueUrl, dlqUrl }),
    status: new DynamoStatusStore({ client: ddb, tableName: name }),
  };
}

function dth(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return spawnCli(['run', ...args], { cwd, env: { ...ROLE_ENV, ...env } }).done;
}

describe('dth run: the original CLI (dthcli run) on this engine', () => {
  it("runs a Finder (the default type) and a Worker from the original's ./config.yaml, and the copy is exact", async () => {
    const t = await task();
    const objects = { 'a.txt': Buffer.from('hello'), 'dir/b.bin': bytes(300 * 1024, 2), 'big.bin': bytes(11 * MiB, 3) };
    for (const [key, body] of Object.entries(objects)) await putSource(t.src, key, body);

    const found = await dth([], t.dir);
    expect(found.code, found.stderr).toBe(0);
    expect(lastJson(found.stdout)).toMatchObject({ event: 'finder.report', scanned: 3, toTransfer: 3 });
    // The original's settings this engine has no use for are named once, with why: nothing silently dropped.
    expect(found.stderr).toContain('not needed here: singlePartTableName, sfnArn');
    expect((await t.queue.depth()).visible).toBe(3);

    // The queue still holds the pass: the original's Finder refused to run (exit 1), so a script retries it.
    const busy = await dth(['-t', 'Finder'], t.dir);
    expect(busy.code, busy.stderr).toBe(1);
    expect(busy.stderr).toContain('dth run -t Finder: the queue is not empty (3 waiting');

    const copied = await dth(['--type=Worker'], t.dir, { WORKER_EXIT_WHEN_DRAINED: 'true' });
    expect(copied.code, copied.stderr).toBe(0);
    expect(lastJson(copied.stdout)).toMatchObject({ event: 'worker.report', copied: 3, failed: 0 });
    for (const [key, body] of Object.entries(objects))
      expect(md5(await readObject(servers.s3Dest, t.dst, `copied/${key}`)), key).toBe(md5(body));
    // options.multipartThreshold 10 (MiB) and chunkSize 5: the 11 MiB object went in three parts of 5 MiB (its record
    // keeps what was verified: the parts' MD5s).
    expect((await t.status.get('big.bin'))?.checksum).toMatch(/^md5-parts:.*-3$/);
    expect(await t.status.summary()).toMatchObject({ total: 3, done: 3, failed: 0, verified: 3 });

    const again = await dth(['-t', 'Finder'], t.dir);
    expect(again.code, again.stderr).toBe(0);
    expect(lastJson(again.stdout)).toMatchObject({ event: 'finder.report', scanned: 3, toTransfer: 0 });
  });

  it('reads --config FILE, and the environment variables win over it, as the original reads them', async () => {
    const t = await task();
    await putSource(t.src, 'keep/one.txt', 'one');
    await putSource(t.src, 'other/two.txt', 'two');
    const config = join(t.dir, 'elsewhere.yml');
    writeFileSync(config, originalConfig({ src: t.src, dst: t.dst, queue: 'no-such-queue', table: t.name }));
    const found = await dth(['-t', 'Finder', '--config', config], tmpdir(), {
      JOB_QUEUE_NAME: t.name,
      SRC_PREFIX: 'keep/',
      DEST_PREFIX: '',
    });
    expect(found.code, found.stderr).toBe(0);
    expect(lastJson(found.stdout)).toMatchObject({ event: 'finder.report', scanned: 1, toTransfer: 1 });
    const copied = await dth(['-t', 'worker', '--config', config], tmpdir(), {
      JOB_QUEUE_NAME: t.name,
      SRC_PREFIX: 'keep/',
      WORKER_EXIT_WHEN_DRAINED: '1',
    });
    expect(copied.code, copied.stderr).toBe(0);
    // DEST_PREFIX blank in the environment leaves the file's (copied), as an unset variable.
    expect((await readObject(servers.s3Dest, t.dst, 'copied/keep/one.txt')).toString()).toBe('one');
  });

  it("records an object FAILED within the queue's own redrive count, not after SQS has dead-lettered it", async () => {
    // A queue made by someone else, dead-lettering at the 2nd delivery (a task's maxAttempts is 5): a worker that waited
    // for a 3rd would never see it, and the object would stay PENDING. Every PUT at the destination fails (500).
    const t = await task(2);
    const proxy = await startFaultProxy({ target: servers.s3Dest, rates: { serverError: 1 }, faultOps: ['PutObject'] });
    try {
      writeFileSync(
        join(t.dir, 'config.yaml'),
        originalConfig({ src: t.src, dst: t.dst, queue: t.name, table: t.name }).replace(
          servers.s3Dest,
          proxy.endpoint,
        ),
      );
      await putSource(t.src, 'refused.txt', 'never written');
      expect((await dth([], t.dir)).code).toBe(0);
      const worker = await dth(['-t', 'Worker'], t.dir, { WORKER_EXIT_WHEN_DRAINED: 'true' });
      expect(worker.code, worker.stderr).toBe(1);
      expect(lastJson(worker.stdout)).toMatchObject({ event: 'worker.report', copied: 0, failed: 1 });
      expect(await t.status.get('refused.txt')).toMatchObject({ status: 'FAILED', attempts: 2 });
      expect(await t.queue.depth()).toMatchObject({ visible: 0, inFlight: 0, deadLettered: 1 });
      expect(worker.stderr).toContain("dth run: 2 attempts per object, the queue's maxReceiveCount");
    } finally {
      await proxy.close();
    }
  });

  it('refuses, naming what was written where: an unknown key, a bad value, a missing bucket, queue or table', async () => {
    const t = await task();
    const write = (text: string) => writeFileSync(join(t.dir, 'config.yaml'), text);
    const base = originalConfig({ src: t.src, dst: t.dst, queue: t.name, table: t.name });

    write(base.replace('srcBucket:', 'srcBuckt:').replace('skipCompare:', 'skipCompre:'));
    const unknown = await dth([], t.dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('srcBuckt: is neither a setting of the original CLI nor a task parameter');
    expect(unknown.stderr).toContain('did you mean srcBucket?');
    expect(unknown.stderr).toContain('did you mean skipCompare?');

    write(base.replace('srcType: Amazon_S3', 'srcType: Azure_Blob'));
    const badValue = await dth([], t.dir);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toMatch(/srcType.*\[given as srcType in config\.yaml\]/);

    write(base);
    const noBucket = await dth([], t.dir, { SRC_BUCKET: '' });
    expect(noBucket.code).toBe(0); // a blank variable is unset: the file's bucket stands
    write(base.replace(`srcBucket: ${t.src}`, 'srcBucket:'));
    // Named first, as the original's first check, before the region it would also need.
    const missing = await dth([], t.dir, {
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
      AWS_CONFIG_FILE: join(t.dir, 'none'),
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      'srcBucket: is required: the source bucket (srcBucket (config file) or SRC_BUCKET)',
    );

    write(base);
    const noQueue = await dth(['-t', 'Worker'], t.dir, { JOB_QUEUE_NAME: 'no-such-queue' });
    expect(noQueue.code).toBe(2);
    expect(noQueue.stderr).toContain('jobQueueName: there is no SQS queue named "no-such-queue" in us-east-1');
    // Given by its URL, as the original took only names: the same answer, naming the URL.
    const gone = `${servers.sqs}/000000000000/no-such-queue`;
    const noQueueAtUrl = await dth(['-t', 'Worker'], t.dir, { JOB_QUEUE_NAME: gone });
    expect(noQueueAtUrl.code, noQueueAtUrl.stderr).toBe(2);
    expect(noQueueAtUrl.stderr).toContain(`jobQueueName: there is no SQS queue at ${gone}`);

    // The original's own table, keyed by ObjectKey alone: refused before anything is queued, with how to make one.
    const original = uniqueName('orig');
    await ddb.send(
      new CreateTableCommand({
        TableName: original,
        KeySchema: [{ AttributeName: 'ObjectKey', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'ObjectKey', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const oldTable = await dth(['-t', 'Worker'], t.dir, { JOB_TABLE_NAME: original });
    expect(oldTable.code).toBe(2);
    expect(oldTable.stderr).toContain(
      `table "${original}" has the key ObjectKey (HASH, string); a status table needs objectKey (HASH, string) + sk (RANGE, string)`,
    );
    expect(oldTable.stderr).toContain(`aws dynamodb create-table --table-name ${original} `);

    // No AWS_REGION: the region of the SDK's profile (the original's users set it there, or AWS_DEFAULT_REGION as its
    // plugin did), else an error naming AWS_REGION.
    const profile = join(t.dir, 'aws-config');
    writeFileSync(profile, '[default]\nregion = us-east-1\n');
    const noRegion = { AWS_REGION: '', AWS_DEFAULT_REGION: '', AWS_PROFILE: '', AWS_CONFIG_FILE: join(t.dir, 'none') };
    const fromProfile = await dth([], t.dir, { ...noRegion, AWS_CONFIG_FILE: profile });
    expect(fromProfile.code, fromProfile.stderr).toBe(0);
    const fromDefault = await dth([], t.dir, { ...noRegion, AWS_DEFAULT_REGION: 'us-east-1' });
    expect(fromDefault.code, fromDefault.stderr).toBe(0);
    const nowhere = await dth([], t.dir, noRegion);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('AWS_REGION: is required');

    const noType = await dth(['-t', 'Lister'], t.dir);
    expect(noType.code).toBe(2);
    expect(noType.stderr).toContain('unknown job type "Lister" (--type): Finder or Worker');
    expect((await t.queue.depth()).visible).toBe(0);
  });
});
