/**
 * A destination that goes away for 20 s in the middle of a run (restarting, a network cut): its objects are delivered
 * again after waits that grow from 7.5–15 s (redeliveryDelayMs), so the run ends complete once it is back. Before,
 * every failure got the request backoff (1 s doubling), 5 attempts fitted in ~15 s and the objects failed for good.
 * The real CLI process copies between the two s3rver instances; the destination is reached through a TCP relay that
 * is closed (open connections ended, new ones refused) and opened again on the same port.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../reliability/helpers.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { s3Client, servers } from '../support/servers.js';
import { startRelay } from '../support/tcp-relay.js';
import { baseParams, bucketPair, putSource, secretsFile } from './engine-fixtures.js';

describe('a destination outage in the middle of a run', () => {
  it('is waited out: every object is copied once the destination is back, and the run ends complete', async () => {
    const { src, dst } = await bucketPair();
    const keys = Array.from({ length: 24 }, (_, i) => `o/${String(i).padStart(2, '0')}`);
    for (const key of keys) await putSource(src, key, `bytes of ${key}`);
    // Each PUT takes 250 ms, so the run is still copying when the destination goes away.
    const slow = await startFaultProxy({
      target: servers.s3Dest,
      rates: { slow: 1 },
      slowMs: 250,
      faultOps: ['PutObject'],
    });
    let relay = await startRelay(new URL(slow.endpoint).host);
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
      await relay.close();
      await sleep(20_000);
      relay = await startRelay(new URL(slow.endpoint).host, { ports: [port] });
      const { code, stdout, stderr } = await run.done;
      expect(code, stderr).toBe(0);
      expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({ complete: true, failed: 0 });
      expect(await landed()).toBe(keys.length);
    } finally {
      await relay.close();
      await slow.close();
    }
  }, 300_000);
});
