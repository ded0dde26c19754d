import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  FileSecretStore,
  openSqliteDatabase,
  SqliteJobQueue,
  SqliteStatusStore,
} from '../../../worker/adapters/embedded/index.js';
import { SecretNotFoundError } from '../../../worker/core/errors.js';

describe('SqliteJobQueue', () => {
  it('hides a received message until its visibility expires, then redelivers with a higher count', async () => {
    const q = new SqliteJobQueue<{ n: number }>(openSqliteDatabase(':memory:'), 'q', { maxReceiveCount: 5 });
    await q.sendBatch([{ n: 1 }]);
    const [first] = await q.receive({ max: 10, visibilityTimeoutSec: 0.2 });
    expect(first.body).toEqual({ n: 1 });
    expect(await q.receive({ max: 10, visibilityTimeoutSec: 1 })).toEqual([]);
    await sleep(300);
    const [again] = await q.receive({ max: 10, visibilityTimeoutSec: 10 });
    expect(again.receiveCount).toBe(2);
    // The stale receipt of the first delivery must not delete the second delivery.
    await q.delete(first);
    expect((await q.depth()).inFlight).toBe(1);
    await q.delete(again);
    expect(await q.depth()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
  });

  it('extends, releases, and dead-letters after maxReceiveCount deliveries', async () => {
    const q = new SqliteJobQueue<string>(openSqliteDatabase(':memory:'), 'q', { maxReceiveCount: 2 });
    await q.sendBatch(['a']);
    for (let i = 0; i < 2; i++) {
      const [job] = await q.receive({ max: 1, visibilityTimeoutSec: 30 });
      await q.extendVisibility(job, 60);
      expect(await q.receive({ max: 1, visibilityTimeoutSec: 30 })).toEqual([]);
      await q.release(job);
    }
    expect(await q.receive({ max: 1, visibilityTimeoutSec: 30 })).toEqual([]);
    expect((await q.depth()).deadLettered).toBe(1);
    expect(q.deadLetters()[0]).toMatchObject({ body: 'a', receiveCount: 2 });
  });

  it('long-polls until a message arrives', async () => {
    const q = new SqliteJobQueue<string>(openSqliteDatabase(':memory:'), 'q', {
      maxReceiveCount: 2,
      pollIntervalMs: 20,
    });
    setTimeout(() => void q.sendBatch(['late']), 100);
    const jobs = await q.receive({ max: 1, visibilityTimeoutSec: 30, waitTimeSec: 5 });
    expect(jobs.map((j) => j.body)).toEqual(['late']);
  });

  it('keeps queues of different names apart in one file', async () => {
    const db = openSqliteDatabase(':memory:');
    const a = new SqliteJobQueue<string>(db, 'a', { maxReceiveCount: 2 });
    const b = new SqliteJobQueue<string>(db, 'b', { maxReceiveCount: 2 });
    await a.sendBatch(['x', 'y']);
    expect((await b.depth()).visible).toBe(0);
    expect((await a.depth()).visible).toBe(2);
  });
});

describe('SqliteStatusStore', () => {
  it('stores, patches, sums and pages records per task', async () => {
    const db = openSqliteDatabase(':memory:');
    const s = new SqliteStatusStore(db, 't1');
    const other = new SqliteStatusStore(db, 't2');
    await s.putMany([
      { key: 'a', size: 10, status: 'PENDING', attempts: 0 },
      { key: 'b', size: 20, status: 'PENDING', attempts: 0 },
      { key: 'c', size: 30, status: 'PENDING', attempts: 0 },
    ]);
    await other.put({ key: 'a', size: 99, status: 'FAILED', attempts: 3 });
    await s.update('a', { status: 'DONE', verified: true, checksum: 'md5:x', attempts: 1 });
    await s.update('b', { status: 'FAILED', error: 'boom', attempts: 3 });
    expect(await s.get('a')).toMatchObject({ status: 'DONE', verified: true, checksum: 'md5:x' });
    expect(await s.summary()).toMatchObject({
      total: 3,
      done: 1,
      failed: 1,
      pending: 1,
      verified: 1,
      bytesTotal: 60,
      bytesDone: 10,
    });
    const page1 = await s.list({ limit: 2 });
    const page2 = await s.list({ limit: 2, after: page1.at(-1)!.key });
    expect([...page1, ...page2].map((r) => r.key)).toEqual(['a', 'b', 'c']);
    expect((await s.list({ status: 'FAILED', limit: 10 })).map((r) => r.error)).toEqual(['boom']);
  });

  it('opens a state file made before destEtag was kept: the column is added, its records read and take the new field', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dth-old-state-')), 'state.db');
    const old = openSqliteDatabase(path);
    // The table as earlier versions created it, with one finished record.
    old.exec(`CREATE TABLE object_status (
        task_id TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT, status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, error TEXT, checksum TEXT, verified INTEGER, bytes_done INTEGER,
        started_at TEXT, finished_at TEXT, upload_id TEXT, part_size INTEGER,
        PRIMARY KEY (task_id, key));
      INSERT INTO object_status (task_id, key, size, etag, status, attempts, checksum, verified)
        VALUES ('t', 'a.txt', 5, '"e"', 'DONE', 1, 'md5:e', 1);`);
    old.close();
    const store = new SqliteStatusStore(openSqliteDatabase(path), 't');
    expect(await store.get('a.txt')).toEqual({
      key: 'a.txt',
      size: 5,
      etag: '"e"',
      status: 'DONE',
      attempts: 1,
      checksum: 'md5:e',
      verified: true,
    });
    await store.update('a.txt', { destEtag: '"d"' });
    expect((await store.get('a.txt'))?.destEtag).toBe('"d"');
    expect((await store.summary()).done).toBe(1);
  });

  it('opens a state file made before parts kept SSE-KMS: its parts read as not known, new ones keep it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dth-old-state-')), 'state.db');
    const old = openSqliteDatabase(path);
    // The parts table as earlier versions created it, with one part of an open upload.
    old.exec(`CREATE TABLE object_parts (
        task_id TEXT NOT NULL, key TEXT NOT NULL, upload_id TEXT NOT NULL, part_number INTEGER NOT NULL,
        etag TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (task_id, key, upload_id, part_number));
      INSERT INTO object_parts (task_id, key, upload_id, part_number, etag, size) VALUES ('t', 'big', 'u1', 1, '"e1"', 5);`);
    old.close();
    const store = new SqliteStatusStore(openSqliteDatabase(path), 't');
    await store.recordPart('big', 'u1', { partNumber: 2, etag: '"e2"', size: 5, kms: false });
    expect(await store.listParts('big', 'u1')).toStrictEqual([
      { partNumber: 1, etag: '"e1"', size: 5 },
      { partNumber: 2, etag: '"e2"', size: 5, kms: false },
    ]);
    expect(await store.getPart('big', 'u1', 1)).toStrictEqual({ partNumber: 1, etag: '"e1"', size: 5 });
  });

  it('records multipart parts so a restart can resume', async () => {
    const s = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
    await Promise.all([3, 1, 2].map((n) => s.addPart('big', 'u1', { partNumber: n, etag: `e${n}`, size: 5 })));
    expect((await s.listParts('big', 'u1')).map((p) => p.partNumber)).toEqual([1, 2, 3]);
    await s.clearParts('big', 'u1');
    expect(await s.listParts('big', 'u1')).toEqual([]);
  });
});

