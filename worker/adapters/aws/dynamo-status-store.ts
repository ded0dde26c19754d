import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { compareKeys } from '../../core/key-order.js';
import {
  contributionOf,
  type CopyStart,
  type ObjectRecord,
  type ObjectStatus,
  type PartTally,
  type RecordedPart,
  type RecordExpectation,
  type StatusStore,
  type StatusSummary,
} from '../../ports/status-store.js';
import {
  countChange,
  CounterLedger,
  isNoChange,
  storedContribution,
  type PendingCount,
  type StoredContribution,
  type Ticket,
} from './status-counters.js';
import {
  partSortKey,
  partsSortKeyPrefix,
  RECORD_SORT_KEY,
  STATUS_TABLE_PARTITION_KEY as PK,
  STATUS_TABLE_SORT_KEY as SK,
  uploadSortKey,
} from './status-table.js';
import { sdkCall } from './sdk-errors.js';

/** ObjectRecord fields stored as attributes of the same name (everything but `key`, which is the partition key). */
const FIELDS = [
  'size',
  'etag',
  'status',
  'attempts',
  'error',
  'checksum',
  'destEtag',
  'verified',
  'bytesDone',
  'startedAt',
  'finishedAt',
  'uploadId',
  'partSize',
] as const satisfies readonly (keyof ObjectRecord)[];

/** A record item: the fields, plus `wid` (id of the write that made it: the next write's condition) and its counts. */
type Item = Record<string, unknown> & { wid?: string; cnt?: StoredContribution; pend?: PendingCount };

/** Record items this store wrote or read last, so that a record's next change needs no read (a wrong guess costs a retry). */
const CACHED_RECORDS = 4096;

function toRecord(item: Item): ObjectRecord {
  const rec: ObjectRecord = {
    key: item[PK] as string,
    size: Number(item.size ?? 0),
    status: item.status as ObjectStatus,
    attempts: Number(item.attempts ?? 0),
  };
  for (const f of FIELDS) {
    if (f === 'size' || f === 'status' || f === 'attempts') continue;
    const v = item[f];
    if (v !== undefined && v !== null) (rec as unknown as Record<string, unknown>)[f] = v;
  }
  return rec;
}

function sameRecord(a: ObjectRecord, b: ObjectRecord): boolean {
  return FIELDS.every((f) => a[f] === b[f]);
}

function patched(current: ObjectRecord, patch: Partial<Omit<ObjectRecord, 'key'>>): ObjectRecord {
  const next = { ...current };
  for (const [f, v] of Object.entries(patch)) {
    if (!(FIELDS as readonly string[]).includes(f)) continue;
    if (v === undefined) delete (next as Record<string, unknown>)[f];
    else (next as Record<string, unknown>)[f] = v;
  }
  return next;
}

/** A part's item as read back; `kms` is absent from items written before it was kept (not known). */
function toPart(item: Item): RecordedPart {
  const part: RecordedPart = {
    partNumber: Number(item.partNumber),
    etag: item.etag as string,
    size: Number(item.size),
  };
  if (typeof item.kms === 'boolean') part.kms = item.kms;
  return part;
}

function isConditionFailed(err: unknown): boolean {
  return (err as Error)?.name === 'ConditionalCheckFailedException';
}

/** Runs changes of one key one after the other within this process (a change waits for its counts before the next). */
class KeyLocks {
  private readonly tails = new Map<string, Promise<unknown>>();
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const result = before.catch(() => {}).then(fn);
    const tail = result.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

/**
 * StatusStore over one DynamoDB table per task (see status-table.ts for the key schema).
 * Works with the operations every DynamoDB (and dynalite) has: Get/Put/Update/Delete/Query/Scan/BatchWrite, no
 * transactions.
 *
 * - Every record write is a change: read (or cached), changed, written back on condition that nobody wrote it
 *   meanwhile (`wid`), and counted exactly once in the task's counts (status-counters.ts). update() of a key that has
 *   no record does nothing (as in SQLite).
 * - summary() reads the counts (one Query of small items), never the records.
 * - list() Scans the table (reads every record: cost grows with the task's object count); it keeps only the `limit`
 *   smallest keys after `after` while scanning, so memory stays bounded and the order matches SqliteStatusStore
 *   (ascending UTF-8 byte order).
 */
export class DynamoStatusStore implements StatusStore {
  private readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  private readonly counts: CounterLedger;
  private readonly locks = new KeyLocks();
  /** Last known item of a key (null: no record), valid while this process wrote it last. */
  private readonly cache = new Map<string, Item | null>();

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.doc = DynamoDBDocumentClient.from(options.client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
    this.tableName = options.tableName;
    this.counts = new CounterLedger(this.doc, this.tableName, (key, round) =>
      this.change(key, (r) => r, { locked: false, round }).then(() => {}),
    );
  }

