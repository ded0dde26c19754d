/**
 * The hand-rolled SigV4 of the lean S3 path. s3rver checks only the access key, not the signature, so the signature
 * is proven here: against the worked examples of AWS's S3 SigV4 documentation, and against the SDK's own signer
 * (@smithy/signature-v4) for keys, queries and headers the examples do not cover.
 */
import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { EMPTY_SHA256, encodeKeyPath, SigV4Signer, UNSIGNED_PAYLOAD } from '../../../worker/adapters/s3/sigv4.js';
import { NodeSha256 } from '../../../bench/node-sha256.js';

const EXAMPLE_KEYS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const MAY_24_2013 = new Date(Date.UTC(2013, 4, 24));
const HOST = 'examplebucket.s3.amazonaws.com';

function signatureOf(authorization: string): string {
  return /Signature=([0-9a-f]{64})/.exec(authorization)?.[1] ?? '';
}

describe('SigV4Signer: AWS S3 documentation examples', () => {
  it('GET object with a Range header', () => {
    const headers: Record<string, string> = { host: HOST, range: 'bytes=0-9' };
    new SigV4Signer('us-east-1').sign(
      { method: 'GET', path: '/test.txt', headers, payloadHash: EMPTY_SHA256 },
      EXAMPLE_KEYS,
      MAY_24_2013,
    );
    expect(headers.authorization).toContain('SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,');
    expect(signatureOf(headers.authorization)).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it('PUT object with a key that needs encoding and a storage class', () => {
    const body = 'Welcome to Amazon S3.';
    const headers: Record<string, string> = {
      host: HOST,
      date: 'Fri, 24 May 2013 00:00:00 GMT',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    };
    const payloadHash = createHash('sha256').update(body).digest('hex');
    new SigV4Signer('us-east-1').sign(
      { method: 'PUT', path: `/${encodeKeyPath('test$file.text')}`, headers, payloadHash },
      EXAMPLE_KEYS,
      MAY_24_2013,
    );
    expect(signatureOf(headers.authorization)).toBe('98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
  });

  it('GET bucket with query parameters', () => {
    const headers: Record<string, string> = { host: HOST };
    new SigV4Signer('us-east-1').sign(
      { method: 'GET', path: '/', query: { 'max-keys': '2', prefix: 'J' }, headers, payloadHash: EMPTY_SHA256 },
      EXAMPLE_KEYS,
      MAY_24_2013,
    );
    expect(signatureOf(headers.authorization)).toBe('34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });
});

async function sdkSignature(
  o: {
    region: string;
    method: string;
    path: string;
    query?: Record<string, string>;
    headers: Record<string, string>;
    payloadHash: string;
    sessionToken?: string;
  },
  now: Date,
) {
  const signer = new SignatureV4({
    credentials: { ...EXAMPLE_KEYS, sessionToken: o.sessionToken },
    region: o.region,
    service: 's3',
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: true,
  });
  const signed = await signer.sign(
    {
      method: o.method,
      protocol: 'https:',
      hostname: o.headers.host,
      path: o.path,
      query: o.query ?? {},
      headers: { ...o.headers, 'x-amz-content-sha256': o.payloadHash },
    },
    { signingDate: now },
  );
  return signed.headers.authorization as string;
}

describe('encodeKeyPath', () => {
  it('encodes every character of every segment but keeps the slashes, a literal "%2F" in a key included', () => {
    const key = "dir/a%2Fb c/ü/+*!'()~._-/";
    expect(encodeKeyPath(key)).toBe('dir/a%252Fb%20c/%C3%BC/%2B%2A%21%27%28%29~._-/');
    expect(encodeKeyPath('//x//')).toBe('//x//');
    expect(decodeURIComponent(encodeKeyPath(key))).toBe(key);
  });
});

describe('SigV4Signer agrees with the SDK signer', () => {
  const cases: { name: string; key?: string; query?: Record<string, string> }[] = [
    {
      name: 'unicode, spaces and reserved characters in the key',
      key: "photos/2026 年/a+b=c&d;e(1)!*~'.jpg",
      query: undefined,
    },
    {
      name: 'a multipart part with an upload id full of reserved characters',
      key: 'big/file.bin',
      query: { partNumber: '7', uploadId: 'VXBsb2FkIElE+/=~x y' },
    },
    {
      name: 'a listing with a prefix, a continuation token and start-after',
      key: undefined,
      query: { 'list-type': '2', prefix: 'a b/ü', 'continuation-token': '1/2+3==', 'start-after': 'k*' },
    },
    { name: 'a key of dots and doubled slashes (S3 does not normalise paths)', key: '../a//./b/', query: undefined },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const now = new Date(Date.UTC(2026, 10, 25, 9, 30, 5));
      const path = c.key === undefined ? '/bucket/' : `/bucket/${encodeKeyPath(c.key)}`;
      const base = {
        host: 's3.eu-west-1.amazonaws.com',
        'content-type': 'image/jpeg',
        'x-amz-meta-owner': '  Ann   Lee ',
        'x-amz-storage-class': 'STANDARD_IA',
      };
      const ours: Record<string, string> = { ...base };
      new SigV4Signer('eu-west-1').sign(
        { method: 'PUT', path, query: c.query, headers: ours, payloadHash: UNSIGNED_PAYLOAD },
        { ...EXAMPLE_KEYS, sessionToken: 'tok/en+' },
        now,
      );
      const sdk = await sdkSignature(
        {
          region: 'eu-west-1',
          method: 'PUT',
          path,
          query: c.query,
          headers: { ...base, 'x-amz-date': ours['x-amz-date'] },
          payloadHash: UNSIGNED_PAYLOAD,
          sessionToken: 'tok/en+',
        },
        now,
      );
      expect(ours['x-amz-security-token']).toBe('tok/en+');
      expect(ours.authorization).toBe(sdk);
    });
  }

  it('changes the signature when the secret, the day or a signed header changes', () => {
    const sign = (secret: string, when: Date, cls: string) => {
      const headers: Record<string, string> = { host: HOST, 'x-amz-storage-class': cls };
      new SigV4Signer('us-east-1').sign(
        { method: 'GET', path: '/k', headers, payloadHash: EMPTY_SHA256 },
        { accessKeyId: 'A', secretAccessKey: secret },
        when,
      );
      return signatureOf(headers.authorization);
    };
    const base = sign('s1', MAY_24_2013, 'STANDARD');
    expect(sign('s2', MAY_24_2013, 'STANDARD')).not.toBe(base);
    expect(sign('s1', new Date(Date.UTC(2013, 4, 25)), 'STANDARD')).not.toBe(base);
    expect(sign('s1', MAY_24_2013, 'GLACIER')).not.toBe(base);
    expect(sign('s1', MAY_24_2013, 'STANDARD')).toBe(base);
  });
});
