/**
 * Counts and fan-out bookkeeping every StatusStore adapter must keep exact (SqliteStatusStore, DynamoStatusStore):
 * the task's counts follow every record change once, whatever runs concurrently in several processes or arrives
 * twice; updateIf, recordPart and claimCompletion decide exactly one winner. "Another process" is a second store on
 * the same task (SQLite: its own connection to the file; DynamoDB: its own counter writer).
 */
import { describe, expect, it } from 'vitest';
import {
  contributionOf,
  emptySummary,
  type ObjectRecord,
  type ObjectStatus,
  type StatusStore,
  type StatusSummary,
} from '../../../worker/ports/status-store.js';

export interface SharedTask {
  /** A store of a fresh task. */
  store: StatusStore;
  /** Another store of the same task, as another process would open it. */
  another(): StatusStore;
}

export type SharedTaskFactory = () => Promise<SharedTask>;

/** The counts recomputed from the records themselves (list reads every record: the slow truth). */
async function countsFromRecords(s: StatusStore): Promise<StatusSummary> {
  const sum = emptySummary();
  let after: string | undefined;
  for (;;) {
    const page = await s.list({ limit: 500, after });
    if (page.length === 0) return sum;
    for (const r of page) {
      const c = contributionOf(r);
      for (const k of Object.keys(sum) as (keyof StatusSummary)[]) sum[k] += c[k];
    }
    after = page.at(-1)!.key;
  }
}

