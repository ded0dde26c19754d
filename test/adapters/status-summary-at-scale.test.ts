/**
 * summary() answers from the task's counters, never from its records: its cost does not grow with the number of
 * objects (the console and every monitor pass call it; a scan of ~10 M records exceeds a Lambda's limits).
 *
 * - SQLite: 1 M records seeded in bulk by plain SQL (the triggers keep the counters, whoever writes); summary() is
 *   timed against a task 10× smaller and against the GROUP BY scan it replaced.
 * - DynamoDB (dynalite): records seeded in bulk with BatchWriteItem, as the counters would hold them; the items every
 *   request reads are counted at the client (ScannedCount of Query/Scan answers, one per GetItem): summary() reads the same
 *   items for 1,000 and 10,000 records, a scan reads them all. (dynalite stores ~1,300 items/s, so 1 M would take
 *   13 minutes; the item count shows the size does not matter.)
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DynamoStatusStore, ensureStatusTable } from '../../worker/adapters/aws/index.js';
import { COUNTERS_PARTITION, RECORD_SORT_KEY, WRITER_SORT_KEY_PREFIX } from '../../worker/adapters/aws/status-table.js';
import { openSqliteDatabase, SqliteStatusStore } from '../../worker/adapters/embedded/index.js';
import { emptySummary, type StatusSummary } from '../../worker/ports/status-store.js';
import { servers, uniqueName } from '../support/servers.js';

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timed<T>(fn: () => Promise<T> | T, rounds: number): Promise<{ ms: number; value: T }> {
  const times: number[] = [];
  let value!: T;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    value = await fn();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), value };
}

/** Counts seeded by `seed` below for n records: every 10th FAILED, every 7th (else) IN_PROGRESS, the rest DONE. */
function expectedCounts(n: number): StatusSummary {
  const s = emptySummary();
  for (let i = 0; i < n; i++) {
    s.total++;
    s.bytesTotal += 1000 + (i % 100);
    if (i % 10 === 0) s.failed++;
    else if (i % 7 === 0) {
      s.inProgress++;
      s.bytesDone += 10;
    } else {
      s.done++;
      s.verified++;
      s.bytesDone += 1000 + (i % 100);
    }
  }
  return s;
}

