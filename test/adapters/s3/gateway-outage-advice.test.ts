/**
 * How long a queued object waits before its next delivery after a failed write, by what the destination answered:
 * a reverse proxy's 502, 504 or 503 page (the store behind it down or restarting) is an outage from the first failure
 * (7.5–15 s, then doubling), a connection reset before any answer is a hiccup once (≤ 1 s) and an outage when the
 * next delivery is reset too, and S3's own 503 SlowDown stays throttling (a few seconds). Before, all of them got
 * ~1 s doubling, and 5 attempts fitted in the first 15 s of a restart. Real requests of S3ObjectStore to s3rver
 * through the fault proxy, one attempt each.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../worker/adapters/s3/s3-object-store.js';
import { isRetryableError } from '../../../worker/core/errors.js';
import { redeliveryDelayMs } from '../../../worker/core/retry.js';
import { type FaultKind, type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import { createBucket, S3RVER_KEYS, servers } from '../../support/servers.js';

let bucket: string;
let proxy: FaultProxy | undefined;

beforeAll(async () => {
  bucket = await createBucket(servers.s3Dest, 'gateway-advice');
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

/** The error of one PUT through a proxy that answers every request with `fault`. */
async function failedPut(fault: FaultKind): Promise<unknown> {
  proxy = await startFaultProxy({ target: servers.s3Dest, rates: { [fault]: 1 } });
  const store = new S3ObjectStore({
    bucket,
    region: 'us-east-1',
    endpoint: proxy.endpoint,
    credentials: S3RVER_KEYS,
    side: 'destination',
    maxAttempts: 1,
  });
  const body = Buffer.from('some bytes');
  return store.put('k', body, body.length, {}).then(
    () => expect.fail(`a PUT answered with ${fault} succeeded`),
    (err: unknown) => err,
  );
}

/** The smallest and largest of many draws of the (randomised) wait. */
function waits(err: unknown, attempt: number): [number, number] {
  const draws = Array.from({ length: 50 }, () => redeliveryDelayMs(err, attempt));
  return [Math.min(...draws), Math.max(...draws)];
}

describe('the wait before an object is delivered again', () => {
  it.each(['badGateway', 'gatewayTimeout', 'unavailablePage'] as FaultKind[])(
    'after a gateway page (%s): an outage from the first failure',
    async (fault) => {
      const err = await failedPut(fault);
      expect(isRetryableError(err)).toBe(true);
      const [min, max] = waits(err, 1);
      expect(min).toBeGreaterThanOrEqual(7_500);
      expect(max).toBeLessThanOrEqual(15_000);
      expect(waits(err, 2)[0]).toBeGreaterThanOrEqual(15_000);
    },
  );

  it('after a reset connection: soon once, an outage when it is reset again', async () => {
    const err = await failedPut('resetConnection');
    expect(isRetryableError(err)).toBe(true);
    expect(waits(err, 1)[1]).toBeLessThanOrEqual(1_000);
    const [min, max] = waits(err, 2);
    expect(min).toBeGreaterThanOrEqual(7_500);
    expect(max).toBeLessThanOrEqual(15_000);
  });

  it("after S3's own 503 SlowDown: throttling, a few seconds, not an outage", async () => {
    const err = await failedPut('slowDown');
    expect(isRetryableError(err)).toBe(true);
    expect(waits(err, 1)[1]).toBeLessThanOrEqual(4_000);
    expect(waits(err, 2)[1]).toBeLessThanOrEqual(8_000);
  });
});