describe('FileSecretStore', () => {
  it('returns a named secret, lists names only, and names a missing secret', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dth-secrets-')), 'secrets.json');
    writeFileSync(path, JSON.stringify({ src: { access_key_id: 'AK', secret_access_key: 'very-secret-value' } }), {
      mode: 0o600,
    });
    const store = new FileSecretStore(path);
    expect(await store.get('src')).toEqual({ access_key_id: 'AK', secret_access_key: 'very-secret-value' });
    expect(await store.list()).toEqual([{ name: 'src' }]);
    expect(JSON.stringify(await store.list())).not.toContain('very-secret-value');
    await expect(store.get('nope')).rejects.toThrow(SecretNotFoundError);
    await expect(store.get('nope')).rejects.toThrow(/"nope"/);
    // Built-in names of a JS object are no secrets (before: __proto__ read as an empty secret).
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty'])
      await expect(store.get(name), name).rejects.toThrow(/not in /);
    expect(store.isExposed()).toBe(false);
  });

  it('refuses a malformed file without echoing its content', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dth-secrets-')), 'secrets.json');
    writeFileSync(path, '{"src": {"secret_access_key": "leak-me"');
    await expect(new FileSecretStore(path).list()).rejects.toThrow(/not valid JSON/);
    await expect(new FileSecretStore(path).list()).rejects.not.toThrow(/leak-me/);
    // A secret read from it is unreadable: SecretNotFoundError, which the parameter naming it reports as its own.
    const err = await new FileSecretStore(path).get('src').catch((e: Error) => e);
    expect(err).toBeInstanceOf(SecretNotFoundError);
    expect((err as Error).message).toMatch(/secret "src" .*not valid JSON/);
    expect((err as Error).message).not.toContain('leak-me');
  });

  it('names a secret that is there but is not an object of fields, without its value', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dth-secrets-')), 'secrets.json');
    writeFileSync(path, JSON.stringify({ flat: 'user:flat-secret-value', list: ['list-secret-value'] }));
    for (const name of ['flat', 'list']) {
      const err = await new FileSecretStore(path).get(name).catch((e: Error) => e);
      expect(err).toBeInstanceOf(SecretNotFoundError);
      expect((err as Error).message).toContain(
        `secret "${name}" was not found or is not readable (in ${path} it is not`,
      );
      expect((err as Error).message).not.toMatch(/secret-value/);
    }
  });
});
