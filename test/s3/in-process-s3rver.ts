/**
 * An s3rver running inside the test process, for what the shared servers cannot do: its object events (S3 event
 * notifications), and its access keys, which a test may add and revoke (credential rotation). s3rver ships no types,
 * so the parts used are typed here.
 */
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

export interface S3rverEvent {
  Records: {
    eventName: string;
    eventSource: string;
    s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
  }[];
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (e: S3rverEvent) => void): void;
}

interface S3rverAccount {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  revokeAccessKey(accessKeyId: string): void;
}

const S3rver = require('s3rver') as new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
}) => S3rverInstance;
/** The one account of every s3rver in this process: its keys are accepted, others answered 403 InvalidAccessKeyId. */
export const s3rverAccount = (require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: S3rverAccount }).DUMMY_ACCOUNT;

export async function startS3rver(): Promise<{ endpoint: string; server: S3rverInstance }> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: mkdtempSync(join(tmpdir(), 'dth-s3rver-')),
  });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, server };
}
