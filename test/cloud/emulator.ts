/**
 * The AWS API emulator the cloud path is proven against: moto 5.2.1 server, started by scripts/test-servers.sh
 * (DTH_TEST_MOTO). This file owns it while it runs: it resets it and turns IAM enforcement on and off.
 * Account 123456789012, region us-east-1.
 */
import { createHash } from 'node:crypto';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { SigV4Signer } from '../../worker/adapters/s3/sigv4.js';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export function emulatorEndpoint(): string {
  const v = process.env.DTH_TEST_MOTO;
  if (!v)
    throw new Error(
      'DTH_TEST_MOTO is not set: run the tests through `npm test` (scripts/test-servers.sh starts moto server)',
    );
  return v;
}

/** SDK client options for the emulator: every service on one endpoint, path-style S3, the given credentials. */
export function clientConfig(credentials: Credentials) {
  return {
    region: REGION,
    endpoint: emulatorEndpoint(),
    credentials,
    forcePathStyle: true,
    maxAttempts: 2,
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
  };
}

async function motoApi(path: string, body?: string): Promise<void> {
  const res = await fetch(`${emulatorEndpoint()}/moto-api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body,
  });
  if (!res.ok) throw new Error(`moto-api/${path}: HTTP ${res.status} ${await res.text()}`);
}

/** Forgets every resource (a fresh account) and turns IAM enforcement off. */
export async function resetEmulator(): Promise<void> {
  await motoApi('reset-auth', 'inf');
  await motoApi('reset');
}

/**
 * IAM enforcement, for every request after this one. Accurate for S3 and SQS (resource ARNs evaluated); for other
 * services moto evaluates each action against `*` (see roles.ts for how the deployed roles are presented to it).
 */
export async function enforceIam(on: boolean): Promise<void> {
  await motoApi('reset-auth', on ? '0' : 'inf');
}

export const OPERATOR = 'dth-test-operator';
export const OPERATOR_ARN = `arn:aws:iam::${ACCOUNT}:user/${OPERATOR}`;

/** An IAM user allowed everything: the test's own hand (the operator deploying, the AWS services acting) once enforcement is on. */
export async function createAdmin(): Promise<Credentials> {
  const iam = new IAMClient(clientConfig({ accessKeyId: 'test', secretAccessKey: 'test' }));
  await iam.send(new CreateUserCommand({ UserName: OPERATOR }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: OPERATOR,
      PolicyName: 'everything',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      }),
    }),
  );
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: OPERATOR }))).AccessKey!;
  iam.destroy();
  return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
}

/** Credentials of a role as the service running the code would get them (Lambda, ECS task role, EC2 instance profile). */
export async function assumeRole(admin: Credentials, roleArn: string, sessionName: string): Promise<Credentials> {
  const sts = new STSClient(clientConfig(admin));
  const out = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName.slice(0, 64), DurationSeconds: 3600 }),
  );
  sts.destroy();
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken };
}

/**
 * A signed request to the emulator outside the SDK (moto's own routes; with enforcement on they need a signature
 * like any other request). `checkedQuery`: parameters the emulator adds to the URL before it checks the signature.
 */
export async function signedFetch(
  credentials: Credentials,
  service: string,
  method: string,
  pathAndQuery: string,
  body = '',
  checkedQuery: Record<string, string> = {},
): Promise<Response> {
  const url = new URL(pathAndQuery, emulatorEndpoint());
  const headers: Record<string, string> = { host: url.host, 'content-type': 'application/json' };
  new SigV4Signer(REGION, service).sign(
    {
      method,
      path: url.pathname,
      query: { ...Object.fromEntries(url.searchParams), ...checkedQuery },
      headers,
      payloadHash: createHash('sha256').update(body).digest('hex'),
    },
    credentials,
  );
  return fetch(url, { method, headers, body: method === 'GET' ? undefined : body });
}
