/**
 * DynamoStatusStore's counts when a process dies or loses an answer between writing a record and counting its change
 * (status-counters.ts), on dynalite. Death and lost answers are injected in the SDK client of one store (middleware:
 * the only place a test can hold a request or drop its answer); everything else is the real local DynamoDB.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoStatusStore, ensureStatusTable } from '../../../worker/adapters/aws/index.js';
import { COUNTERS_PARTITION } from '../../../worker/adapters/aws/status-table.js';
import {
  contributionOf,
  emptySummary,
  type StatusStore,
  type StatusSummary,
} from '../../../worker/ports/status-store.js';
import { servers, uniqueName } from '../../support/servers.js';
import { localDynamoClient } from './clients.js';

async function countsFromRecords(s: StatusStore): Promise<StatusSummary> {
  const sum = emptySummary();
  for (const r of await s.list({ limit: 10_000 })) {
    const c = contributionOf(r);
    for (const k of Object.keys(sum) as (keyof StatusSummary)[]) sum[k] += c[k];
  }
  return sum;
}

type Input = { Key?: Record<string, unknown>; Item?: Record<string, unknown>; UpdateExpression?: string };

/** A client whose requests pass `hook` first (hold them, fail them after they landed…). */
function hookedClient(
  hook: (command: string, input: Input, send: () => Promise<unknown>) => Promise<unknown>,
): DynamoDBClient {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: servers.dynamodb,
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
  client.middlewareStack.add(
    (next, context) => async (args) =>
      hook(context.commandName ?? '', args.input as Input, () => next(args)) as ReturnType<typeof next>,
    { step: 'initialize', name: 'testHook' },
  );
  return client;
}

const isCounterWrite = (command: string, input: Input) =>
  command === 'UpdateItemCommand' && JSON.stringify(input.Key ?? {}).includes(JSON.stringify(COUNTERS_PARTITION));

async function newTable(): Promise<string> {
  const tableName = uniqueName('counts');
  await ensureStatusTable(localDynamoClient(), tableName);
  return tableName;
}

describe('DynamoStatusStore counts when a writer dies or loses an answer', () => {
  it('a writer stalled between its record write and its count is sealed by the next writer of the record; nothing is counted twice', async () => {
    const tableName = await newTable();
    const setUp = new DynamoStatusStore({ client: localDynamoClient(), tableName });
    await setUp.put({ key: 'k', size: 10, status: 'PENDING', attempts: 0 });
    await setUp.put({ key: 'other', size: 5, status: 'PENDING', attempts: 0 });

    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let stalled = 0;
    const dying = new DynamoStatusStore({
      tableName,
      client: hookedClient(async (command, input, send) => {
        if (isCounterWrite(command, input)) {
          stalled++;
          await held;
        }
        return send();
      }),
    });
    // The record is written IN_PROGRESS; its count never comes (the process "died" before the counter write).
    const lost = dying.markStarted({ key: 'k', size: 10, attempts: 1, startedAt: 't' });
    for (let i = 0; i < 100 && stalled === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(stalled).toBe(1);
    expect((await setUp.get('k'))?.status).toBe('IN_PROGRESS');

    // The redelivered job, in another process: waits a moment for the stalled writer, seals it, counts from `cnt`.
    const next = new DynamoStatusStore({ client: localDynamoClient(), tableName });
    const started = Date.now();
    await next.update('k', { status: 'DONE', verified: true, bytesDone: 10 });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await next.summary()).toEqual({
      ...emptySummary(),
      total: 2,
      pending: 1,
      done: 1,
      verified: 1,
      bytesTotal: 15,
      bytesDone: 10,
    });
    expect(await next.summary()).toEqual(await countsFromRecords(next));

    // The stalled process wakes up: its counter write is refused (sealed), it counts nothing twice and goes on.
    release();
    await lost;
    await dying.update('other', { status: 'SKIPPED' });
    const truth = await countsFromRecords(next);
    expect(truth).toMatchObject({ total: 2, done: 1, skipped: 1, pending: 0 });
    expect(await next.summary()).toEqual(truth);
  }, 60_000);

  it('a record write whose answer is lost is counted once, under a new writer id', async () => {
    const tableName = await newTable();
    let dropped = 0;
    const flaky = new DynamoStatusStore({
      tableName,
      client: hookedClient(async (command, _input, send) => {
        const out = await send();
        // The write landed; the answer is replaced by a network error (as a reset connection would).
        if (command === 'PutItemCommand' && dropped++ === 1)
          throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $metadata: {} });
        return out;
      }),
    });
    await flaky.put({ key: 'a', size: 7, status: 'PENDING', attempts: 0 });
    await flaky.update('a', { status: 'DONE', verified: true });
    await flaky.put({ key: 'b', size: 3, status: 'PENDING', attempts: 0 });
    // put a, the update whose answer was lost, its recount under the new writer id, put b.
    expect(dropped).toBe(4);
    const reader = new DynamoStatusStore({ client: localDynamoClient(), tableName });
    expect(await reader.summary()).toEqual({
      ...emptySummary(),
      total: 2,
      done: 1,
      pending: 1,
      verified: 1,
      bytesTotal: 10,
      bytesDone: 7,
    });
    expect(await reader.summary()).toEqual(await countsFromRecords(reader));
  }, 60_000);

  it('a counter write that fails retires the writer id and counts its changes again under a new one; persistent failure fails the change', async () => {
    const tableName = await newTable();
    let failing = 2;
    const flaky = new DynamoStatusStore({
      tableName,
      client: hookedClient(async (command, input, send) => {
        // Counter writes (adding changes) fail; sealing a writer id passes.
        if (isCounterWrite(command, input) && !input.UpdateExpression?.startsWith('SET #sealed') && failing > 0) {
          failing--;
          throw Object.assign(new Error('We encountered an internal error'), {
            name: 'InternalServerError',
            $metadata: { httpStatusCode: 500 },
          });
        }
        return send();
      }),
    });
    await Promise.all(['a', 'b', 'c'].map((key, i) => flaky.put({ key, size: i + 1, status: 'PENDING', attempts: 0 })));
    const reader = new DynamoStatusStore({ client: localDynamoClient(), tableName });
    expect(await reader.summary()).toEqual({ ...emptySummary(), total: 3, pending: 3, bytesTotal: 6 });
    expect(failing).toBe(0);

    // Failing for good: the change fails (its caller retries the job); once writes pass again, the next change counts it.
    failing = 1000;
    await expect(flaky.update('a', { status: 'DONE', verified: true })).rejects.toThrow(
      /counts could not be updated|internal error/,
    );
    failing = 0;
    await flaky.update('a', { status: 'DONE', verified: true });
    expect(await reader.summary()).toEqual(await countsFromRecords(reader));
    expect(await reader.summary()).toMatchObject({ total: 3, done: 1, pending: 2 });
  }, 60_000);
});
