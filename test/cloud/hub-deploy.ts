/**
 * Deploys the hub to the emulator the way `cdk deploy DataTransferHub` does: `cdk synth`, `cdk bootstrap`, the assets
 * published by the CLI into the emulator's S3 and ECR (Lambda code, plugin templates, worker bundle; the task image
 * through a `docker` that does nothing, CDK_DOCKER=true: nothing is built), then CreateStack of the synthesized
 * template with the types the emulator cannot create replaced by placeholders (emulator-template.ts).
 * Read back from the emulator's own APIs: the state machine definition and each function's configuration and code.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type Parameter,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { unzipSync } from 'fflate';
import { answerCustomResources, type CustomResourceEffects } from './custom-resources.js';
import { ACCOUNT, clientConfig, emulatorEndpoint, REGION, type Credentials } from './emulator.js';
import { forEmulator, type CfnTemplate } from './emulator-template.js';

const REPO = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
export const ASSET_BUCKET = `cdk-hnb659fds-assets-${ACCOUNT}-${REGION}`;

/** The CLI's environment: the emulator for every service, the operator's credentials, no telemetry or notices. */
function cliEnv(operator: Credentials, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ENDPOINT_URL: emulatorEndpoint(),
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: operator.accessKeyId,
    AWS_SECRET_ACCESS_KEY: operator.secretAccessKey,
    AWS_SESSION_TOKEN: '',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    ...extra,
  };
}

async function cdk(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const r = await run('npx', ['cdk', ...args, '--no-notices'], {
      cwd: REPO,
      env,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 480_000,
    });
    return r.stdout + r.stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`cdk ${args[0]} failed: ${e.message}\n${(e.stdout ?? '') + (e.stderr ?? '')}`.slice(0, 8000));
  }
}

/** `cdk synth` of the app into a fresh cloud assembly (what `cdk deploy` synthesizes first). */
export async function synthesize(dir = mkdtempSync(join(tmpdir(), 'dth-emulator-cdk-'))): Promise<string> {
  await cdk(['synth', '--quiet', '--output', dir], { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' });
  return dir;
}

/**
 * One synthesis per test run, shared by the test files that read it (the synth takes most of a minute): the first
 * file to ask synthesizes into .run/cloud/assembly-<run>, the others wait for it. DTH_CLOUD_ASSEMBLY names an
 * assembly already synthesized from this tree instead (working on these tests).
 */
export async function sharedAssembly(): Promise<string> {
  if (process.env.DTH_CLOUD_ASSEMBLY) return process.env.DTH_CLOUD_ASSEMBLY;
  // Test files run in processes forked by one runner: its pid names the run.
  const base = join(REPO, '.run', 'cloud', `assembly-${process.ppid}`);
  const out = join(base, 'cdk.out');
  mkdirSync(dirname(base), { recursive: true });
  try {
    mkdirSync(base);
  } catch {
    for (let waited = 0; !existsSync(join(base, 'done')); waited += 500) {
      if (existsSync(join(base, 'failed')))
        throw new Error(`the shared synth failed: ${readFileSync(join(base, 'failed'), 'utf8')}`);
      if (waited > 480_000) throw new Error('the shared synth did not finish in 8 minutes');
      await new Promise((r) => setTimeout(r, 500));
    }
    return out;
  }
  try {
    await synthesize(out);
    writeFileSync(join(base, 'done'), '');
  } catch (err) {
    writeFileSync(join(base, 'failed'), String(err).slice(0, 4000));
    throw err;
  }
  return out;
}

/** `cdk bootstrap` and `cdk publish-assets` of one stack of the assembly, against the emulator. */
export async function bootstrapAndPublish(operator: Credentials, assembly: string, stack: string): Promise<void> {
  await cdk(['bootstrap', `aws://${ACCOUNT}/${REGION}`, '--app', assembly], cliEnv(operator));
  // CDK_DOCKER=true: `docker build/push` succeed without doing anything; the emulator keeps no image layers anyway.
  await cdk(
    ['publish-assets', '--unstable=publish-assets', '--app', assembly, stack],
    cliEnv(operator, { CDK_DOCKER: 'true' }),
  );
}

export interface DeployedFunction {
  /** Construct id in the stack (StartStackFn, ApiFn, ListImages…). */
  id: string;
  name: string;
  arn: string;
  roleArn: string;
  environment: Record<string, string>;
  /** Where the Lambda service sends the function's output (its LoggingConfig, else /aws/lambda/<name>). */
  logGroup: string;
  /** Directory holding the deployed code (index.mjs), unzipped from the package the emulator's Lambda was created with. */
  codeDir: string;
}

export interface DeployedStack {
  stackId: string;
  outputs: Record<string, string>;
  /** Logical id → physical id. */
  resources: Record<string, { type: string; physicalId: string }>;
}

export function cloudFormation(credentials: Credentials): CloudFormationClient {
  return new CloudFormationClient(clientConfig(credentials));
}

/** A stack as the emulator describes it now: status, outputs, and its resources' physical ids. */
export async function describeStack(
  operator: Credentials,
  stackId: string,
): Promise<DeployedStack & { status: string; reason?: string }> {
  const cfn = cloudFormation(operator);
  const stack: Stack | undefined = (await cfn.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks?.[0];
  const resources = (await cfn.send(new DescribeStackResourcesCommand({ StackName: stackId }))).StackResources ?? [];
  cfn.destroy();
  return {
    stackId,
    status: stack?.StackStatus ?? 'UNKNOWN',
    reason: stack?.StackStatusReason,
    outputs: Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!])),
    resources: Object.fromEntries(
      resources
        .filter((r) => r.LogicalResourceId && r.PhysicalResourceId)
        .map((r) => [r.LogicalResourceId!, { type: r.ResourceType!, physicalId: r.PhysicalResourceId! }]),
    ),
  };
}

