/**
 * finderDepth / finderNumber, the original's parallel finder: the source's keys are cut at its folders finderDepth
 * levels down and the parts are compared finderNumber at a time. The original compared only the folders at that
 * depth and lost the objects above them (its FAQ says so); here every key is compared exactly once. Against moto's S3,
 * which lists keys in S3's order and names every folder; and against s3rver, whose listings do neither (a directory
 * walk: `data/2024/…` before `data/2024.txt`, and no folder that holds only folders): there the cut is refused with
 * the parameter named, rather than copy less than everything.
 */
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { silentLogger } from '../../worker/core/log.js';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { estimateS3Transfer } from '../../worker/s3/run-transfer.js';
import { runCli } from '../reliability/helpers.js';
import { useMoto } from '../support/moto.js';
import { createBucket, s3Client, servers } from '../support/servers.js';
import { baseParams, md5, readObject, runEmbedded, secretsFile, stoppingAfter, type Wrap } from './engine-fixtures.js';

const moto = useMoto();
/** Keys under data/ at every depth: above the cut (data/top.txt), at it, below it, a folder marker on a cut, and a
 * folder (data/2026/) holding only a folder, which s3rver's folder listing leaves out. */
const UNDER_DATA = [
  'data/2024.txt',
  'data/2024/01.txt',
  'data/2024/01/a.txt',
  'data/2024/01/b.txt',
  'data/2024/02/',
  'data/2024/02/c.txt',
  'data/2024/03/deep/d.txt',
  'data/2024/year.txt',
  'data/2025/01/e.txt',
  'data/2025/02/f.txt',
  'data/2026/only/sub/g.txt',
  'data/top.txt',
];
const OUTSIDE = ['database.txt', 'other/x.txt'];

/** The source's flat listings, counted: how many ran at once at most, and each one's start key. */
function watchListings(): { wrap: Wrap; maxAtOnce: () => number; starts: (string | undefined)[] } {
  let running = 0;
  let max = 0;
  const starts: (string | undefined)[] = [];
  const wrap: Wrap = ({ source, dest }) => {
    const watched: ObjectStore = Object.assign(Object.create(source) as ObjectStore, {
      list: async function* (prefix: string, startAfter?: string) {
        starts.push(startAfter);
        running++;
        max = Math.max(max, running);
        try {
          // Long enough that listings started together overlap.
          await new Promise((r) => setTimeout(r, 60));
          yield* source.list(prefix, startAfter);
        } finally {
          running--;
        }
      },
    });
    return { source: watched, dest };
  };
  return { wrap, maxAtOnce: () => max, starts };
}

/** Where the parts' listings started ('' at the beginning), in key order: lanes start them in any order. */
function startsOf(watch: { starts: (string | undefined)[] }): string[] {
  return watch.starts.map((s) => s ?? '').sort();
}

/** Source and destination buckets on `endpoint`, the source holding UNDER_DATA and OUTSIDE. */
async function seed(endpoint: string): Promise<{ src: string; dst: string; bodies: Map<string, string> }> {
  const src = await createBucket(endpoint, 'fd-src');
  const dst = await createBucket(endpoint, 'fd-dst');
  const bodies = new Map<string, string>();
  for (const key of [...UNDER_DATA, ...OUTSIDE]) {
    const body = key.endsWith('/') ? '' : `body of ${key}`;
    await s3Client(endpoint).send(new PutObjectCommand({ Bucket: src, Key: key, Body: body }));
    bodies.set(key, body);
  }
  return { src, dst, bodies };
}

/** A task between two buckets of `endpoint`. */
function paramsOn(endpoint: string, src: string, dst: string, extra: Record<string, string>): Record<string, string> {
  return { ...baseParams(src, dst, extra), srcEndpoint: endpoint, destEndpoint: endpoint };
}

