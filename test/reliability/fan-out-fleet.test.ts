/**
 * A giant object copied by a fleet: several worker processes (test/support/fanout-worker.ts) share one queue and one
 * status store — one SQLite file, or SQS (fauxqs) + DynamoDB (dynalite) — and copy the parts of the same object from
 * s3rver to s3rver behind the counting proxy. Two and four processes each copy some of its parts and exactly one
 * completes it; a process killed (SIGKILL) in the middle of an UploadPart leaves parts that the others copy once its
 * messages come back, without re-sending a part that was recorded.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../worker/core/log.js';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { runFinder } from '../../worker/s3/finder.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { baseParams, bucketPair, bytes, md5, putSource, readObject, secretsFile } from '../s3/engine-fixtures.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { openFleetTask, startFleetWorker, type FleetAdapters, type FleetWorker } from '../support/fanout-fleet.js';
import { servers } from '../support/servers.js';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
/** A part answered this long before the kill had time to be recorded; it must never be sent again. */
const RECORD_GRACE_MS = 1000;

const proxies: FaultProxy[] = [];
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

async function fleetSetUp(
  adapters: FleetAdapters,
  size: number,
  proxyOptions: Parameters<typeof startFaultProxy>[0] extends infer O ? Partial<O> : never = {},
  /** Objects in flight per worker (workerNumber); null: the default. */
  slots: string | null = '2',
) {
  const { src, dst } = await bucketPair();
  const body = bytes(size, size % 97);
  await putSource(src, 'giant.bin', body);
  await putSource(src, 'small.txt', Buffer.from('a small neighbour'));
  const proxy = await startFaultProxy({ target: servers.s3Dest, ...proxyOptions });
  proxies.push(proxy);
  const secrets = secretsFile();
  const raw = {
    ...baseParams(src, dst),
    destEndpoint: proxy.endpoint,
    giantFileThreshold: '16MiB',
    chunkSize: '5MiB',
    ...(slots ? { workerNumber: slots } : {}),
    maxAttempts: '5',
  };
  const params = parseS3TaskParams(raw);
  const task = await openFleetTask(adapters, params.maxAttempts);
  const go = join(mkdtempSync(join(tmpdir(), 'dth-fleet-go-')), 'go');
  const env = {
    FANOUT_PARAMS: JSON.stringify(raw),
    FANOUT_SECRETS: secrets,
    FANOUT_VISIBILITY: '4',
    FANOUT_GO_FILE: go,
  };
  /** Queues the difference, as the finder does, then lets the waiting workers go. */
  const find = async () => {
    const found = await runFinder({
      params,
      ...(await openTaskBuckets(params, new FileSecretStore(secrets))),
      queue: task.queue,
      status: task.status,
      logger: silentLogger,
    });
    writeFileSync(go, '');
    return found;
  };
  return { dst, body, proxy, task, env, find };
}

const partsCopiedBy = (w: FleetWorker) =>
  w.lines.filter((l) => l.event === 'worker.part_copied' && l.key === 'giant.bin').map((l) => l.part as number);

