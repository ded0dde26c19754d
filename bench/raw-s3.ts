/**
 * The ceiling: a plain AWS SDK loop against one s3rver, no engine around it. Also the data generator.
 *   tsx bench/raw-s3.ts put --endpoint URL --bucket B --prefix P --count N --size BYTES [--concurrency C] [--seed S]
 *   tsx bench/raw-s3.ts get --endpoint URL --bucket B --prefix P [--concurrency C]
 *   tsx bench/raw-s3.ts copy --endpoint URL --bucket B --prefix P --to URL --to-bucket B2 [--concurrency C]
 *     (GET each object and PUT its body stream to the other server: the naive copy loop, no verification)
 *   tsx bench/raw-s3.ts put-manifest --endpoint URL --bucket B --manifest FILE [--concurrency C]
 *     (the objects of a JSON list of { key, size }: the mixed set)
 *   tsx bench/raw-s3.ts put-http ...same as put
 *     (plain node:http PUTs, unsigned — s3rver accepts anonymous writes: the server's ceiling without the SDK's CPU cost)
 * Prints one JSON line: { op, objects, bytes, seconds }.
 * Object bodies are deterministic per (seed, key), so a source can be regenerated identically.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { benchS3Client } from './buckets.js';

const POOL_SIZE = 8 * 1024 * 1024 + 4096;

/** 8 MiB of pseudo-random bytes (xorshift, seeded): cheap to make, not compressible, reproducible. */
function makePool(seed: number): Buffer {
  const pool = Buffer.allocUnsafe(POOL_SIZE);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < POOL_SIZE; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    pool.writeUInt32LE(x >>> 0, i);
  }
  return pool;
}

/** The body of `key`: the pool read from a key-dependent offset, with the key's hash in front, `size` bytes long. */
export function objectBody(pool: Buffer, key: string, size: number): Readable | Buffer {
  const digest = createHash('sha256').update(key).digest();
  const offset = digest.readUInt32LE(0) % 4096;
  if (size <= 16 * 1024 * 1024) {
    const out = Buffer.allocUnsafe(size);
    let pos = 0;
    digest.copy(out, 0, 0, Math.min(32, size));
    pos = Math.min(32, size);
    while (pos < size) pos += pool.copy(out, pos, offset, offset + Math.min(size - pos, POOL_SIZE - 4096));
    return out;
  }
  let sent = 0;
  let first = true;
  return new Readable({
    highWaterMark: 1024 * 1024,
    read() {
      if (first) {
        first = false;
        this.push(digest);
        sent = digest.length;
        return;
      }
      if (sent >= size) return void this.push(null);
      const n = Math.min(size - sent, 4 * 1024 * 1024);
      this.push(pool.subarray(offset, offset + n));
      sent += n;
    },
  });
}

function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) out[a.slice(2)] = argv[++i] ?? '';
    else out._ = a;
  }
  return out;
}

async function pool<T>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const it = (
    Symbol.asyncIterator in items
      ? (items as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (items as Iterable<T>)[Symbol.iterator]()
  ) as AsyncIterator<T> | Iterator<T>;
  let failed: unknown;
  const lanes = Array.from({ length: concurrency }, async () => {
    for (;;) {
      if (failed) return;
      const next = await it.next();
      if (next.done) return;
      try {
        await work(next.value);
      } catch (err) {
        failed = err;
      }
    }
  });
  await Promise.all(lanes);
  if (failed) throw failed;
}

/** prefix000…prefixNNN, zero-padded so they list in numeric order. */
function* numberedKeys(prefix: string, count: number): Generator<string> {
  const width = String(count - 1).length;
  for (let i = 0; i < count; i++) yield `${prefix}${String(i).padStart(width, '0')}`;
}

function clientFor(endpoint: string, agent: http.Agent): S3Client {
  return benchS3Client(endpoint, { requestHandler: { httpAgent: agent, connectionTimeout: 10_000 } });
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const op = a._;
  const endpoint = a.endpoint!;
  const bucket = a.bucket!;
  const prefix = a.prefix ?? '';
  const concurrency = Number(a.concurrency ?? 32);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency * 2 });
  const s3 = clientFor(endpoint, agent);
  let objects = 0;
  let bytes = 0;
  const started = process.hrtime.bigint();
  if (op === 'put-http') {
    const count = Number(a.count);
    const size = Number(a.size);
    const data = makePool(Number(a.seed ?? 1));
    const keys = numberedKeys(prefix, count);
    const base = new URL(endpoint);
    await pool(keys, concurrency, async (key) => {
      const body = objectBody(data, key, size);
      await new Promise<void>((resolve, reject) => {
        const req = http.request(
          {
            host: base.hostname,
            port: base.port,
            method: 'PUT',
            path: `/${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`,
            agent,
            headers: { 'content-length': size },
          },
          (res) => {
            res.resume();
            res.on('end', () =>
              res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${key}: HTTP ${res.statusCode}`)),
            );
          },
        );
        req.on('error', reject);
        if (Buffer.isBuffer(body)) req.end(body);
        else body.pipe(req);
      });
      objects++;
      bytes += size;
    });
  } else if (op === 'put') {
    const count = Number(a.count);
    const size = Number(a.size);
    const data = makePool(Number(a.seed ?? 1));
    const keys = numberedKeys(prefix, count);
    await pool(keys, concurrency, async (key) => {
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: objectBody(data, key, size), ContentLength: size }),
      );
      objects++;
      bytes += size;
    });
  } else if (op === 'put-manifest') {
    const list = JSON.parse(readFileSync(a.manifest!, 'utf8')) as { key: string; size: number }[];
    const data = makePool(Number(a.seed ?? 1));
    await pool(list, concurrency, async ({ key, size }) => {
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: objectBody(data, key, size), ContentLength: size }),
      );
      objects++;
      bytes += size;
    });
  } else if (op === 'get' || op === 'copy') {
    async function* list() {
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) yield o.Key!;
        token = page.NextContinuationToken;
      } while (token);
    }
    const target = op === 'copy' ? clientFor(a.to!, agent) : undefined;
    await pool(list(), concurrency, async (key) => {
      const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (target) {
        await target.send(
          new PutObjectCommand({
            Bucket: a['to-bucket']!,
            Key: key,
            Body: res.Body as Readable,
            ContentLength: res.ContentLength,
          }),
        );
        bytes += res.ContentLength ?? 0;
      } else {
        for await (const chunk of res.Body as AsyncIterable<Buffer>) bytes += chunk.length;
      }
      objects++;
    });
  } else {
    throw new Error(`unknown op "${op}" (put | put-manifest | put-http | get | copy)`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(`${JSON.stringify({ op, objects, bytes, seconds })}\n`);
  agent.destroy();
}

main().catch((err: unknown) => {
  process.stderr.write(`raw-s3: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