  private remember(key: string, item: Item | null): void {
    this.cache.delete(key);
    this.cache.set(key, item);
    const oldest = this.cache.keys().next().value;
    if (this.cache.size > CACHED_RECORDS && oldest !== undefined) this.cache.delete(oldest);
  }

  private async readItem(key: string): Promise<Item | null> {
    const out = await sdkCall(
      this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { [PK]: key, [SK]: RECORD_SORT_KEY }, ConsistentRead: true }),
      ),
    );
    const item = (out.Item as Item | undefined) ?? null;
    this.remember(key, item);
    return item;
  }

  /**
   * Changes one record: `next` says what it becomes (undefined: leave it). Returns whether it was written. The write
   * is conditional on the record being as read; the change is in the counts when this resolves.
   */
  private change(
    key: string,
    next: (current: ObjectRecord | undefined) => ObjectRecord | undefined,
    options: { locked: boolean; round?: number } = { locked: true },
  ): Promise<boolean> {
    const run = async (): Promise<boolean> => {
      for (;;) {
        const cached = this.cache.get(key); // null: known to be absent
        const raw = cached !== undefined ? cached : await this.readItem(key);
        const current = raw ? toRecord(raw) : undefined;
        const wanted = next(current);
        if (!wanted) return false;
        const counted = raw ? await this.counts.counted(raw) : undefined;
        const target = storedContribution(contributionOf(wanted));
        const delta = countChange(target, counted);
        const changesCounts = !isNoChange(delta);
        if (!changesCounts && current && !raw?.pend && sameRecord(current, wanted)) return true;
        const ticket: Ticket | undefined = changesCounts ? this.counts.reserve(key, options.round) : undefined;
        const item: Item = { [PK]: key, [SK]: RECORD_SORT_KEY, wid: randomUUID() };
        for (const f of FIELDS) if (wanted[f] !== undefined) item[f] = wanted[f];
        if (ticket) {
          if (counted) item.cnt = counted;
          item.pend = { w: this.counts.writerOf(ticket), q: ticket.seq, t: target };
        } else {
          item.cnt = target;
        }
        try {
          await this.putConditionally(item, raw);
        } catch (err) {
          this.cache.delete(key);
          if (isConditionFailed(err)) {
            // Someone wrote the record since it was read — unless an earlier attempt of this very request landed (its
            // answer was lost and the SDK sent it again).
            if ((await this.readItem(key))?.wid !== item.wid) {
              if (ticket) void this.counts.settle(ticket, undefined);
              continue;
            }
          } else {
            // Whether it landed is unknown, and it may still land: its seq must never be counted (the writer id
            // retires short of it). If it did land, the change is counted afresh under the next writer id.
            if (ticket) await this.counts.abandon(ticket);
            const round = (options.round ?? 0) + 1;
            if ((await this.readItem(key).catch(() => undefined))?.wid !== item.wid || (ticket && round >= 3))
              throw err;
            if (ticket) await this.change(key, (r) => r, { locked: false, round });
            return true;
          }
        }
        this.remember(key, item);
        if (ticket) await this.counts.settle(ticket, delta);
        return true;
      }
    };
    return options.locked ? this.locks.run(key, run) : run();
  }

  private async putConditionally(item: Item, before: Item | null): Promise<void> {
    let names: Record<string, string> | undefined = { '#pk': PK };
    let condition = 'attribute_not_exists(#pk)';
    let values: Record<string, unknown> | undefined;
    if (before?.wid !== undefined) {
      condition = 'wid = :wid';
      values = { ':wid': before.wid };
      names = undefined;
    } else if (before) {
      condition = 'attribute_exists(#pk) AND attribute_not_exists(wid)';
    }
    await sdkCall(
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async get(key: string): Promise<ObjectRecord | undefined> {
    const item = await this.readItem(key);
    return item ? toRecord(item) : undefined;
  }

  async put(record: ObjectRecord): Promise<void> {
    await this.change(record.key, () => ({ ...record }));
  }

  async update(key: string, patch: Partial<Omit<ObjectRecord, 'key'>>): Promise<void> {
    await this.change(key, (current) => (current ? patched(current, patch) : undefined));
  }

  async updateIf(
    key: string,
    expected: RecordExpectation,
    patch: Partial<Omit<ObjectRecord, 'key'>>,
  ): Promise<boolean> {
    return this.change(key, (current) => {
      if (!current) return undefined;
      for (const [f, v] of Object.entries(expected)) if (current[f as keyof ObjectRecord] !== v) return undefined;
      return patched(current, patch);
    });
  }

  /** Creates the record when none exists (S3 event jobs have no finder record); otherwise keeps its upload and version. */
  async markStarted(start: CopyStart): Promise<void> {
    await this.change(start.key, (current) =>
      current
        ? patched(current, {
            status: 'IN_PROGRESS',
            attempts: start.attempts,
            startedAt: start.startedAt,
            error: undefined,
          })
        : {
            key: start.key,
            size: start.size,
            etag: start.etag,
            status: 'IN_PROGRESS',
            attempts: start.attempts,
            startedAt: start.startedAt,
          },
    );
  }

  async addPart(key: string, uploadId: string, part: RecordedPart): Promise<void> {
    await this.recordPart(key, uploadId, part);
  }

  /**
   * The part's own item (replaced when recorded again), then the upload's tally: one attribute per part number, set on
   * condition that it is absent, so each part is counted once however often it arrives; a crash between the two
   * writes is healed by the part's redelivery. Only the tally's count and bytes come back (not every part number).
   */
  async recordPart(key: string, uploadId: string, part: RecordedPart): Promise<PartTally> {
    await sdkCall(
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [PK]: key,
            [SK]: partSortKey(uploadId, part.partNumber),
            partNumber: part.partNumber,
            etag: part.etag,
            size: part.size,
            ...(part.kms === undefined ? {} : { kms: part.kms }),
          },
        }),
      ),
    );
    const uploadKey = { [PK]: key, [SK]: uploadSortKey(uploadId) };
    try {
      const out = await sdkCall(
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: uploadKey,
            UpdateExpression: 'SET #part = :t ADD #parts :one, #bytes :size',
            ConditionExpression: 'attribute_not_exists(#part)',
            ExpressionAttributeNames: { '#part': `p${part.partNumber}`, '#parts': 'parts', '#bytes': 'bytes' },
            ExpressionAttributeValues: { ':t': true, ':one': 1, ':size': part.size },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      return {
        added: true,
        partsDone: Number(out.Attributes?.parts ?? 0),
        bytesDone: Number(out.Attributes?.bytes ?? 0),
      };
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      const out = await sdkCall(
        this.doc.send(
          new GetCommand({
            TableName: this.tableName,
            Key: uploadKey,
            ProjectionExpression: '#parts, #bytes',
            ConsistentRead: true,
            ExpressionAttributeNames: { '#parts': 'parts', '#bytes': 'bytes' },
          }),
        ),
      );
      return { added: false, partsDone: Number(out.Item?.parts ?? 0), bytesDone: Number(out.Item?.bytes ?? 0) };
    }
  }

  async getPart(key: string, uploadId: string, partNumber: number): Promise<RecordedPart | undefined> {
    const out = await sdkCall(
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { [PK]: key, [SK]: partSortKey(uploadId, partNumber) },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? toPart(out.Item) : undefined;
  }

  /** A conditional write on the upload's tally item: it exists from the first recorded part until clearParts. */
  async claimCompletion(key: string, uploadId: string, claimant: string): Promise<boolean> {
    try {
      await sdkCall(
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { [PK]: key, [SK]: uploadSortKey(uploadId) },
            UpdateExpression: 'SET #claimant = :c',
            ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#claimant) OR #claimant = :c)',
            ExpressionAttributeNames: { '#pk': PK, '#claimant': 'claimant' },
            ExpressionAttributeValues: { ':c': claimant },
          }),
        ),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  private async *partItems(key: string, uploadId: string): AsyncGenerator<Item> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await sdkCall(
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :k AND begins_with(#sk, :p)',
            ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
            ExpressionAttributeValues: { ':k': key, ':p': partsSortKeyPrefix(uploadId) },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      yield* out.Items ?? [];
      start = out.LastEvaluatedKey;
    } while (start);
  }

  async listParts(key: string, uploadId: string): Promise<RecordedPart[]> {
    const parts: RecordedPart[] = [];
    for await (const item of this.partItems(key, uploadId)) parts.push(toPart(item));
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async clearParts(key: string, uploadId: string): Promise<void> {
    let batch: Item[] = [];
    for await (const item of this.partItems(key, uploadId)) {
      batch.push({ [PK]: item[PK], [SK]: item[SK] });
      if (batch.length === 25) {
        await this.deleteItems(batch);
        batch = [];
      }
    }
    if (batch.length) await this.deleteItems(batch);
    await sdkCall(
      this.doc.send(
        new DeleteCommand({ TableName: this.tableName, Key: { [PK]: key, [SK]: uploadSortKey(uploadId) } }),
      ),
    );
  }

  /** BatchWrite deletes, sending unprocessed items again with backoff. */
  private async deleteItems(keys: Item[]): Promise<void> {
    let requests = keys.map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(2000, 50 * 2 ** attempt));
      if (attempt > 8)
        throw new Error(`DynamoDB ${this.tableName}: ${requests.length} part record(s) could not be deleted`);
      const out = await sdkCall(this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } })));
      requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
    }
  }

  /** Every object record (not parts) matching the filter, page by page. */
  private async *scanRecords(
    filter: { status?: ObjectStatus },
    projection?: string[],
    segment?: { index: number; total: number },
  ): AsyncGenerator<Item> {
    const names: Record<string, string> = { '#sk': SK };
    const values: Record<string, unknown> = { ':rec': RECORD_SORT_KEY };
    const conditions = ['#sk = :rec'];
    if (filter.status) {
      names['#st'] = 'status';
      values[':st'] = filter.status;
      conditions.push('#st = :st');
    }
    let projectionExpression: string | undefined;
    if (projection) {
      projectionExpression = projection
        .map((p, i) => {
          names[`#p${i}`] = p;
          return `#p${i}`;
        })
        .join(', ');
    }
    let start: Record<string, unknown> | undefined;
    do {
      const out = await sdkCall(
        this.doc.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: conditions.join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ProjectionExpression: projectionExpression,
            ConsistentRead: true,
            ExclusiveStartKey: start,
            Segment: segment?.index,
            TotalSegments: segment?.total,
          }),
        ),
      );
      yield* out.Items ?? [];
      start = out.LastEvaluatedKey;
    } while (start);
  }

  /** The counts kept by every write (status-counters.ts): a Query of one small item per writing process. */
  async summary(): Promise<StatusSummary> {
    return this.counts.summary();
  }

  async list(options: { status?: ObjectStatus; limit: number; after?: string }): Promise<ObjectRecord[]> {
    if (options.limit <= 0) return [];
    // The `limit` smallest keys seen so far, in order.
    const best: ObjectRecord[] = [];
    // `after` is applied here, not as a FilterExpression: emulators compare strings as UTF-16, DynamoDB as UTF-8 bytes.
    // A Scan is billed for every item read either way.
    for await (const item of this.scanRecords({ status: options.status })) {
      const rec = toRecord(item);
      if (options.after !== undefined && compareKeys(rec.key, options.after) <= 0) continue;
      if (best.length === options.limit && compareKeys(rec.key, best[best.length - 1].key) >= 0) continue;
      let lo = 0;
      let hi = best.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareKeys(best[mid].key, rec.key) < 0) lo = mid + 1;
        else hi = mid;
      }
      best.splice(lo, 0, rec);
      if (best.length > options.limit) best.pop();
    }
    return best;
  }
}
