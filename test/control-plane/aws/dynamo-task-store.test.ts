import { describe, expect, it } from 'vitest';
import { DynamoTaskStore, ensureTaskTable } from '../../../control-plane/aws/dynamo-task-store.js';
import type { TaskRecord } from '../../../control-plane/core/task.js';
import { localDynamoClient } from '../../adapters/aws/clients.js';
import { uniqueName } from '../../support/servers.js';

function task(id: string, createdAt: string, progress: TaskRecord['progress'] = 'STARTING'): TaskRecord {
  return { id, type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: [{ ParameterKey: 'srcBucket', ParameterValue: 'src' }], createdAt, progress };
}

async function store() {
  const client = localDynamoClient();
  const table = uniqueName('tasks');
  await ensureTaskTable(client, table);
  await ensureTaskTable(client, table); // idempotent
  return new DynamoTaskStore(client, table);
}

describe('DynamoTaskStore (dynalite)', () => {
  it('puts, gets and patches a task; a field patched to undefined is removed', async () => {
    const s = await store();
    await s.put({ ...task('t1', '2026-11-25T08:00:00.000Z'), description: 'first' });
    expect(await s.get('t1')).toMatchObject({ id: 't1', description: 'first', parameters: [{ ParameterKey: 'srcBucket', ParameterValue: 'src' }] });
    const errored = await s.update('t1', { progress: 'ERROR', errorCode: 'CFN_ERROR', errorMessage: 'boom', progressInfo: { total: 3, replicated: 1, failed: 2, skipped: 0, verified: 1, bytesTotal: 30, bytesDone: 10 } });
    expect(errored).toMatchObject({ progress: 'ERROR', errorCode: 'CFN_ERROR', progressInfo: { total: 3, failed: 2 } });
    const cleared = await s.update('t1', { progress: 'IN_PROGRESS', errorCode: undefined, errorMessage: undefined });
    expect(cleared.errorCode).toBeUndefined();
    expect((await s.get('t1'))?.errorMessage).toBeUndefined();
    expect((await s.get('t1'))?.progress).toBe('IN_PROGRESS');
    expect(await s.get('missing')).toBeUndefined();
  });

  it('refuses to patch a task that does not exist (no item is created)', async () => {
    const s = await store();
    await expect(s.update('ghost', { progress: 'DONE' })).rejects.toThrow(/ghost.*does not exist/);
    expect(await s.get('ghost')).toBeUndefined();
  });

  it('lists newest first, filtered by progress, with paging and total', async () => {
    const s = await store();
    for (let i = 0; i < 7; i++) await s.put(task(`t${i}`, `2026-11-25T08:0${i}:00.000Z`, i % 2 ? 'DONE' : 'IN_PROGRESS'));
    const page1 = await s.list({ page: 1, count: 3 });
    expect(page1.total).toBe(7);
    expect(page1.items.map((t) => t.id)).toEqual(['t6', 't5', 't4']);
    expect((await s.list({ page: 3, count: 3 })).items.map((t) => t.id)).toEqual(['t0']);
    const done = await s.list({ progress: 'DONE', page: 1, count: 10 });
    expect(done).toMatchObject({ total: 3 });
    expect(done.items.map((t) => t.id)).toEqual(['t5', 't3', 't1']);
  });
});
