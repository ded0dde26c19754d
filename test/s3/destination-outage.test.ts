/**
 * A destination that goes away for 20 s in the middle of a run (restarting, a network cut): its objects are delivered
 * again after waits that grow from 7.5–15 s (redeliveryDelayMs), so the run ends complete once it is back. Before,
 * every failure got the request backoff (1 s doubling), 5 attempts fitted in ~15 s and the objects failed for good.
 * The same holds behind a reverse proxy that answers 502/504 pages and resets connections for those 20 s. The real CLI
 * process copies between the two s3rver instances, the destination reached through a fault proxy and a TCP relay.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../reliability/helpers.js';
import { ENGINE_OPS, type FaultProxy, type FaultProxyStats, startFaultProxy } from '../support/fault-proxy.js';
import { s3Client, servers } from '../support/servers.js';
import { type Relay, startRelay } from '../support/tcp-relay.js';
import { baseParams, bucketPair, putSource, secretsFile } from './engine-fixtures.js';

interface Outage {
  /** The fault proxy in front of the destination: every request slowed by 250 ms until its rates are changed. */
  proxy: FaultProxy;
  /** Closes the TCP relay the run reaches the destination through: open connections ended, new ones refused. */
  cutRelay(): Promise<void>;
  /** Opens the relay again on the same port. */
  reopenRelay(): Promise<void>;
}

/** Runs `dth s3 sync` of 24 objects and `outage` once 3 have landed; expects the run complete, all 24 copied. */
async function syncThroughOutage(outage: (ctl: Outage) => Promise<void>): Promise<FaultProxyStats> {
  const { src, dst } = await bucketPair();
  const keys = Array.from({ length: 24 }, (_, i) => `o/${String(i).padStart(2, '0')}`);
  for (const key of keys) await putSource(src, key, `bytes of ${key}`);
  // Each request takes 250 ms, so the run is still copying when the destination goes away.
  const proxy = await startFaultProxy({
    target: servers.s3Dest,
    rates: { slow: 1 },
    slowMs: 250,
    faultOps: ENGINE_OPS, // in an outage, every request fails
  });
  const proxyHost = new URL(proxy.endpoint).host;
  let relay: Relay | undefined = await startRelay(proxyHost);
  const port = relay.port;
  const work = mkdtempSync(join(tmpdir(), 'dth-outage-'));
  const params = join(work, 'task.json');
  writeFileSync(
    params,
    JSON.stringify(baseParams(src, dst, { destEndpoint: `http://127.0.0.1:${port}`, workerNumber: '1' })),
  );
  try {
    const run = spawnCli(
      ['s3', 'sync', '--params', params, '--state', join(work, 'state.db'), '--secrets', secretsFile(), '--json'],
      { timeoutMs: 240_000 },
    );
    const landed = async () =>
      (await s3Client(servers.s3Dest).send(new ListObjectsV2Command({ Bucket: dst }))).KeyCount ?? 0;
    for (let i = 0; i < 400 && (await landed()) < 3; i++) await sleep(25);
    await outage({
      proxy,
      cutRelay: async () => {
        await relay?.close();
        relay = undefined;
      },
      reopenRelay: async () => {
        relay = await startRelay(proxyHost, { ports: [port] });
      },
    });
    const { code, stdout, stderr } = await run.done;
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({ complete: true, failed: 0 });
    expect(await landed()).toBe(keys.length);
    return proxy.stats;
  } finally {
    await relay?.close();
    await proxy.close();
  }
}

// The two runs wait out 20 s each on their own buckets, proxies and relays: run side by side, the file takes one wait.
describe.concurrent('a destination outage in the middle of a run', () => {
  it('is waited out: every object is copied once the destination is back, and the run ends complete', async () => {
    await syncThroughOutage(async ({ cutRelay, reopenRelay }) => {
      await cutRelay();
      await sleep(20_000);
      await reopenRelay();
    });
  }, 300_000);

  it('is waited out behind a reverse proxy that answers 502/504 pages and resets connections meanwhile', async () => {
    // What a user behind nginx or a load balancer sees while the store restarts: no refused connection, but the
    // gateway's error pages and reset connections. Before, they got the short backoff, and the 20 s used up the
    // attempts of the objects in flight (FAILED, exit 1).
    const stats = await syncThroughOutage(async ({ proxy }) => {
      proxy.setRates({ badGateway: 0.4, gatewayTimeout: 0.3, resetConnection: 0.3 });
      await sleep(20_000);
      proxy.setRates({ slow: 1 });
    });
    expect(new Set(stats.faults.map((f) => f.kind))).toEqual(
      new Set(['slow', 'badGateway', 'gatewayTimeout', 'resetConnection']),
    );
  }, 300_000);
});
