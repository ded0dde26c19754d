import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UploadedPart } from '../../ports/object-store.js';
import type { CopyStart, ObjectRecord, ObjectStatus, StatusStore, StatusSummary } from '../../ports/status-store.js';
import {
  partSortKey,
  partsSortKeyPrefix,
  RECORD_SORT_KEY,
  STATUS_TABLE_PARTITION_KEY as PK,
  STATUS_TABLE_SORT_KEY as SK,
} from './status-table.js';
import { sdkCall } from './sdk-errors.js';

/** ObjectRecord fields stored as attributes of the same name (everything but `key`, which is the partition key). */
const FIELDS = [
  'size', 'etag', 'status', 'attempts', 'error', 'checksum', 'verified', 'bytesDone',
  'startedAt', 'finishedAt', 'uploadId', 'partSize',
] as const satisfies readonly (keyof ObjectRecord)[];
type Field = (typeof FIELDS)[number];
const FIELD_SET = new Set<string>(FIELDS);

type Item = Record<string, unknown>;

/** summary() reads the table as this many parallel Scan segments. */
const SUMMARY_SEGMENTS = 4;

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

/** Byte order of the UTF-8 encodings: how DynamoDB and SQLite order string keys (JS `<` compares UTF-16 units). */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * StatusStore over one DynamoDB table per task (see status-table.ts for the key schema).
 * Works with the operations every DynamoDB (and dynalite) has: Get/Put/Update/Query/Scan/BatchWrite, no transactions.
 *
 * - update() patches only the named attributes; a field set to `undefined` is REMOVEd. A patch for a key that has
 *   no record does nothing (as in SQLite), enforced with `attribute_exists`.
 * - summary() and list() Scan the table (reads every record: cost grows with the task's object count). list() keeps
 *   only the `limit` smallest keys after `after` while scanning, so memory stays bounded and the order matches
 *   SqliteStatusStore (ascending UTF-8 byte order).
 */
export class DynamoStatusStore implements StatusStore {
  private readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.doc = DynamoDBDocumentClient.from(options.client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
    this.tableName = options.tableName;
  }

  async get(key: string): Promise<ObjectRecord | undefined> {
    const out = await sdkCall(this.doc.send(new GetCommand({ TableName: this.tableName, Key: { [PK]: key, [SK]: RECORD_SORT_KEY }, ConsistentRead: true })));
    return out.Item ? toRecord(out.Item) : undefined;
  }

  async put(record: ObjectRecord): Promise<void> {
    const item: Item = { [PK]: record.key, [SK]: RECORD_SORT_KEY };
    for (const f of FIELDS) if (record[f] !== undefined) item[f] = record[f];
    await sdkCall(this.doc.send(new PutCommand({ TableName: this.tableName, Item: item })));
  }

  async update(key: string, patch: Partial<Omit<ObjectRecord, 'key'>>): Promise<void> {
    const entries = Object.entries(patch).filter(([f]) => FIELD_SET.has(f)) as [Field, unknown][];
    if (entries.length === 0) return;
    const names: Record<string, string> = { '#pk': PK };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const removes: string[] = [];
    entries.forEach(([field, value], i) => {
      names[`#f${i}`] = field;
      if (value === undefined) removes.push(`#f${i}`);
      else {
        values[`:v${i}`] = value;
        sets.push(`#f${i} = :v${i}`);
      }
    });
    const expression = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '']
      .filter(Boolean)
      .join(' ');
    try {
      await sdkCall(this.doc.send(new UpdateCommand({
        TableName: this.tableName,
        Key: { [PK]: key, [SK]: RECORD_SORT_KEY },
        UpdateExpression: expression,
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: sets.length ? values : undefined,
      })));
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
  }

  /** One UpdateItem: it creates the item when absent, and if_not_exists keeps an existing record's size and etag. */
  async markStarted(start: CopyStart): Promise<void> {
    const sets = ['#status = :status', '#attempts = :attempts', '#startedAt = :startedAt', '#size = if_not_exists(#size, :size)'];
    const names: Record<string, string> = { '#status': 'status', '#attempts': 'attempts', '#startedAt': 'startedAt', '#size': 'size', '#error': 'error' };
    const values: Record<string, unknown> = { ':status': 'IN_PROGRESS', ':attempts': start.attempts, ':startedAt': start.startedAt, ':size': start.size };
    if (start.etag !== undefined) {
      sets.push('#etag = if_not_exists(#etag, :etag)');
      names['#etag'] = 'etag';
      values[':etag'] = start.etag;
    }
    await sdkCall(this.doc.send(new UpdateCommand({
      TableName: this.tableName,
      Key: { [PK]: start.key, [SK]: RECORD_SORT_KEY },
      UpdateExpression: `SET ${sets.join(', ')} REMOVE #error`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    })));
  }

  async addPart(key: string, uploadId: string, part: UploadedPart): Promise<void> {
    await sdkCall(this.doc.send(new PutCommand({
      TableName: this.tableName,
      Item: { [PK]: key, [SK]: partSortKey(uploadId, part.partNumber), partNumber: part.partNumber, etag: part.etag, size: part.size },
    })));
  }

  private async *partItems(key: string, uploadId: string): AsyncGenerator<Item> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await sdkCall(this.doc.send(new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :k AND begins_with(#sk, :p)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':k': key, ':p': partsSortKeyPrefix(uploadId) },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      })));
      yield* out.Items ?? [];
      start = out.LastEvaluatedKey;
    } while (start);
  }

  async listParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    const parts: UploadedPart[] = [];
    for await (const item of this.partItems(key, uploadId)) {
      parts.push({ partNumber: Number(item.partNumber), etag: item.etag as string, size: Number(item.size) });
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async clearParts(key: string, uploadId: string): Promise<void> {
    let batch: Item[] = [];
    for await (const item of this.partItems(key, uploadId)) {
      batch.push({ [PK]: item[PK], [SK]: item[SK] });
      if (batch.length === 25) { await this.deleteItems(batch); batch = []; }
    }
    if (batch.length) await this.deleteItems(batch);
  }

  /** BatchWrite deletes, sending unprocessed items again with backoff. */
  private async deleteItems(keys: Item[]): Promise<void> {
    let requests = keys.map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(2000, 50 * 2 ** attempt));
      if (attempt > 8) throw new Error(`DynamoDB ${this.tableName}: ${requests.length} part record(s) could not be deleted`);
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
      projectionExpression = projection.map((p, i) => { names[`#p${i}`] = p; return `#p${i}`; }).join(', ');
    }
    let start: Record<string, unknown> | undefined;
    do {
      const out = await sdkCall(this.doc.send(new ScanCommand({
        TableName: this.tableName,
        FilterExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ProjectionExpression: projectionExpression,
        ConsistentRead: true,
        ExclusiveStartKey: start,
        Segment: segment?.index,
        TotalSegments: segment?.total,
      })));
      yield* out.Items ?? [];
      start = out.LastEvaluatedKey;
    } while (start);
  }

  /**
   * Scans the table in parallel segments (see the class comment); the counts follow SqliteStatusStore.summary exactly.
   */
  async summary(): Promise<StatusSummary> {
    const partials = await Promise.all(
      Array.from({ length: SUMMARY_SEGMENTS }, (_, index) => this.summarizeSegment({ index, total: SUMMARY_SEGMENTS })),
    );
    const s: StatusSummary = { total: 0, done: 0, skipped: 0, failed: 0, inProgress: 0, pending: 0, verified: 0, bytesTotal: 0, bytesDone: 0 };
    for (const p of partials) for (const k of Object.keys(s) as (keyof StatusSummary)[]) s[k] += p[k];
    return s;
  }

  private async summarizeSegment(segment: { index: number; total: number }): Promise<StatusSummary> {
    const s: StatusSummary = { total: 0, done: 0, skipped: 0, failed: 0, inProgress: 0, pending: 0, verified: 0, bytesTotal: 0, bytesDone: 0 };
    for await (const item of this.scanRecords({}, ['status', 'size', 'bytesDone', 'verified'], segment)) {
      const size = Number(item.size ?? 0);
      s.total++;
      s.bytesTotal += size;
      if (item.verified === true) s.verified++;
      switch (item.status as ObjectStatus) {
        case 'DONE':
        case 'DELETED': s.done++; s.bytesDone += size; break;
        case 'SKIPPED': s.skipped++; break;
        case 'FAILED': s.failed++; break;
        case 'IN_PROGRESS': s.inProgress++; s.bytesDone += Number(item.bytesDone ?? 0); break;
        default: s.pending++;
      }
    }
    return s;
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
