/**
 * This machine's clock 40 minutes off the store's: s3rver, like S3, refuses a signature dated more than 15 minutes
 * from its own time (403 RequestTimeTooSkewed). The client learns the store's time from that answer and dates its
 * requests by it, as the AWS SDKs do, so the copy completes. Only Date is faked in this process; s3rver keeps the
 * real time.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { servers } from '../support/servers.js';
import { baseParams, bucketPair, bytes, md5, putSource, readObject, runEmbedded } from './engine-fixtures.js';

const MiB = 1024 * 1024;
afterEach(() => {
  vi.useRealTimers();
});

describe.each([
  ['behind', -40],
  ['ahead', 40],
])("this machine's clock 40 minutes %s the store's", (_label, minutes) => {
  it('the sync completes, every request after the first of each bucket dated by the store clock', async () => {
    const { src, dst } = await bucketPair();
    const objects = {
      'small.txt': Buffer.from('hello'),
      'streamed.bin': bytes(300 * 1024, 3),
      'multi.bin': bytes(9 * MiB, 4),
    };
    for (const [key, body] of Object.entries(objects)) await putSource(src, key, body);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + minutes * 60_000, shouldAdvanceTime: true });
    const { report } = await runEmbedded(baseParams(src, dst));
    vi.useRealTimers();
    expect(report).toMatchObject({ complete: true, done: 3, verified: 3, failed: 0 });
    for (const [key, body] of Object.entries(objects))
      expect(md5(await readObject(servers.s3Dest, dst, key)), key).toBe(md5(body));
  });
});
