/** Endpoints of the local servers started by scripts/test-servers.sh, and small helpers for tests. */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests through \`npm test\` (it starts the local servers)`);
  return v;
}

export const servers = {
  get s3Source() {
    return need('DTH_TEST_S3_SRC');
  },
  get s3Dest() {
    return need('DTH_TEST_S3_DST');
  },
  get sqs() {
    return need('DTH_TEST_SQS');
  },
  get dynamodb() {
    return need('DTH_TEST_DDB');
  },
  get registryOpen() {
    return need('DTH_TEST_REG_OPEN');
  },
  get registryAuth() {
    return need('DTH_TEST_REG_AUTH');
  },
  registryUser: 'tester',
  registryPassword: 'secret123',
};

/** s3rver accepts only this access key (and never checks the secret). */
export const S3RVER_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** An SDK client for a local s3rver; `maxAttempts: 1` lets a test see every injected fault instead of SDK retries. */
export function s3Client(endpoint: string, options: { maxAttempts?: number } = {}): S3Client {
  return new S3Client({
    ...options,
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: S3RVER_KEYS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A bucket name no other test uses (tests run in parallel against shared servers). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`.toLowerCase().slice(0, 63);
}

export async function createBucket(endpoint: string, prefix = 'bkt'): Promise<string> {
  const bucket = uniqueName(prefix);
  await s3Client(endpoint).send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}
