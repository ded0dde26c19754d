/**
 * Tags on copies made by the store itself (source and destination on one endpoint: CopyObject and UploadPartCopy),
 * against a moto server, whose CopyObject keeps the source's tags unless told otherwise, as S3's does (s3rver keeps no
 * tags at all). includeMetadata=true carries them over; false leaves the copy without them, as it does for copies
 * streamed between two stores.
 */
import { CreateBucketCommand, GetObjectTaggingCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { useMoto } from '../support/moto.js';
import { uniqueName } from '../support/servers.js';
import { baseParams, bytes, embeddedAdapters, runEngine, type Wrap } from './engine-fixtures.js';

const MiB = 1024 * 1024;
const moto = useMoto();
let s3: S3Client;
const SRC = uniqueName('tags-src');

beforeAll(async () => {
  s3 = new S3Client({ ...moto.clientConfig(), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: SRC }));
  await s3.send(new PutObjectCommand({ Bucket: SRC, Key: 'small.txt', Body: 'tagged', Tagging: 'team=blue&tier=1' }));
  // Above the multipart threshold: copied part by part (UploadPartCopy), its tags set when the upload starts.
  await s3.send(
    new PutObjectCommand({ Bucket: SRC, Key: 'large.bin', Body: bytes(9 * MiB, 7), Tagging: 'team=blue&tier=1' }),
  );
}, 60_000);

async function tagsOf(bucket: string, key: string): Promise<Record<string, string>> {
  const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return Object.fromEntries((TagSet ?? []).map((t) => [t.Key, t.Value]));
}

describe('tags of server-side copies', () => {
  for (const includeMetadata of ['true', 'false']) {
    it(`includeMetadata=${includeMetadata}: ${includeMetadata === 'true' ? 'the source tags are carried over' : 'the copies have no tags'}`, async () => {
      const dst = uniqueName(`tags-dst-${includeMetadata}`);
      await s3.send(new CreateBucketCommand({ Bucket: dst }));
      const { report } = await runEngine(
        embeddedAdapters,
        baseParams(SRC, dst, { srcEndpoint: moto.endpoint, destEndpoint: moto.endpoint, includeMetadata }),
      );
      expect(report).toMatchObject({ complete: true, done: 2 });
      const expected = includeMetadata === 'true' ? { team: 'blue', tier: '1' } : {};
      // Before: includeMetadata=false still kept them on a server-side copy (S3's default tagging directive is COPY).
      expect(await tagsOf(dst, 'small.txt')).toEqual(expected);
      expect(await tagsOf(dst, 'large.bin')).toEqual(expected);
    });
  }

  it("a source overwritten between its GET and its tag read is copied again: never one version's bytes with the next one's tags", async () => {
    const key = 'overwritten.txt';
    await s3.send(new PutObjectCommand({ Bucket: SRC, Key: key, Body: 'version one', Tagging: 'ver=1&keep=v1only' }));
    const dst = uniqueName('tags-dst-race');
    await s3.send(new CreateBucketCommand({ Bucket: dst }));
    let overwritten = false;
    // The tags are their own request (GetObjectTagging), after the GET of the bytes: the new version lands in between.
    const wrap: Wrap = ({ source, dest }) => ({
      source: new Proxy(source, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver);
          if (prop !== 'getTags' || typeof value !== 'function') return value;
          return async (...args: unknown[]) => {
            if (!overwritten && args[0] === key) {
              overwritten = true;
              await s3.send(new PutObjectCommand({ Bucket: SRC, Key: key, Body: 'version two!', Tagging: 'ver=2' }));
            }
            return value.apply(target, args);
          };
        },
      }),
      dest,
    });
    // Another spelling of the same server for the destination: streamed through this machine (no CopyObject).
    const destEndpoint = moto.endpoint.replace('127.0.0.1', 'localhost');
    const { report } = await runEngine(
      embeddedAdapters,
      baseParams(SRC, dst, { srcEndpoint: moto.endpoint, destEndpoint, srcPrefix: key }),
      { wrap },
    );
    expect(overwritten).toBe(true);
    expect(report).toMatchObject({ complete: true, done: 1 });
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const body = await (await s3.send(new GetObjectCommand({ Bucket: dst, Key: key }))).Body!.transformToString();
    // Before: "version one" with { ver: '2' } — v1's bytes, v2's tags, reported DONE and verified.
    expect({ body, tags: await tagsOf(dst, key) }).toEqual({ body: 'version two!', tags: { ver: '2' } });
  });
});
