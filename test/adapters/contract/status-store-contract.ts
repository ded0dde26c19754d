/** Behaviour every StatusStore adapter must share (SqliteStatusStore locally, DynamoStatusStore in the cloud). */
import { describe, expect, it } from 'vitest';
import type { ObjectRecord, StatusStore } from '../../../worker/ports/status-store.js';

export type StatusStoreFactory = () => Promise<StatusStore>;

const pending = (key: string, size: number): ObjectRecord => ({ key, size, status: 'PENDING', attempts: 0 });

export function statusStoreContract(name: string, makeStore: StatusStoreFactory): void {
  describe(`StatusStore contract: ${name}`, () => {
    it('puts, gets and replaces whole records; a missing key is undefined', async () => {
      const s = await makeStore();
      expect(await s.get('nope')).toBeUndefined();
      const full: ObjectRecord = {
        key: 'dir/a b+c.txt',
        size: 12,
        etag: '"e1"',
        status: 'IN_PROGRESS',
        attempts: 2,
        error: 'x',
        checksum: 'md5:1',
        destEtag: '"d1"',
        verified: false,
        bytesDone: 5,
        startedAt: '2026-01-01T00:00:00.000Z',
        finishedAt: '2026-01-01T00:00:01.000Z',
        uploadId: 'u1',
        partSize: 5242880,
      };
      await s.put(full);
      expect(await s.get(full.key)).toEqual(full);
      await s.put(pending(full.key, 13));
      expect(await s.get(full.key)).toEqual(pending(full.key, 13));
    });

    it("marks a copy started in one write: creates a missing record, keeps an existing one's upload and version", async () => {
      const s = await makeStore();
      await s.markStarted({ key: 'event/new.txt', size: 7, etag: '"v1"', attempts: 1, startedAt: 't0' });
      expect(await s.get('event/new.txt')).toEqual({
        key: 'event/new.txt',
        size: 7,
        etag: '"v1"',
        status: 'IN_PROGRESS',
        attempts: 1,
        startedAt: 't0',
      });

      await s.put({
        ...pending('big.bin', 100),
        etag: '"v0"',
        uploadId: 'u1',
        partSize: 50,
        error: 'reset',
        status: 'PENDING',
      });
      await s.markStarted({ key: 'big.bin', size: 999, etag: '"other"', attempts: 3, startedAt: 't1' });
      expect(await s.get('big.bin')).toEqual({
        key: 'big.bin',
        size: 100,
        etag: '"v0"',
        status: 'IN_PROGRESS',
        attempts: 3,
        startedAt: 't1',
        uploadId: 'u1',
        partSize: 50,
      });
      await s.markStarted({ key: 'no-etag', size: 1, attempts: 1, startedAt: 't2' });
      expect(await s.get('no-etag')).toEqual({
        key: 'no-etag',
        size: 1,
        status: 'IN_PROGRESS',
        attempts: 1,
        startedAt: 't2',
      });
    });

    it('patches named fields, removes fields patched to undefined, and ignores a patch of a missing key', async () => {
      const s = await makeStore();
      await s.put({ ...pending('k', 10), uploadId: 'u9', partSize: 5, error: 'old' });
      // The engine's exact calls: start, resume bookkeeping, finish.
      await s.update('k', { status: 'IN_PROGRESS', attempts: 1, startedAt: 't0', error: undefined });
      await s.update('k', { uploadId: undefined, partSize: undefined });
      await s.update('k', {
        status: 'DONE',
        verified: true,
        checksum: 'md5:abc',
        destEtag: '"abc"',
        size: 11,
        bytesDone: 11,
        finishedAt: 't1',
      });
      expect(await s.get('k')).toEqual({
        key: 'k',
        size: 11,
        status: 'DONE',
        attempts: 1,
        startedAt: 't0',
        verified: true,
        checksum: 'md5:abc',
        destEtag: '"abc"',
        bytesDone: 11,
        finishedAt: 't1',
      });
      await s.update('ghost', { status: 'FAILED', error: 'boom' });
      expect(await s.get('ghost')).toBeUndefined();
      await s.update('k', {});
      expect((await s.get('k'))?.status).toBe('DONE');
    });

    it('sums records by status and bytes', async () => {
      const s = await makeStore();
      await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((k, i) => s.put(pending(k, (i + 1) * 10))));
      await s.update('a', { status: 'DONE', verified: true });
      await s.update('b', { status: 'FAILED', error: 'boom' });
      await s.update('c', { status: 'IN_PROGRESS', bytesDone: 7 });
      await s.update('d', { status: 'SKIPPED' });
      await s.update('e', { status: 'DELETED' });
      expect(await s.summary()).toEqual({
        total: 6,
        done: 2,
        skipped: 1,
        failed: 1,
        inProgress: 1,
        pending: 1,
        verified: 1,
        bytesTotal: 210,
        bytesDone: 10 + 50 + 7,
      });
    });

    it('lists in key byte order, page by page, optionally by status; parts are not records', async () => {
      const s = await makeStore();
      const keys = ['b/2', 'a', 'b/10', 'é', 'z', '😀', '\uffff', 'a/'];
      for (const k of keys) await s.put(pending(k, 1));
      await s.addPart('a', 'u1', { partNumber: 1, etag: 'p1', size: 5 });
      await s.update('z', { status: 'FAILED', error: 'boom' });
      await s.update('b/2', { status: 'FAILED', error: 'bang' });
      const order = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await s.list({ limit: 3, after });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(3);
        seen.push(...page.map((r) => r.key));
        after = page.at(-1)!.key;
      }
      expect(seen).toEqual(order);
      const failed = await s.list({ status: 'FAILED', limit: 10 });
      expect(failed.map((r) => [r.key, r.error])).toEqual([
        ['b/2', 'bang'],
        ['z', 'boom'],
      ]);
      expect((await s.list({ status: 'FAILED', limit: 1, after: 'b/2' })).map((r) => r.key)).toEqual(['z']);
      expect((await s.summary()).total).toBe(keys.length);
    });

    it('keeps every part of concurrent addPart calls, per upload, until cleared', async () => {
      const s = await makeStore();
      await s.put({ ...pending('big', 300), uploadId: 'u1', partSize: 5 });
      const numbers = Array.from({ length: 40 }, (_, i) => 40 - i);
      await Promise.all(numbers.map((n) => s.addPart('big', 'u1', { partNumber: n, etag: `"e${n}"`, size: 5 })));
      await s.addPart('big', 'u2', { partNumber: 1, etag: '"other"', size: 5 });
      const parts = await s.listParts('big', 'u1');
      expect(parts.map((p) => p.partNumber)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(parts[0]).toEqual({ partNumber: 1, etag: '"e1"', size: 5 });
      // Re-recording a part (a retried upload) replaces it.
      await s.addPart('big', 'u1', { partNumber: 1, etag: '"e1b"', size: 5 });
      expect((await s.listParts('big', 'u1'))[0].etag).toBe('"e1b"');
      await s.clearParts('big', 'u1');
      expect(await s.listParts('big', 'u1')).toEqual([]);
      expect(await s.listParts('big', 'u2')).toHaveLength(1);
      expect(await s.get('big')).toMatchObject({ uploadId: 'u1', size: 300 });
    });

    it("keeps whether a part's answer showed SSE-KMS; a part recorded without it reads back as not known", async () => {
      const s = await makeStore();
      await s.recordPart('big', 'u1', { partNumber: 1, etag: '"e1"', size: 5, kms: false });
      await s.recordPart('big', 'u1', { partNumber: 2, etag: '"e2"', size: 5, kms: true });
      // As a worker of an earlier version recorded it: never to be read as "not KMS".
      await s.recordPart('big', 'u1', { partNumber: 3, etag: '"e3"', size: 5 });
      expect(await s.listParts('big', 'u1')).toStrictEqual([
        { partNumber: 1, etag: '"e1"', size: 5, kms: false },
        { partNumber: 2, etag: '"e2"', size: 5, kms: true },
        { partNumber: 3, etag: '"e3"', size: 5 },
      ]);
      expect(await s.getPart('big', 'u1', 1)).toStrictEqual({ partNumber: 1, etag: '"e1"', size: 5, kms: false });
      expect(await s.getPart('big', 'u1', 2)).toStrictEqual({ partNumber: 2, etag: '"e2"', size: 5, kms: true });
      expect(await s.getPart('big', 'u1', 3)).toStrictEqual({ partNumber: 3, etag: '"e3"', size: 5 });
      // Recorded again (a retried upload): the new answer's, or not known again.
      await s.addPart('big', 'u1', { partNumber: 2, etag: '"e2b"', size: 5, kms: false });
      await s.addPart('big', 'u1', { partNumber: 1, etag: '"e1b"', size: 5 });
      expect(await s.listParts('big', 'u1')).toStrictEqual([
        { partNumber: 1, etag: '"e1b"', size: 5 },
        { partNumber: 2, etag: '"e2b"', size: 5, kms: false },
        { partNumber: 3, etag: '"e3"', size: 5 },
      ]);
    });
  });
}
