import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { emptySummary, type StatusSummary, type SummaryClass } from '../../ports/status-store.js';
import { sdkCall } from './sdk-errors.js';
import {
  COUNTERS_PARTITION,
  STATUS_TABLE_PARTITION_KEY as PK,
  STATUS_TABLE_SORT_KEY as SK,
  WRITER_SORT_KEY_PREFIX,
} from './status-table.js';

/**
 * Exact per-task counts in DynamoDB without transactions (dynalite, the local DynamoDB, has none; a transaction
 * would also cost twice the write units of its two items).
 *
 * Each process writes its own counter item (a *writer*: `#counters` / `writer#<id>`) holding the sum of the count
 * changes it made and `seq`, the number of its changes those sums include. A record carries what the counts hold for
 * it: `cnt`, plus `pend` = { writer, seq, contribution } for its last change. That change is in the counts exactly
 * when the writer's `seq` has reached it, so the record's counted contribution is `pend`'s (reached) or `cnt`'s (not).
 *
 * A change: read the record (or take it from the cache), work out what the counts hold for it, write the record with
 * `cnt` = that and `pend` = the new contribution under the next seq of this writer (conditional on the record's write
 * id: any concurrent write makes it read again), then add the difference to the writer item in seq order — many
 * changes in one UpdateItem (`ADD`, condition `seq` = what this writer last wrote). The caller's write resolves
 * once its change is in the counts. A duplicate delivery writes the same contribution again: difference zero.
 *
 * A writer killed between the record write and the counter write leaves a `pend` its `seq` never reaches. Whoever
 * next changes that record waits briefly for the writer, then *seals* it (`sealed` = true on its item: it can add
 * nothing more) and counts the record from `cnt`. A live writer that finds itself sealed, or cannot tell whether a
 * record write landed, retires its id (sealing it) and counts its unfinished changes again under a new one.
 *
 * summary() is one Query of the `#counters` partition: one small item per process that ever wrote to the task, never
 * a read of the records.
 */

/** A record's contribution to the counts, as stored on it (contributionOf in a few attributes). */
export interface StoredContribution {
  /** The count its status falls in. */
  c: SummaryClass;
  /** size */
  z: number;
  /** bytes done */
  b: number;
  /** verified: 1 or 0 */
  v: number;
}

/** The last change of a record, counted once writer `w` has applied seq `q`. */
export interface PendingCount {
  w: string;
  q: number;
  t: StoredContribution;
}

const FIELDS = Object.keys(emptySummary()) as (keyof StatusSummary)[];

export function storedContribution(s: StatusSummary): StoredContribution {
  const c = (['pending', 'inProgress', 'done', 'skipped', 'failed'] as const).find((k) => s[k] === 1) ?? 'pending';
  return { c, z: s.bytesTotal, b: s.bytesDone, v: s.verified };
}

function vectorOf(c: StoredContribution | undefined): StatusSummary {
  const s = emptySummary();
  if (!c) return s;
  s.total = 1;
  s[c.c] = 1;
  s.verified = c.v;
  s.bytesTotal = c.z;
  s.bytesDone = c.b;
  return s;
}

/** What moves the counts from `from` (undefined: the record was not counted) to `to`. */
export function countChange(to: StoredContribution | undefined, from: StoredContribution | undefined): StatusSummary {
  const a = vectorOf(to);
  const b = vectorOf(from);
  for (const f of FIELDS) a[f] -= b[f];
  return a;
}

export function isNoChange(d: StatusSummary): boolean {
  return FIELDS.every((f) => d[f] === 0);
}

