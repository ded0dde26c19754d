/**
 * The original console's GraphQL documents, unchanged, against a real `dth serve` over HTTP: every operation
 * validates, answers in the original's shapes and units, and the hub's stand-ins (log groups in stackOutputs, log
 * tokens, per-period chart points, outcome notifications) behave as the cloud's. Buckets on s3rver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servers } from '../../support/servers.js';
import { bucketPair, putSource, readObject } from '../../s3/engine-fixtures.js';
import {
  FINDER_DESC,
  ORIGINAL_DOCUMENTS as DOC,
  originalCreateInput,
  originalEcrParameters,
  originalS3Parameters,
  TASK_FIELDS,
  WORKER_DESC,
} from '../original/documents.js';
import { startHubProcess, waitForTask, type HubProcess } from './hub-process.js';

let hub: HubProcess;
beforeAll(async () => {
  hub = await startHubProcess();
});
afterAll(async () => {
  await hub?.stop();
});

async function ask<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await hub.gql(query, variables);
  expect(r.status).toBe(200);
  expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
  return r.body.data as T;
}

const expectTaskShape = (t: Record<string, unknown>) => {
  expect(Object.keys(t).sort()).toEqual([...TASK_FIELDS].sort());
  expect(t.__typename).toBe('Task');
};

describe("dth serve answers the original console's documents", () => {
  it("a task from the console's parameter list runs to DONE; outputs, logs, charts, errors, list and delete as the original", async () => {
    const { src, dst } = await bucketPair();
    for (let i = 0; i < 6; i++) await putSource(src, `albums/${i}.jpg`, `picture ${i}`);
    await putSource(src, 'other/not-in-prefix.txt', 'x');
    expect((await ask(DOC.listSecrets)).listSecrets).toEqual([
      { name: 's3rver', description: null, __typename: 'Secret' },
    ]);

    // The console's list for an S3-compatible source (endpoint + credential); the local destination needs ours too.
    const parameters = originalS3Parameters({
      srcEndpoint: servers.s3Source,
      srcBucket: src,
      srcPrefix: 'albums%2F',
      srcRegion: '',
      srcCredentials: 's3rver',
      destBucket: dst,
      destCredentials: 's3rver',
      destInCurrentAccount: 'false',
    });
    parameters.push({ ParameterKey: 'destEndpoint', ParameterValue: servers.s3Dest });
    const created = (await ask(DOC.createTask, { input: originalCreateInput('S3EC2', parameters) })).createTask;
    expectTaskShape(created);
    expect(created).toMatchObject({ progress: 'STARTING', type: 'S3EC2', scheduleType: 'ONE_TIME' });
    await waitForTask(hub, created.id, (t) => t.progress === 'DONE' || t.progress === 'ERROR');
    expect((await readObject(servers.s3Dest, dst, 'albums/5.jpg')).toString()).toBe('picture 5');

    const task = (await ask(DOC.getTask, { id: created.id })).getTask;
    expectTaskShape(task);
    expect(task).toMatchObject({
      progress: 'DONE',
      progressInfo: { total: 6, replicated: 6, __typename: 'CommonProgressInfo' },
    });
    // The console sent srcPrefix and description URL-encoded; getTask answers them form-encoded, as the original.
    expect(task.description).toBe('nightly+copy');
    expect(task.parameters.find((p: { ParameterKey: string }) => p.ParameterKey === 'srcPrefix').ParameterValue).toBe(
      'albums%2F',
    );
    const outputOf = (d: string) =>
      task.stackOutputs.find((o: { Description: string }) => o.Description === d)?.OutputValue;
    expect(outputOf(FINDER_DESC)).toBe(`/dth/local/${task.id}/finder`);
    expect(outputOf(WORKER_DESC)).toBe(`/dth/local/${task.id}/worker`);

    // Log streams and events of each group, in CloudWatch's shapes.
    const finder = (await ask(DOC.listLogStreams, { logGroupName: outputOf(FINDER_DESC), page: 1, count: 20 }))
      .listLogStreams;
    expect(finder.total).toBe(1);
    const stream = finder.logStreams[0];
    expect(Object.keys(stream).sort()).toEqual([
      '__typename',
      'arn',
      'creationTime',
      'firstEventTimestamp',
      'lastEventTimestamp',
      'lastIngestionTime',
      'logStreamName',
      'storedBytes',
      'uploadSequenceToken',
    ]);
    expect(stream).toMatchObject({
      logStreamName: expect.stringMatching(/^run-/),
      firstEventTimestamp: expect.stringMatching(/^\d{13}$/),
      storedBytes: expect.any(Number),
    });
    expect(Number(stream.lastEventTimestamp)).toBeGreaterThanOrEqual(Number(stream.firstEventTimestamp));
    expect(
      (await ask(DOC.listLogStreams, { logGroupName: outputOf(FINDER_DESC), logStreamNamePrefix: 'nope' }))
        .listLogStreams,
    ).toEqual({ logStreams: [], total: 0, __typename: 'ListLogStreamsResponse' });

    const workerGroup = outputOf(WORKER_DESC);
    const workerStream = (await ask(DOC.listLogStreams, { logGroupName: workerGroup })).listLogStreams.logStreams[0]
      .logStreamName;
    const all = (await ask(DOC.getLogEvents, { limit: 1000, logGroupName: workerGroup, logStreamName: workerStream }))
      .getLogEvents.logEvents;
    const copied = all.filter((e: { message: string }) => JSON.parse(e.message).event === 'worker.copied');
    expect(copied).toHaveLength(6);
    expect(all.some((e: { message: string }) => /finder\./.test(JSON.parse(e.message).event))).toBe(false);
    // Newest first page, then older pages by the backward token until nothing is left; no newer events yet.
    const newest = (await ask(DOC.getLogEvents, { limit: 2, logGroupName: workerGroup, logStreamName: workerStream }))
      .getLogEvents;
    expect(newest.logEvents.map((e: { message: string }) => e.message)).toEqual(
      all.slice(-2).map((e: { message: string }) => e.message),
    );
    expect(newest.logEvents[0]).toMatchObject({
      timestamp: expect.stringMatching(/^\d{13}$/),
      ingestionTime: expect.stringMatching(/^\d{13}$/),
      __typename: 'LogEvent',
    });
    const seen = [...newest.logEvents];
    let back = newest.nextBackwardToken;
    for (let i = 0; i < 100; i++) {
      const page = (
        await ask(DOC.getLogEvents, {
          limit: 2,
          logGroupName: workerGroup,
          logStreamName: workerStream,
          nextToken: back,
        })
      ).getLogEvents;
      if (!page.logEvents.length) {
        expect(page.nextBackwardToken).toBe(back);
        break;
      }
      seen.unshift(...page.logEvents);
      back = page.nextBackwardToken;
    }
    expect(seen.map((e) => e.message)).toEqual(all.map((e: { message: string }) => e.message));
    const tail = (
      await ask(DOC.getLogEvents, {
        limit: 2,
        logGroupName: workerGroup,
        logStreamName: workerStream,
        nextToken: newest.nextForwardToken,
      })
    ).getLogEvents;
    expect(tail).toMatchObject({ logEvents: [], nextForwardToken: newest.nextForwardToken });

    // Charts: unix seconds in as the console sends them (JS numbers), out as numbers; objects per period.
    const now = Math.floor(Date.now() / 1000);
    const chart = (
      await ask(DOC.getMetricHistoryData, {
        id: task.id,
        graphName: 'TransferredFailedObjects',
        startTime: now - 3 * 3600,
        endTime: now + 60,
        period: 60,
      })
    ).getMetricHistoryData;
    expect(chart.series.map((s: { name: string }) => s.name)).toEqual(['TransferredObjects', 'FailedObjects']);
    expect(chart.series[0].data.filter((v: number) => v >= 0).reduce((a: number, b: number) => a + b, 0)).toBe(6);
    expect(chart.xaxis.categories.length).toBeGreaterThan(0);
    for (const t of chart.xaxis.categories)
      expect(Number.isInteger(t) && t % 60 === 0 && t >= now - 3 * 3600 - 60 && t <= now + 60).toBe(true);
    const network = (
      await ask(DOC.getMetricHistoryData, {
        id: task.id,
        graphName: 'Network',
        startTime: String(now - 3600),
        endTime: String(now + 60),
      })
    ).getMetricHistoryData;
    expect(network.series[0].name).toBe('Network');
    expect(network.series[0].data.reduce((a: number, b: number) => a + b, 0)).toBe(6 * 'picture 0'.length);

    expect((await ask(DOC.getErrorMessage, { id: task.id })).getErrorMessage).toEqual({
      errMessage: null,
      errCode: 'UN_KNOWN',
      __typename: 'GetErrorMessageResponse',
    });

    // The one-time task's DONE is what the admin would have been mailed: recorded on the task, and listed.
    const mails = (await ask(`query { listNotifications(count: 10) { taskId progress subject message channel } }`))
      .listNotifications;
    expect(mails).toEqual([
      expect.objectContaining({
        taskId: task.id,
        progress: 'DONE',
        channel: 'LOCAL',
        subject: expect.stringMatching(/^Data Transfer Hub: task local-.* completed$/),
      }),
    ]);
    expect(mails[0].message).toContain('Transferred Objects: 6');

    // Listing, then "Delete Task" of the finished task: STOPPED, gone from the default list, shown when asked.
    const listed = (await ask(DOC.listTasksV2, { page: 1, count: 20 })).listTasksV2;
    expect(listed.items.map((t: { id: string }) => t.id)).toContain(task.id);
    listed.items.forEach(expectTaskShape);
    const stopped = (await ask(DOC.stopTask, { id: task.id })).stopTask;
    expectTaskShape(stopped);
    expect(stopped.progress).toBe('STOPPED');
    expect(
      (await ask(DOC.listTasksV2, { page: 1, count: 20 })).listTasksV2.items.map((t: { id: string }) => t.id),
    ).not.toContain(task.id);
    expect(
      (await ask(DOC.listTasksV2, { progress: 'STOPPED', page: 1, count: 1000 })).listTasksV2.items.map(
        (t: { id: string }) => t.id,
      ),
    ).toContain(task.id);
  });

  it('a task the hub cannot run ends in ERROR: getErrorMessage gives the code, the failure is recorded as a notification', async () => {
    // The console's exact list: an anonymous Amazon S3 source in eu-west-1, which this offline machine cannot reach.
    const created = (await ask(DOC.createTask, { input: originalCreateInput('S3EC2', originalS3Parameters()) }))
      .createTask;
    const failed = await waitForTask(hub, created.id, (t) => t.progress === 'ERROR' || t.progress === 'DONE', 90_000);
    expect(failed.progress).toBe('ERROR');
    const err = (await ask(DOC.getErrorMessage, { id: created.id })).getErrorMessage;
    expect(err).toMatchObject({ errCode: 'FINDER_ERROR', errMessage: expect.any(String) });
    const task = (
      await ask(`query($id: ID!) { getTask(id: $id) { notifications { progress subject message } } }`, {
        id: created.id,
      })
    ).getTask;
    expect(task.notifications).toEqual([
      expect.objectContaining({
        progress: 'ERROR',
        subject: expect.stringMatching(/failed$/),
        message: expect.stringContaining('Error Code: FINDER_ERROR'),
      }),
    ]);

    // The console's image task list is accepted as is (FIXED_RATE); it is stopped from whatever state it reached. Its
    // destCredential names a key-pair secret this hub holds (createTask refuses a secret missing from the store).
    const ecr = (
      await ask(DOC.createTask, {
        input: originalCreateInput(
          'ECR',
          originalEcrParameters({ destCredential: 's3rver', destPrefix: 'mirror%2Fteam' }),
          '',
        ),
      })
    ).createTask;
    expect(ecr).toMatchObject({ type: 'ECR', scheduleType: 'FIXED_RATE', progress: 'STARTING' });
    // Its destPrefix follows the same encoding as an S3 task's (the original's resolvers ignore the type): stored
    // decoded, answered form-encoded. Before: "mirror%2Fteam" was refused as a repository path.
    const ecrTask = (await ask(DOC.getTask, { id: ecr.id })).getTask;
    expect(
      ecrTask.parameters.find((p: { ParameterKey: string }) => p.ParameterKey === 'destPrefix').ParameterValue,
    ).toBe('mirror%2Fteam');
    expect((await ask(DOC.stopTask, { id: ecr.id })).stopTask.progress).toBe('STOPPED');
  }, 120_000);

  it("errors name the field in AppSync's shape (errorType, errorInfo) as well as extensions", async () => {
    const r = await hub.gql(DOC.createTask, {
      input: originalCreateInput('S3EC2', originalS3Parameters({ destBucket: 'no..such..bucket' })),
    });
    expect(r.body.errors?.[0]).toMatchObject({
      errorType: 'InvalidParameterError',
      errorInfo: { field: 'destBucket', code: 'INVALID_PARAMETER' },
      extensions: { field: 'destBucket' },
      path: ['createTask'],
    });
    // Several parameters refused at once: each one's field and message, in both shapes (before: the first alone).
    const several = await hub.gql(DOC.createTask, {
      input: originalCreateInput(
        'S3EC2',
        originalS3Parameters({ destBucket: 'no..such..bucket', maxAttempts: 'again', workerNumber: 'four' }),
      ),
    });
    const problems = (several.body.errors?.[0]?.errorInfo?.problems ?? []) as { field: string; message: string }[];
    expect(problems.map((p) => p.field)).toEqual(['destBucket', 'workerNumber', 'maxAttempts']);
    expect(problems[0].message).toMatch(/^Destination bucket \(destBucket\): "no..such..bucket" is not a valid/);
    expect(several.body.errors?.[0]).toMatchObject({
      errorType: 'InvalidParameterError',
      errorInfo: { field: 'destBucket', code: 'INVALID_PARAMETER' },
      extensions: { field: 'destBucket', problems },
    });
    // A variable that is itself wrong or absent is named too (before: no field for these).
    for (const [query, variables, field] of [
      ['query($id: ID!) { getTask(id: $id) { id } }', {}, 'id'],
      ['query($page: Int) { listTasksV2(page: $page) { total } }', { page: 'two' }, 'page'],
      ['mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }', { input: 'S3EC2' }, 'input'],
      // A parameter's value given as a number: the parameter it is the value of (before: "ParameterValue").
      [
        'mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }',
        {
          input: {
            type: 'S3EC2',
            scheduleType: 'ONE_TIME',
            parameters: [
              { ParameterKey: 'srcBucket', ParameterValue: 'src' },
              { ParameterKey: 'workerNumber', ParameterValue: 8 },
            ],
          },
        },
        'workerNumber',
      ],
    ] as const) {
      const answer = await hub.gql(query, variables);
      expect(answer.body.errors?.[0], query).toMatchObject({
        errorType: 'InvalidParameterError',
        errorInfo: { field, code: 'INVALID_PARAMETER' },
      });
    }
    // A null entry in the parameter list (the schema allows it): the dry run names it as createTask does (before: a
    // TypeError answered as InternalError).
    const nullEntry = await hub.gql('{ estimateTask(type: S3EC2, parameters: [null]) { objects } }', {});
    expect(nullEntry.body.errors?.[0]).toMatchObject({
      errorType: 'InvalidParameterError',
      errorInfo: { field: 'parameters', code: 'INVALID_PARAMETER' },
    });
    const stop = await hub.gql(DOC.stopTask, {});
    expect(stop.body.errors?.[0]).toMatchObject({ errorType: 'InvalidParameterError', errorInfo: { field: 'id' } });
    const missing = await hub.gql(DOC.getErrorMessage, { id: 'no-such-task' });
    expect(missing.body.errors?.[0]).toMatchObject({
      errorType: 'TaskNotFoundError',
      extensions: { code: 'TASK_NOT_FOUND', field: 'id' },
    });
    // As the cloud answers it: the code always, and the argument the error is about (before: errorInfo null).
    expect(missing.body.errors?.[0].errorInfo).toEqual({ code: 'TASK_NOT_FOUND', field: 'id' });
    const group = await hub.gql(DOC.getLogEvents, { logGroupName: '/etc/passwd', logStreamName: 'x' });
    expect(group.body.errors?.[0]).toMatchObject({
      errorType: 'LogGroupNotFoundError',
      message: 'logGroupName: "/etc/passwd" is not a log group of a task of this hub',
    });
    expect(group.body.errors?.[0].errorInfo).toEqual({ code: 'LOG_GROUP_NOT_FOUND', field: 'logGroupName' });
    const unknownTask = await hub.gql(DOC.listLogStreams, {
      logGroupName: '/dth/local/00000000-0000-4000-8000-000000000000/worker',
    });
    expect(unknownTask.body.errors?.[0]).toMatchObject({ errorType: 'LogGroupNotFoundError' });
    const token = await hub.gql(DOC.getLogEvents, {
      logGroupName: '/dth/local/x/worker',
      logStreamName: 'x',
      nextToken: 'f/1',
    });
    expect(token.body.errors?.[0].errorType).toBe('LogGroupNotFoundError');
    const typed = await hub.gql(
      'query($id: ID!) { getMetricHistoryData(id: $id, graphName: Network) { xaxis { categories } } }',
      { id: 'x' },
    );
    expect(typed.body.errors?.[0]).toMatchObject({
      errorType: 'ValidationError',
      message: expect.stringContaining('"$id" of type "ID!" used in position expecting type "String!"'),
    });
  });
});