async function destinationKeys(endpoint: string, bucket: string): Promise<string[]> {
  const listed = await s3Client(endpoint).send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

describe('finderDepth and finderNumber', () => {
  it('compares the folders two levels down four at a time and copies every key under the prefix once', async () => {
    const { src, dst, bodies } = await seed(moto.endpoint);
    // Two copies already there and equal, one there and different.
    for (const [key, body] of [
      ['data/2024/01/a.txt', bodies.get('data/2024/01/a.txt')!],
      ['data/2025/02/f.txt', bodies.get('data/2025/02/f.txt')!],
      ['data/top.txt', 'an older body'],
    ] as const)
      await s3Client(moto.endpoint).send(new PutObjectCommand({ Bucket: dst, Key: `mirror/${key}`, Body: body }));

    const watch = watchListings();
    const { report } = await runEmbedded(
      paramsOn(moto.endpoint, src, dst, {
        srcPrefix: 'data/',
        destPrefix: 'mirror',
        finderDepth: '2',
        finderNumber: '4',
      }),
      { wrap: watch.wrap },
    );

    expect(report.complete).toBe(true);
    expect(report.finder.scanned).toBe(UNDER_DATA.length);
    expect(report.finder.toTransfer).toBe(UNDER_DATA.length - 2);
    expect(await destinationKeys(moto.endpoint, dst)).toEqual(UNDER_DATA.map((k) => `mirror/${k}`).sort());
    for (const key of UNDER_DATA)
      expect(md5(await readObject(moto.endpoint, dst, `mirror/${key}`)), key).toBe(md5(Buffer.from(bodies.get(key)!)));
    // Cut after each folder two levels down: seven parts, listed four at once.
    expect(startsOf(watch)).toEqual([
      '',
      'data/2024/01/',
      'data/2024/02/',
      'data/2024/03/',
      'data/2025/01/',
      'data/2025/02/',
      'data/2026/only/',
    ]);
    expect(watch.maxAtOnce()).toBe(4);
  });

  it('estimates a page per folder level walked and a page a side per part', async () => {
    const { src, dst } = await seed(moto.endpoint);
    const params = parseS3TaskParams(
      paramsOn(moto.endpoint, src, dst, { srcPrefix: 'data/', finderDepth: '2', finderNumber: '4' }),
    );
    const plan = await estimateS3Transfer({
      params,
      logger: silentLogger,
      buckets: await openTaskBuckets(params, new FileSecretStore(secretsFile())),
    });
    // Levels data/, data/2024/, data/2025/, data/2026/: 4 pages; 7 parts listed on both sides: 14.
    expect(plan).toMatchObject({ scanned: UNDER_DATA.length, complete: true, requests: { list: 4 + 14 } });
  });

  it('lists the source as one sequence at the defaults (finderDepth 0, finderNumber 1)', async () => {
    const { src, dst } = await seed(moto.endpoint);
    const watch = watchListings();
    const { report } = await runEmbedded(paramsOn(moto.endpoint, src, dst, { srcPrefix: 'data/' }), {
      wrap: watch.wrap,
    });
    expect(report.complete).toBe(true);
    expect(await destinationKeys(moto.endpoint, dst)).toEqual([...UNDER_DATA].sort());
    expect(watch.starts).toEqual([undefined]);
    expect(watch.maxAtOnce()).toBe(1);
  });

  it('cuts the whole bucket from its root, and each prefix of the prefix list, finderNumber parts at a time', async () => {
    const { src, dst } = await seed(moto.endpoint);
    const root = watchListings();
    const whole = await runEmbedded(paramsOn(moto.endpoint, src, dst, { finderDepth: '1', finderNumber: '8' }), {
      wrap: root.wrap,
    });
    expect(whole.report.complete).toBe(true);
    expect(await destinationKeys(moto.endpoint, dst)).toEqual([...UNDER_DATA, ...OUTSIDE].sort());
    expect(startsOf(root)).toEqual(['', 'data/', 'other/']);

    const listed = await createBucket(moto.endpoint, 'fd-list');
    await s3Client(moto.endpoint).send(
      new PutObjectCommand({ Bucket: src, Key: 'lists/prefixes.txt', Body: 'data/2024/\ndata/2025/\nother/\n' }),
    );
    const lines = watchListings();
    const { report } = await runEmbedded(
      paramsOn(moto.endpoint, src, listed, {
        srcPrefixsListFile: 'lists/prefixes.txt',
        finderDepth: '1',
        finderNumber: '3',
      }),
      { wrap: lines.wrap },
    );
    expect(report.complete).toBe(true);
    expect(await destinationKeys(moto.endpoint, listed)).toEqual(
      [...UNDER_DATA, ...OUTSIDE].filter((k) => /^(data\/2024\/|data\/2025\/|other\/)/.test(k)).sort(),
    );
    expect(lines.maxAtOnce()).toBe(3);
  });

  it('starts no further part once stopped', async () => {
    const src = await createBucket(moto.endpoint, 'fd-many');
    const dst = await createBucket(moto.endpoint, 'fd-many-dst');
    for (let i = 0; i < 30; i++)
      await s3Client(moto.endpoint).send(
        new PutObjectCommand({ Bucket: src, Key: `day-${String(i).padStart(2, '0')}/x.txt`, Body: 'x' }),
      );
    const params = parseS3TaskParams(paramsOn(moto.endpoint, src, dst, { finderDepth: '1', finderNumber: '2' }));
    const opened = await openTaskBuckets(params, new FileSecretStore(secretsFile()));
    const watch = watchListings();
    const stop = new AbortController();
    const { source, dest } = watch.wrap(opened);
    const plan = await estimateS3Transfer({
      params,
      logger: silentLogger,
      signal: stop.signal,
      buckets: { source: stoppingAfter(source, 0, stop), dest },
    });
    expect(plan.complete).toBe(false);
    // The parts running when it stopped, and none of the 31 after them.
    expect(watch.starts.length).toBeLessThanOrEqual(3);
  });

  it('compares no more parts at once than the heap holds the listing pages of, and says so', async () => {
    const { src, dst } = await seed(moto.endpoint);
    const params = join(mkdtempSync(join(tmpdir(), 'dth-fd-')), 'task.json');
    writeFileSync(
      params,
      JSON.stringify(paramsOn(moto.endpoint, src, dst, { srcPrefix: 'data/', finderDepth: '2', finderNumber: '500' })),
    );
    const run = await runCli(['s3', 'sync', '--params', params, '--secrets', secretsFile(), '--dry-run', '--json'], {
      env: { NODE_OPTIONS: '--max-old-space-size=96' },
    });
    expect(run.code, run.stderr).toBe(0);
    const capped = run.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; finderNumber?: number; partsAtOnce?: number })
      .find((l) => l.event === 'finder.number_capped');
    // 96 MiB of old generation (and V8's young one): half of it holds the pages of a few parts, not of 500.
    expect(capped).toMatchObject({ finderNumber: 500 });
    expect(capped?.partsAtOnce).toBeGreaterThanOrEqual(1);
    expect(capped?.partsAtOnce).toBeLessThanOrEqual(16);
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({
      event: 'plan',
      scanned: UNDER_DATA.length,
      complete: true,
    });
  });

  it('refuses to cut a store whose listing is not in key order, naming finderDepth', async () => {
    const { src } = await seed(servers.s3Source);
    const dest = await createBucket(servers.s3Dest, 'fd-dst');
    await expect(runEmbedded(baseParams(src, dest, { finderDepth: '1', finderNumber: '2' }))).rejects.toThrow(
      /Finder depth \(finderDepth, source side\): the store lists .* not in key order/,
    );
  });

  it('refuses a store whose folder listing is not in key order, naming finderDepth', async () => {
    const { src, dst } = await seed(moto.endpoint);
    // The level under data/ answered backwards: 2026/, 2025/, 2024/ (cut there, the ranges would overlap and miss keys).
    const backwards: Wrap = ({ source, dest }) => ({
      source: Object.assign(Object.create(source) as ObjectStore, {
        listLevel: async function* (prefix: string) {
          const entries = [];
          for await (const entry of source.listLevel(prefix)) entries.push(entry);
          yield* entries.reverse();
        },
      }),
      dest,
    });
    await expect(
      runEmbedded(paramsOn(moto.endpoint, src, dst, { srcPrefix: 'data/', finderDepth: '1', finderNumber: '2' }), {
        wrap: backwards,
      }),
    ).rejects.toThrow(
      /Finder depth \(finderDepth, source side\): the store lists "data\/2025\/" after "data\/2026\/", not in key order/,
    );
  });

  it('names the parameter when finderNumber is out of range', async () => {
    const src = await createBucket(servers.s3Source, 'fd');
    await expect(runEmbedded(baseParams(src, src, { finderNumber: '0', destPrefix: 'x' }))).rejects.toThrow(
      /finderNumber/,
    );
  });
});
