import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createBucket, s3Client, servers } from '../../support/servers.js';
import { seedObjects } from '../../reliability/helpers.js';
import { startFaultProxy } from '../../support/fault-proxy.js';
import { baseParams, bucketPair, putSource, readObject } from '../../s3/engine-fixtures.js';
import {
  CREATE,
  createTaskId,
  newDataDir,
  params,
  startHubProcess,
  TEST_SECRET_VALUE,
  waitForTask,
  type HubProcess,
} from './hub-process.js';

const hubs: HubProcess[] = [];
afterAll(async () => {
  await Promise.all(hubs.map((h) => h.stop().catch(() => {})));
});

async function hub(dataDir?: string) {
  const h = await startHubProcess(dataDir);
  hubs.push(h);
  return h;
}

describe('dth serve: GraphQL task API over HTTP', () => {
  it('rejects calls without the token', async () => {
    const h = await hub();
    expect((await h.gql('{ listTasksV2 { total } }', {}, null)).status).toBe(401);
    expect((await h.gql('{ listTasksV2 { total } }', {}, 'wrong-token')).status).toBe(401);
    expect((await h.gql('{ listTasksV2 { total } }')).body.data).toEqual({ listTasksV2: { total: 0 } });
  });

  it('names the bad field and stores nothing on invalid input', async () => {
    const h = await hub();
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        {
          type: 'S3EC2',
          scheduleType: 'ONE_TIME',
          parameters: params({ srcBucket: 'ok-bucket', destBucket: 'bad..name', srcRegion: 'us-east-1' }),
        },
        'destBucket',
      ],
      [
        {
          type: 'S3EC2',
          scheduleType: 'ONE_TIME',
          parameters: params({ destBucket: 'dst-bucket', srcRegion: 'us-east-1' }),
        },
        'srcBucket',
      ],
      [
        {
          type: 'S3EC2',
          scheduleType: 'FIXED_RATE',
          parameters: params({
            srcBucket: 'aaa',
            destBucket: 'bbb',
            srcRegion: 'us-east-1',
            scheduleExpression: 'every day',
          }),
        },
        'scheduleExpression',
      ],
      [
        {
          type: 'S3EC2',
          scheduleType: 'FIXED_RATE',
          parameters: params({
            srcBucket: 'aaa',
            destBucket: 'bbb',
            srcRegion: 'us-east-1',
            scheduleExpression: 'rate(99999999999 days)',
          }),
        },
        'scheduleExpression',
      ],
      [
        {
          type: 'ECR',
          scheduleType: 'ONE_TIME',
          parameters: params({
            sourceType: 'Public',
            srcImageList: 'ok/repo:1\nBad Repo:x',
            destRegistry: '127.0.0.1:5000',
          }),
        },
        'srcImageList',
      ],
    ];
    for (const [input, field] of cases) {
      const r = await h.gql(CREATE, { input });
      expect(r.body.errors?.[0].extensions?.field, JSON.stringify(r.body)).toBe(field);
      expect(r.body.errors?.[0].message).toContain(field);
    }
    expect((await h.gql('{ listTasksV2 { total } }')).body.data.listTasksV2.total).toBe(0);
  });

  it('refuses a task naming a secret of the wrong kind for its side (keys where a login is read, and back), nothing stored', async () => {
    const dataDir = newDataDir();
    const secretsPath = join(dataDir, 'secrets.json');
    const held = JSON.parse(readFileSync(secretsPath, 'utf8'));
    writeFileSync(secretsPath, JSON.stringify({ ...held, registry: { username: 'u', password: 'p' } }), {
      mode: 0o600,
    });
    const h = await hub(dataDir);
    const s3Task = {
      type: 'S3EC2',
      scheduleType: 'ONE_TIME',
      parameters: params({
        srcEndpoint: servers.s3Source,
        srcBucket: 'aaa',
        srcCredentials: 'registry',
        destBucket: 'bbb',
        destRegion: 'us-east-1',
      }),
    };
    const imageTask = (destCredential: string) => ({
      type: 'ECR',
      scheduleType: 'ONE_TIME',
      parameters: params({
        sourceType: 'Public',
        srcRegistry: servers.registryOpen,
        srcImageList: 'ok/repo:1',
        destRegistry: servers.registryAuth,
        destCredential,
        insecure: 'true',
      }),
    });
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [
        s3Task,
        'srcCredentials',
        'Source credentials (srcCredentials): secret "registry" holds username and password; this side needs access_key_id and secret_access_key',
      ],
      [
        imageTask('s3rver'),
        'destCredential',
        'Destination credentials (destCredential): secret "s3rver" holds access_key_id and secret_access_key; this side needs username and password',
      ],
    ];
    for (const [input, field, message] of cases) {
      const r = await h.gql(CREATE, { input });
      expect(r.body.errors?.[0].extensions?.field, JSON.stringify(r.body)).toBe(field);
      expect(r.body.errors?.[0].message).toBe(message);
    }
    expect((await h.gql('{ listTasksV2 { total } }')).body.data.listTasksV2.total).toBe(0);
    // The right kind is taken: a login for the registry destination.
    const ok = await h.gql(CREATE, { input: imageTask('registry') });
    expect(ok.body.errors).toBeUndefined();
  });

  it('refuses a task naming a secret the hub does not have: field and side in words, known names, nothing stored', async () => {
    const h = await hub();
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [
        {
          type: 'S3EC2',
          scheduleType: 'ONE_TIME',
          parameters: params({
            srcEndpoint: servers.s3Source,
            srcBucket: 'aaa',
            srcCredentials: 'minio',
            destBucket: 'bbb',
            destRegion: 'us-east-1',
          }),
        },
        'srcCredentials',
        'Source credentials (srcCredentials): no secret named "minio" (known secrets: "s3rver")',
      ],
      [
        {
          type: 'S3EC2',
          scheduleType: 'ONE_TIME',
          parameters: params({
            srcEndpoint: servers.s3Source,
            srcBucket: 'aaa',
            srcCredentials: 's3rver',
            destBucket: 'bbb',
            destRegion: 'us-east-1',
            destInCurrentAccount: 'false',
            destCredentials: 'aws-cn',
          }),
        },
        'destCredentials',
        'Destination credentials (destCredentials): no secret named "aws-cn" (known secrets: "s3rver")',
      ],
      [
        {
          type: 'ECR',
          scheduleType: 'ONE_TIME',
          parameters: params({
            sourceType: 'Public',
            srcImageList: 'ok/repo:1',
            destRegistry: '127.0.0.1:5000',
            destCredential: 'registry',
          }),
        },
        'destCredential',
        'Destination credentials (destCredential): no secret named "registry" (known secrets: "s3rver")',
      ],
    ];
    for (const [input, field, message] of cases) {
      const r = await h.gql(CREATE, { input });
      expect(r.body.errors?.[0].extensions?.field, JSON.stringify(r.body)).toBe(field);
      expect(r.body.errors?.[0].message).toBe(message);
      // The dry run (estimateTask) says the same before listing anything.
      if (input.type === 'S3EC2') {
        const e = await h.gql(
          'query($t: TaskType!, $p: [TaskParameterInput]!) { estimateTask(type: $t, parameters: $p) { scanned } }',
          { t: input.type, p: input.parameters },
        );
        expect(e.body.errors?.[0].message).toBe(message);
      }
    }
    expect((await h.gql('{ listTasksV2 { total } }')).body.data.listTasksV2.total).toBe(0);
  });

  it('runs an S3 task to DONE with counts from the status store, and never returns secret values', async () => {
    const { src, dst } = await bucketPair();
    for (let i = 0; i < 12; i++) await putSource(src, `obj-${i}`, `content ${i}`);
    const h = await hub();
    const secrets = await h.gql('{ listSecrets { name arn } }');
    expect(secrets.body.data.listSecrets).toEqual([{ name: 's3rver', arn: null }]);

    const estimate = await h.gql(
      `query($p: [TaskParameterInput]!) { estimateTask(type: S3EC2, parameters: $p) { objects bytes estimatedRequestCostUsd } }`,
      { p: params(baseParams(src, dst)) },
    );
    expect(estimate.body.data.estimateTask).toMatchObject({ objects: 12 });

    const created = await h.gql(CREATE, {
      input: {
        type: 'S3EC2',
        description: 'hub test',
        scheduleType: 'ONE_TIME',
        parameters: params(baseParams(src, dst)),
      },
    });
    const id = created.body.data.createTask.id;
    expect(created.body.data.createTask.progress).toBe('STARTING');
    const done = await waitForTask(h, id, (t) => t.progress === 'DONE' || t.progress === 'ERROR');
    expect(done.progress).toBe('DONE');
    expect(done.progressInfo).toMatchObject({ total: 12, replicated: 12, failed: 0, verified: 12 });
    expect((await readObject(servers.s3Dest, dst, 'obj-11')).toString()).toBe('content 11');
    // Estimated again with one object more: the twelve copied are counted as they are, unchanged.
    await putSource(src, 'obj-new', 'new content');
    const again = await h.gql(
      `query($p: [TaskParameterInput]!) { estimateTask(type: S3EC2, parameters: $p) { scanned objects unchanged } }`,
      { p: params(baseParams(src, dst)) },
    );
    expect(again.body.data.estimateTask).toEqual({ scanned: 13, objects: 1, unchanged: 12 });

    const objects = await h.gql(
      `query($id: ID!) { listTaskObjects(id: $id, limit: 5) { key status verified checksum } }`,
      { id },
    );
    expect(objects.body.data.listTaskObjects).toHaveLength(5);
    expect(objects.body.data.listTaskObjects[0]).toMatchObject({ status: 'DONE', verified: true });

    const list = await h.gql('{ listTasksV2(progress: DONE, page: 1, count: 10) { total items { id description } } }');
    expect(list.body.data.listTasksV2).toEqual({ total: 1, items: [{ id, description: 'hub test' }] });

    // Logs by log group as the original's console reads them: the groups come from stackOutputs by description.
    const outputs = (
      await h.gql(`query($id: ID!) { getTask(id: $id) { stackOutputs { Description OutputValue } } }`, { id })
    ).body.data.getTask.stackOutputs;
    const group = (description: string) =>
      outputs.find((o: { Description: string }) => o.Description === description).OutputValue;
    const logs = async (logGroupName: string) => {
      const streams = await h.gql(
        `query($g: String) { listLogStreams(logGroupName: $g) { total logStreams { logStreamName } } }`,
        { g: logGroupName },
      );
      const s = streams.body.data.listLogStreams.logStreams[0].logStreamName;
      const events = await h.gql(
        `query($g: String, $s: String) { getLogEvents(logGroupName: $g, logStreamName: $s, limit: 500) { logEvents { message } } }`,
        { g: logGroupName, s },
      );
      return JSON.stringify(events.body.data);
    };
    const finderLogs = await logs(group('Finder Log Group Name'));
    expect(finderLogs).toContain('task.run_finished');
    expect(finderLogs).toContain('finder.done');
    const workerLogs = await logs(group('Worker Log Group Name'));
    expect(workerLogs).toContain('worker.copied');
    expect(workerLogs).not.toContain('finder.done');
    const events = { body: finderLogs + workerLogs };

    const metrics = await h.gql(
      `query($id: String!) { getMetricHistoryData(id: $id, graphName: TransferredFailedObjects, period: 1) { series { name data } xaxis { categories } } }`,
      { id },
    );
    const chart = metrics.body.data.getMetricHistoryData;
    expect(chart.series.map((s: { name: string }) => s.name)).toEqual(['TransferredObjects', 'FailedObjects']);
    // Objects per period, as CloudWatch sums them: the periods add up to the 12 copied.
    expect(chart.series[0].data.reduce((a: number, b: number) => a + b, 0)).toBe(12);
    expect(
      chart.xaxis.categories.every((t: number) => Number.isInteger(t) && Math.abs(t * 1000 - Date.now()) < 600_000),
    ).toBe(true);

    const everything =
      JSON.stringify([secrets.body, created.body, objects.body, list.body, events.body, metrics.body]) + h.output();
    expect(everything).not.toContain(TEST_SECRET_VALUE);
  });

  it('runs a busy task (many requests in flight) without Node warning of an abort-listener leak', async () => {
    // Each request in flight listens to the task's stop signal until it ends: 200 small objects put ~64 at once.
    const { src, dst } = await bucketPair();
    const specs = Array.from({ length: 200 }, (_, i) => ({ key: `busy/${String(i).padStart(3, '0')}`, size: 512 + i }));
    await seedObjects(s3Client(servers.s3Source), src, specs, 50);
    const h = await startHubProcess(undefined, undefined, { nodeWarnings: true });
    hubs.push(h);
    const created = await h.gql(CREATE, {
      input: { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: params(baseParams(src, dst)) },
    });
    const done = await waitForTask(
      h,
      created.body.data.createTask.id,
      (t) => t.progress !== 'STARTING' && t.progress !== 'IN_PROGRESS',
    );
    expect(done.progress).toBe('DONE');
    expect(done.progressInfo).toMatchObject({ total: 200, replicated: 200, failed: 0 });
    expect(h.output()).not.toContain('MaxListenersExceededWarning');
  });

  it('stops a busy task (copies held in flight, then settled) without Node warning of an abort-listener leak', async () => {
    // The stop's clean-up HEADs every cut copy at once, each listening to that step's own time limit.
    const { src, dst } = await bucketPair();
    const specs = Array.from({ length: 60 }, (_, i) => ({ key: `held/${String(i).padStart(2, '0')}`, size: 256 + i }));
    await seedObjects(s3Client(servers.s3Source), src, specs, 30);
    const dest = await startFaultProxy({
      target: servers.s3Dest,
      rates: { slow: 1 },
      slowMs: 120_000,
      faultOps: ['PutObject'],
    });
    try {
      const h = await startHubProcess(undefined, undefined, { nodeWarnings: true });
      hubs.push(h);
      const id = await createTaskId(h, 'S3EC2', baseParams(src, dst, { destEndpoint: dest.endpoint }));
      expect(await dest.waitForFaults('slow', 20), 'copies held at the destination').toBeGreaterThanOrEqual(20);
      const stopped = await h.gql(`mutation($id: String) { stopTask(id: $id) { progress } }`, { id });
      expect(stopped.body.data.stopTask.progress).toBe('STOPPED');
      expect(dest.stats.requests.HeadObject ?? 0, 'the cut copies were settled').toBeGreaterThanOrEqual(20);
      expect(h.output()).not.toContain('MaxListenersExceededWarning');
    } finally {
      await dest.close();
    }
  });

  it('stops a running task and does no more work after STOPPED', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'first', '1');
    const h = await hub();
    const created = await h.gql(CREATE, {
      input: {
        type: 'S3EC2',
        scheduleType: 'FIXED_RATE',
        parameters: params({ ...baseParams(src, dst), scheduleExpression: 'rate(1 minute)' }),
      },
    });
    const id = created.body.data.createTask.id;
    await waitForTask(h, id, (t) => t.progressInfo?.replicated === 1);
    const stopped = await h.gql(`mutation($id: String) { stopTask(id: $id) { progress stoppedAt } }`, { id });
    expect(stopped.body.data.stopTask.progress).toBe('STOPPED');
    expect(stopped.body.data.stopTask.stoppedAt).toBeTruthy();
    await putSource(src, 'second', '2');
    await sleep(1500);
    await expect(readObject(servers.s3Dest, dst, 'second')).rejects.toThrow();
    expect((await waitForTask(h, id, () => true)).progress).toBe('STOPPED');
  });

  it('stops a ONE_TIME task mid-run: STOPPED, and no object is copied after that', async () => {
    const { src, dst } = await bucketPair();
    const total = 200;
    for (let i = 0; i < total; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) => putSource(src, `many/${String(i + j).padStart(4, '0')}`, `body ${i + j}`)),
      );
    }
    const h = await hub();
    const created = await h.gql(CREATE, {
      input: {
        type: 'S3EC2',
        scheduleType: 'ONE_TIME',
        parameters: params({ ...baseParams(src, dst), workerConcurrency: '1' }),
      },
    });
    const id = created.body.data.createTask.id;
    await waitForTask(h, id, (t) => t.progressInfo?.replicated >= 3);
    const stopped = await h.gql(`mutation($id: String) { stopTask(id: $id) { progress } }`, { id });
    expect(stopped.body.data.stopTask.progress).toBe('STOPPED');
    const count = async () =>
      (await s3Client(servers.s3Dest).send(new ListObjectsV2Command({ Bucket: dst }))).KeyCount ?? 0;
    const atStop = await count();
    expect(atStop).toBeLessThan(total);
    await sleep(1500);
    expect(await count()).toBe(atStop);
    const after = await waitForTask(h, id, () => true);
    expect(after.progress).toBe('STOPPED');
    expect(after.progressInfo.replicated).toBeLessThan(total);
  });

  it.each([
    ['its listing', 'ListObjects'],
    ['its copies', 'GetObject'],
  ] as const)(
    'stopTask answers within seconds while the source holds %s; a restart does not resume the task',
    async (_, op) => {
      // Before (copies): the mutation waited for every copy under way, up to the socket timeout and the retries.
      const { src, dst } = await bucketPair();
      for (const key of ['a.txt', 'b.txt']) await putSource(src, key, `body of ${key}`);
      const source = await startFaultProxy({
        target: servers.s3Source,
        rates: { slow: 1 },
        slowMs: 120_000,
        faultOps: [op],
        faultWhen: (asked, url) => asked === op && url.includes(`/${src}`) && !url.includes('max-keys=1'),
      });
      try {
        const h = await hub();
        const id = await createTaskId(h, 'S3EC2', baseParams(src, dst, { srcEndpoint: source.endpoint }));
        expect(await source.waitForFaults('slow', 1), 'the source is holding a request').toBeGreaterThan(0);
        const stopAsked = Date.now();
        const stopped = await h.gql(`mutation($id: String) { stopTask(id: $id) { progress } }`, { id });
        expect(Date.now() - stopAsked, 'stopTask waited for the held requests').toBeLessThan(10_000);
        expect(stopped.body.data.stopTask.progress).toBe('STOPPED');
        expect((await waitForTask(h, id, () => true)).progress).toBe('STOPPED');
        await h.stop('SIGTERM');
        const again = await hub(h.dataDir);
        await sleep(1000);
        expect((await waitForTask(again, id, () => true)).progress).toBe('STOPPED');
        expect(again.output()).not.toMatch(/Resumed [1-9]/);
      } finally {
        await source.close();
      }
    },
  );

  it('runs tasks side by side, each with its own objects and counts; stopping one leaves the others running', async () => {
    const { src, dst } = await bucketPair();
    const other = await createBucket(servers.s3Dest, 'dst');
    const specs = ['a', 'b'].flatMap((p, n) =>
      Array.from({ length: 150 }, (_, i) => ({ key: `${p}/${String(i).padStart(3, '0')}`, size: 1000 * (n + 1) + i })),
    );
    await seedObjects(s3Client(servers.s3Source), src, specs, 50);
    const h = await hub();
    const start = async (extra: Record<string, string>, to: string) =>
      (
        await h.gql(CREATE, {
          input: { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: params({ ...baseParams(src, to), ...extra }) },
        })
      ).body.data.createTask.id as string;
    // Two tasks into one bucket from two prefixes, and a slow one over the whole source into another bucket.
    const [a, b, slow] = await Promise.all([
      start({ srcPrefix: 'a/' }, dst),
      start({ srcPrefix: 'b/' }, dst),
      start({ workerConcurrency: '1' }, other),
    ]);
    await waitForTask(h, slow, (t) => t.progressInfo?.replicated >= 3);
    expect((await h.gql(`mutation($id: String) { stopTask(id: $id) { progress } }`, { id: slow })).body.data).toEqual({
      stopTask: { progress: 'STOPPED' },
    });
    const ended = (t: { progress: string }) => t.progress === 'DONE' || t.progress === 'ERROR';
    const [doneA, doneB] = await Promise.all([waitForTask(h, a, ended), waitForTask(h, b, ended)]);
    for (const [done, first] of [
      [doneA, 1000],
      [doneB, 2000],
    ] as const) {
      expect(done.progress).toBe('DONE');
      // Only its own prefix's objects and bytes: 150 objects of first … first + 149 bytes.
      expect(done.progressInfo).toMatchObject({
        total: 150,
        replicated: 150,
        failed: 0,
        verified: 150,
        bytesDone: 150 * first + (149 * 150) / 2,
      });
    }
    const keys = async (bucket: string) => {
      const listed: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3Client(servers.s3Dest).send(
          new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
        );
        listed.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
        token = page.NextContinuationToken;
      } while (token);
      return listed.sort();
    };
    expect(await keys(dst)).toEqual(specs.map((o) => o.key).sort());
    // The stopped one copied part of the source and nothing after (a copy in flight at the stop may land uncounted).
    const stopped = await waitForTask(h, slow, () => true);
    expect(stopped.progress).toBe('STOPPED');
    const landed = (await keys(other)).length;
    expect(landed).toBeGreaterThanOrEqual(stopped.progressInfo.replicated);
    expect(landed).toBeLessThan(specs.length);
    await sleep(1000);
    expect((await keys(other)).length).toBe(landed);
  });

  it('one hub per data directory: a second one refuses, naming the first, and a busy port is said in words', async () => {
    const first = await hub();
    // Before: the second hub started on the same hub.db and resumed the first one's running tasks side by side.
    const second = spawnSync(process.execPath, ['bin/dth.mjs', 'serve', '--port', '0', '--data', first.dataDir], {
      encoding: 'utf8',
      env: { ...process.env, NODE_NO_WARNINGS: '1', DTH_FROM_SOURCE: '1' },
      timeout: 30_000,
    });
    expect(second.status, second.stdout + second.stderr).toBe(1);
    expect(second.stderr).toMatch(
      /^dth: another hub \(pid \d+\) is using .+: stop it, or give this one its own --data/m,
    );
    expect(second.stdout).not.toContain('is running at');
    expect((await first.gql('{ listTasksV2 { total } }')).status).toBe(200); // the first one is untouched
    // Before: "dth: listen EADDRINUSE: address already in use 127.0.0.1:…".
    const port = new URL(first.url).port;
    const busy = spawnSync(process.execPath, ['bin/dth.mjs', 'serve', '--port', port, '--data', newDataDir()], {
      encoding: 'utf8',
      env: { ...process.env, NODE_NO_WARNINGS: '1', DTH_FROM_SOURCE: '1' },
      timeout: 30_000,
    });
    expect(busy.status).toBe(1);
    expect(busy.stderr).toContain(
      `dth: port ${port} on 127.0.0.1 is in use (another hub?): stop it, or choose another with --port`,
    );
    // Once the first stops, the directory is free again; a hub killed outright leaves a lock that is taken over.
    await first.stop();
    const again = await hub(first.dataDir);
    await again.stop('SIGKILL');
    const afterKill = await hub(first.dataDir);
    expect((await afterKill.gql('{ listTasksV2 { total } }')).status).toBe(200);
  });

  it('keeps tasks across a restart; a FIXED_RATE task between passes waits on for its next one', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'before-restart', 'a');
    const h1 = await hub();
    const created = await h1.gql(CREATE, {
      input: {
        type: 'S3EC2',
        scheduleType: 'FIXED_RATE',
        parameters: params({ ...baseParams(src, dst), scheduleExpression: 'rate(1 hour)' }),
      },
    });
    const id = created.body.data.createTask.id;
    await waitForTask(h1, id, (t) => t.progressInfo?.replicated === 1);
    await h1.stop('SIGTERM');

    await putSource(src, 'after-restart', 'b');
    const h2 = await hub(h1.dataDir);
    expect(h2.output()).toMatch(/Resumed 1 unfinished task/);
    // Its next pass is an hour after the first: the restart runs none (before, every start ran a pass of every
    // scheduled task). A task cut in the middle of a pass resumes it: test/reliability/hub-task-failures.test.ts.
    const end = Date.now() + 10_000;
    while (!/hub\.task_waits_for_next_pass/.test(h2.output()) && Date.now() < end) await sleep(100);
    expect(h2.output()).toMatch(/hub\.task_waits_for_next_pass/);
    await sleep(1500);
    const t = await waitForTask(h2, id, (x) => x.progress === 'IN_PROGRESS');
    expect(t.progressInfo.replicated).toBe(1);
    await expect(readObject(servers.s3Dest, dst, 'after-restart')).rejects.toThrow();
  });
});
