/**
 * srcPrefixsListFile is the KEY of an object — in the source bucket (read with the source side's credentials, unsigned
 * for an anonymous source) or in srcPrefixListBucket (read with this account's role) — streamed line by line in
 * constant memory, each line at most 4 KiB. Against s3rver; a front records which requests were signed. The last test
 * runs the real `dth finder` process, as on Fargate, where a local path could never have worked.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoStatusStore, ensureSqsQueue, ensureStatusTable, SqsJobQueue } from '../../worker/adapters/aws/index.js';
import {
  FileSecretStore,
  openSqliteDatabase,
  SqliteJobQueue,
  SqliteStatusStore,
} from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { InvalidParameterError } from '../../worker/core/errors.js';
import { silentLogger } from '../../worker/core/log.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { distinctPrefixes, sourcePrefixes } from '../../worker/s3/prefix-source.js';
import { runS3Transfer } from '../../worker/s3/run-transfer.js';
import type { TransferJob } from '../../worker/s3/transfer-job.js';
import { localDynamoClient, localSqsClient } from '../adapters/aws/clients.js';
import { runCli } from '../reliability/helpers.js';
import { localRoleEnv } from '../support/cloud-role.js';
import { createBucket, s3Client, servers, uniqueName } from '../support/servers.js';
import { baseParams, bucketPair, putSource, readObject, secretsFile } from './engine-fixtures.js';

setFlagsFromString('--expose-gc');
/** A full collection on demand, without starting the test process with --expose-gc. */
const collectGarbage = runInNewContext('gc') as () => void;
import { startS3Front, type S3Front } from './s3-front.js';
import { startFaultProxy } from '../support/fault-proxy.js';

const MiB = 1024 * 1024;
const DTH = fileURLToPath(new URL('../../bin/dth.mjs', import.meta.url));
const fronts: S3Front[] = [];
const ROLE_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
const saved: Record<string, string | undefined> = {};

/** One pass on SQLite state in memory; srcPrefixListBucket is opened with this account's role (s3rver's key). */
async function transferOnce(raw: Record<string, string>, homeEndpoint = servers.s3Source) {
  const params = parseS3TaskParams(raw);
  const db = openSqliteDatabase(':memory:');
  return runS3Transfer({
    params,
    queue: new SqliteJobQueue<TransferJob>(db, 't', { maxReceiveCount: 3 }),
    status: new SqliteStatusStore(db, 't'),
    logger: silentLogger,
    buckets: await openTaskBuckets(params, new FileSecretStore(secretsFile()), undefined, {
      home: { region: 'us-east-1', endpoint: homeEndpoint },
    }),
  });
}

