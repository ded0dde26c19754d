/**
 * kill -9 of the real CLI (`dth s3 sync`) at seeded-random points of a 200-object run with multipart
 * objects; each rerun resumes from the SQLite state, the last one completes. Then: every object is
 * byte-identical, none lost, and no part whose answer had reached the worker was uploaded again
 * (UploadPart requests are counted by a proxy in front of the destination).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, startFaultProxy, type FaultProxy, type S3Operation } from '../support/fault-proxy.js';
import { createBucket, s3Client, servers } from '../support/servers.js';
import { compareWithSource, MiB, seedObjects, spawnCli, type ObjectSpec } from './helpers.js';

const CHUNK = 5 * MiB;
const SPECS: ObjectSpec[] = [
  ...Array.from({ length: 196 }, (_, i) => ({
    key: `small/${String(i).padStart(3, '0')}.bin`,
    size: 100 + ((i * 7919) % 40_000),
  })),
  { key: 'big/a.bin', size: 12 * MiB },
  { key: 'big/b.bin', size: 15 * MiB + 17 },
  { key: 'big/c.bin', size: 18 * MiB },
  { key: 'big/d.bin', size: 20 * MiB },
];
const TOTAL_PARTS = SPECS.filter((s) => s.size > 8 * MiB).reduce((n, s) => n + Math.ceil(s.size / CHUNK), 0);
/** A part answered this long before the kill had time to be recorded; it must never be sent again. */
const RECORD_GRACE_MS = 1000;

let work: string;
let proxy: FaultProxy;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'dth-rel-kill-'));
});
afterAll(async () => {
  await proxy?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Resolves once `count` successful requests of `op` have been answered by the server. */
function afterResponses(p: FaultProxy, op: S3Operation, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const listener = (o: S3Operation, status: number) => {
      if (o === op && status < 300 && ++seen >= count) {
        p.events.off('response', listener);
        resolve();
      }
    };
    p.events.on('response', listener);
  });
}

describe('kill -9 during a sync, then rerun', () => {
  it('resumes to a complete, byte-identical copy without re-sending finished parts', async () => {
    const srcBucket = await createBucket(servers.s3Source, 'rel-kill-src');
    const dstBucket = await createBucket(servers.s3Dest, 'rel-kill-dst');
    const expected = await seedObjects(s3Client(servers.s3Source), srcBucket, SPECS);
    proxy = await startFaultProxy({ target: servers.s3Dest });

    const secrets = join(work, 'secrets.json');
    writeFileSync(secrets, JSON.stringify({ local: { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' } }), {
      mode: 0o600,
    });
    const paramsFile = join(work, 'task.json');
    writeFileSync(
      paramsFile,
      JSON.stringify({
        srcType: 'S3_Compatible',
        srcEndpoint: servers.s3Source,
        srcBucket,
        srcCredentials: 'local',
        destEndpoint: proxy.endpoint,
        destBucket: dstBucket,
        destRegion: 'us-east-1',
        destCredentials: 'local',
        multipartThreshold: '8MiB',
        chunkSize: '5MiB',
        partConcurrency: 2,
        workerConcurrency: 8,
      }),
    );
    const args = [
      's3',
      'sync',
      '--params',
      paramsFile,
      '--state',
      join(work, 'state.db'),
      '--secrets',
      secrets,
      '--json',
    ];

    // Kill points: after some parts were accepted (mid-multipart), after some small PUTs, and a random delay after the first request.
    const random = seededRandom(20261125);
    const killPoints: Array<() => Promise<void>> = [
      () => afterResponses(proxy, 'UploadPart', 2 + Math.floor(random() * 4)),
      () => afterResponses(proxy, 'PutObject', 20 + Math.floor(random() * 60)),
      () =>
        afterResponses(proxy, 'UploadPart', 1 + Math.floor(random() * 3)).then(
          () => new Promise((r) => setTimeout(r, 150 + random() * 600)),
        ),
    ];
    const kills: number[] = [];
    /** [start, end, killed]: a part answered inside a run (minus the grace before a kill) was known to a live worker. */
    const runs: Array<[number, number, boolean]> = [];
    for (const point of killPoints) {
      const started = Date.now();
      const { child, done } = spawnCli(args);
      const trigger = point();
      const outcome = await Promise.race([trigger.then(() => 'kill' as const), done.then(() => 'exited' as const)]);
      let killedAt = 0;
      if (outcome === 'kill') {
        child.kill('SIGKILL');
        killedAt = Date.now();
      }
      const result = await done;
      // A run may finish its work between the kill point and the signal (its last answer was the trigger): then it
      // exited on its own, and must have done so cleanly.
      const killed = result.signal === 'SIGKILL';
      if (killed) kills.push(killedAt);
      else expect(result.code, `${result.stderr.slice(-1500)}\n${result.stdout.slice(-1500)}`).toBe(0);
      runs.push([started, killed ? killedAt : Date.now(), killed]);
    }
    expect(kills.length, JSON.stringify(runs)).toBeGreaterThanOrEqual(2);

    const final = await spawnCli(args).done;
    expect(final.code, final.stderr.slice(-2000)).toBe(0);
    const summary = JSON.parse(final.stdout.trim().split('\n').pop()!) as {
      event: string;
      complete: boolean;
      failed: number;
    };
    expect(summary).toMatchObject({ event: 'summary', complete: true, failed: 0 });

    // Every object byte-identical, nothing missing, nothing extra.
    expect(await compareWithSource(s3Client(servers.s3Dest), dstBucket, expected)).toEqual([]);

    // No part that the worker had been told about (well before a kill) was uploaded again.
    const parts = proxy.stats.acceptedParts;
    const knownToWorker = (t: number) =>
      runs.some(([start, end, killed]) => t >= start && t <= (killed ? end - RECORD_GRACE_MS : end));
    const resentAfterRecorded = parts.filter((p, i) => {
      const again = parts.slice(i + 1).some((q) => q.key === p.key && q.partNumber === p.partNumber);
      return again && p.answeredAt !== undefined && knownToWorker(p.answeredAt);
    });
    expect(resentAfterRecorded, JSON.stringify({ runs, parts })).toEqual([]);
    // And in total, at most the parts in flight at each kill were sent twice.
    expect(parts.length).toBeLessThanOrEqual(TOTAL_PARTS + kills.length * 2 * 8);
    // The multipart path really ran: every part of every big object reached the server at least once.
    expect(new Set(parts.map((p) => `${p.key}#${p.partNumber}`)).size).toBe(TOTAL_PARTS);
  }, 240_000);
});
