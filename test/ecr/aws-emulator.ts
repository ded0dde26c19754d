/**
 * The AWS API emulator for the ECR and STS calls: the project's moto server (test/support/moto.ts: one per
 * test file). Accounts other than moto's default (123456789012) are made by creating
 * an IAM user under `x-moto-account-id`: requests signed with that user's keys then act in that account (STS answers
 * its id, ECR keeps its own repositories and hands out the token `AWS:<account>-auth-token`).
 */
import { randomInt } from 'node:crypto';
import type { AccessKeys } from '../../worker/ports/secret-store.js';
import { startMoto } from '../support/moto.js';

export interface AwsEmulator {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** Keys moto accepts for its default account 123456789012 (the "runtime's own" credentials in tests). */
  defaultKeys: AccessKeys;
  /** An IAM user's access keys in `accountId`. */
  accountKeys(accountId: string): Promise<AccessKeys>;
  stop(): Promise<void>;
}

export const DEFAULT_ACCOUNT = '123456789012';

/** An account id no other test (or earlier run on a shared emulator) uses. */
export function freshAccountId(): string {
  return `2${String(randomInt(0, 1e11)).padStart(11, '0')}`;
}

export async function startAwsEmulator(): Promise<AwsEmulator> {
  const moto = await startMoto();
  const accountKeys = async (accountId: string): Promise<AccessKeys> => {
    const user = `dth-test-${Math.random().toString(36).slice(2, 10)}`;
    const call = async (body: string) => {
      const res = await fetch(moto.endpoint, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-moto-account-id': accountId,
          // moto routes by the credential scope's service; the signature itself is not checked.
          authorization:
            'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
        },
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`moto IAM answered ${res.status}: ${text}`);
      return text;
    };
    await call(`Action=CreateUser&UserName=${user}&Version=2010-05-08`);
    const xml = await call(`Action=CreateAccessKey&UserName=${user}&Version=2010-05-08`);
    const field = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1] ?? '';
    return { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey') };
  };
  return {
    endpoint: moto.endpoint,
    defaultKeys: { accessKeyId: 'test', secretAccessKey: 'test' },
    accountKeys,
    stop: moto.stop,
  };
}
