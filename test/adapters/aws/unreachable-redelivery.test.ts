/**
 * A status table (or queue) that cannot be reached at all spaces an object's next deliveries as an unreachable S3
 * store does (7.5–15 s, then doubling), so an outage of some seconds does not use up its attempts; an answer that
 * came (a missing table, a refusal) keeps the short backoff. Errors from the real SDK: a DynamoDB client pointed at a
 * port nothing listens on, and at dynalite for a table that does not exist. Before, both got ~1 s, and a 15 s
 * DynamoDB outage used up all five attempts.
 */
import { createServer, type AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoStatusStore } from '../../../worker/adapters/aws/index.js';
import { isRetryableError } from '../../../worker/core/errors.js';
import { redeliveryDelayMs } from '../../../worker/core/retry.js';
import { uniqueName } from '../../support/servers.js';
import { localDynamoClient } from './clients.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );

describe('redelivery after a status-table failure', () => {
  it('waits 7.5–15 s when DynamoDB could not be reached, ~1 s when it answered', async () => {
    const down = new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      maxAttempts: 1,
    });
    const unreachable = await failureOf(new DynamoStatusStore({ client: down, tableName: 'tbl' }).get('k'));
    expect(isRetryableError(unreachable)).toBe(true);
    for (let i = 0; i < 20; i++) {
      const delay = redeliveryDelayMs(unreachable, 1);
      expect(delay).toBeGreaterThanOrEqual(7_500);
      expect(delay).toBeLessThanOrEqual(15_000);
    }
    const missing = await failureOf(
      new DynamoStatusStore({ client: localDynamoClient(), tableName: uniqueName('no-table') }).get('k'),
    );
    for (let i = 0; i < 20; i++) expect(redeliveryDelayMs(missing, 1)).toBeLessThanOrEqual(1_000);
  });
});