/** One reserved seq of a generation, from the record write until its change is in the counts. */
interface Slot {
  key: string;
  /**
   * open: the record write is under way; counted: it landed with `delta`; nothing: it did not land; abandoned: its
   * outcome is unknown (never counted under this seq).
   */
  state: 'open' | 'counted' | 'nothing' | 'abandoned';
  delta?: StatusSummary;
  /** How many writer ids this change has been counted under before (each retired unapplied). */
  round: number;
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

/** The slot of a seq being applied: every seq up to the ready mark has one until it is applied. */
function slotOf(gen: Generation, seq: number): Slot {
  const slot = gen.slots.get(seq);
  if (!slot) throw new Error(`status counts: seq ${seq} of writer ${gen.id} has no slot`);
  return slot;
}

/** A change whose writer ids keep retiring (DynamoDB failing) fails after this many: its caller retries the job. */
const MAX_ROUNDS = 3;

/** One writer id of this process and its seqs. */
class Generation {
  readonly id = randomUUID();
  nextSeq = 1;
  /** Every seq up to this one is settled and, where it changed anything, in the writer item. */
  appliedSeq = 0;
  /** The seq the writer item holds (the next counter write's condition). */
  writtenSeq = 0;
  retired = false;
  /** Why this generation ended, if its final seq could not be fixed (then its open changes fail). */
  failure?: unknown;
  readonly slots = new Map<number, Slot>();
  flushing?: Promise<void>;
}

export interface Ticket {
  gen: Generation;
  seq: number;
}

class SealedError extends Error {}

/** How long a record's change may stay uncounted by its (live) writer before this process seals that writer. */
const WRITER_WAITS_MS = [0, 25, 50, 100, 200, 400, 800, 1600];

export class CounterLedger {
  private gen = new Generation();
  /** Writers of other processes: the seq they reached, and whether they are sealed (then it is final). */
  private readonly writers = new Map<string, { seq: number; sealed: boolean }>();
  /** This process's retired writer ids and the final seq each reached. */
  private readonly retired = new Map<string, number>();
  private readonly retirements = new WeakMap<Generation, Promise<void>>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Counts a record again from what it holds now (after its change's writer id was retired unapplied). */
    private readonly recount: (key: string, round: number) => Promise<void>,
  ) {}

  /** The next seq of this writer, for a record write about to carry it (`round`: see Slot). */
  reserve(key: string, round = 0): Ticket {
    const gen = this.gen;
    const seq = gen.nextSeq++;
    gen.slots.set(seq, { key, state: 'open', round, waiters: [] });
    return { gen, seq };
  }

  writerOf(ticket: Ticket): string {
    return ticket.gen.id;
  }

  /**
   * The record write of `ticket` landed carrying `delta`, or did not land (undefined). Resolves once the change is in
   * the counts (or was counted again under a new writer id).
   */
  settle(ticket: Ticket, delta: StatusSummary | undefined): Promise<void> {
    const { gen, seq } = ticket;
    const slot = gen.slots.get(seq);
    if (!slot) return gen.failure === undefined ? Promise.resolve() : Promise.reject(gen.failure);
    slot.state = delta ? 'counted' : 'nothing';
    slot.delta = delta;
    const done = new Promise<void>((resolve, reject) => slot.waiters.push({ resolve, reject }));
    if (gen.retired) this.afterRetirement(gen, seq);
    else this.flushSoon(gen);
    return done;
  }

  /**
   * Whether the record write of `ticket` landed is unknown (an error other than a failed condition: it may land
   * later). The seq can then never be counted: this writer id retires (sealed) before reaching it. Resolves once it is.
   */
  async abandon(ticket: Ticket): Promise<void> {
    const slot = ticket.gen.slots.get(ticket.seq);
    if (slot) slot.state = 'abandoned';
    await this.retire(ticket.gen);
  }

  /** What the counts hold for a record: `pend`'s contribution if its writer has reached it, else `cnt`'s. */
  async counted(item: { cnt?: StoredContribution; pend?: PendingCount }): Promise<StoredContribution | undefined> {
    if (!item.pend) return item.cnt;
    return (await this.reached(item.pend.w, item.pend.q)) ? item.pend.t : item.cnt;
  }

