/**
 * The cloud path, deployed and run before anyone deploys it: the hub goes to the AWS API emulator (moto server) the way
 * `cdk deploy` puts it in an account, then a first S3 task and a first image task go from the API's createTask to DONE
 * and back to a deleted stack, through the deployed code with the deployed roles' credentials:
 * - Lambda handlers: the deployed packages, invoked in-process with the deployed environment (lambda-runner.ts).
 * - Step Functions: the deployed definitions, followed by state-machine.ts (the emulator records, does not execute).
 * - Finder, JobWorker, image copy: `dth` processes of the deployed bundle / task image file, with the environment the
 *   deployed task definition and launch template give them (plugin-compute.ts).
 * - IAM: enforced by the emulator from right after the hub is deployed. For S3 and SQS it checks the real resource,
 *   as AWS does; for the other services only the action (roles.ts); their resources: iam-grants.test.ts.
 * The emulator cannot create these resource types, so the deployed hub has placeholders for them (not proven here):
 * AppSync (API, schema, data source, resolvers), Cognito (user pool, client, domain, admin user), CloudFront
 * (distribution, origin access control, headers policy), S3 bucket policies, SNS topic policies — see emulator-template.ts.
 * Buckets: both in the emulator's S3 (not s3rver) because the emulator enforces IAM on them: the destination is written
 * with the JobWorker role's own rights, the source read with an IAM user's keys kept in Secrets Manager (srcCredentials),
 * like a bucket of another account.
 */
import { selfSignedCertificate } from '../support/self-signed.js';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDescription, encodeParameters } from '../../portal/src/api/wire.js';
import { createInput, initialState } from '../../portal/src/pages/create-task/parameters.js';
import type { WizardState } from '../../portal/src/pages/create-task/types.js';
import { registryDigest, seedImages } from '../ecr/image-fixtures.js';
import { servers } from '../support/servers.js';
import type { TaskRecord } from '../../control-plane/core/task.js';
import { EmulatedCloud } from './emulated-cloud.js';
import {
  ACCOUNT,
  clientConfig,
  createAdmin,
  emulatorEndpoint,
  enforceIam,
  resetEmulator,
  type Credentials,
} from './emulator.js';
import { EMULATOR_CANNOT_CREATE } from './emulator-template.js';
import { bootstrapAndPublish, deployHub, sharedAssembly, type DeployedHub } from './hub-deploy.js';
import { emulatorStatements, roleCredentials } from './roles.js';
import type { PolicyDocument } from './iam-policy.js';

const REPO = join(import.meta.dirname, '..', '..');
const MiB = 1024 * 1024;
const runDir = join(REPO, '.run', 'cloud', `run-${process.pid}`);

let operator: Credentials;
let assembly: string;
let hub: DeployedHub;
let cloud: EmulatedCloud;
let registry: TlsRegistry;
/** The image task's destination: a registry that takes pushes only with a login (htpasswd). */
let privateRegistry: TlsRegistry;
const REGISTRY_LOGIN = { username: 'mirror-writer', password: 'emulator-test-password' };

interface TlsRegistry {
  host: string;
  certificate: string;
  stop(): void;
}

/**
 * A registry over HTTPS (the cloud side takes no plain-HTTP registry: `insecure` is a local-hub parameter), with its
 * own self-signed certificate, which the task image is made to trust (in AWS, a registry's certificate chains to a
 * public CA the image already trusts). Port in this worktree's range; with `login`, only that user may pull or push.
 */
async function startTlsRegistry(
  dir: string,
  port: number,
  login?: { username: string; password: string },
): Promise<TlsRegistry> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const { certPath: certificate, keyPath } = selfSignedCertificate(dir, '127.0.0.1');
  const host = `127.0.0.1:${port + Number(process.env.DTH_PORT_BASE ?? 0)}`;
  if (login) writeFileSync(join(dir, 'htpasswd'), execFileSync('htpasswd', ['-Bbn', login.username, login.password]));
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: { level: warn, accesslog: { disabled: true } }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
      `http: { addr: "${host}", secret: emulator-test, tls: { certificate: ${certificate}, key: ${keyPath} } }`,
      ...(login ? [`auth: { htpasswd: { realm: basic-realm, path: ${join(dir, 'htpasswd')} } }`] : []),
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const req = httpsRequest(`https://${host}/v2/`, { rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host, certificate, stop: () => child.kill() };
}