/** A deterministic pseudo-random sequence (mulberry32): the same seed gives the same interleavings to replay. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATES: ObjectStatus[] = ['PENDING', 'IN_PROGRESS', 'DONE', 'FAILED', 'SKIPPED', 'DELETED'];

export function statusCountersContract(name: string, open: SharedTaskFactory): void {
  describe(`StatusStore counts and fan-out contract: ${name}`, () => {
    it('counts every state change once while two processes change the same records concurrently', async () => {
      const { store: a, another } = await open();
      const b = another();
      const keys = Array.from({ length: 24 }, (_, i) => `obj/${i}`);
      await Promise.all(keys.map((key, i) => a.put({ key, size: 100 + i, status: 'PENDING', attempts: 0 })));
      const next = random(7);
      const ops: Promise<unknown>[] = [];
      for (let i = 0; i < 160; i++) {
        const key = keys[Math.floor(next() * keys.length)]!;
        const s = next() < 0.5 ? a : b;
        const status = STATES[Math.floor(next() * STATES.length)]!;
        const roll = next();
        if (roll < 0.5)
          ops.push(s.update(key, { status, verified: status === 'DONE', bytesDone: Math.floor(next() * 100) }));
        else if (roll < 0.7) ops.push(s.markStarted({ key, size: 1, attempts: 2, startedAt: 't' }));
        else if (roll < 0.85) ops.push(s.put({ key, size: 50 + Math.floor(next() * 50), status, attempts: 1 }));
        else ops.push(s.updateIf(key, { status: 'IN_PROGRESS' }, { status: 'DONE', verified: true }));
      }
      // New records appear from both sides at once, one of them twice.
      ops.push(a.markStarted({ key: 'event/new', size: 9, attempts: 1, startedAt: 't' }));
      ops.push(b.markStarted({ key: 'event/new', size: 9, attempts: 1, startedAt: 't' }));
      await Promise.all(ops);
      const truth = await countsFromRecords(a);
      expect(truth.total).toBe(keys.length + 1);
      expect(await a.summary()).toEqual(truth);
      expect(await b.summary()).toEqual(truth);
      expect(await another().summary()).toEqual(truth);
    }, 60_000);

    it('counts a duplicate delivery of the same change once, at once or later', async () => {
      const { store: a, another } = await open();
      const b = another();
      await a.put({ key: 'k', size: 10, status: 'PENDING', attempts: 0 });
      const start = { key: 'k', size: 10, attempts: 1, startedAt: 't0' };
      await Promise.all([a.markStarted(start), b.markStarted(start)]);
      const done = { status: 'DONE' as const, verified: true, bytesDone: 10, finishedAt: 't1' };
      await Promise.all([a.update('k', done), b.update('k', done)]);
      await b.update('k', done);
      expect(await a.summary()).toEqual({
        ...emptySummary(),
        total: 1,
        done: 1,
        verified: 1,
        bytesTotal: 10,
        bytesDone: 10,
      });
      // A record put again as it is (a finder run twice) is one record.
      await a.put({ key: 'k', size: 10, status: 'PENDING', attempts: 0 });
      await b.put({ key: 'k', size: 10, status: 'PENDING', attempts: 0 });
      expect(await b.summary()).toEqual({ ...emptySummary(), total: 1, pending: 1, bytesTotal: 10 });
    });

    it('moves bytes in progress with the record and counts a patch of a missing key as nothing', async () => {
      const { store: s } = await open();
      await s.put({ key: 'big', size: 1000, status: 'PENDING', attempts: 0 });
      await s.markStarted({ key: 'big', size: 1000, attempts: 1, startedAt: 't' });
      await s.update('big', { bytesDone: 300 });
      expect(await s.summary()).toMatchObject({ inProgress: 1, bytesDone: 300, bytesTotal: 1000 });
      await s.update('big', { status: 'FAILED', error: 'x' });
      expect(await s.summary()).toMatchObject({ inProgress: 0, failed: 1, bytesDone: 0 });
      await s.update('ghost', { status: 'DONE' });
      expect(await s.updateIf('ghost', {}, { status: 'DONE' })).toBe(false);
      expect((await s.summary()).total).toBe(1);
    });

    it('applies updateIf for exactly one of two processes expecting the same value', async () => {
      const { store: a, another } = await open();
      const b = another();
      await a.put({ key: 'giant', size: 100, status: 'IN_PROGRESS', attempts: 1 });
      const [ra, rb] = await Promise.all([
        a.updateIf('giant', { uploadId: undefined }, { uploadId: 'from-a', partSize: 10 }),
        b.updateIf('giant', { uploadId: undefined }, { uploadId: 'from-b', partSize: 10 }),
      ]);
      expect([ra, rb].filter(Boolean)).toHaveLength(1);
      const winner = ra ? 'from-a' : 'from-b';
      expect(await a.get('giant')).toMatchObject({ uploadId: winner, partSize: 10 });
      expect(await b.updateIf('giant', { uploadId: 'other' }, { status: 'DONE' })).toBe(false);
      expect(
        await b.updateIf('giant', { uploadId: winner }, { status: 'DONE', uploadId: undefined, partSize: undefined }),
      ).toBe(true);
      expect(await a.get('giant')).toEqual({ key: 'giant', size: 100, status: 'DONE', attempts: 1 });
      expect(await a.summary()).toMatchObject({ total: 1, done: 1, inProgress: 0 });
    });

    it('tallies each part once however often and from wherever it is recorded', async () => {
      const { store: a, another } = await open();
      const b = another();
      await a.put({ key: 'giant', size: 30, status: 'IN_PROGRESS', attempts: 1, uploadId: 'u1', partSize: 10 });
      const part = (n: number, etag = `"e${n}"`) => ({ partNumber: n, etag, size: 10 });
      const first = await Promise.all([a.recordPart('giant', 'u1', part(1)), b.recordPart('giant', 'u1', part(1))]);
      expect(first.filter((t) => t.added)).toHaveLength(1);
      expect(first.map((t) => t.partsDone)).toEqual([1, 1]);
      const second = await b.recordPart('giant', 'u1', part(2));
      expect(second).toEqual({ added: true, partsDone: 2, bytesDone: 20 });
      // Recorded again (a retried upload of part 2): the newer ETag replaces the entry, the tally stays.
      expect(await a.recordPart('giant', 'u1', part(2, '"e2b"'))).toEqual({
        added: false,
        partsDone: 2,
        bytesDone: 20,
      });
      expect(await a.getPart('giant', 'u1', 2)).toEqual(part(2, '"e2b"'));
      expect(await a.getPart('giant', 'u1', 3)).toBeUndefined();
      const last = await Promise.all([a.recordPart('giant', 'u1', part(3)), b.recordPart('giant', 'u1', part(3))]);
      expect(last.map((t) => t.partsDone)).toEqual([3, 3]);
      expect((await a.listParts('giant', 'u1')).map((p) => p.partNumber)).toEqual([1, 2, 3]);
      // The tally is per upload.
      expect(await a.recordPart('giant', 'u2', part(1))).toEqual({ added: true, partsDone: 1, bytesDone: 10 });
    });

    it('gives the completion claim to one claimant, again to the same one, and to none once the parts are cleared', async () => {
      const { store: a, another } = await open();
      const b = another();
      await a.put({ key: 'giant', size: 10, status: 'IN_PROGRESS', attempts: 1, uploadId: 'u1', partSize: 10 });
      await a.recordPart('giant', 'u1', { partNumber: 1, etag: '"e"', size: 10 });
      const claims = await Promise.all([
        a.claimCompletion('giant', 'u1', 'message-1'),
        b.claimCompletion('giant', 'u1', 'message-2'),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      const winner = claims[0] ? 'message-1' : 'message-2';
      expect(await b.claimCompletion('giant', 'u1', winner)).toBe(true);
      expect(await a.claimCompletion('giant', 'u1', 'message-3')).toBe(false);
      await a.clearParts('giant', 'u1');
      expect(await a.listParts('giant', 'u1')).toEqual([]);
      expect(await b.claimCompletion('giant', 'u1', winner)).toBe(false);
    });

    it('keeps counting right across processes that each changed a record last', async () => {
      const { store: a, another } = await open();
      const records: ObjectRecord[] = Array.from({ length: 30 }, (_, i) => ({
        key: `r${i}`,
        size: i,
        status: 'PENDING',
        attempts: 0,
      }));
      for (const r of records) await a.put(r);
      // A chain of processes, each taking the records from the last one's state (finder → worker → late redelivery).
      for (const status of ['IN_PROGRESS', 'DONE', 'DONE', 'FAILED', 'DONE'] as const) {
        const p = another();
        await Promise.all(records.map((r) => p.update(r.key, { status, verified: status === 'DONE' })));
      }
      expect(await another().summary()).toEqual(await countsFromRecords(a));
      expect(await a.summary()).toMatchObject({
        total: 30,
        done: 30,
        verified: 30,
        bytesDone: records.reduce((n, r) => n + r.size, 0),
      });
    }, 60_000);
  });
}