  private async reached(writer: string, seq: number): Promise<boolean> {
    const final = this.retired.get(writer);
    if (final !== undefined) return seq <= final;
    if (writer === this.gen.id) {
      // Our own change of a record is counted before its key's lock is released; another store of this process on the
      // same table is another writer. So this only waits out a flush under way.
      while (seq > this.gen.appliedSeq && writer === this.gen.id) await sleep(5);
      if (writer === this.gen.id) return true;
      return this.reached(writer, seq);
    }
    let known = this.writers.get(writer);
    if (known && known.seq >= seq) return true;
    if (known?.sealed) return false;
    for (const wait of WRITER_WAITS_MS) {
      if (wait) await sleep(wait);
      known = await this.readWriter(writer);
      if (known.seq >= seq) return true;
      if (known.sealed) return false;
    }
    // The writer did not count its change in ~3 s: it died (or stalls). Sealing it makes its seq final.
    await this.seal(writer);
    known = await this.readWriter(writer);
    return known.seq >= seq;
  }

  private async readWriter(writer: string): Promise<{ seq: number; sealed: boolean }> {
    const out = await sdkCall(
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { [PK]: COUNTERS_PARTITION, [SK]: WRITER_SORT_KEY_PREFIX + writer },
          ProjectionExpression: '#seq, #sealed',
          ExpressionAttributeNames: { '#seq': 'seq', '#sealed': 'sealed' },
          ConsistentRead: true,
        }),
      ),
    );
    const known = { seq: Number(out.Item?.seq ?? 0), sealed: out.Item?.sealed === true };
    this.writers.set(writer, known);
    return known;
  }

  private async seal(writer: string): Promise<void> {
    await sdkCall(
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PK]: COUNTERS_PARTITION, [SK]: WRITER_SORT_KEY_PREFIX + writer },
          UpdateExpression: 'SET #sealed = :t',
          ExpressionAttributeNames: { '#sealed': 'sealed' },
          ExpressionAttributeValues: { ':t': true },
        }),
      ),
    );
  }

  private flushSoon(gen: Generation): void {
    if (gen.flushing || gen.retired) return;
    gen.flushing = this.flush(gen).then(async (failure) => {
      gen.flushing = undefined;
      if (failure !== undefined) await this.retire(gen);
      // Changes settled while the last counter write was under way.
      else if (this.settledAfter(gen) > 0) this.flushSoon(gen);
    });
  }

  /** How many slots after the applied seq are settled, in a row (a batch for the next counter write). */
  private settledAfter(gen: Generation): number {
    let n = 0;
    for (let q = gen.appliedSeq + 1; ; q++) {
      const state = gen.slots.get(q)?.state;
      if (state !== 'counted' && state !== 'nothing') return n;
      n++;
    }
  }

  /**
   * Adds every settled change, in seq order, to the writer item: one UpdateItem for all that settled meanwhile.
   * Returns the failure that ends this generation, if any.
   */
  private async flush(gen: Generation): Promise<unknown> {
    while (!gen.retired) {
      const n = this.settledAfter(gen);
      if (n === 0) return undefined;
      const from = gen.appliedSeq + 1;
      const to = gen.appliedSeq + n;
      const sum = emptySummary();
      let changes = false;
      for (let q = from; q <= to; q++) {
        const { delta } = slotOf(gen, q);
        if (!delta) continue;
        for (const f of FIELDS) sum[f] += delta[f];
        changes = true;
      }
      if (changes) {
        try {
          await this.addToWriter(gen, sum, to);
        } catch (err) {
          return err;
        }
        gen.writtenSeq = to;
      }
      gen.appliedSeq = to;
      for (let q = from; q <= to; q++) {
        for (const w of slotOf(gen, q).waiters) w.resolve();
        gen.slots.delete(q);
      }
    }
    return undefined;
  }

  private async addToWriter(gen: Generation, sum: StatusSummary, to: number): Promise<void> {
    const values: Record<string, unknown> = { ':to': to };
    const names: Record<string, string> = { '#seq': 'seq', '#sealed': 'sealed' };
    const adds: string[] = [];
    for (const f of FIELDS) {
      if (sum[f] === 0) continue;
      values[`:${f}`] = sum[f];
      names[`#${f}`] = f;
      adds.push(`#${f} :${f}`);
    }
    if (gen.writtenSeq > 0) values[':from'] = gen.writtenSeq;
    try {
      await sdkCall(
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { [PK]: COUNTERS_PARTITION, [SK]: WRITER_SORT_KEY_PREFIX + gen.id },
            UpdateExpression: `SET #seq = :to${adds.length ? ` ADD ${adds.join(', ')}` : ''}`,
            ConditionExpression: `attribute_not_exists(#sealed) AND ${gen.writtenSeq > 0 ? '#seq = :from' : 'attribute_not_exists(#seq)'}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      // An earlier attempt of this same request may have landed (its answer lost, the SDK retried).
      const now = await this.readWriter(gen.id);
      if (now.sealed || now.seq !== to) throw new SealedError(`counter writer ${gen.id} was sealed`);
    }
  }

  /**
   * Retires a generation: no more counter writes under its id, sealed so that a counter write of it still on the way
   * cannot land. Every change it had not counted is then counted again — from the record, under the next generation
   * (a record write still under way does so when it lands). If the id cannot even be sealed, its final seq is unknown:
   * those changes fail (their callers retry; each record's next change counts it from `cnt` once the id is sealed).
   */
  private async retire(gen: Generation): Promise<void> {
    if (gen.retired) return this.retirements.get(gen);
    gen.retired = true;
    if (this.gen === gen) this.gen = new Generation();
    const done = (async () => {
      await gen.flushing;
      try {
        await this.seal(gen.id);
        this.retired.set(gen.id, (await this.readWriter(gen.id)).seq);
      } catch (err) {
        gen.failure = err;
        for (const slot of gen.slots.values()) for (const w of slot.waiters) w.reject(err);
        gen.slots.clear();
        return;
      }
      for (const seq of [...gen.slots.keys()]) this.afterRetirement(gen, seq);
    })();
    this.retirements.set(gen, done);
    return done;
  }

  /**
   * A settled slot of a retired generation whose final seq is known: done if the counts reached it, counted again if it
   * changed them, nothing otherwise. Open slots wait for their record write (settle calls this again).
   */
  private afterRetirement(gen: Generation, seq: number): void {
    const slot = gen.slots.get(seq);
    const final = this.retired.get(gen.id);
    if (!slot || final === undefined || slot.state === 'open') return;
    gen.slots.delete(seq);
    const resolve = () => {
      for (const w of slot.waiters) w.resolve();
    };
    const reject = (err: unknown) => {
      for (const w of slot.waiters) w.reject(err);
    };
    if (seq <= final || slot.state !== 'counted') {
      resolve();
      return;
    }
    if (slot.round + 1 >= MAX_ROUNDS) {
      reject(new Error(`the task's counts could not be updated for "${slot.key}" (counter writes keep failing)`));
      return;
    }
    this.recount(slot.key, slot.round + 1).then(resolve, reject);
  }

  /** Sum of every writer item of the task: one Query, whatever the number of records. */
  async summary(): Promise<StatusSummary> {
    const s = emptySummary();
    let start: Record<string, unknown> | undefined;
    do {
      const out = await sdkCall(
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :p AND begins_with(#sk, :w)',
            ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
            ExpressionAttributeValues: { ':p': COUNTERS_PARTITION, ':w': WRITER_SORT_KEY_PREFIX },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of out.Items ?? []) for (const f of FIELDS) s[f] += Number(item[f] ?? 0);
      start = out.LastEvaluatedKey;
    } while (start);
    return s;
  }
}
