/**
 * listTasksV2 must fit what a Lambda may return (6 MB), whatever the tasks hold: a task may keep 256 KiB of parameters
 * (long include or image lists), and the console asks for 1,000 tasks at a time. Before: 40 tasks with a 200 KiB
 * include made an 8 MB answer, and the task list failed for every user. The deployed API handler answers from the
 * task table on dynalite (no other service is read for finished tasks).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTaskStore, ensureTaskTable } from '../../../control-plane/aws/dynamo-task-store.js';
import type { TaskRecord } from '../../../control-plane/core/task.js';
import { localDynamoClient } from '../../adapters/aws/clients.js';
import { servers, uniqueName } from '../../support/servers.js';

const LAMBDA_ANSWER_LIMIT = 6 * 1024 * 1024;
const table = uniqueName('list-size-tasks');
const TASKS = 40;
let handler: (event: unknown) => Promise<unknown>;
const longInclude = Array.from({ length: 24_000 }, (_, i) => `d${i}/*`).join(',');

function task(i: number): TaskRecord {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    type: 'S3EC2',
    scheduleType: 'ONE_TIME',
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    progress: 'DONE',
    progressInfo: { total: 1, replicated: 1, failed: 0, skipped: 0, verified: 1, bytesTotal: 1, bytesDone: 1 },
    parameters: [
      { ParameterKey: 'srcBucket', ParameterValue: `src-${i}` },
      { ParameterKey: 'destBucket', ParameterValue: `dst-${i}` },
      { ParameterKey: 'include', ParameterValue: i === 0 ? 'small/*' : longInclude },
    ],
  };
}

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    TASK_TABLE: table,
    DYNAMODB_ENDPOINT: servers.dynamodb,
    STACK_NAME_PREFIX: 'DTH',
    // Configured as deployed; never called by these finished tasks' reads.
    STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:dth-lifecycle',
    S3_PLUGIN_TEMPLATE_URL: 'https://s3.us-east-1.amazonaws.com/dth-plugin-templates/s3.template.json',
  });
  await ensureTaskTable(localDynamoClient(), table);
  const tasks = new DynamoTaskStore(localDynamoClient(), table);
  for (let i = 0; i < TASKS; i++) await tasks.put(task(i));
  handler = (await import('../../../control-plane/aws/handlers/api.js')).handler as (e: unknown) => Promise<unknown>;
}, 60_000);

describe('listTasksV2 answer size', () => {
  it("stays within a Lambda's answer with 40 tasks of 200 KiB parameters: long values left out (null), the rest whole; getTask keeps them", async () => {
    expect(longInclude.length).toBeGreaterThan(200 * 1024);
    const answer = (await handler({
      info: { fieldName: 'listTasksV2', parentTypeName: 'Query' },
      arguments: { page: 1, count: 1000 },
    })) as { items: TaskRecord[]; total: number };
    expect(Buffer.byteLength(JSON.stringify(answer))).toBeLessThan(LAMBDA_ANSWER_LIMIT);
    expect(answer.total).toBe(TASKS);
    expect(answer.items).toHaveLength(TASKS);
    for (const item of answer.items) {
      const i = Number(item.id.slice(-12));
      const values = Object.fromEntries(item.parameters.map((p) => [p.ParameterKey, p.ParameterValue]));
      // What the list shows stays, and a short include too; only values over budget are left out.
      expect(values.srcBucket).toBe(`src-${i}`);
      expect(values.destBucket).toBe(`dst-${i}`);
      if (i === 0) expect(values.include).toBe('small/*');
    }
    const leftOut = answer.items.filter((t) => t.parameters.some((p) => p.ParameterValue === null));
    expect(leftOut.length).toBeGreaterThan(0);
    // Only as many as needed: most tasks keep their long include.
    expect(leftOut.length).toBeLessThan(TASKS - 1);
    const full = (await handler({
      info: { fieldName: 'getTask', parentTypeName: 'Query' },
      arguments: { id: leftOut[0].id },
    })) as TaskRecord;
    expect(full.parameters.find((p) => p.ParameterKey === 'include')?.ParameterValue).toBe(longInclude);
  });
});
