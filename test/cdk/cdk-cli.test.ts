/**
 * The README's deploy commands, run as a user runs them: the real `cdk` CLI on this repository, against a moto server
 * of this test's own (the AWS API emulator; account 123456789012) instead of an AWS account. Each command synthesizes
 * the app under its own CLI context — which is where `cdk ls`, `cdk destroy` and `cdk deploy --exclusively` used to
 * fail with CannotFindAsset before any AWS call — and then really talks to the emulator.
 * `cdk synth` (npm run synth) is run by cdk-app.test.ts. What the emulator cannot do is named where it matters:
 * it has no CloudFormation model for AppSync, Cognito or CloudFront, so the hub's CreateStack fails there after the
 * CLI has published every asset; `CDK_DOCKER=true` stands in for Docker (no image is built or pushed).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateMoto, type PrivateMoto } from '../support/private-moto.js';
import { REPO } from './synth.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const ASSET_BUCKET = `cdk-hnb659fds-assets-${ACCOUNT}-${REGION}`;
const STACKS = ['DataTransferHub', 'DataTransferHubOidc', 'DthS3Plugin', 'DthEcrPlugin'];

let moto: PrivateMoto;

beforeAll(async () => {
  moto = await startPrivateMoto();
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

async function cdk(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  try {
    const r = await promisify(execFile)('npx', ['cdk', ...args, '--no-notices'], {
      cwd: REPO,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 480_000,
      env: { ...process.env, ...moto.env, CDK_DISABLE_CLI_TELEMETRY: 'true', ...extraEnv },
    });
    return { code: 0, output: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const cfn = () =>
  new CloudFormationClient({
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

describe("the README's cdk commands (real CLI, moto as the AWS account)", () => {
  it('cdk ls lists the four stacks (no AWS call; synthesized without bundling the stacks it does not deploy)', async () => {
    const r = await cdk(['ls']);
    expect(r.output).not.toMatch(/CannotFindAsset/);
    expect(r.code, r.output.slice(-3000)).toBe(0);
    expect(
      r.output
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => STACKS.includes(l))
        .sort(),
    ).toEqual([...STACKS].sort());
  }, 600_000);

  it('cdk bootstrap creates the CDKToolkit stack in the account', async () => {
    const r = await cdk(['bootstrap', `aws://${ACCOUNT}/${REGION}`]);
    expect(r.code, r.output.slice(-3000)).toBe(0);
    const stack = (await cfn().send(new DescribeStacksCommand({ StackName: 'CDKToolkit' }))).Stacks?.[0];
    expect(stack?.StackStatus).toBe('CREATE_COMPLETE');
  }, 600_000);

  it('cdk destroy synthesizes, then asks CloudFormation for the stack (none deployed: nothing to delete)', async () => {
    const before = moto.requests();
    const r = await cdk(['destroy', 'DataTransferHub', '--force']);
    expect(r.output).not.toMatch(/CannotFindAsset/);
    expect(r.code, r.output.slice(-3000)).toBe(0);
    expect(r.output).toMatch(/DataTransferHub: destroyed/);
    expect(moto.requests()).toBeGreaterThan(before); // DescribeStacks, answered: the stack does not exist
  }, 600_000);

  it('cdk deploy --exclusively publishes every asset (plugin templates and what they reference) and reaches CloudFormation', async () => {
    const r = await cdk(
      [
        'deploy',
        'DataTransferHub',
        '--exclusively',
        '--require-approval',
        'never',
        '--parameters',
        'AdminEmail=ops@example.com',
      ],
      {
        CDK_DOCKER: 'true',
        // moto reads a TemplateURL only in the S3 form; the CLI hands CloudFormation this endpoint's URL.
        AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: `https://s3.${REGION}.amazonaws.com`,
      },
    );
    expect(r.output).not.toMatch(/CannotFindAsset/);
    expect(r.output).toMatch(/Published S3PluginTemplate\/Template/);
    expect(r.output).toMatch(/Published EcrPluginTemplate\/Template/);
    expect(r.output).toMatch(/creating CloudFormation changeset/);
    // The emulator has no CloudFormation model for AppSync (nor Cognito, CloudFront): its CreateStack stops there.
    expect(r.output).toMatch(/Fn::GetAtt references undefined resource TaskApi/);
    const s3 = new S3Client({
      region: REGION,
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const keys = new Set<string>();
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: ASSET_BUCKET, ContinuationToken: token }));
      for (const o of page.Contents ?? []) keys.add(o.Key ?? '');
      token = page.NextContinuationToken;
    } while (token);
    // The worker bundle (.mjs) and both plugin templates (.json besides the hub's own) are in the account.
    expect([...keys].filter((k) => k.endsWith('.mjs')).length).toBeGreaterThanOrEqual(1);
    expect([...keys].filter((k) => k.endsWith('.json')).length).toBeGreaterThanOrEqual(3);
  }, 600_000);
});
