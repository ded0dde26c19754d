/**
 * What the emulator records but does not run: the Fargate task a task definition describes (finder, image copy) and
 * the EC2 instance a launch template boots (JobWorker). Each runs here as a real process of the deployed bundle,
 * with the environment the deployed task definition / user data gives it, the credentials of the role the template
 * attaches (task role, instance profile), and its output shipped to the log group the template names (the awslogs
 * driver, the CloudWatch agent), where the control plane reads it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeLaunchTemplateVersionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { GetInstanceProfileCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ACCOUNT, clientConfig, emulatorEndpoint, REGION, type Credentials } from './emulator.js';
import { resolve } from './cfn-resolve.js';
import type { CfnTemplate } from './emulator-template.js';
import type { DeployedStack } from './hub-deploy.js';

/** Lines a process printed, shipped in batches to one log stream. */
export class LogShipper {
  private pending: { timestamp: number; message: string }[] = [];
  private created = false;
  private readonly logs: CloudWatchLogsClient;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    operator: Credentials,
    readonly group: string,
    readonly stream: string,
  ) {
    this.logs = new CloudWatchLogsClient(clientConfig(operator));
  }

  push(message: string): void {
    if (message.trim()) this.pending.push({ timestamp: Date.now(), message });
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (!this.pending.length) return;
      const events = this.pending;
      this.pending = [];
      if (!this.created) {
        await this.logs.send(new CreateLogStreamCommand({ logGroupName: this.group, logStreamName: this.stream }));
        this.created = true;
      }
      await this.logs.send(
        new PutLogEventsCommand({ logGroupName: this.group, logStreamName: this.stream, logEvents: events }),
      );
    });
    return this.flushing;
  }
}

export interface RoleProcess {
  name: string;
  /** Exit code (signal: 128 + n). */
  exited: Promise<number>;
  /** Everything printed so far. */
  output(): string;
  /** SIGTERM (what ECS and an instance shutdown send), then the exit code. */
  stop(): Promise<number>;
}

/** The environment every cloud role process gets here: its role's credentials and the emulator as every endpoint. */
export function computeEnvironment(credentials: Credentials, home: string): Record<string, string> {
  const endpoint = emulatorEndpoint();
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken ?? '',
    AWS_ENDPOINT_URL: endpoint,
    SQS_ENDPOINT: endpoint,
    S3_ENDPOINT: endpoint,
    DYNAMODB_ENDPOINT: endpoint,
    SECRETS_ENDPOINT: endpoint,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/**
 * Starts `node <nodeArgs> <bundle> <args>` with exactly `env` (nodeArgs: the Node flags the unit file or the image's
 * ENTRYPOINT puts before the bundle); output lines go to `logs` (flushed every 200 ms and at exit).
 */
export function startProcess(
  name: string,
  launch: { bundle: string; nodeArgs: string[] },
  args: string[],
  env: Record<string, string>,
  logs?: LogShipper,
): RoleProcess {
  let text = '';
  const child: ChildProcess = spawn(process.execPath, [...launch.nodeArgs, launch.bundle, ...args], {
    env,
    cwd: env.HOME,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let partial = '';
  const onData = (chunk: Buffer) => {
    const s = chunk.toString();
    text += s;
    const lines = (partial + s).split('\n');
    partial = lines.pop()!;
    for (const l of lines) logs?.push(l);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const timer = logs ? setInterval(() => void logs.flush().catch(() => undefined), 200) : undefined;
  const exited = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => {
      if (timer) clearInterval(timer);
      if (partial) logs?.push(partial);
      const done = logs ? logs.flush().catch(() => undefined) : Promise.resolve();
      void done.then(() =>
        resolve(code ?? (signal ? 128 + ({ SIGTERM: 15, SIGKILL: 9, SIGINT: 2 }[signal as string] ?? 0) : 1)),
      );
    });
  });
  return {
    name,
    exited,
    output: () => text,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The physical name of a stack's resource by construct-id prefix of its logical id and its type. */
export function resourceOf(stack: DeployedStack, type: string, prefix = ''): { logicalId: string; physicalId: string } {
  const found = Object.entries(stack.resources).filter(([id, r]) => r.type === type && id.startsWith(prefix));
  if (found.length !== 1)
    throw new Error(
      `expected one ${type} "${prefix}…" in the stack, found ${found.map(([id]) => id).join(', ') || 'none'}`,
    );
  return { logicalId: found[0][0], physicalId: found[0][1].physicalId };
}

/** ARN of a role the template attaches by `Fn::GetAtt [Role, Arn]`. */
export function roleArnFromTemplate(stack: DeployedStack, ref: unknown): string {
  const id = (ref as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];
  if (!id || !stack.resources[id]) throw new Error(`not a role reference: ${JSON.stringify(ref)}`);
  return `arn:aws:iam::${ACCOUNT}:role/${stack.resources[id].physicalId}`;
}

export interface TaskDefinitionRun {
  environment: Record<string, string>;
  command: string[];
  taskRoleArn: string;
  /** Container image URI (the task image asset, by tag). */
  image: string;
  logGroup: string;
  streamPrefix: string;
  containerName: string;
}

/** A Fargate task as the deployed task definition describes it (container environment, command, log group) and its task role. */
export async function describeTaskDefinition(
  operator: Credentials,
  template: CfnTemplate,
  stack: DeployedStack,
  constructId: string,
): Promise<TaskDefinitionRun> {
  const { logicalId, physicalId } = resourceOf(stack, 'AWS::ECS::TaskDefinition', constructId);
  const ecs = new ECSClient(clientConfig(operator));
  const def = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: physicalId }))).taskDefinition!;
  ecs.destroy();
  const container = def.containerDefinitions![0];
  const options = container.logConfiguration?.options ?? {};
  return {
    environment: Object.fromEntries((container.environment ?? []).map((e) => [e.name!, e.value!])),
    command: container.command ?? [],
    image: container.image!,
    // The emulator leaves taskRoleArn empty; the template says which role it is.
    taskRoleArn: def.taskRoleArn ?? roleArnFromTemplate(stack, template.Resources[logicalId].Properties?.TaskRoleArn),
    logGroup: options['awslogs-group'],
    streamPrefix: options['awslogs-stream-prefix'],
    containerName: container.name!,
  };
}

