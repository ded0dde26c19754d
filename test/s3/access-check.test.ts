/**
 * The access check before a pass (a one-key listing of each bucket) asks both buckets at once: the destination's
 * check does not wait for the source's answer. When both are refused, the source's refusal is the error named, as
 * when they were asked one after the other.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { servers } from '../support/servers.js';
import { baseParams, bucketPair, putSource, readObject, runEmbedded } from './engine-fixtures.js';

const proxies: FaultProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

const isAccessCheck = (url: string) => url.includes('max-keys=1');

describe('the access check before a pass', () => {
  it("asks the destination while the source's answer is still on its way", async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'a.txt', 'body of a');
    // The source answers its access check after 1.5 s; everything else at once.
    const source = await startFaultProxy({
      target: servers.s3Source,
      rates: { slow: 1 },
      limits: { slow: 1 },
      slowMs: 1500,
      faultOps: ['ListObjects'],
      faultWhen: (_op, url) => isAccessCheck(url),
    });
    const dest = await startFaultProxy({ target: servers.s3Dest });
    proxies.push(source, dest);
    const askedAt = (proxy: FaultProxy) => {
      const at: { time?: number } = {};
      proxy.events.on('request', (op: string, req: { url?: string }) => {
        if (op === 'ListObjects' && isAccessCheck(req.url ?? '')) at.time ??= Date.now();
      });
      return at;
    };
    const sourceAsked = askedAt(source);
    const destAsked = askedAt(dest);

    const run = await runEmbedded(baseParams(src, dst, { srcEndpoint: source.endpoint, destEndpoint: dest.endpoint }));

    expect(run.report).toMatchObject({ complete: true, done: 1, verified: 1 });
    expect((await readObject(servers.s3Dest, dst, 'a.txt')).toString()).toBe('body of a');
    expect(source.faultCount('slow')).toBe(1);
    // Asked one after the other, the destination's check came only after the source's answer, ≥ 1.5 s later.
    expect(sourceAsked.time).toBeDefined();
    expect(destAsked.time).toBeDefined();
    expect((destAsked.time as number) - (sourceAsked.time as number)).toBeLessThan(1000);
  });

  it("names the source's refusal when both buckets refuse, and copies nothing", async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'a.txt', 'body of a');
    const refuseCheck = { rates: { accessDenied: 1 }, faultOps: ['ListObjects' as const], faultWhen: () => true };
    const source = await startFaultProxy({ target: servers.s3Source, ...refuseCheck });
    const dest = await startFaultProxy({ target: servers.s3Dest, ...refuseCheck });
    proxies.push(source, dest);

    const run = runEmbedded(baseParams(src, dst, { srcEndpoint: source.endpoint, destEndpoint: dest.endpoint }));

    await expect(run).rejects.toThrow(
      `source bucket ${src}: ListObjectsV2: the role/keys lack permission s3:ListBucket`,
    );
    expect(source.stats.requests.GetObject ?? 0).toBe(0);
    expect(dest.stats.requests.PutObject ?? 0).toBe(0);
  });
});
