/**
 * The job queue failing under a running `dth worker` (the S3 plugin's JobWorker, a real process on fauxqs, dynalite
 * and s3rver). SQS out of reach for a while is waited out: the worker keeps asking, 1 s doubling, and copies
 * everything once it answers again (before: the first failed ReceiveMessage ended the worker, exit 1, and systemd
 * started it again ten seconds later, e-mailing a crash). A queue that refuses for good (deleted) ends the worker
 * with an error naming the queue and what to check (before: the SDK's words only, no queue named).
 * The outage is a TCP relay in front of fauxqs, closed and opened again on the same port.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ensureSqsQueue, ensureStatusTable } from '../../worker/adapters/aws/index.js';
import { localDynamoClient, localSqsClient } from '../adapters/aws/clients.js';
import { spawnCli } from '../reliability/helpers.js';
import { localRoleEnv } from '../support/cloud-role.js';
import { servers, uniqueName } from '../support/servers.js';
import { startRelay } from '../support/tcp-relay.js';
import { baseParams, bucketPair, putSource, readObject } from './engine-fixtures.js';

async function roleTask(keys: string[]) {
  const { src, dst } = await bucketPair();
  for (const key of keys) await putSource(src, key, `bytes of ${key}`);
  const name = uniqueName('queue-outage');
  const { queueUrl, dlqUrl } = await ensureSqsQueue(localSqsClient(), name, {
    maxReceiveCount: 3,
    visibilityTimeoutSec: 60,
  });
  await ensureStatusTable(localDynamoClient(), name);
  // No credential names: the buckets are read with the default chain (s3rver's key, from the environment).
  const { srcCredentials: _s, destCredentials: _d, ...params } = baseParams(src, dst);
  return { dst, env: localRoleEnv({ params, queueUrl, dlqUrl, statusTable: name }) };
}

describe('dth worker when its job queue fails', () => {
  it('waits out SQS being out of reach and then copies everything (--once ends complete, exit 0)', async () => {
    const keys = ['a.txt', 'b/c.txt', 'd.txt'];
    const { dst, env } = await roleTask(keys);
    const finder = await spawnCli(['finder'], { env }).done;
    expect(finder.code, finder.stderr).toBe(0);

    const sqsHost = new URL(servers.sqs).host;
    let relay = await startRelay(sqsHost);
    const port = relay.port;
    await relay.close(); // SQS unreachable from the worker's start
    const worker = spawnCli(['worker', '--once'], {
      env: { ...env, SQS_ENDPOINT: `http://127.0.0.1:${port}` },
      timeoutMs: 120_000,
    });
    let stderr = '';
    worker.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      for (let i = 0; i < 400 && !stderr.includes('"worker.queue_failed"'); i++) await sleep(25);
      expect(stderr).toContain('"worker.queue_failed"');
      await sleep(4000);
      relay = await startRelay(sqsHost, { ports: [port] });
      const done = await worker.done;
      expect(done.code, done.stderr).toBe(0);
      expect(done.stderr).toMatch(/SQS ReceiveMessage on http:\/\/127\.0\.0\.1:\d+\/[^ ]*queue-outage/);
      expect(JSON.parse(done.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({
        event: 'worker.report',
        copied: keys.length,
        failed: 0,
      });
      for (const key of keys) expect((await readObject(servers.s3Dest, dst, key)).toString()).toBe(`bytes of ${key}`);
    } finally {
      worker.child.kill('SIGKILL');
      await relay.close();
    }
  }, 150_000);

  it('a queue that is gone ends the worker with an error naming the queue and what to check (exit 1)', async () => {
    const { env } = await roleTask(['a.txt']);
    const gone = `${env.QUEUE_URL}-deleted`;
    const worker = await spawnCli(['worker', '--once'], { env: { ...env, QUEUE_URL: gone }, timeoutMs: 60_000 }).done;
    expect(worker.code, worker.stderr).toBe(1);
    const crash = worker.stderr
      .split('\n')
      .filter((l) => l.includes('"worker.crashed"'))
      .map((l) => JSON.parse(l) as { error: { message: string } | string })[0];
    expect(crash, worker.stderr).toBeDefined();
    const message = typeof crash.error === 'string' ? crash.error : crash.error.message;
    expect(message).toContain(`SQS ReceiveMessage on ${gone}`);
    expect(message).toMatch(/Check that the task's queue still exists and that the worker may receive from it/);
  }, 90_000);
});