beforeAll(async () => {
  await resetEmulator();
  operator = await createAdmin();
  assembly = await sharedAssembly();
  await bootstrapAndPublish(operator, assembly, 'DataTransferHub');
  // The Lambda packages go under the repository: the runtime provides @aws-sdk/*, here node_modules does.
  mkdirSync(runDir, { recursive: true });
  hub = await deployHub(
    operator,
    assembly,
    'DataTransferHub',
    [{ ParameterKey: 'AdminEmail', ParameterValue: 'admin@example.com' }],
    join(runDir, 'lambda'),
  );
  registry = await startTlsRegistry(join(runDir, 'registry'), 20040);
  privateRegistry = await startTlsRegistry(join(runDir, 'private-registry'), 20041, REGISTRY_LOGIN);
  // The copy task trusts both registries' certificates (one bundle, as NODE_EXTRA_CA_CERTS / SSL_CERT_FILE take one file).
  const trusted = join(runDir, 'trusted-registries.pem');
  writeFileSync(
    trusted,
    readFileSync(registry.certificate, 'utf8') + readFileSync(privateRegistry.certificate, 'utf8'),
  );
  cloud = new EmulatedCloud(operator, hub, assembly, join(runDir, 'compute'), trusted);
  await enforceIam(true);
}, 300_000);

afterAll(async () => {
  await cloud?.shutdown();
  registry?.stop();
  privateRegistry?.stop();
  await enforceIam(false).catch(() => undefined);
  rmSync(runDir, { recursive: true, force: true });
});

/** An AppSync direct Lambda resolver call of the deployed API function. */
async function api<T>(fieldName: string, args: Record<string, unknown>): Promise<T> {
  return (await cloud.invoke(hub.functions.ApiFn, {
    info: { fieldName, parentTypeName: /^(createTask|stopTask)$/.test(fieldName) ? 'Mutation' : 'Query' },
    arguments: args,
  })) as T;
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

/** The createTask input the console sends for a one-time task filled in as `fill` does (wizard state → wire encoding). */
function consoleInput(type: WizardState['type'], description: string, fill: (state: WizardState) => void) {
  const state = initialState();
  state.type = type;
  state.common.description = description;
  state.common.schedule.kind = 'ONE_TIME';
  fill(state);
  const input = createInput(state);
  return {
    ...input,
    description: encodeDescription(input.description),
    parameters: encodeParameters(input.parameters),
  };
}

describe('the hub deployed to the emulator as `cdk deploy` would', () => {
  it('leaves out only the resource types the emulator cannot create, and creates the rest', () => {
    expect([...new Set(Object.values(hub.placeholders))].sort()).toEqual(
      expect.arrayContaining(['AWS::AppSync::GraphQLApi', 'AWS::CloudFront::Distribution', 'AWS::Cognito::UserPool']),
    );
    for (const type of Object.values(hub.placeholders)) expect(EMULATOR_CANNOT_CREATE).toContain(type);
    const created = new Set(Object.values(hub.resources).map((r) => r.type));
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::StepFunctions::StateMachine',
      'AWS::Lambda::Function',
      'AWS::IAM::Role',
      'AWS::SNS::Topic',
      'AWS::S3::Bucket',
    ]) {
      expect(created, type).toContain(type);
    }
  });

  it('reads back the lifecycle definition and every function with its deployed environment and package', () => {
    const states = hub.stateMachine.definition.States as Record<string, { Type: string; Resource?: string }>;
    const invoked = new Set(
      Object.values(states)
        .filter((s) => s.Type === 'Task')
        .map((s) => s.Resource),
    );
    for (const id of [
      'StartStackFn',
      'StopStackFn',
      'QueryStackStatusFn',
      'CheckFinderFn',
      'CheckQueueEmptyFn',
      'CheckCompleteFn',
      'ReleaseWorkersFn',
      'NotifyFn',
    ]) {
      expect(invoked, id).toContain(hub.functions[id].arn);
      expect(hub.functions[id].environment.TASK_TABLE).toBe(hub.outputs.TaskTableName);
    }
    const api = hub.functions.ApiFn.environment;
    expect(api.STATE_MACHINE_ARN).toBe(hub.stateMachine.arn);
    expect(api.S3_PLUGIN_TEMPLATE_URL).toMatch(
      new RegExp(
        `^https://s3\\.us-east-1\\.amazonaws\\.com/cdk-hnb659fds-assets-${ACCOUNT}-us-east-1/[0-9a-f]{64}\\.json$`,
      ),
    );
    expect(hub.functions.StartStackFn.environment.PLUGIN_STACK_ROLE_ARN).toMatch(/^arn:aws:iam::\d{12}:role\//);
  });
});