// "This account's role" is the default credential chain: here s3rver's key in the environment.
beforeEach(() => {
  for (const [k, v] of Object.entries(ROLE_ENV)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterEach(async () => {
  for (const k of Object.keys(ROLE_ENV)) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await Promise.all(fronts.splice(0).map((f) => f.close()));
});

async function front(target: string): Promise<S3Front> {
  const f = await startS3Front({ target });
  fronts.push(f);
  return f;
}

async function putObject(endpoint: string, bucket: string, key: string, body: Buffer | string) {
  await s3Client(endpoint).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function exists(bucket: string, key: string): Promise<boolean> {
  return readObject(servers.s3Dest, bucket, key).then(
    () => true,
    () => false,
  );
}

describe('prefix list (srcPrefixsListFile)', () => {
  it('streams a list of 1.2 million lines from s3rver in constant memory', async () => {
    const { src, dst } = await bucketPair();
    const lines = 1_200_000;
    const line = (i: number) => `archive/${String(i).padStart(7, '0')}/daily/part-0000/data/`; // 37 bytes + newline
    const text = Buffer.from(`${Array.from({ length: lines }, (_, i) => line(i)).join('\n')}\n`);
    expect(text.length).toBeGreaterThan(40 * MiB);
    await putSource(src, 'lists/prefixes.txt', text);
    const params = parseS3TaskParams(baseParams(src, dst, { srcPrefixsListFile: 'lists/prefixes.txt' }));
    const { source } = await openTaskBuckets(params, new FileSecretStore(secretsFile()));

    const started = Date.now();
    // What the reader RETAINS, in the V8 heap and in Buffers both (a list read whole into one Buffer would sit outside
    // the heap): collected first, so read buffers already let go (the lean HTTP client's spent slabs) are not counted
    // by when the GC happens to run — that depends on the machine's load, the retention does not.
    const used = () => {
      collectGarbage();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = used();
    let peak = 0;
    let count = 0;
    let last = '';
    for await (const p of sourcePrefixes(params.srcPrefix, params.prefixList, { source })) {
      if (count === 0) expect(p).toBe(line(0));
      count++;
      last = p;
      if (count % 100_000 === 0) peak = Math.max(peak, used() - before);
    }
    expect(count).toBe(lines);
    expect(last).toBe(line(lines - 1));
    // Holding the list (43 MiB of text) would show here; streaming keeps to the read buffers and young garbage.
    expect(peak).toBeLessThan(32 * MiB);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 120_000);

  it("srcPrefixListBucket is read with this account's role while the (public) source is read unsigned", async () => {
    const { src, dst } = await bucketPair();
    for (const k of ['keep/a.txt', 'keep/deep/b.txt', 'also/c.txt', 'skip/d.txt']) await putSource(src, k, k);
    const listBucket = await createBucket(servers.s3Source, 'lists');
    await putObject(servers.s3Source, listBucket, 'my_prefix_list.txt', 'keep/\r\n\r\nalso/\n');
    const source = await front(servers.s3Source);
    const home = await front(servers.s3Source);
    const params = parseS3TaskParams({
      srcType: 'Amazon_S3',
      srcEndpoint: source.endpoint,
      srcRegion: '',
      srcBucket: src,
      srcInCurrentAccount: 'false',
      srcCredentials: '',
      srcPrefixsListFile: 'my_prefix_list.txt',
      srcPrefixListBucket: listBucket,
      destEndpoint: servers.s3Dest,
      destBucket: dst,
      destRegion: 'us-east-1',
      destCredentials: 's3rver',
    });
    const db = openSqliteDatabase(':memory:');
    const report = await runS3Transfer({
      params,
      queue: new SqliteJobQueue<TransferJob>(db, 't', { maxReceiveCount: 3 }),
      status: new SqliteStatusStore(db, 't'),
      logger: silentLogger,
      buckets: await openTaskBuckets(params, new FileSecretStore(secretsFile()), undefined, {
        home: { region: 'us-east-1', endpoint: home.endpoint },
      }),
    });
    expect(report).toMatchObject({ complete: true, done: 3 });
    expect(report.finder.scanned).toBe(3);
    for (const k of ['keep/a.txt', 'keep/deep/b.txt', 'also/c.txt']) expect(await exists(dst, k), k).toBe(true);
    expect(await exists(dst, 'skip/d.txt')).toBe(false);
    const listReads = home.of('HeadObject', 'GetObject');
    expect(listReads.map((r) => r.url.split('?')[0])).toEqual([
      `/${listBucket}/my_prefix_list.txt`,
      `/${listBucket}/my_prefix_list.txt`,
    ]);
    for (const r of listReads) expect(r.headers.authorization).toMatch(/Credential=S3RVER\//);
    expect(source.requests.length).toBeGreaterThan(0);
    for (const r of source.requests) expect(r.headers.authorization, `${r.op} ${r.url}`).toBeUndefined();
  });

  it('names the field and the bucket when the list is missing or a line is too long, and copies nothing', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'p/x.txt', 'x');
    const listBucket = await createBucket(servers.s3Source, 'lists');
    const run = (extra: Record<string, string>) => transferOnce(baseParams(src, dst, extra));
    const missing = await run({ srcPrefixsListFile: 'nope.txt', srcPrefixListBucket: listBucket }).catch(
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(InvalidParameterError);
    expect((missing as Error).message).toBe(
      `Source prefix list file (srcPrefixsListFile): object "nope.txt" does not exist in bucket "${listBucket}"`,
    );

    await putObject(servers.s3Source, listBucket, 'long.txt', `p/\n${'y'.repeat(5000)}\n`);
    const long = await run({ srcPrefixsListFile: 'long.txt', srcPrefixListBucket: listBucket }).catch(
      (e: unknown) => e,
    );
    expect(long).toBeInstanceOf(InvalidParameterError);
    expect((long as InvalidParameterError).field).toBe('srcPrefixsListFile');
    expect((long as Error).message).toMatch(
      `object "long.txt" in bucket "${listBucket}": line 2 is longer than 4096 bytes`,
    );
    expect(await exists(dst, 'p/x.txt')).toBe(false);

    // A read the store refuses names the parameter too (before: only "bucket …: HeadObject", no srcPrefixListBucket).
    const refusing = await startS3Front({ target: servers.s3Source, refuseSigned: true });
    fronts.push(refusing);
    const refused = await transferOnce(
      baseParams(src, dst, { srcPrefixsListFile: 'long.txt', srcPrefixListBucket: listBucket }),
      refusing.endpoint,
    ).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(
      new RegExp(`^prefix list \\(srcPrefixListBucket\\) object "long.txt" in bucket "${listBucket}": .*HeadObject`),
    );
    expect(await exists(dst, 'p/x.txt')).toBe(false);
  });

  it('the cloud finder (`dth finder`) reads the list from srcPrefixListBucket and queues only the listed prefixes', async () => {
    const { src, dst } = await bucketPair();
    for (const k of ['a/1.txt', 'a/2.txt', 'b/3.txt', 'c/4.txt']) await putSource(src, k, k);
    const listBucket = await createBucket(servers.s3Source, 'lists');
    await putObject(servers.s3Source, listBucket, 'prefixes.txt', 'a/\nc/\n');
    const name = uniqueName('plist');
    const { queueUrl, dlqUrl } = await ensureSqsQueue(localSqsClient(), name, {
      maxReceiveCount: 3,
      visibilityTimeoutSec: 60,
    });
    await ensureStatusTable(localDynamoClient(), name);
    const {
      srcCredentials: _s,
      destCredentials: _d,
      ...params
    } = baseParams(src, dst, { srcPrefixsListFile: 'prefixes.txt', srcPrefixListBucket: listBucket });
    const out = await runCli(['finder'], {
      env: { ...localRoleEnv({ params, queueUrl, dlqUrl, statusTable: name }), S3_ENDPOINT: servers.s3Source },
    });
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(
      out.stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .at(-1)!,
    ) as Record<string, unknown>;
    expect(report).toMatchObject({ event: 'finder.report', scanned: 3, toTransfer: 3 });
    const status = new DynamoStatusStore({ client: localDynamoClient(), tableName: name });
    expect((await status.list({ limit: 10 })).map((r) => r.key)).toEqual(['a/1.txt', 'a/2.txt', 'c/4.txt']);
    expect((await new SqsJobQueue({ client: localSqsClient(), queueUrl, dlqUrl }).depth()).visible).toBe(3);
  });

  it('the CLI alone takes a local list file (--local-prefix-list), named when unreadable', async () => {
    const { src, dst } = await bucketPair();
    for (const k of ['in/1.txt', 'out/2.txt']) await putSource(src, k, k);
    const dir = mkdtempSync(join(tmpdir(), 'dth-plist-'));
    const list = join(dir, 'prefixes.txt');
    writeFileSync(list, '# a comment\nin/\n');
    const params = join(dir, 'task.json');
    writeFileSync(params, JSON.stringify(baseParams(src, dst)));
    const cli = (extra: string[]) =>
      spawnSync(
        process.execPath,
        [
          DTH,
          's3',
          'sync',
          '--params',
          params,
          '--secrets',
          secretsFile(),
          '--state',
          join(dir, `${extra.length}.db`),
          '--json',
          ...extra,
        ],
        { encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1', DTH_FROM_SOURCE: '1' }, timeout: 60_000 },
      );
    const run = cli(['--local-prefix-list', list]);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      event: 'summary',
      complete: true,
      scanned: 1,
      verified: 1,
    });
    expect(await exists(dst, 'in/1.txt')).toBe(true);
    expect(await exists(dst, 'out/2.txt')).toBe(false);
    const missing = cli(['--local-prefix-list', join(dir, 'nope.txt'), '--dry-run']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`--local-prefix-list: cannot read "${join(dir, 'nope.txt')}" (ENOENT)`);
  });

  it('a list whose read is cut short at a line end (no Content-Length, a clean close) fails the pass, not a shorter list', async () => {
    const { src, dst } = await bucketPair();
    const prefixes = Array.from({ length: 20 }, (_, i) => `p${String(i).padStart(2, '0')}/`);
    for (const p of prefixes) await putSource(src, `${p}x.txt`, p);
    await putSource(src, 'lists/p.txt', `${prefixes.join('\n')}\n`);
    const proxy = await startFaultProxy({
      target: servers.s3Source,
      rates: { shortBody: 1 },
      limits: { shortBody: 1 },
      faultWhen: (op, url) => op === 'GetObject' && url.includes('lists/p.txt'),
    });
    try {
      const run = () =>
        transferOnce(baseParams(src, dst, { srcEndpoint: proxy.endpoint, srcPrefixsListFile: 'lists/p.txt' }));
      // Before: complete, 10 of the 20 prefixes copied, nothing said.
      await expect(run()).rejects.toThrow(
        /prefix list object "lists\/p.txt" in the source bucket: source body ended after \d+ of 100 bytes: the list was not read whole/,
      );
      expect(proxy.faultCount('shortBody')).toBe(1);
      expect(await run()).toMatchObject({ complete: true, done: 20 });
      for (const p of prefixes) expect(await exists(dst, `${p}x.txt`)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('overlapping and repeated prefixes copy and count each object once', async () => {
    const { src, dst } = await bucketPair();
    const keys = ['data/a.txt', 'data/2020/b.txt', 'data/2020/c.txt', 'other/a.txt', 'other/b.txt'];
    for (const k of keys) await putSource(src, k, k);
    // "data/2020/" lies under "data/", listed later; "data/" twice; "other/a" covers one key of other/.
    await putSource(src, 'lists/p.txt', 'data/2020/\ndata/\nother/a\ndata/\n');
    const dir = mkdtempSync(join(tmpdir(), 'dth-plist-'));
    const params = join(dir, 'task.json');
    writeFileSync(params, JSON.stringify(baseParams(src, dst, { srcPrefixsListFile: 'lists/p.txt' })));
    const run = spawnSync(
      process.execPath,
      [DTH, 's3', 'sync', '--params', params, '--secrets', secretsFile(), '--state', join(dir, 's.db'), '--json'],
      { encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1', DTH_FROM_SOURCE: '1' }, timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      event: 'summary',
      complete: true,
      scanned: 4,
      queued: 4,
      copied: 4,
      verified: 4,
    });
    for (const k of keys) expect(await exists(dst, k)).toBe(k !== 'other/b.txt');
  });

  it('a list longer than the sorted window streams: sorted lists still merge, an unsorted one is reported once', async () => {
    const collect = async (lines: string[], window = 2) => {
      let warnings = 0;
      const out: string[] = [];
      const input = (async function* () {
        yield* lines;
      })();
      for await (const p of distinctPrefixes(input, () => warnings++, window)) out.push(p);
      return { out, warnings };
    };
    // Within the window: sorted, so every overlap merges whatever the order.
    expect(await collect(['b/x/', 'a/', 'b/'], 3)).toEqual({ out: ['a/', 'b/'], warnings: 0 });
    // Beyond it, a sorted list merges as it streams.
    expect(await collect(['a/', 'a/1/', 'a/2/', 'b/', 'b/', 'c/'])).toEqual({ out: ['a/', 'b/', 'c/'], warnings: 0 });
    // An unsorted one keeps its order; the overlap that is not adjacent stays, and the caller hears of it once.
    expect(await collect(['b/', 'a/1/', 'a/', 'c/', 'a/2/'])).toEqual({
      out: ['b/', 'a/1/', 'a/', 'c/', 'a/2/'],
      warnings: 1,
    });
  });
});
