/**
 * The log lines other deployables read (worker/core/events.ts), from real runs: the S3 plugin's metric filters count
 * `{ $.event = "<event>" }` lines of the worker log group (test/cdk/app.test.ts checks the synthesized patterns), and
 * check-finder reads the finder's outcome line. First an in-process transfer between two s3rver buckets whose
 * destination refuses one key — a Proxy over the real store, because s3rver cannot be told to refuse one PUT — then a
 * real `dth worker` process that cannot reach its destination bucket.
 */
import { describe, expect, it } from 'vitest';
import { ensureSqsQueue, ensureStatusTable } from '../../worker/adapters/aws/index.js';
import {
  FileSecretStore,
  openSqliteDatabase,
  SqliteJobQueue,
  SqliteStatusStore,
} from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { LOG_EVENTS, readFinderOutcome, WORKER_METRICS } from '../../worker/core/events.js';
import { createLogger } from '../../worker/core/log.js';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { runS3Transfer } from '../../worker/s3/run-transfer.js';
import type { TransferJob } from '../../worker/s3/transfer-job.js';
import { localDynamoClient, localSqsClient } from '../adapters/aws/clients.js';
import { runCli } from '../reliability/helpers.js';
import { localRoleEnv } from '../support/cloud-role.js';
import { type LogLine as Line, jsonLines, metricSum } from '../support/metric-lines.js';
import { uniqueName } from '../support/servers.js';
import { baseParams, bucketPair, putSource, secretsFile } from './engine-fixtures.js';

function refusing(dest: ObjectStore, key: string): ObjectStore {
  return new Proxy(dest, {
    get(target, prop, receiver) {
      if (prop === 'put') {
        return async (...args: Parameters<ObjectStore['put']>) => {
          if (args[0] === key) throw new Error('AccessDenied: the destination refuses this key');
          return target.put(...args);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

describe('log events other deployables read', () => {
  it('counts copied objects, their bytes and failed objects exactly as the metric filters would, and logs finder.done', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'a.txt', 'hello');
    await putSource(src, 'b.txt', 'hello world');
    await putSource(src, 'refused.txt', 'no');
    const params = parseS3TaskParams(baseParams(src, dst, { maxAttempts: '1' }));
    const db = openSqliteDatabase(':memory:');
    const status = new SqliteStatusStore(db, 't');
    const secrets = new FileSecretStore(secretsFile());
    const opened = await openTaskBuckets(params, secrets);
    const raw: string[] = [];
    const report = await runS3Transfer({
      params,
      queue: new SqliteJobQueue<TransferJob>(db, 't', { maxReceiveCount: 1 }),
      status,
      logger: createLogger({ role: 'test' }, { write: (l) => raw.push(l) }),
      buckets: { source: opened.source, dest: refusing(opened.dest, 'refused.txt') },
    });
    expect(report).toMatchObject({ done: 2, failed: 1 });
    const lines = raw.map((l) => JSON.parse(l) as Line);
    expect(metricSum(lines, WORKER_METRICS.completedObjects)).toBe(2);
    expect(metricSum(lines, WORKER_METRICS.bytesTransferred)).toBe(5 + 11);
    expect(metricSum(lines, WORKER_METRICS.failedObjects)).toBe(1);
    expect(lines.find((l) => l.event === LOG_EVENTS.workerFailed)).toMatchObject({
      level: 'error',
      key: 'refused.txt',
      attempts: 1,
    });
    const finished = raw.filter((l) => JSON.parse(l).event === LOG_EVENTS.finderDone);
    expect(finished).toHaveLength(1);
    expect(readFinderOutcome(finished[0])).toEqual({ outcome: 'done' });
  });

  it('a worker process that stops on an error logs worker.crashed, which FailedObjects does not count', async () => {
    const { src } = await bucketPair();
    const name = uniqueName('crash');
    const { queueUrl, dlqUrl } = await ensureSqsQueue(localSqsClient(), name, {
      maxReceiveCount: 3,
      visibilityTimeoutSec: 30,
    });
    await ensureStatusTable(localDynamoClient(), name);
    const { srcCredentials: _s, destCredentials: _d, ...params } = baseParams(src, uniqueName('missing'));
    const out = await runCli(['worker', '--once'], {
      env: localRoleEnv({ params, queueUrl, dlqUrl, statusTable: name }),
    });
    expect(out.code, out.stderr).not.toBe(0);
    const lines = jsonLines(out.stderr);
    expect(
      lines.find((l) => l.event === LOG_EVENTS.workerCrashed),
      out.stderr,
    ).toMatchObject({ level: 'error', error: expect.anything() });
    expect(metricSum(lines, WORKER_METRICS.failedObjects)).toBe(0);
  });

  it.each([
    ['worker', 'a bad TASK_PARAMS', LOG_EVENTS.workerCrashed, { TASK_PARAMS: JSON.stringify({ srcBucket: 'a' }) }],
    ['finder', 'a bad TASK_PARAMS', LOG_EVENTS.finderFailed, { TASK_PARAMS: JSON.stringify({ srcBucket: 'a' }) }],
    // A task's parameters in SSM (the fleet's environment always names the path), SSM out of reach.
    [
      'worker',
      'SSM out of reach',
      LOG_EVENTS.workerCrashed,
      { TASK_PARAMS_PATH: '/dth/gone', SSM_ENDPOINT: 'http://127.0.0.1:9' },
    ],
    [
      'finder',
      'SSM out of reach',
      LOG_EVENTS.finderFailed,
      { TASK_PARAMS_PATH: '/dth/gone', SSM_ENDPOINT: 'http://127.0.0.1:9' },
    ],
  ] as const)(
    'a %s that cannot load its configuration (%s) logs %s as JSON, which the alarm / check-finder read',
    async (role, _why, event, env) => {
      const out = await runCli([role], {
        env: {
          ...localRoleEnv({ queueUrl: 'http://127.0.0.1:9/q', dlqUrl: 'http://127.0.0.1:9/d', statusTable: 't' }),
          ...env,
        },
      });
      expect(out.code, out.stderr).not.toBe(0);
      // Both streams: the instance's unit and the awslogs driver ship stdout and stderr alike.
      const lines = jsonLines(`${out.stdout}\n${out.stderr}`);
      const failure = lines.find((l) => l.event === event);
      expect(failure, out.stderr).toMatchObject({ level: 'error', role, error: expect.anything() });
      if (role === 'finder') expect(readFinderOutcome(JSON.stringify(failure))).toMatchObject({ outcome: 'failed' });
      // The reason in words stays on stderr for a person reading the log.
      expect(out.stderr).toMatch(new RegExp(`^dth ${role}: `, 'm'));
    },
  );
});