describe('a first S3 task, console to DONE to deleted stack', () => {
  const src = 'dth-e2e-source';
  const dest = 'dth-e2e-destination';
  const unrelated = 'dth-e2e-unrelated';
  const objects: Record<string, Buffer> = {
    'readme.txt': Buffer.from('hello from the emulator'),
    'data/part-0001.csv': Buffer.from('a,b\n1,2\n'.repeat(5000)),
    'data/large.bin': Buffer.alloc(17 * MiB, 7), // over the 16 MiB multipart threshold: parts
    'empty.txt': Buffer.alloc(0),
  };
  let task: TaskRecord;
  let notifications: string;

  beforeAll(async () => {
    const s3 = new S3Client(clientConfig(operator));
    await s3.send(new CreateBucketCommand({ Bucket: src }));
    await s3.send(new CreateBucketCommand({ Bucket: dest }));
    await s3.send(new CreateBucketCommand({ Bucket: unrelated }));
    for (const [Key, Body] of Object.entries(objects)) await s3.send(new PutObjectCommand({ Bucket: src, Key, Body }));
    s3.destroy();
    // The source as another account's bucket: read-only keys of an IAM user, kept in Secrets Manager.
    const iam = new IAMClient(clientConfig(operator));
    await iam.send(new CreateUserCommand({ UserName: 'source-reader' }));
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: `arn:aws:s3:::${src}` },
        { Effect: 'Allow', Action: ['s3:GetObject'], Resource: `arn:aws:s3:::${src}/*` },
      ],
    };
    const statements = [...(policy.Statement as []), ...emulatorStatements([policy])];
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'source-reader',
        PolicyName: 'read-source',
        PolicyDocument: JSON.stringify({ ...policy, Statement: statements }),
      }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'source-reader' }))).AccessKey!;
    iam.destroy();
    const sm = new SecretsManagerClient(clientConfig(operator));
    await sm.send(
      new CreateSecretCommand({
        Name: 'dth-e2e-source-keys',
        SecretString: JSON.stringify({ access_key_id: key.AccessKeyId, secret_access_key: key.SecretAccessKey }),
      }),
    );
    sm.destroy();
    // An e-mail stand-in on the hub's notification topic.
    const sqs = new SQSClient(clientConfig(operator));
    notifications = (await sqs.send(new CreateQueueCommand({ QueueName: 'dth-e2e-notifications' }))).QueueUrl!;
    const arn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: notifications, AttributeNames: ['QueueArn'] }))
    ).Attributes!.QueueArn;
    sqs.destroy();
    const sns = new SNSClient(clientConfig(operator));
    await sns.send(
      new SubscribeCommand({
        TopicArn: hub.functions.NotifyFn.environment.NOTIFY_TOPIC_ARN,
        Protocol: 'sqs',
        Endpoint: arn,
      }),
    );
    sns.destroy();
  }, 60_000);

  it('createTask stores the task STARTING and starts the lifecycle with the parameters the console sends', async () => {
    const input = consoleInput('S3EC2', 'first S3 task', (w) => {
      Object.assign(w.s3, {
        sourceKind: 'Amazon_S3_Compatible',
        srcEndpoint: emulatorEndpoint(),
        srcBucket: src,
        srcCredentials: 'dth-e2e-source-keys',
        destBucket: dest,
        destRegion: 'us-east-1',
        destEndpoint: emulatorEndpoint(),
        destInCurrentAccount: 'true',
      });
    });
    task = await api<TaskRecord>('createTask', { input });
    expect(task.progress).toBe('STARTING');
    expect(task.executionArn).toMatch(new RegExp(`^${hub.stateMachine.arn.replace(':stateMachine:', ':execution:')}:`));
  });

  it('the lifecycle creates the plugin stack, the finder and a JobWorker copy every object, check-complete marks it DONE', async () => {
    const run = await cloud.runLifecycle(task.executionArn!);
    const done = await api<TaskRecord>('getTask', { id: task.id });
    const story =
      `${run.status} ${run.error ?? ''} ${run.cause ?? ''}\npath: …${run.path.slice(-24).join(' > ')}\ntask: ${done.progress} ${done.errorCode ?? ''} ${done.errorMessage ?? ''}\n` +
      cloud.processes.map((p) => `--- ${p.name}\n${p.output().slice(-3000)}`).join('\n');
    expect(run.status, story).toBe('SUCCEEDED');
    expect(done.progress, story).toBe('DONE');
    expect(run.path, story).toEqual(
      expect.arrayContaining([
        'StartStack',
        'CreateQueryStackStatus',
        'CheckFinder',
        'CheckQueueEmpty',
        'CheckComplete',
        'ReleaseWorkers',
        'Notify',
      ]),
    );
    expect(await cloud.processes.find((p) => p.name === 'finder')?.exited, story).toBe(0);
    expect(done.progressInfo).toMatchObject({ total: 4, replicated: 4, failed: 0, verified: 4 });
    task = done;
  }, 150_000);

  it("the plugin stack has the task's queue, dead-letter queue, status table and outputs in the emulator", async () => {
    const stack = await cloud.pluginStack(task.stackId!);
    expect(stack.status).toBe('CREATE_COMPLETE');
    const types = Object.values(stack.resources).map((r) => r.type);
    expect(types.filter((t) => t === 'AWS::SQS::Queue')).toHaveLength(2);
    expect(types).toContain('AWS::DynamoDB::Table');
    expect(Object.keys(stack.outputs)).toEqual(
      expect.arrayContaining(['StatusTableName', 'QueueUrl', 'DlqUrl', 'FinderLogGroup', 'WorkerLogGroup']),
    );
  });

  it('the finder ran in a task definition sized by finderEc2Memory (8 GiB, three quarters of it for the heap)', async () => {
    const stack = await cloud.pluginStack(task.stackId!);
    const [definition] = Object.values(stack.resources).filter((r) => r.type === 'AWS::ECS::TaskDefinition');
    const ecs = new ECSClient(clientConfig(operator));
    const described = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: definition!.physicalId })))
      .taskDefinition;
    ecs.destroy();
    // moto answers the task's memory, not its cpu (test/cdk/app.test.ts checks the template's Cpu).
    expect(described?.memory).toBe('8192');
    expect(described?.containerDefinitions?.[0]?.environment).toContainEqual({
      name: 'NODE_OPTIONS',
      value: '--max-old-space-size=6144',
    });
  });

  it("the finder's pass at stack creation ran with the first-run override (DTH_FIRST_PASS), read through the API's log operations", async () => {
    const stack = await cloud.pluginStack(task.stackId!);
    const logGroupName = stack.outputs.FinderLogGroup;
    const streams = await api<{ logStreams: { logStreamName: string }[] }>('listLogStreams', {
      id: task.id,
      logGroupName,
    });
    expect(streams.logStreams.length).toBeGreaterThan(0);
    const started = [];
    for (const { logStreamName } of streams.logStreams) {
      const events = await api<{ logEvents: { message: string }[] }>('getLogEvents', {
        id: task.id,
        logGroupName,
        logStreamName,
        startFromHead: true,
      });
      started.push(...events.logEvents.map((e) => e.message).filter((m) => m.includes('"finder.started"')));
    }
    expect(started.length, 'finder.started lines').toBeGreaterThan(0);
    expect(started.map((m) => (JSON.parse(m) as { firstPass?: boolean }).firstPass)).toContain(true);
  });

  it("the finished one-time task's worker group was scaled to zero by the release-workers step (as the original)", async () => {
    const stack = await cloud.pluginStack(task.stackId!);
    const group = stack.outputs.WorkerAutoScalingGroupName;
    expect(group).toMatch(/-Worker-ASG$/);
    const autoScaling = new AutoScalingClient(clientConfig(operator));
    const [described] =
      (await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] })))
        .AutoScalingGroups ?? [];
    autoScaling.destroy();
    expect(described).toMatchObject({ MinSize: 0, DesiredCapacity: 0 });
  });

  it('the destination holds every source object, byte for byte', async () => {
    const s3 = new S3Client(clientConfig(operator));
    const listed = (await s3.send(new ListObjectsV2Command({ Bucket: dest }))).Contents?.map((o) => o.Key).sort();
    expect(listed).toEqual(Object.keys(objects).sort());
    for (const [Key, body] of Object.entries(objects)) {
      const got = await (await s3.send(new GetObjectCommand({ Bucket: dest, Key }))).Body!.transformToByteArray();
      expect(md5(got), Key).toBe(md5(body));
    }
    s3.destroy();
  });

  it("the API lists the objects DONE from the task's status table, and the outcome reached the notification topic", async () => {
    const listed = await api<{ key: string; status: string; verified?: boolean }[]>('listTaskObjects', { id: task.id });
    expect(listed.map((o) => [o.key, o.status, o.verified]).sort()).toEqual(
      Object.keys(objects)
        .sort()
        .map((k) => [k, 'DONE', true]),
    );
    const sqs = new SQSClient(clientConfig(operator));
    const messages =
      (
        await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: notifications, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        )
      ).Messages ?? [];
    sqs.destroy();
    // The original's plain-text notification (control-plane/core/task-notification.ts), delivered by SNS.
    const bodies = messages.map((m) => (JSON.parse(m.Body!) as { Message: string }).Message);
    expect(
      bodies.find((b) => b.includes(`Task Id: ${task.id}`)),
      bodies.join('\n---\n'),
    ).toMatch(/Task Progress: DONE\nTransferred Objects: 4/);
  });

  it('the emulator enforced the roles: the JobWorker role is refused what its policy does not grant', async () => {
    const stack = await cloud.pluginStack(task.stackId!);
    const boot = cloud.processes.find((p) => p.name === 'worker')!;
    expect(boot).toBeDefined();
    const roleName =
      stack.resources[
        Object.keys(stack.resources).find(
          (id) => id.startsWith('WorkersRole') && stack.resources[id].type === 'AWS::IAM::Role',
        )!
      ].physicalId;
    const worker = await roleCredentials(operator, `arn:aws:iam::${ACCOUNT}:role/${roleName}`, 'worker');
    const s3 = new S3Client(clientConfig(worker));
    // Its own destination: allowed. The source (read-only for it) and an unrelated bucket: denied.
    await s3.send(new PutObjectCommand({ Bucket: dest, Key: 'probe.txt', Body: 'x' }));
    await expect(s3.send(new PutObjectCommand({ Bucket: src, Key: 'probe.txt', Body: 'x' }))).rejects.toThrow(
      /Access Denied|AccessDenied/,
    );
    await expect(s3.send(new ListObjectsV2Command({ Bucket: unrelated }))).rejects.toThrow(
      /Access Denied|AccessDenied/,
    );
    s3.destroy();
  });

  it('stopTask deletes the plugin stack: the task ends STOPPED and its workers stop cleanly', async () => {
    const stopping = await api<TaskRecord>('stopTask', { id: task.id });
    expect(stopping.progress).toBe('STOPPING');
    const run = await cloud.runLifecycle(await cloud.latestExecution(`stop-${task.id}`));
    const stopped = await api<TaskRecord>('getTask', { id: task.id });
    const story = `${run.status} ${run.error ?? ''} ${run.cause ?? ''}\npath: …${run.path.slice(-24).join(' > ')}\ntask: ${stopped.progress} ${stopped.errorCode ?? ''} ${stopped.errorMessage ?? ''}`;
    expect(run.status, story).toBe('SUCCEEDED');
    expect(run.path, story).toEqual(expect.arrayContaining(['StopStack', 'DeleteQueryStackStatus']));
    expect(stopped.progress, story).toBe('STOPPED');
    expect((await cloud.pluginStack(task.stackId!)).status).toBe('DELETE_COMPLETE');
    // The instances went with the stack: `dth worker` stopped on SIGTERM without error.
    const workers = cloud.processes.filter((p) => p.name === 'worker');
    expect(workers).toHaveLength(1);
    for (const worker of workers) expect(await worker.exited, worker.output().slice(-2000)).toBe(0);
  }, 60_000);
});

