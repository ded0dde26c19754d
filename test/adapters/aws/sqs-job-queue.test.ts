/** SqsJobQueue specifics beyond the shared contract: batching by size, queue set-up, partial batch failures. */
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { ensureSqsQueue, ensureStatusTable, SqsJobQueue } from '../../../worker/adapters/aws/index.js';
import { uniqueName } from '../../support/servers.js';
import { localDynamoClient, localSqsClient } from './clients.js';

describe('SqsJobQueue on fauxqs', () => {
  it('splits a send into batches that fit the request size limit', async () => {
    const sqs = localSqsClient();
    const { queueUrl } = await ensureSqsQueue(sqs, uniqueName('big'), { maxReceiveCount: 3, visibilityTimeoutSec: 30 });
    const q = new SqsJobQueue<{ n: number; pad: string }>({ client: sqs, queueUrl });
    // 12 × 120 KB: ten of them in one request would exceed the 1 MiB request limit.
    await q.sendBatch(Array.from({ length: 12 }, (_, n) => ({ n, pad: 'x'.repeat(120_000) })));
    const got = new Set<number>();
    for (let i = 0; i < 20 && got.size < 12; i++) {
      for (const j of await q.receive({ max: 12, visibilityTimeoutSec: 30, waitTimeSec: 1 })) got.add(j.body.n);
    }
    expect(got.size).toBe(12);
  });

  it('sends the batches of one large send several at a time, every message once', async () => {
    const sqs = localSqsClient();
    let inFlight = 0;
    let most = 0;
    // A round trip as long as SQS's from another host: one after the other, 10 batches would take 10 of them.
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'SendMessageBatchCommand') return next(args);
        most = Math.max(most, ++inFlight);
        try {
          await new Promise((r) => setTimeout(r, 50));
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'finalizeRequest' },
    );
    const { queueUrl } = await ensureSqsQueue(sqs, uniqueName('wide'), {
      maxReceiveCount: 3,
      visibilityTimeoutSec: 30,
    });
    const q = new SqsJobQueue<{ n: number }>({ client: sqs, queueUrl });
    await q.sendBatch(Array.from({ length: 100 }, (_, n) => ({ n })));
    expect(most).toBeGreaterThanOrEqual(4);
    const got: number[] = [];
    for (let i = 0; i < 40 && got.length < 100; i++)
      got.push(...(await q.receive({ max: 10, visibilityTimeoutSec: 30, waitTimeSec: 1 })).map((j) => j.body.n));
    expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, n) => n));
  });

  it('carries any key intact: non-ASCII, emoji, U+FFFF, control characters', async () => {
    const sqs = localSqsClient();
    const { queueUrl } = await ensureSqsQueue(sqs, uniqueName('chars'), {
      maxReceiveCount: 3,
      visibilityTimeoutSec: 30,
    });
    const q = new SqsJobQueue<{ key: string }>({ client: sqs, queueUrl });
    const keys = ['plain/a.txt', 'é ü/ß', '😀/file', 'odd\uffff\ufffe', 'tab\tnl\n\u0001', '日本語/キー'];
    await q.sendBatch(keys.map((key) => ({ key })));
    const got: string[] = [];
    for (let i = 0; i < 20 && got.length < keys.length; i++) {
      got.push(...(await q.receive({ max: 10, visibilityTimeoutSec: 30, waitTimeSec: 1 })).map((j) => j.body.key));
    }
    expect(got.sort()).toEqual([...keys].sort());
  });

  it('hands over a message that is not JSON as its text instead of failing the whole receive', async () => {
    const sqs = localSqsClient();
    const { queueUrl } = await ensureSqsQueue(sqs, uniqueName('raw'), { maxReceiveCount: 3, visibilityTimeoutSec: 30 });
    const q = new SqsJobQueue<unknown>({ client: sqs, queueUrl });
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'not json {' }));
    await q.sendBatch([{ key: 'k', size: 1 }]);
    const bodies: unknown[] = [];
    for (let i = 0; i < 20 && bodies.length < 2; i++) {
      bodies.push(...(await q.receive({ max: 2, visibilityTimeoutSec: 30, waitTimeSec: 1 })).map((j) => j.body));
    }
    expect(bodies).toEqual(expect.arrayContaining(['not json {', { key: 'k', size: 1 }]));
  });

  it('ensureSqsQueue is idempotent and brings the redrive policy up to date', async () => {
    const sqs = localSqsClient();
    const name = uniqueName('ensure');
    const first = await ensureSqsQueue(sqs, name, { maxReceiveCount: 3, visibilityTimeoutSec: 30 });
    const second = await ensureSqsQueue(sqs, name, { maxReceiveCount: 7, visibilityTimeoutSec: 60 });
    expect(second).toEqual(first);
    expect(first.dlqUrl).toMatch(new RegExp(`${name}-dlq$`));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: first.queueUrl, AttributeNames: ['All'] }),
    );
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toMatchObject({ maxReceiveCount: 7 });
    expect(Attributes!.VisibilityTimeout).toBe('60');
    await expect(ensureSqsQueue(sqs, name, { maxReceiveCount: 0, visibilityTimeoutSec: 30 })).rejects.toThrow(
      /maxReceiveCount/,
    );
  });
});

describe('ensureStatusTable on dynalite', () => {
  it('is idempotent, and refuses an existing table with another key schema', async () => {
    const ddb = localDynamoClient();
    const name = uniqueName('tbl');
    await ensureStatusTable(ddb, name);
    await ensureStatusTable(ddb, name);
    const other = uniqueName('tbl');
    await ddb.send(
      new CreateTableCommand({
        TableName: other,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'objectKey', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'objectKey', AttributeType: 'S' }],
      }),
    );
    await expect(ensureStatusTable(ddb, other)).rejects.toThrow(
      'has the key objectKey (HASH, string); a status table needs objectKey (HASH, string) + sk (RANGE, string)',
    );
  });
});

// fauxqs never fails single entries of a batch, so that path is driven with a mocked client (calls asserted).
describe('SqsJobQueue partial batch failures (mocked SQS)', () => {
  it('sends the failed entries again, and only those', async () => {
    const mock = mockClient(SQSClient);
    mock
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: '1', SenderFault: false, Code: 'InternalError' }] })
      .resolves({ Successful: [], Failed: [] });
    const q = new SqsJobQueue<string>({
      client: new SQSClient({ region: 'us-east-1' }),
      queueUrl: 'https://sqs.example/q',
    });
    await q.sendBatch(['a', 'b', 'c']);
    const calls = mock
      .commandCalls(SendMessageBatchCommand)
      .map((c) => c.args[0].input.Entries!.map((e) => e.MessageBody));
    expect(calls).toEqual([['"a"', '"b"', '"c"'], ['"b"']]);
    mock.restore();
  });

  it('fails at once, naming the error, when SQS blames the sender', async () => {
    const mock = mockClient(SQSClient);
    mock.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', SenderFault: true, Code: 'InvalidMessageContents', Message: 'bad char' }],
    });
    const q = new SqsJobQueue<string>({
      client: new SQSClient({ region: 'us-east-1' }),
      queueUrl: 'https://sqs.example/q',
    });
    await expect(q.sendBatch(['a'])).rejects.toThrow(/1 message\(s\) not sent \(InvalidMessageContents: bad char\)/);
    expect(mock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
    mock.restore();
  });
});
