/**
 * The engine retries what the error says is retryable, and nothing else: it reads the advice an adapter attached
 * (worker/core/errors.ts), never S3's codes or the message text. The destination bucket is the real S3 adapter on
 * s3rver, wrapped so its first PUT fails with an error the test builds (no local server can be made to fail on cue
 * with each kind); the SQS and DynamoDB adapters' advice is checked on the errors their SDK raises against fauxqs and
 * dynalite.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { adviseSdkError } from '../../worker/adapters/aws/sdk-errors.js';
import { DynamoStatusStore } from '../../worker/adapters/aws/index.js';
import { isRetryableError, retryAdviceOf, withRetryAdvice } from '../../worker/core/errors.js';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { baseParams, bucketPair, putSource, readObject, runEmbedded } from '../s3/engine-fixtures.js';
import { servers } from '../support/servers.js';

/** The destination's first PUT fails with `failure`; later ones go through. */
function failFirstPut(failure: () => Error) {
  let failed = 0;
  return (b: { source: ObjectStore; dest: ObjectStore }) => {
    const dest: ObjectStore = Object.create(b.dest);
    dest.put = async (...args: Parameters<ObjectStore['put']>) => {
      if (failed++ === 0) throw failure();
      return b.dest.put(...args);
    };
    return { source: b.source, dest };
  };
}

describe('the engine asks the error whether to retry', () => {
  it('an error advised retryable is retried and the object ends DONE', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'k.txt', 'hello');
    const wrap = failFirstPut(() =>
      withRetryAdvice(new Error('destination bucket d: PutObject "k.txt": answered 503 SlowDown'), { retryable: true }),
    );
    const { report, status } = await runEmbedded(baseParams(src, dst, { maxAttempts: '3' }), { wrap });
    expect(report.complete).toBe(true);
    expect(await status.get('k.txt')).toMatchObject({ status: 'DONE', attempts: 2 });
    expect((await readObject(servers.s3Dest, dst, 'k.txt')).toString()).toBe('hello');
  }, 30_000);

  it('an error without advice fails at once, whatever its message says (no message matching)', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'k.txt', 'hello');
    const wrap = failFirstPut(() => new Error('socket hang up (ECONNRESET, premature close, aborted, timeout)'));
    const { report, status } = await runEmbedded(baseParams(src, dst, { maxAttempts: '3' }), { wrap });
    expect(report.complete).toBe(false);
    expect(await status.get('k.txt')).toMatchObject({ status: 'FAILED', attempts: 1 });
  }, 30_000);
});

describe('the SQS and DynamoDB adapters attach advice to SDK failures', () => {
  const local = {
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  };

  it('a client error from fauxqs or dynalite is not retryable; throttling and 5xx are', async () => {
    const sqsErr = await new SQSClient({ ...local, endpoint: servers.sqs })
      .send(
        new GetQueueAttributesCommand({
          QueueUrl: `${servers.sqs}/000000000000/no-such-queue-dth`,
          AttributeNames: ['All'],
        }),
      )
      .catch((e: unknown) => adviseSdkError(e));
    expect(retryAdviceOf(sqsErr)).toEqual({ retryable: false, throttled: false });

    // Through the adapter itself: a table that does not exist.
    const store = new DynamoStatusStore({
      client: new DynamoDBClient({ ...local, endpoint: servers.dynamodb }),
      tableName: 'no-such-table-dth',
    });
    const ddbErr = await store.get('k').catch((e: unknown) => e);
    expect((ddbErr as Error).name).toBe('ResourceNotFoundException');
    expect(retryAdviceOf(ddbErr)).toEqual({ retryable: false, throttled: false });

    // Shapes the SDK gives throttling and outages (built: the local servers never throttle).
    const throttled = adviseSdkError(
      Object.assign(new Error('slow'), {
        name: 'ProvisionedThroughputExceededException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    expect(retryAdviceOf(throttled)).toEqual({ retryable: true, throttled: true });
    expect(
      isRetryableError(
        adviseSdkError(
          Object.assign(new Error('x'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }),
        ),
      ),
    ).toBe(true);
    expect(retryAdviceOf(adviseSdkError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })))).toEqual({
      retryable: true,
      throttled: false,
      unreachable: true,
    });
  }, 30_000);
});