describe.each<FleetAdapters>(['sqlite', 'aws'])('fan-out across worker processes (%s)', (adapters) => {
  it.each([2, 4])(
    '%i worker processes share the parts of one giant object; one completes it',
    async (n) => {
      const size = 12 * PART + 4321;
      // Parts take at least 150 ms at the destination: no process can take them all before the others receive.
      const { dst, body, proxy, task, env, find } = await fleetSetUp(adapters, size, {
        rates: { slow: 1 },
        faultOps: ['UploadPart'],
        slowMs: 150,
      });
      const workers = Array.from({ length: n }, () => startFleetWorker(task, env));
      await Promise.all(workers.map((w) => w.ready));
      expect((await find()).toTransfer).toBe(2);
      const results = await Promise.all(workers.map((w) => w.done));
      for (const r of results) expect(r.code, r.stderr.slice(-2000)).toBe(0);

      expect(md5(await readObject(servers.s3Dest, dst, 'giant.bin'))).toBe(md5(body));
      const perWorker = workers.map(partsCopiedBy);
      // Every process copied parts of the same object; together each part once.
      for (const parts of perWorker) expect(parts.length, JSON.stringify(perWorker)).toBeGreaterThan(0);
      expect(perWorker.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
      expect(proxy.stats.requests.CompleteMultipartUpload).toBe(1);
      expect(results.reduce((sum, r) => sum + Number(r.report?.copied ?? 0), 0)).toBe(2);
      expect(await task.status.summary()).toMatchObject({
        total: 2,
        done: 2,
        verified: 2,
        inProgress: 0,
        pending: 0,
        failed: 0,
      });
      expect(await task.status.get('giant.bin')).toMatchObject({
        status: 'DONE',
        verified: true,
        size,
        bytesDone: size,
      });
    },
    180_000,
  );

  it('on default settings, a worker leaves parts for the others: a second process started after the split gets some', async () => {
    const size = 12 * PART + 4321;
    // 13 parts, 32 slots per worker: at one slot per part the first process took every part at once, and a process
    // that came later found none. Parts take 800 ms at the destination: 4 at a time, the first needs 4 rounds.
    const { dst, body, proxy, task, env, find } = await fleetSetUp(
      adapters,
      size,
      { rates: { slow: 1 }, faultOps: ['UploadPart'], slowMs: 800 },
      null,
    );
    const lateGo = join(mkdtempSync(join(tmpdir(), 'dth-fleet-late-')), 'go');
    const first = startFleetWorker(task, env);
    const late = startFleetWorker(task, { ...env, FANOUT_GO_FILE: lateGo });
    await Promise.all([first.ready, late.ready]);
    expect((await find()).toTransfer).toBe(2);
    await first.when((l) => l.event === 'worker.split');
    await expect.poll(() => proxy.stats.requests.UploadPart ?? 0, { timeout: 30_000 }).toBeGreaterThan(0);
    await sleep(300);
    writeFileSync(lateGo, '');
    const results = await Promise.all([first.done, late.done]);
    for (const r of results) expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(md5(await readObject(servers.s3Dest, dst, 'giant.bin'))).toBe(md5(body));
    const perWorker = [first, late].map(partsCopiedBy);
    for (const parts of perWorker) expect(parts.length, JSON.stringify(perWorker)).toBeGreaterThan(0);
    expect(perWorker.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(proxy.stats.requests.CompleteMultipartUpload).toBe(1);
  }, 180_000);

  it('a worker killed in the middle of an UploadPart: the others copy its parts, none recorded is sent again, one completion', async () => {
    const size = 10 * PART;
    // Every part takes at least 400 ms at the destination, so a kill lands while one is on the wire.
    const { dst, body, proxy, task, env, find } = await fleetSetUp(adapters, size, {
      rates: { slow: 1 },
      faultOps: ['UploadPart'],
      slowMs: 400,
    });
    const victim = startFleetWorker(task, env);
    await victim.ready;
    expect((await find()).toTransfer).toBe(2);
    // Alone, the victim splits the object and uploads parts; killed once two parts are recorded and more are in flight.
    await victim.when(() => partsCopiedBy(victim).length >= 2);
    let inFlight = 0;
    await new Promise<void>((resolve) => {
      const check = () => {
        inFlight =
          (proxy.stats.requests.UploadPart ?? 0) -
          proxy.stats.acceptedParts.filter((p) => p.answeredAt !== undefined).length;
        if (inFlight > 0) resolve();
        else setTimeout(check, 10);
      };
      check();
    });
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await victim.done).signal).toBe('SIGKILL');
    const recordedByVictim = partsCopiedBy(victim);

    const survivors = [startFleetWorker(task, env), startFleetWorker(task, env)];
    const results = await Promise.all(survivors.map((w) => w.done));
    for (const r of results) expect(r.code, r.stderr.slice(-2000)).toBe(0);

    expect(md5(await readObject(servers.s3Dest, dst, 'giant.bin'))).toBe(md5(body));
    expect(proxy.stats.requests.CompleteMultipartUpload).toBe(1);
    expect(await task.status.summary()).toMatchObject({
      total: 2,
      done: 2,
      verified: 2,
      inProgress: 0,
      pending: 0,
      failed: 0,
    });
    // The survivors copied the rest — the parts the victim had in flight among them — and none the victim recorded.
    const bySurvivors = survivors.flatMap(partsCopiedBy);
    expect(bySurvivors.filter((p) => recordedByVictim.includes(p))).toEqual([]);
    expect(new Set(bySurvivors).size).toBe(bySurvivors.length);
    expect(bySurvivors.length).toBeGreaterThanOrEqual(10 - recordedByVictim.length - 1);
    expect(new Set(proxy.stats.acceptedParts.map((p) => p.partNumber)).size).toBe(10);
    const answeredBeforeKill = proxy.stats.acceptedParts.filter(
      (p) => p.answeredAt !== undefined && p.answeredAt < killedAt - RECORD_GRACE_MS,
    );
    const resent = answeredBeforeKill.filter(
      (p) => proxy.stats.acceptedParts.filter((q) => q.partNumber === p.partNumber).length > 1,
    );
    expect(resent, JSON.stringify(proxy.stats.acceptedParts)).toEqual([]);
    // At most the parts on the wire at the kill were uploaded twice.
    expect(proxy.stats.acceptedParts.length).toBeLessThanOrEqual(10 + 2);
  }, 180_000);
});