describe('a first image task, console to DONE to deleted stack', () => {
  let task: TaskRecord;
  let repository: string;

  beforeAll(() => {
    ({ repository } = seedImages());
    for (const tag of ['v1', 'multi']) {
      execFileSync(
        'skopeo',
        [
          'copy',
          '--all',
          '--preserve-digests',
          '--src-tls-verify=false',
          '--dest-tls-verify=false',
          `docker://${servers.registryOpen}/${repository}:${tag}`,
          `docker://${registry.host}/${repository}:${tag}`,
        ],
        { stdio: 'pipe' },
      );
    }
  }, 60_000);

  it('createTask → lister Lambda → a Fargate `dth ecr copy-one` per image (skopeo) → status DONE → task DONE', async () => {
    // From the open HTTPS registry into one that takes pushes only with a login, copies under mirror/. The login is a
    // secret of the emulator's Secrets Manager (destCredential), read by the lister and the copy tasks with their
    // roles' credentials; nothing else holds it. The emulator has no registry of its own: ECR's registry API is not
    // part of it.
    const sm = new SecretsManagerClient(clientConfig(operator));
    await sm.send(
      new CreateSecretCommand({ Name: 'dth-e2e-registry-login', SecretString: JSON.stringify(REGISTRY_LOGIN) }),
    );
    sm.destroy();
    const input = consoleInput('ECR', 'first image task', (w) => {
      Object.assign(w.ecr, {
        sourceType: 'Public',
        srcRegistry: registry.host,
        srcList: 'SELECTED',
        srcImageList: `${repository}:v1,${repository}:multi`,
        destKind: 'Registry',
        destRegistry: privateRegistry.host,
        destCredential: 'dth-e2e-registry-login',
        destPrefix: 'mirror',
      });
    });
    task = await api<TaskRecord>('createTask', { input });
    expect(task.progress).toBe('STARTING');
    const run = await cloud.runLifecycle(task.executionArn!);
    const copies = await Promise.all(cloud.pluginExecutions);
    const done = await api<TaskRecord>('getTask', { id: task.id });
    const story =
      `${run.status} ${run.error ?? ''} ${run.cause ?? ''}\npath: …${run.path.slice(-24).join(' > ')}\ntask: ${done.progress} ${done.errorCode ?? ''} ${done.errorMessage ?? ''}\n` +
      `plugin executions: ${JSON.stringify(copies.map((c) => [c.status, c.error, c.cause?.slice(0, 2000), c.path.join(' > ')]))}\n` +
      cloud.processes
        .filter((p) => p.name === 'copy')
        .map((p) => `--- copy\n${p.output().slice(-2000)}`)
        .join('\n');
    expect(run.status, story).toBe('SUCCEEDED');
    expect(
      copies.map((c) => c.status),
      story,
    ).toEqual(['SUCCEEDED']);
    expect(done.progress, story).toBe('DONE');
    expect(done.progressInfo).toMatchObject({ total: 2, replicated: 2, failed: 0, verified: 2 });
    const copyTasks = cloud.processes.filter((p) => p.name === 'copy');
    expect(copyTasks).toHaveLength(2);
    for (const p of copyTasks) {
      expect(await p.exited).toBe(0);
      // The destination login came from the secret (Secrets Manager in the emulator, read with the task role).
      expect(p.output()).toContain("secret 'dth-e2e-registry-login'");
    }
    task = done;
  }, 150_000);

  it("the destination registry holds each image with the source's digest, behind its login", () => {
    const login = `${REGISTRY_LOGIN.username}:${REGISTRY_LOGIN.password}`;
    for (const tag of ['v1', 'multi']) {
      expect(registryDigest(privateRegistry.host, `mirror/${repository}:${tag}`, login), tag).toBe(
        registryDigest(registry.host, `${repository}:${tag}`),
      );
    }
    expect(() => registryDigest(privateRegistry.host, `mirror/${repository}:v1`)).toThrow(
      /unauthorized|authentication required/i,
    );
  });

  it("stopTask deletes the image task's stack: the task ends STOPPED", async () => {
    await api<TaskRecord>('stopTask', { id: task.id });
    const run = await cloud.runLifecycle(await cloud.latestExecution(`stop-${task.id}`));
    const stopped = await api<TaskRecord>('getTask', { id: task.id });
    expect(stopped.progress, `${run.path.join(' > ')}: ${stopped.errorCode ?? ''} ${stopped.errorMessage ?? ''}`).toBe(
      'STOPPED',
    );
    expect((await cloud.pluginStack(task.stackId!)).status).toBe('DELETE_COMPLETE');
  }, 60_000);
});