/** Waits for a stack to settle, answering its custom resources meanwhile; fails on anything but CREATE_COMPLETE. */
export async function waitForStack(
  operator: Credentials,
  stackId: string,
  effects: CustomResourceEffects = {},
  timeoutMs = 120_000,
): Promise<DeployedStack> {
  const answered = new Set<string>();
  const until = Date.now() + timeoutMs;
  for (;;) {
    const stack = await describeStack(operator, stackId);
    if (!stack.status.endsWith('_IN_PROGRESS')) {
      if (stack.status !== 'CREATE_COMPLETE')
        throw new Error(`stack ${stackId}: ${stack.status} ${stack.reason ?? ''}`);
      return stack;
    }
    await answerCustomResources(operator, stackId, effects, answered);
    if (Date.now() > until) throw new Error(`stack ${stackId} still ${stack.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The deployed package of a function (fetched from where CloudFormation created it from), unzipped beside the repository's node_modules. */
async function fetchFunctionCode(operator: Credentials, codeLocation: string, into: string): Promise<void> {
  const key = new URL(codeLocation).pathname.split('/').pop()!;
  const s3 = new S3Client(clientConfig(operator));
  const zip = await (
    await s3.send(new GetObjectCommand({ Bucket: ASSET_BUCKET, Key: key }))
  ).Body!.transformToByteArray();
  s3.destroy();
  for (const [name, data] of Object.entries(unzipSync(zip))) {
    if (name.endsWith('/')) continue;
    mkdirSync(dirname(join(into, name)), { recursive: true });
    writeFileSync(join(into, name), data);
  }
}

/** Every Lambda function of a deployed stack built from `template`, keyed by construct id, with its deployed configuration and code. */
export async function deployedFunctions(
  operator: Credentials,
  template: CfnTemplate,
  deployed: DeployedStack,
  codeRoot: string,
): Promise<Record<string, DeployedFunction>> {
  const lambda = new LambdaClient(clientConfig(operator));
  const out: Record<string, DeployedFunction> = {};
  for (const [logicalId, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const path = (r.Metadata as { 'aws:cdk:path'?: string } | undefined)?.['aws:cdk:path'] ?? logicalId;
    const id = path.split('/').slice(-2, -1)[0];
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: deployed.resources[logicalId].physicalId }));
    const c = fn.Configuration!;
    const codeDir = join(codeRoot, c.FunctionName!);
    await fetchFunctionCode(operator, fn.Code!.Location!, codeDir);
    // The emulator does not report LoggingConfig: the template says which log group it is.
    const logGroupRef = (r.Properties?.LoggingConfig as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup?.Ref;
    const logGroup =
      c.LoggingConfig?.LogGroup ??
      (logGroupRef ? deployed.resources[logGroupRef].physicalId : `/aws/lambda/${c.FunctionName}`);
    out[id] = {
      id,
      name: c.FunctionName!,
      arn: c.FunctionArn!,
      roleArn: c.Role!,
      environment: c.Environment?.Variables ?? {},
      logGroup,
      codeDir,
    };
  }
  lambda.destroy();
  return out;
}

export interface DeployedHub extends DeployedStack {
  /** Resources taken out because the emulator cannot create their type: logical id → type. */
  placeholders: Record<string, string>;
  functions: Record<string, DeployedFunction>;
  stateMachine: { arn: string; definition: Record<string, unknown>; roleArn: string };
}

/** CreateStack of the synthesized hub (placeholders for what the emulator cannot create), as `cdk deploy` would after publishing. */
export async function deployHub(
  operator: Credentials,
  assembly: string,
  stackName: string,
  parameters: Parameter[],
  codeRoot: string,
): Promise<DeployedHub> {
  const synthesized = JSON.parse(readFileSync(join(assembly, 'DataTransferHub.template.json'), 'utf8')) as CfnTemplate;
  const { template, removed } = forEmulator(synthesized);
  // Over 51,200 bytes the template goes by URL, as the CLI does it (its own copy in the asset bucket).
  const key = `emulator/${stackName}.template.json`;
  const s3 = new S3Client(clientConfig(operator));
  await s3.send(new PutObjectCommand({ Bucket: ASSET_BUCKET, Key: key, Body: JSON.stringify(template) }));
  s3.destroy();
  const cfn = cloudFormation(operator);
  const created = await cfn.send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateURL: `https://s3.${REGION}.amazonaws.com/${ASSET_BUCKET}/${key}`,
      Parameters: parameters,
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
    }),
  );
  cfn.destroy();
  // The hub's custom resources (console upload, log retention, bucket emptying) have nothing to do here.
  const deployed = await waitForStack(operator, created.StackId!);
  const functions = await deployedFunctions(operator, template, deployed, codeRoot);
  const sfn = new SFNClient(clientConfig(operator));
  const machine = await sfn.send(
    new DescribeStateMachineCommand({ stateMachineArn: deployed.outputs.StateMachineArn }),
  );
  sfn.destroy();
  return {
    ...deployed,
    placeholders: removed,
    functions,
    stateMachine: {
      arn: machine.stateMachineArn!,
      definition: JSON.parse(machine.definition!) as Record<string, unknown>,
      roleArn: machine.roleArn!,
    },
  };
}
