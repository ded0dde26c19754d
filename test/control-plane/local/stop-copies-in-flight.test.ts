/**
 * A hub task's stop cuts the copies under way, as the original's stop did (it deleted the task's stack, and with it
 * the workers): a store that holds a read (here every GET of the source answered after two minutes) no longer holds
 * the stop — and the stopTask call that waits for it — for the socket timeout (300 s) and the retries. The objects cut
 * go back to PENDING, none is counted copied or failed; the next run copies them. A hub shutdown cuts them the same way
 * and the task resumes at the next start.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStatusStore } from '../../../worker/adapters/embedded/index.js';
import { localS3Hub, s3TaskRecord } from './local-s3-task.js';
import { startFaultProxy } from '../../support/fault-proxy.js';
import { servers } from '../../support/servers.js';
import { baseParams, bucketPair, headObject, putSource, secretsFile } from '../../s3/engine-fixtures.js';

const KEYS = ['a.txt', 'b.txt', 'c.txt'];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** A hub task whose every object copy is waiting for the source's answer when this returns. */
async function taskWithCopiesHeld(name: string) {
  const { src, dst } = await bucketPair();
  for (const key of KEYS) await putSource(src, key, `body of ${key}`);
  const held = await startFaultProxy({
    target: servers.s3Source,
    rates: { slow: 1 },
    slowMs: 120_000,
    faultOps: ['GetObject'],
  });
  const { db, tasks, orchestrator, close } = localS3Hub(secretsFile());
  cleanups.push(async () => {
    await close();
    await held.close();
  });
  const task = s3TaskRecord(`${name}-task`, baseParams(src, dst, { srcEndpoint: held.endpoint }));
  await tasks.put(task);
  await orchestrator.start(task);
  expect(await held.waitForFaults('slow', KEYS.length), 'every copy is waiting for its read').toBe(KEYS.length);
  const status = new SqliteStatusStore(db, task.id);
  /** `left`: a stop's records go back to PENDING; a shutdown's stay IN_PROGRESS, settled when the run resumes. */
  const copiedNone = async (left: 'PENDING' | 'IN_PROGRESS') => {
    for (const key of KEYS) {
      expect((await status.get(key))?.status, key).toBe(left);
      await expect(headObject(servers.s3Dest, dst, key), key).rejects.toThrow();
    }
    expect(await status.summary()).toMatchObject({ done: 0, failed: 0 });
  };
  return { orchestrator, tasks, task, copiedNone };
}

describe('copies under way when a hub task stops', () => {
  it('are cut by the stop: it returns within seconds, the task STOPPED, the objects PENDING', async () => {
    const { orchestrator, tasks, task, copiedNone } = await taskWithCopiesHeld('stop-cuts');
    const asked = Date.now();
    const patch = await orchestrator.stop(task);
    expect(Date.now() - asked, 'the stop waited for the held reads').toBeLessThan(10_000);
    expect(patch.progress).toBe('STOPPED');
    expect((await tasks.get(task.id))?.progress).toBe('STOPPED');
    await copiedNone('PENDING');
  }, 60_000);

  it('are cut by a hub shutdown too, and the task is left to resume at the next start', async () => {
    const { orchestrator, tasks, task, copiedNone } = await taskWithCopiesHeld('shutdown-cuts');
    const asked = Date.now();
    await orchestrator.shutdown();
    expect(Date.now() - asked, 'the shutdown waited for the held reads').toBeLessThan(10_000);
    expect((await tasks.get(task.id))?.progress).toBe('IN_PROGRESS');
    await copiedNone('IN_PROGRESS');
  }, 60_000);
});
