/**
 * Micro-benchmark: signing the engine's requests with its own SigV4 signer (worker/adapters/s3/sigv4.ts) against the
 * SDK's, @smithy/signature-v4, as the performance issue asks ("use the SDK's signer on the lean path if it costs no
 * more; measure both"). Both sign the same GET of an object and the same streamed PUT (UNSIGNED-PAYLOAD, content type,
 * length and user metadata), with session credentials, and must produce the same Authorization header, or the run
 * fails. The SDK signer is given node:crypto in the shape its own hash package has. Run: npx tsx bench/signer.ts
 */
import { performance } from 'node:perf_hooks';
import { SignatureV4 } from '@smithy/signature-v4';
import { EMPTY_SHA256, encodeKeyPath, SigV4Signer, UNSIGNED_PAYLOAD } from '../worker/adapters/s3/sigv4.js';
import { NodeSha256 } from './node-sha256.js';

const CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLETOKEN/+=',
};
const REGION = 'eu-west-1';
const HOST = 'bucket.s3.eu-west-1.amazonaws.com';
const ROUNDS = 5;
const PER_ROUND = 20_000;

interface Sample {
  name: string;
  method: string;
  key: string;
  headers: Record<string, string>;
  payloadHash: string;
}

const SAMPLES: Sample[] = [
  {
    name: 'GET of an object',
    method: 'GET',
    key: 'team-a/logs/2026/11/30/object-00042.json',
    headers: {},
    payloadHash: EMPTY_SHA256,
  },
  {
    name: 'streamed PUT with metadata',
    method: 'PUT',
    key: 'copy/team-a/logs/2026/11/30/object-00042.json',
    headers: {
      'content-length': '10240',
      'content-type': 'application/json',
      'x-amz-meta-owner': 'team-a',
      'x-amz-storage-class': 'INTELLIGENT_TIERING',
    },
    payloadHash: UNSIGNED_PAYLOAD,
  },
];

const ours = new SigV4Signer(REGION);
const sdk = new SignatureV4({
  credentials: CREDENTIALS,
  region: REGION,
  service: 's3',
  sha256: NodeSha256,
  uriEscapePath: false,
  applyChecksum: true,
});

function signOurs(s: Sample, now: Date): string {
  const headers: Record<string, string> = { host: HOST, ...s.headers };
  ours.sign(
    { method: s.method, path: `/${encodeKeyPath(s.key)}`, headers, payloadHash: s.payloadHash },
    CREDENTIALS,
    now,
  );
  return headers.authorization;
}

async function signSdk(s: Sample, now: Date): Promise<string> {
  const signed = await sdk.sign(
    {
      method: s.method,
      protocol: 'https:',
      hostname: HOST,
      path: `/${encodeKeyPath(s.key)}`,
      query: {},
      headers: { host: HOST, ...s.headers, 'x-amz-content-sha256': s.payloadHash },
    },
    { signingDate: now },
  );
  return signed.headers.authorization as string;
}

/** Microseconds per signature over one round (each request signed with a fresh date, as on the wire). */
async function round(sign: (s: Sample, now: Date) => string | Promise<string>, s: Sample): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < PER_ROUND; i++) await sign(s, new Date());
  return ((performance.now() - start) * 1000) / PER_ROUND;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const s of SAMPLES) {
  const now = new Date();
  const [a, b] = [signOurs(s, now), await signSdk(s, now)];
  if (a !== b) throw new Error(`signatures differ for ${s.name}:\n  ours ${a}\n  sdk  ${b}`);
}
console.log(
  `SigV4, µs per signed request (median of ${ROUNDS} rounds × ${PER_ROUND.toLocaleString('en-US')}; same headers):`,
);
for (const s of SAMPLES) {
  const times: { ours: number[]; sdk: number[] } = { ours: [], sdk: [] };
  for (let r = 0; r < ROUNDS; r++) {
    // Alternating who goes first, so warm-up and machine load fall on both.
    if (r % 2 === 0) {
      times.ours.push(await round(signOurs, s));
      times.sdk.push(await round(signSdk, s));
    } else {
      times.sdk.push(await round(signSdk, s));
      times.ours.push(await round(signOurs, s));
    }
  }
  const [o, k] = [median(times.ours), median(times.sdk)];
  console.log(
    `  ${s.name.padEnd(28)} ours ${o.toFixed(1).padStart(5)}  @smithy/signature-v4 ${k.toFixed(1).padStart(5)}  (${(k / o).toFixed(2)}×)`,
  );
}
