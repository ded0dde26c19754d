/**
 * Behaviour every TaskStore adapter must share (SqliteTaskStore in the local hub, DynamoTaskStore in the cloud): the
 * resolvers and both orchestrators are written once against it, so a difference here is a difference users see.
 */
import { describe, expect, it } from 'vitest';
import type { TaskStore } from '../../../control-plane/core/ports.js';
import type { TaskRecord } from '../../../control-plane/core/task.js';

export type TaskStoreFactory = () => Promise<TaskStore>;

export function task(id: string, createdAt: string, progress: TaskRecord['progress'] = 'STARTING'): TaskRecord {
  return {
    id,
    type: 'S3EC2',
    scheduleType: 'ONE_TIME',
    parameters: [{ ParameterKey: 'srcBucket', ParameterValue: 'src' }],
    createdAt,
    progress,
  };
}

export function taskStoreContract(name: string, makeStore: TaskStoreFactory): void {
  describe(`TaskStore contract: ${name}`, () => {
    it('puts, gets and patches a task; a field patched to undefined is removed', async () => {
      const s = await makeStore();
      await s.put({ ...task('t1', '2026-11-25T08:00:00.000Z'), description: 'first' });
      expect(await s.get('t1')).toMatchObject({
        id: 't1',
        description: 'first',
        parameters: [{ ParameterKey: 'srcBucket', ParameterValue: 'src' }],
      });
      const errored = await s.update('t1', {
        progress: 'ERROR',
        errorCode: 'CFN_ERROR',
        errorMessage: 'boom',
        progressInfo: { total: 3, replicated: 1, failed: 2, skipped: 0, verified: 1, bytesTotal: 30, bytesDone: 10 },
      });
      expect(errored).toMatchObject({
        progress: 'ERROR',
        errorCode: 'CFN_ERROR',
        progressInfo: { total: 3, failed: 2 },
      });
      const cleared = await s.update('t1', { progress: 'IN_PROGRESS', errorCode: undefined, errorMessage: undefined });
      expect(cleared.errorCode).toBeUndefined();
      expect((await s.get('t1'))?.errorMessage).toBeUndefined();
      expect((await s.get('t1'))?.progress).toBe('IN_PROGRESS');
      expect(await s.get('missing')).toBeUndefined();
    });

    it('returns the whole merged record from update, keeping fields the patch does not name', async () => {
      const s = await makeStore();
      await s.put({ ...task('m1', '2026-11-25T08:00:00.000Z'), description: 'kept', stackName: 'DTH-S3EC2-m1' });
      const outputs = [
        { OutputKey: 'StatusTableName', OutputValue: 'dth-status-m1', Description: 'per-object status' },
      ];
      const merged = await s.update('m1', { stackOutputs: outputs, stackStatus: 'CREATE_COMPLETE' });
      expect(merged).toEqual({
        ...task('m1', '2026-11-25T08:00:00.000Z'),
        description: 'kept',
        stackName: 'DTH-S3EC2-m1',
        stackOutputs: outputs,
        stackStatus: 'CREATE_COMPLETE',
      });
      expect(await s.get('m1')).toEqual(merged);
      // A patch replaces a nested value whole (progressInfo is one snapshot, never merged field by field).
      await s.update('m1', {
        progressInfo: {
          total: 2,
          replicated: 1,
          failed: 0,
          skipped: 0,
          verified: 1,
          bytesTotal: 20,
          bytesDone: 10,
          rate: 5,
          etaSeconds: 2,
        },
      });
      const next = await s.update('m1', {
        progressInfo: { total: 2, replicated: 2, failed: 0, skipped: 0, verified: 2, bytesTotal: 20, bytesDone: 20 },
      });
      expect(next.progressInfo).toEqual({
        total: 2,
        replicated: 2,
        failed: 0,
        skipped: 0,
        verified: 2,
        bytesTotal: 20,
        bytesDone: 20,
      });
    });

    it('keeps parameter values exactly, whatever their characters', async () => {
      const s = await makeStore();
      const parameters = [
        { ParameterKey: 'srcPrefix', ParameterValue: 'photos/2026 été/' },
        { ParameterKey: 'srcImageList', ParameterValue: 'library/nginx:1.27\nlibrary/redis:ALL_TAGS' },
        { ParameterKey: 'include', ParameterValue: '**/*.{jpg,png} "quoted" \\ back' },
        { ParameterKey: 'destPrefix', ParameterValue: '' },
      ];
      await s.put({ ...task('p1', '2026-11-25T08:00:00.000Z'), parameters });
      expect((await s.get('p1'))?.parameters).toEqual(parameters);
    });

    it('put replaces a task with the same id', async () => {
      const s = await makeStore();
      await s.put({ ...task('r1', '2026-11-25T08:00:00.000Z'), description: 'old', errorCode: 'CFN_ERROR' });
      await s.put({ ...task('r1', '2026-11-25T08:00:00.000Z', 'DONE') });
      expect(await s.get('r1')).toEqual(task('r1', '2026-11-25T08:00:00.000Z', 'DONE'));
      expect((await s.list({ page: 1, count: 10 })).total).toBe(1);
    });

    it('refuses to patch a task that does not exist (no item is created)', async () => {
      const s = await makeStore();
      await expect(s.update('ghost', { progress: 'DONE' })).rejects.toThrow(/ghost.*does not exist/);
      await expect(s.update('ghost', {})).rejects.toThrow(/ghost.*does not exist/);
      expect(await s.get('ghost')).toBeUndefined();
    });

    it('lists newest first, filtered by progress, with paging and total', async () => {
      const s = await makeStore();
      for (let i = 0; i < 7; i++)
        await s.put(task(`t${i}`, `2026-11-25T08:0${i}:00.000Z`, i % 2 ? 'DONE' : 'IN_PROGRESS'));
      const page1 = await s.list({ page: 1, count: 3 });
      expect(page1.total).toBe(7);
      expect(page1.items.map((t) => t.id)).toEqual(['t6', 't5', 't4']);
      expect((await s.list({ page: 3, count: 3 })).items.map((t) => t.id)).toEqual(['t0']);
      expect(await s.list({ page: 4, count: 3 })).toEqual({ items: [], total: 7 });
      const done = await s.list({ progress: 'DONE', page: 1, count: 10 });
      expect(done).toMatchObject({ total: 3 });
      expect(done.items.map((t) => t.id)).toEqual(['t5', 't3', 't1']);
    });

    it('lists by the progress a patch set, and orders tasks created at the same instant by id', async () => {
      const s = await makeStore();
      for (const id of ['c', 'a', 'b']) await s.put(task(id, '2026-11-25T09:00:00.000Z', 'IN_PROGRESS'));
      await s.update('b', { progress: 'STOPPED', stoppedAt: '2026-11-25T09:05:00.000Z' });
      expect((await s.list({ page: 1, count: 10 })).items.map((t) => t.id)).toEqual(['a', 'b', 'c']);
      expect((await s.list({ progress: 'IN_PROGRESS', page: 1, count: 10 })).items.map((t) => t.id)).toEqual([
        'a',
        'c',
      ]);
      expect(await s.list({ progress: 'STOPPED', page: 1, count: 10 })).toMatchObject({
        total: 1,
        items: [{ id: 'b', progress: 'STOPPED' }],
      });
      expect(await s.list({ progress: 'ERROR', page: 1, count: 10 })).toEqual({ items: [], total: 0 });
    });

    it('lists every task but those in one progress (listTasksV2 without a filter leaves STOPPED out), total and pages included', async () => {
      const s = await makeStore();
      const progress = ['STOPPED', 'DONE', 'STOPPED', 'ERROR', 'IN_PROGRESS', 'STOPPED'] as const;
      for (const [i, p] of progress.entries()) await s.put(task(`x${i}`, `2026-11-25T10:0${i}:00.000Z`, p));
      const active = await s.list({ exceptProgress: 'STOPPED', page: 1, count: 2 });
      expect(active).toMatchObject({ total: 3 });
      expect(active.items.map((t) => t.id)).toEqual(['x4', 'x3']);
      expect((await s.list({ exceptProgress: 'STOPPED', page: 2, count: 2 })).items.map((t) => t.id)).toEqual(['x1']);
    });

    it("keeps a task's notifications (what was mailed or recorded about its outcome)", async () => {
      const s = await makeStore();
      await s.put(task('n1', '2026-11-25T08:00:00.000Z', 'DONE'));
      const notifications = [
        {
          time: '2026-11-25T08:10:00.000Z',
          progress: 'DONE' as const,
          subject: 'Data Transfer Hub: task n1 completed',
          message: 'Task Progress: DONE\nTransferred Objects: 3',
          channel: 'SNS' as const,
        },
      ];
      expect((await s.update('n1', { notifications })).notifications).toEqual(notifications);
      expect((await s.get('n1'))?.notifications).toEqual(notifications);
    });
  });
}
