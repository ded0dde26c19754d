import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../worker/core/errors.js';
import type { ObjectSummary } from '../../worker/ports/object-store.js';
import { compareKeys } from '../../worker/core/key-order.js';
import { diffListings } from '../../worker/s3/compare-listings.js';
import { createKeyFilter } from '../../worker/s3/key-filter.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { choosePartSize, planParts } from '../../worker/s3/part-plan.js';

const MiB = 1024 * 1024;

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof InvalidParameterError ? e.field : `other: ${String(e)}`;
  }
  return undefined;
}

describe('parseS3TaskParams', () => {
  const ok = { srcBucket: 'src-bucket', srcRegion: 'us-west-2', destBucket: 'dst-bucket', destRegion: 'cn-north-1' };

  it('refuses the source bucket itself as destination without a destPrefix, whatever srcPrefix; allows it with one', () => {
    const same = { ...ok, destBucket: ok.srcBucket, destRegion: ok.srcRegion };
    for (const srcPrefix of ['', 'data/', 'data']) {
      expect(() => parseS3TaskParams({ ...same, srcPrefix })).toThrow(
        /^Destination bucket \(destBucket\): is the source bucket itself and destPrefix is blank/,
      );
    }
    // Copies land under <destPrefix>/<key>: data/x.txt → data/data/x.txt, other keys than the source's.
    expect(parseS3TaskParams({ ...same, srcPrefix: 'data', destPrefix: 'data' }).destPrefix).toBe('data');
    expect(parseS3TaskParams({ ...same, destPrefix: 'backup' }).destPrefix).toBe('backup');
    // Another region's endpoint is another store, even with the same bucket name.
    expect(parseS3TaskParams({ ...same, destEndpoint: 'http://127.0.0.1:9000' }).destBucket).toBe(ok.srcBucket);
  });

  it('applies defaults and reads strings as the API sends them', () => {
    const p = parseS3TaskParams({ ...ok, srcSkipCompare: 'true', chunkSize: '16MiB', workerConcurrency: '8' });
    expect(p).toMatchObject({
      srcType: 'Amazon_S3',
      skipCompare: true,
      chunkSize: 16 * MiB,
      workerConcurrency: 8,
      destStorageClass: 'INTELLIGENT_TIERING',
      destAcl: 'bucket-owner-full-control',
      includeMetadata: true,
    });
  });

  it('derives provider endpoints from the region', () => {
    expect(parseS3TaskParams({ ...ok, srcType: 'Aliyun_OSS', srcRegion: 'cn-hangzhou' }).srcEndpoint).toBe(
      'https://oss-cn-hangzhou.aliyuncs.com',
    );
    expect(parseS3TaskParams({ ...ok, srcType: 'Tencent_COS', srcRegion: 'ap-guangzhou' }).srcEndpoint).toBe(
      'https://cos.ap-guangzhou.myqcloud.com',
    );
    expect(parseS3TaskParams({ ...ok, srcType: 'Qiniu_Kodo', srcRegion: 'cn-east-1' }).srcEndpoint).toBe(
      'https://s3-cn-east-1.qiniucs.com',
    );
    expect(parseS3TaskParams({ ...ok, srcType: 'Google_GCS' }).srcEndpoint).toBe('https://storage.googleapis.com');
    expect(parseS3TaskParams(ok).srcEndpoint).toBeUndefined();
  });

  it('takes a GCS location as users write it (GCS ignores the region it is signed for); refuses what is none', () => {
    const gcs = (srcRegion: string) => parseS3TaskParams({ ...ok, srcType: 'Google_GCS', srcRegion }).srcRegion;
    // Before: "US" is not a region name — the README says the region is ignored.
    expect(['US', 'EU', 'ASIA', 'NAM4', 'europe-west1', 'Auto', ''].map(gcs)).toEqual([
      'us',
      'eu',
      'asia',
      'nam4',
      'europe-west1',
      'us-east-1',
      'us-east-1',
    ]);
    expect(() => gcs('us central 1')).toThrow(
      'Source region (srcRegion): "us central 1" is not a Google Cloud Storage location (e.g. US, EU, europe-west1) or Auto',
    );
  });

  it("a blank destRegion outside the cloud: the source's when it is Amazon S3; with another store, asked for", () => {
    const local = { srcBucket: 'src', destBucket: 'dst' };
    expect(parseS3TaskParams({ ...local, srcRegion: 'eu-west-1' }).destRegion).toBe('eu-west-1');
    // Before: an OSS source in cn-hangzhou sent the copies to "Amazon S3 in cn-hangzhou", a region that does not exist.
    expect(() => parseS3TaskParams({ ...local, srcType: 'Aliyun_OSS', srcRegion: 'cn-hangzhou' })).toThrow(
      "Destination region (destRegion): is required when the source is not Amazon S3 (srcType Aliyun_OSS: its region is another store's)",
    );
    expect(() => parseS3TaskParams({ ...local, srcEndpoint: 'https://minio.example.com' })).toThrow(
      /^Destination region \(destRegion\): is required when the source is not Amazon S3 \(srcEndpoint/,
    );
    // An S3-compatible destination signs for us-east-1 unless told otherwise.
    expect(
      parseS3TaskParams({
        ...local,
        srcType: 'Aliyun_OSS',
        srcRegion: 'cn-hangzhou',
        destEndpoint: 'http://127.0.0.1:9000',
      }).destRegion,
    ).toBe('us-east-1');
  });

  it("takes an endpoint as the store's address alone: a path (the bucket written in again) is refused, not dropped", () => {
    expect(() => parseS3TaskParams({ ...ok, srcEndpoint: 'http://127.0.0.1:9000/src-bucket/' })).toThrow(
      'Source endpoint URL (srcEndpoint): "http://127.0.0.1:9000/src-bucket/" goes on after the store\'s address (/src-bucket/): give the address alone, http://127.0.0.1:9000, and the bucket in srcBucket',
    );
    expect(() => parseS3TaskParams({ ...ok, destEndpoint: 'https://gw.example.com/s3' })).toThrow(
      /^Destination endpoint URL \(destEndpoint\): .* give the address alone, https:\/\/gw\.example\.com, and the bucket in destBucket$/,
    );
    // The bucket's own domain, as the OSS and COS consoles show it: the bucket would be put in front of it again.
    expect(() =>
      parseS3TaskParams({
        ...ok,
        srcType: 'Aliyun_OSS',
        srcEndpoint: 'https://src-bucket.oss-cn-hangzhou.aliyuncs.com',
      }),
    ).toThrow(
      'Source endpoint URL (srcEndpoint): "https://src-bucket.oss-cn-hangzhou.aliyuncs.com" is the bucket\'s own domain (it starts with srcBucket "src-bucket"): give the store\'s endpoint, https://oss-cn-hangzhou.aliyuncs.com',
    );
    expect(
      fieldOf(() => parseS3TaskParams({ ...ok, destEndpoint: 'https://dst-bucket.s3.us-west-2.amazonaws.com' })),
    ).toBe('destEndpoint');
    // A store's host that merely begins with the bucket's name is its address (path-style addressing).
    expect(parseS3TaskParams({ ...ok, srcBucket: 'data', srcEndpoint: 'https://data.example.com' }).srcEndpoint).toBe(
      'https://data.example.com',
    );
    // A closing slash is the root, and an address without a scheme is https, as before.
    expect(parseS3TaskParams({ ...ok, srcEndpoint: 'https://minio.example.com:9000/' }).srcEndpoint).toBe(
      'https://minio.example.com:9000',
    );
    expect(parseS3TaskParams({ ...ok, srcEndpoint: 'minio.example.com' }).srcEndpoint).toBe(
      'https://minio.example.com',
    );
  });

  it('names the offending field', () => {
    expect(fieldOf(() => parseS3TaskParams({ ...ok, srcBucket: undefined }))).toBe('srcBucket');
    expect(fieldOf(() => parseS3TaskParams({ ...ok, destBucket: 'bad..bucket' }))).toBe('destBucket');
    expect(fieldOf(() => parseS3TaskParams({ ...ok, srcType: 'FTP' }))).toBe('srcType');
    expect(fieldOf(() => parseS3TaskParams({ ...ok, srcType: 'S3_Compatible' }))).toBe('srcEndpoint');
    expect(fieldOf(() => parseS3TaskParams({ ...ok, srcEndpoint: 'ftp://x' }))).toBe('srcEndpoint');
    // A location pasted whole is split for its user: the bucket alone, the rest in the prefix of its side.
    expect(() => parseS3TaskParams({ ...ok, srcBucket: 's3://photos/2024/raw' })).toThrow(
      /^Source bucket \(srcBucket\): "s3:\/\/photos\/2024\/raw" is not a bucket name: give the bucket alone, photos, and 2024\/raw in srcPrefix$/,
    );
    expect(() => parseS3TaskParams({ ...ok, destBucket: 'backup/daily/' })).toThrow(
      /: give the bucket alone, backup, and daily in destPrefix$/,
    );
    expect(() => parseS3TaskParams({ ...ok, destBucket: 'gs://backup' })).toThrow(/: give the bucket alone, backup$/);
    expect(() => parseS3TaskParams({ ...ok, destBucket: 'bad..bucket/x' })).toThrow(/is not a valid bucket name/);
    // A scheme with no host (file:) says what is wrong with it, as ftp: does; before: "is not a URL".
    expect(() => parseS3TaskParams({ ...ok, destEndpoint: 'file:///etc/passwd' })).toThrow(
      /^Destination endpoint URL \(destEndpoint\): must be an http\(s\) URL$/,
    );
    expect(fieldOf(() => parseS3TaskParams({ ...ok, srcEndpoint: 'https://user:pw@host' }))).toBe('srcEndpoint');
    // A link-local address is a metadata service, never a store: its answers would be quoted in task errors.
    for (const metadata of ['http://169.254.169.254', 'http://[fd00:ec2::254]', 'http://[fe80::1]:9000'])
      expect(() => parseS3TaskParams({ ...ok, srcEndpoint: metadata }), metadata).toThrow(
        /^Source endpoint URL \(srcEndpoint\): ".+" is a link-local address \(an instance metadata service, never a store\)/,
      );
    expect(parseS3TaskParams({ ...ok, srcEndpoint: 'http://169.25.0.1:9000' }).srcEndpoint).toBe(
      'http://169.25.0.1:9000',
    );
    expect(fieldOf(() => parseS3TaskParams({ ...ok, destEndpoint: 'https://s3.example.com/?x=1' }))).toBe(
      'destEndpoint',
    );
    expect(fieldOf(() => parseS3TaskParams({ ...ok, destKMSKey: 'k' }))).toBe('destKMSKey');
    expect(fieldOf(() => parseS3TaskParams({ ...ok, chunkSize: '1MiB' }))).toBe('chunkSize');
    expect(fieldOf(() => parseS3TaskParams({ ...ok, srcSkipCompare: 'maybe' }))).toBe('srcSkipCompare');
    expect(fieldOf(() => parseS3TaskParams({ ...ok, srcRegion: 'US West' }))).toBe('srcRegion');
    expect(fieldOf(() => parseS3TaskParams({ ...ok, destBucket: 'src-bucket', destRegion: 'us-west-2' }))).toBe(
      'destBucket',
    );
  });
});

describe('listing merge-join', () => {
  async function* list(items: Array<[string, number, string?]>): AsyncGenerator<ObjectSummary> {
    for (const [key, size, etag] of items) yield { key, size, etag };
  }

  const md5a = '"0cc175b9c0f1b6a831c399e269772661"';
  const md5b = '"92eb5ffee6ae2fec3ad71c777531578f"';

  it('yields what is missing or different, in order', async () => {
    const src = list([
      ['a', 1, md5a],
      ['b', 2, md5b],
      ['c', 3, md5a],
      ['d', 4, md5b],
      ['e', 5, '"5-2"'],
    ]);
    const dst = list([
      ['a', 1, md5a],
      ['b', 9, md5b],
      ['c', 3, md5b],
      ['e', 5, '"other-3"'],
      ['z', 1],
    ]);
    const out: string[] = [];
    for await (const d of diffListings(src, dst)) out.push(`${d.object.key}:${d.reason}`);
    expect(out).toEqual(['b:size', 'c:etag', 'd:missing']);
  });

  it("compares only ETags that can be MD5s: multipart ones and other stores' own hashes (Qiniu's qetag) are not", async () => {
    const src = list([
      ['kodo', 7, '"FgkxLsXJ6FmKPuu3tLGw8fg2j5GU"'],
      ['multi', 7, '"0cc175b9c0f1b6a831c399e269772661-3"'],
      ['short', 7, '"abc"'],
    ]);
    const dst = list([
      ['kodo', 7, md5a],
      ['multi', 7, md5a],
      ['short', 7, md5b],
    ]);
    const out: string[] = [];
    for await (const d of diffListings(src, dst)) out.push(`${d.object.key}:${d.reason}`);
    expect(out).toEqual([]);
  });

  it('with `unproven`, hands back the pairs a multipart ETag keeps from being compared (for the records to judge), no others', async () => {
    const src = list([
      ['kodo', 7, '"FgkxLsXJ6FmKPuu3tLGw8fg2j5GU"'],
      ['multi-dst', 7, md5a],
      ['multi-src', 7, '"0cc175b9c0f1b6a831c399e269772661-3"'],
      ['plain', 7, md5a],
      ['same-multi', 7, '"0cc175b9c0f1b6a831c399e269772661-3"'],
    ]);
    const dst = list([
      ['kodo', 7, md5a],
      ['multi-dst', 7, '"0CC175B9C0F1B6A831C399E269772661-2"'],
      ['multi-src', 7, md5a],
      ['plain', 7, md5a],
      // A copy cut like its source has its ETag: nothing left for a record to prove.
      ['same-multi', 7, '"0CC175B9C0F1B6A831C399E269772661-3"'],
    ]);
    const out: string[] = [];
    for await (const d of diffListings(src, dst, { unproven: true })) out.push(`${d.object.key}:${d.reason}`);
    expect(out).toEqual(['multi-dst:unproven', 'multi-src:unproven']);
    const kms: string[] = [];
    for await (const d of diffListings(
      list([['m', 7, '"0cc175b9c0f1b6a831c399e269772661-3"']]),
      list([['m', 7, md5a]]),
      {
        unproven: true,
        compareEtags: false,
      },
    ))
      kms.push(d.object.key);
    expect(kms).toEqual([]); // SSE-KMS destinations: their ETags say nothing, so the records are not read
  });

  it('compares ETags ignoring quotes and letter case (OSS answers upper-case MD5s)', async () => {
    const src = list([
      ['a', 1, '"9E107D9D372BB6826BD81D3542A419D6"'],
      ['b', 1, '"E4D909C290D0FB1CA068FFADDF22CBD0"'],
    ]);
    const dst = list([
      ['a', 1, '"9e107d9d372bb6826bd81d3542a419d6"'],
      ['b', 1, '"0000000000000000000000000000beef"'],
    ]);
    const out: string[] = [];
    for await (const d of diffListings(src, dst)) out.push(`${d.object.key}:${d.reason}`);
    expect(out).toEqual(['b:etag']);
  });

  it("does not compare ETags where the destination's are not MD5s (SSE-KMS): only size and age", async () => {
    const older = new Date('2026-01-01T00:00:00Z');
    const newer = new Date('2026-01-02T00:00:00Z');
    const src = list([
      ['a', 1, '"9e107d9d372bb6826bd81d3542a419d6"'],
      ['b', 2, '"e4d909c290d0fb1ca068ffaddf22cbd0"'],
    ]);
    const dst = list([
      ['a', 1, '"1f3870be274f6c49b3e31a0c6728957f"'],
      ['b', 3, '"e4d909c290d0fb1ca068ffaddf22cbd0"'],
    ]);
    const out: string[] = [];
    for await (const d of diffListings(src, dst, { compareEtags: false })) out.push(`${d.object.key}:${d.reason}`);
    expect(out).toEqual(['b:size']);
    const aged: string[] = [];
    const srcAged = (async function* () {
      yield { key: 'a', size: 1, etag: '"x"', lastModified: newer };
    })();
    const dstAged = (async function* () {
      yield { key: 'a', size: 1, etag: '"y"', lastModified: older };
    })();
    for await (const d of diffListings(srcAged, dstAged, { compareEtags: false }))
      aged.push(`${d.object.key}:${d.reason}`);
    expect(aged).toEqual(['a:newer']);
  });

  it('orders keys by UTF-8 bytes like ListObjectsV2', () => {
    // U+FF5E (3 UTF-8 bytes, 0xEF…) sorts before U+1F600 (4 bytes, 0xF0…) though UTF-16 order says otherwise.
    expect(compareKeys('\uFF5E', '\u{1F600}')).toBeLessThan(0);
    expect('\uFF5E' < '\u{1F600}').toBe(false);
  });

  it('a source listed out of S3 order (s3rver) pairs with a destination in S3 order (AWS) through the keys the join passed, up to 1,000 of them', async () => {
    const same = (keys: string[]) => list(keys.map((k): [string, number, string] => [k, 1, md5a]));
    const out: string[] = [];
    for await (const d of diffListings(same(['p/x', 'p%x', 'p-x', 'p', 'q']), same(['p', 'p%x', 'p-x', 'p/x', 'q'])))
      out.push(`${d.object.key}:${d.reason}`);
    expect(out, 'before: p%x, p-x and p taken for missing').toEqual([]);
    // The bound: 1,001 keys passed before "b"; the first of them is no longer kept, the second still is.
    const passedKeys = Array.from({ length: 1001 }, (_, i) => `a${String(i).padStart(4, '0')}`);
    for await (const d of diffListings(same(['b', 'a0000', 'a0001']), same([...passedKeys, 'b'])))
      out.push(`${d.object.key}:${d.reason}`);
    expect(out).toEqual(['a0000:missing']);
    // In S3 order a destination-only key passed is never paired with a source key (the keys differ).
    const ordered: string[] = [];
    for await (const d of diffListings(same(['a', 'c']), same(['b', 'c', 'd']))) ordered.push(d.object.key);
    expect(ordered).toEqual(['a']);
  });

  it('handles a million keys in constant memory', async () => {
    async function* gen(n: number, skipEvery: number): AsyncGenerator<ObjectSummary> {
      for (let i = 0; i < n; i++) if (i % skipEvery !== 0) yield { key: `k${String(i).padStart(8, '0')}`, size: 1 };
    }
    async function* all(n: number): AsyncGenerator<ObjectSummary> {
      for (let i = 0; i < n; i++) yield { key: `k${String(i).padStart(8, '0')}`, size: 1 };
    }
    const before = process.memoryUsage().heapUsed;
    let missing = 0;
    for await (const _ of diffListings(all(1_000_000), gen(1_000_000, 10))) missing++;
    expect(missing).toBe(100_000);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(100 * MiB);
  }, 120_000);
});

describe('include/exclude and part planning', () => {
  it('matches globs against the full key', () => {
    const keep = createKeyFilter(['logs/**', '*.csv'], ['**/*.tmp']);
    expect(['logs/a/b.log', 'x.csv', 'logs/a.tmp', 'dir/x.csv', 'other'].filter(keep)).toEqual([
      'logs/a/b.log',
      'x.csv',
    ]);
  });

  it('reads globs as glob users expect: a leading **/ also matches no folder, classes, dot keys, backslashes', () => {
    // The hand-written matcher this replaced needed a folder for "**/": "**/*.tmp" left a top-level a.tmp to be copied.
    const keep = createKeyFilter(['photos/**/*.jpg', 'docs/[a-c]*.md', '*'], ['**/*.tmp', '**/.cache/**']);
    expect(
      [
        'photos/a.jpg',
        'photos/2024/06/b.jpg',
        'photos/a.png',
        'docs/about.md',
        'docs/zoo.md',
        'a.tmp',
        'deep/er/b.tmp',
        '.env',
        'x/.cache/y',
        'back\\slash',
      ].filter(keep),
    ).toEqual(['photos/a.jpg', 'photos/2024/06/b.jpg', 'docs/about.md', '.env', 'back\\slash']);
  });

  it('reads "." and ".." key segments as the names they are in S3: * and ** match them, an exclude keeps them out', () => {
    // picomatch never matches them with * or ** (path semantics): "**/*.txt" missed both keys below.
    const keys = ['./dot.txt', 'x/y/../z.txt', 'logs/./x', 'a/./c', 'plain.txt'];
    expect(keys.filter(createKeyFilter([], ['**/*.txt']))).toEqual(['logs/./x', 'a/./c']);
    expect(keys.filter(createKeyFilter(['**/*.txt'], []))).toEqual(['./dot.txt', 'x/y/../z.txt', 'plain.txt']);
    expect(keys.filter(createKeyFilter(['logs/**', 'a/*/c'], []))).toEqual(['logs/./x', 'a/./c']);
    // A glob naming such a segment literally still matches it, and only it.
    expect(keys.filter(createKeyFilter(['x/y/../*'], []))).toEqual(['x/y/../z.txt']);
    expect(['a/./c', 'a/b/c', 'a/../c'].filter(createKeyFilter(['a/./c'], []))).toEqual(['a/./c']);
  });

  it('splits include/exclude on commas and lines, but not inside braces; an unreadable glob names its field', () => {
    const ok = { srcBucket: 'src-bucket', srcRegion: 'us-west-2', destBucket: 'dst-bucket', destRegion: 'us-east-1' };
    const p = parseS3TaskParams({
      ...ok,
      include: 'photos/*.{jpg,png}, docs/**\nlogs/*.gz',
      exclude: '**/*.{tmp,part}',
    });
    expect(p.include).toEqual(['photos/*.{jpg,png}', 'docs/**', 'logs/*.gz']);
    const keep = createKeyFilter(p.include, p.exclude);
    expect(['photos/a.png', 'photos/a.gif', 'docs/x.part', 'logs/1.gz', 'up.tmp'].filter(keep)).toEqual([
      'photos/a.png',
      'logs/1.gz',
    ]);
    expect(() => parseS3TaskParams({ ...ok, exclude: `a${'*'.repeat(70_000)}` })).toThrow(
      /^Exclude patterns \(exclude, source side\): "a\*{79}…" is not a glob we can read \(/,
    );
    expect(fieldOf(() => parseS3TaskParams({ ...ok, include: 'x'.repeat(70_000) }))).toBe('include');
  });

  it('keeps uploads within 10,000 parts', () => {
    expect(choosePartSize(40 * MiB, 5 * MiB)).toBe(5 * MiB);
    const fiveTiB = 5 * 1024 * 1024 * MiB;
    const size = choosePartSize(fiveTiB, 8 * MiB);
    expect(Math.ceil(fiveTiB / size)).toBeLessThanOrEqual(10_000);
    const parts = planParts(12 * MiB + 1, 5 * MiB);
    expect(parts.map((p) => p.size)).toEqual([5 * MiB, 5 * MiB, 2 * MiB + 1]);
    expect(parts.at(-1)!.end).toBe(12 * MiB);
  });
});