describe('summary of a large task answers in constant time', () => {
  it('SQLite: 1 M records, seeded by plain SQL, counted by the triggers; summary() does not grow with them', async () => {
    const db = openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'dth-scale-')), 'state.db'));
    const big = randomUUID();
    const small = randomUUID();
    new SqliteStatusStore(db, big); // creates the tables and the counters' triggers
    const seed = db.prepare(`
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
      INSERT INTO object_status (task_id, key, size, status, attempts, verified, bytes_done)
      SELECT ?, printf('dir/%08d', i), 1000 + i % 100,
             CASE WHEN i % 10 = 0 THEN 'FAILED' WHEN i % 7 = 0 THEN 'IN_PROGRESS' ELSE 'DONE' END, 1,
             CASE WHEN i % 10 = 0 OR i % 7 = 0 THEN 0 ELSE 1 END, CASE WHEN i % 7 = 0 THEN 10 ELSE NULL END
      FROM n`);
    db.transaction(() => {
      seed.run(1_000_000, big);
      seed.run(100_000, small);
    })();

    const bigStore = new SqliteStatusStore(db, big);
    const smallStore = new SqliteStatusStore(db, small);
    const scan = db.prepare(
      `SELECT status, COUNT(*) AS n, SUM(size) AS bytes FROM object_status WHERE task_id = ? GROUP BY status`,
    );
    const scanBig = await timed(() => scan.all(big), 3);
    const scanSmall = await timed(() => scan.all(small), 3);
    const onBig = await timed(() => bigStore.summary(), 21);
    const onSmall = await timed(() => smallStore.summary(), 21);

    expect(onBig.value).toEqual(expectedCounts(1_000_000));
    expect(onSmall.value).toEqual(expectedCounts(100_000));
    const timings = JSON.stringify({
      scanBig: scanBig.ms,
      scanSmall: scanSmall.ms,
      summaryBig: onBig.ms,
      summarySmall: onSmall.ms,
    });
    // The scan grows with the records (the yardstick); summary() does not, and costs a sliver of one scan.
    expect(scanBig.ms, timings).toBeGreaterThan(4 * scanSmall.ms);
    expect(onBig.ms, timings).toBeLessThan(3 * onSmall.ms + 1);
    expect(onBig.ms, timings).toBeLessThan(scanBig.ms / 50);
    db.close();
  }, 240_000);

  it('DynamoDB: summary() reads the same few items for 1,000 and for 10,000 records; a scan reads every one', async () => {
    let itemsRead = 0;
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: servers.dynamodb,
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        const body = (out.output ?? {}) as { Count?: number; ScannedCount?: number; Item?: unknown };
        if (context.commandName === 'QueryCommand' || context.commandName === 'ScanCommand')
          itemsRead += body.ScannedCount ?? body.Count ?? 0;
        if (context.commandName === 'GetItemCommand' && body.Item) itemsRead++;
        return out;
      },
      { step: 'initialize', name: 'countItemsRead' },
    );
    const doc = DynamoDBDocumentClient.from(client);

    /** n records as the stores keep them (their counted contribution on each), and the writer item holding their sum. */
    async function seededTable(n: number): Promise<string> {
      const tableName = uniqueName('scale');
      await ensureStatusTable(client, tableName);
      const counts = expectedCounts(n);
      const items: Record<string, unknown>[] = [
        { objectKey: COUNTERS_PARTITION, sk: `${WRITER_SORT_KEY_PREFIX}seed`, seq: n, ...counts },
      ];
      for (let i = 0; i < n; i++) {
        const size = 1000 + (i % 100);
        const [status, c, b, v] =
          i % 10 === 0
            ? ['FAILED', 'failed', 0, 0]
            : i % 7 === 0
              ? ['IN_PROGRESS', 'inProgress', 10, 0]
              : ['DONE', 'done', size, 1];
        items.push({
          objectKey: `dir/${String(i).padStart(8, '0')}`,
          sk: RECORD_SORT_KEY,
          size,
          status,
          attempts: 1,
          verified: v === 1,
          ...(b && status === 'IN_PROGRESS' ? { bytesDone: b } : {}),
          wid: `seed-${i}`,
          cnt: { c, z: size, b, v },
        });
      }
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let at = next; at < items.length; at = next) {
            next += 25;
            let requests = items.slice(at, at + 25).map((Item) => ({ PutRequest: { Item } }));
            while (requests.length) {
              const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
              requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
            }
          }
        }),
      );
      return tableName;
    }

    const small = new DynamoStatusStore({ client, tableName: await seededTable(1_000) });
    const big = new DynamoStatusStore({ client, tableName: await seededTable(10_000) });

    itemsRead = 0;
    expect(await small.summary()).toEqual(expectedCounts(1_000));
    const readForSmall = itemsRead;
    itemsRead = 0;
    const t0 = performance.now();
    expect(await big.summary()).toEqual(expectedCounts(10_000));
    const summaryMs = performance.now() - t0;
    const readForBig = itemsRead;
    expect(readForSmall).toBe(1);
    expect(readForBig).toBe(readForSmall);

    // The yardstick: a scan of the records (what summary() did before) reads every one of them.
    itemsRead = 0;
    const t1 = performance.now();
    const failed = await big.list({ status: 'FAILED', limit: 1 });
    const scanMs = performance.now() - t1;
    expect(failed).toHaveLength(1);
    expect(itemsRead).toBe(10_001);
    expect(summaryMs, JSON.stringify({ summaryMs, scanMs })).toBeLessThan(scanMs / 5);

    // The counts stay exact as the seeded records change on.
    await big.update('dir/00000000', { status: 'DONE', verified: true, error: undefined });
    await small.update('dir/00000007', { status: 'DONE', verified: true });
    expect(await big.summary()).toMatchObject({
      failed: expectedCounts(10_000).failed - 1,
      done: expectedCounts(10_000).done + 1,
    });
    expect(await small.summary()).toMatchObject({
      inProgress: expectedCounts(1_000).inProgress - 1,
      done: expectedCounts(1_000).done + 1,
    });
  }, 240_000);
});