export interface InstanceBoot {
  /** The worker bundle the user data downloads (`aws s3 cp`), fetched from the emulator's S3. */
  bundle: string;
  /** worker.env, with TASK_PARAMS_FILE pointing at the written task-params.json. */
  environment: Record<string, string>;
  roleArn: string;
  logGroup: string;
  /** Node's flags in the unit's ExecStart, between the executable and the bundle. */
  nodeArgs: string[];
  command: string[];
}

/** Text between `cat > FILE <<'MARK'` and MARK in a shell script. */
function heredoc(script: string, file: string): string {
  const m = new RegExp(`cat > ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} <<'(\\w+)'\\n([\\s\\S]*?)\\n\\1\\n`).exec(
    script,
  );
  if (!m) throw new Error(`user data writes no ${file}`);
  return m[2];
}

/**
 * What an instance of the launch template boots into: its user data's files (bundle from S3, worker.env,
 * task-params.json, the agent's log group) laid out in `home`, and the instance profile's role.
 */
export async function bootInstance(operator: Credentials, stack: DeployedStack, home: string): Promise<InstanceBoot> {
  const { physicalId } = resourceOf(stack, 'AWS::EC2::LaunchTemplate');
  const ec2 = new EC2Client(clientConfig(operator));
  const version = (await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: physicalId })))
    .LaunchTemplateVersions![0];
  ec2.destroy();
  const script = Buffer.from(version.LaunchTemplateData!.UserData!, 'base64').toString();
  mkdirSync(home, { recursive: true });
  // `aws s3 cp [--region "$REGION"] s3://bucket/key /opt/dth/dth.mjs`
  const copy = /aws s3 cp (?:--\S+ \S+ )*s3:\/\/([^/\s]+)\/(\S+) (\S+)/.exec(script);
  if (!copy) throw new Error('user data downloads no bundle');
  const s3 = new S3Client(clientConfig(operator));
  const bundle = join(home, 'dth.mjs');
  writeFileSync(
    bundle,
    await (await s3.send(new GetObjectCommand({ Bucket: copy[1], Key: copy[2] }))).Body!.transformToByteArray(),
  );
  s3.destroy();
  writeFileSync(join(home, 'task-params.json'), heredoc(script, '/opt/dth/task-params.json'));
  const environment = Object.fromEntries(
    heredoc(script, '/opt/dth/worker.env')
      .split('\n')
      .map((l) => {
        const i = l.indexOf('=');
        return [l.slice(0, i), l.slice(i + 1)];
      }),
  );
  environment.TASK_PARAMS_FILE = join(home, 'task-params.json');
  const agent = JSON.parse(heredoc(script, '/opt/aws/amazon-cloudwatch-agent/etc/dth.json')) as {
    logs: { logs_collected: { files: { collect_list: { log_group_name: string }[] } } };
  };
  const exec = /ExecStart=\S+ ((?:-\S+ )*)\S+dth\.mjs (.+)/.exec(script);
  if (!exec) throw new Error('user data has no ExecStart of node <flags> <bundle> <command>');
  const iam = new IAMClient(clientConfig(operator));
  const profile = version.LaunchTemplateData!.IamInstanceProfile!.Arn!.split('/').pop()!;
  const roleArn = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: profile }))).InstanceProfile!
    .Roles![0].Arn!;
  iam.destroy();
  return {
    bundle,
    environment,
    roleArn,
    logGroup: agent.logs.logs_collected.files.collect_list[0].log_group_name,
    nodeArgs: exec[1].trim() ? exec[1].trim().split(' ') : [],
    command: exec[2].split(' '),
  };
}

/** One entry of RunTask's `overrides.containerOverrides`: the container it names and the environment it adds. */
export interface ContainerOverride {
  name: string;
  environment?: { name: string; value: string }[];
}

/**
 * The container overrides of an ECS RunTask made by a custom resource (an AwsCustomResource whose `Create` is the
 * call's JSON, joined from the template's tokens), as CloudFormation would hand them to ECS.
 */
export function runTaskOverrides(template: CfnTemplate, logicalId: string): ContainerOverride[] {
  const create = template.Resources[logicalId]?.Properties?.Create;
  const call = JSON.parse(String(resolve(template, create))) as {
    service?: string;
    action?: string;
    parameters?: { overrides?: { containerOverrides?: ContainerOverride[] } };
  };
  if (call.service !== 'ECS' || call.action !== 'runTask')
    throw new Error(`${logicalId} calls ${call.service}.${call.action}, not ECS.runTask`);
  return call.parameters?.overrides?.containerOverrides ?? [];
}
