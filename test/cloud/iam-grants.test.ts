/**
 * Least privilege, checked statically: every AWS call the code makes (found by scanning it, aws-calls.ts) is assigned
 * to the deployed roles that make it, and each role's synthesized policy (the templates as `cdk synth` writes them,
 * intrinsics resolved by cfn-resolve.ts) must allow the IAM actions AWS checks for the call on the resource it
 * touches. A new call in the code that no role is said to make fails here, and so does a call whose role lacks the
 * grant. The emulator run (hub-on-emulator.test.ts) enforces the same roles for real on S3 and SQS; this covers every
 * service and resource scoping.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  iamActions,
  OBJECT_STORE_OPERATIONS,
  objectStoreMethods,
  objectStoreNamedOperations,
  scanSdkCalls,
} from './aws-calls.js';
import { ACCOUNT, arnOf, REGION, resolve, rolePolicies } from './cfn-resolve.js';
import type { CfnTemplate } from './emulator-template.js';
import { sharedAssembly } from './hub-deploy.js';
import { isAllowed, type PolicyDocument, type RequestContext } from './iam-policy.js';

/**
 * One call a role makes: the API operation (`service:Operation`), the resources it touches, and the condition keys the
 * request carries where a grant is conditioned on them (the secret's tag, the bucket's account, the task's cluster).
 */
interface RoleCall {
  call: string;
  resources: string[];
  context?: RequestContext;
}

/** Calls in the code that no deployed role makes, and why. */
const NOT_MADE_BY_A_DEPLOYED_ROLE: Record<string, string> = {
  'sqs:CreateQueue': 'ensureSqsQueue: queues for local runs and tests (the plugin stack creates the cloud queues)',
  'sqs:GetQueueUrl': 'ensureSqsQueue (local runs and tests)',
  'sqs:SetQueueAttributes': 'ensureSqsQueue (local runs and tests)',
  'dynamodb:CreateTable':
    'ensureStatusTable / the task table for local runs and tests (the stacks create the cloud tables)',
  'dynamodb:DescribeTable': 'ensureStatusTable (local runs and tests)',
  's3:ListMultipartUploads':
    "settleInterrupted's look-up of uploads a killed one-shot run left unrecorded (CLI and local hub; the cloud worker runs no settle pass)",
};

const PARAMS_S3 = {
  srcBucket: 'task-source',
  destBucket: 'task-destination',
  srcCredentials: 'src-keys',
  destCredentials: 'dest-keys',
  srcType: 'Amazon_S3',
  srcEvent: 'CreateAndDelete',
  TaskId: 'task-1',
};
const PARAMS_ECR = {
  srcCredential: 'src-login',
  destCredential: 'dest-login',
  TaskId: 'task-1',
  srcRegion: 'eu-west-1',
  destRegion: REGION,
};
/** A repository of this account in a region (names come from the image list at run time). */
const repositoryArn = (region: string, name = 'team/app') => `arn:aws:ecr:${region}:${ACCOUNT}:repository/${name}`;
const secretArn = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
/** What CloudFormation names a plugin stack's resources (stack DTH-S3EC2-0a1b2c3d). */
const pluginName = (logical: string) => `DTH-S3EC2-0a1b2c3d-${logical}-1A2B3C4D5E6F`;

let hub: CfnTemplate;
let s3Plugin: CfnTemplate;
let ecrPlugin: CfnTemplate;

beforeAll(async () => {
  const dir = await sharedAssembly();
  hub = JSON.parse(readFileSync(join(dir, 'DataTransferHub.template.json'), 'utf8')) as CfnTemplate;
  // The plugin templates as the hub uploads them (assets of the hub stack).
  const manifest = JSON.parse(readFileSync(join(dir, 'DataTransferHub.assets.json'), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };
  for (const f of Object.values(manifest.files)) {
    if (!f.source.path.endsWith('.json') || f.source.path.endsWith('.template.json')) continue;
    const t = JSON.parse(readFileSync(join(dir, f.source.path), 'utf8')) as CfnTemplate;
    if (/S3 plugin/.test(String(t.Description))) s3Plugin = t;
    if (/ECR plugin/.test(String(t.Description))) ecrPlugin = t;
  }
}, 600_000);

const byType = (t: CfnTemplate, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const getAttId = (v: unknown) => (v as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];

/** The one resource of `type` whose construct path contains `part`. */
function one(t: CfnTemplate, type: string, part: string): string {
  const found = byType(t, type).filter(([id, r]) =>
    `${id} ${String((r.Metadata as Record<string, unknown> | undefined)?.['aws:cdk:path'] ?? '')}`.includes(part),
  );
  if (found.length !== 1)
    throw new Error(`expected one ${type} "${part}", found ${found.map(([id]) => id).join(', ') || 'none'}`);
  return found[0][0];
}

/** Role of a Lambda function, found by its description (which names its handler). */
function lambdaRole(t: CfnTemplate, description: string): string {
  const found = byType(t, 'AWS::Lambda::Function').filter(([, r]) =>
    String(r.Properties?.Description ?? '').includes(description),
  );
  if (found.length !== 1) throw new Error(`expected one function described "${description}"`);
  return getAttId(found[0][1].Properties!.Role)!;
}

/** Task role of the Fargate task definition whose container runs `dth <command…>`. */
function taskRole(t: CfnTemplate, command: string[]): string {
  const found = byType(t, 'AWS::ECS::TaskDefinition').filter(([, r]) => {
    const c = (r.Properties!.ContainerDefinitions as { Command?: string[] }[])[0].Command ?? [];
    return command.every((w, i) => c[i] === w);
  });
  if (found.length !== 1) throw new Error(`expected one task definition running ${command.join(' ')}`);
  return getAttId(found[0][1].Properties!.TaskRoleArn)!;
}

/** Role of the instance profile the launch template gives the JobWorker instances. */
function instanceRole(t: CfnTemplate): string {
  const [[, lt]] = byType(t, 'AWS::EC2::LaunchTemplate');
  const profile = getAttId(
    (lt.Properties!.LaunchTemplateData as { IamInstanceProfile: { Arn: unknown } }).IamInstanceProfile.Arn,
  )!;
  return (t.Resources[profile].Properties!.Roles as { Ref: string }[])[0].Ref;
}

/** The permissions boundary every plugin stack role carries (the hub's TaskRoleBoundary managed policy). */
function taskRoleBoundary(): PolicyDocument {
  return resolve(
    hub,
    hub.Resources[one(hub, 'AWS::IAM::ManagedPolicy', 'TaskRoleBoundary')].Properties!.PolicyDocument,
  ) as PolicyDocument;
}

function denied(docs: PolicyDocument[], calls: RoleCall[]): string[] {
  return calls.flatMap(({ call, resources, context }) =>
    iamActions(call).flatMap((action) =>
      resources.filter((r) => !isAllowed(docs, action, r, context)).map((r) => `${action} on ${r} (${call})`),
    ),
  );
}

interface Role {
  name: string;
  template: () => CfnTemplate;
  role: () => string;
  parameters?: Record<string, string>;
  calls: () => RoleCall[];
}

const taskTable = () => arnOf('AWS::DynamoDB::Table', one(hub, 'AWS::DynamoDB::Table', 'TaskTable'));
const pluginTable = arnOf('AWS::DynamoDB::Table', pluginName('S3TransferTable'));
const pluginQueue = arnOf('AWS::SQS::Queue', pluginName('JobQueueEE3AD499'));
const pluginLogGroup = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${pluginName('FinderLogs4D2A5703')}`;
const pluginStack = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/DTH-S3EC2-0a1b2c3d/11112222-3333-4444-5555-666677778888`;
/** The S3 plugin stack's own cluster (named after the stack) and one of its finder tasks. */
const pluginCluster = arnOf('AWS::ECS::Cluster', pluginName('Cluster'));
const pluginFinderTask = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${pluginName('Cluster')}/0123456789abcdef`;
/** The ECR plugin's copy flow (its state machine is named `<stack>-ECRReplicationSM`) and one execution. */
const copyFlow = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:DTH-ECR-0a1b2c3d-ECRReplicationSM`;
const copyFlowRun = `arn:aws:states:${REGION}:${ACCOUNT}:execution:DTH-ECR-0a1b2c3d-ECRReplicationSM:run-1`;
/** A task's parameters in SSM when they do not fit CloudFormation (control-plane/core/plugin-contract.ts taskParamsPath). */
const taskParamsArn = (taskId: string, sub = '') =>
  `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/dth/task-params/${taskId}${sub}`;
/** The hub's shared task cluster (ECR copy tasks run there). */
const sharedCluster = () => arnOf('AWS::ECS::Cluster', one(hub, 'AWS::ECS::Cluster', 'TaskNetwork'));
/** ListTasks / DescribeTasks / StopTask, allowed per cluster (condition ecs:cluster). */
const ecsCalls = (cluster: string, task: string, stop: boolean): RoleCall[] => [
  { call: 'ecs:ListTasks', resources: ['*'], context: { 'ecs:cluster': cluster } },
  { call: 'ecs:DescribeTasks', resources: [task], context: { 'ecs:cluster': cluster } },
  ...(stop ? [{ call: 'ecs:StopTask', resources: [task], context: { 'ecs:cluster': cluster } }] : []),
];
/** How the ECR copy flow's newest execution ended: the list, the execution, its history. */
const copyFlowOutcome = (): RoleCall[] => [
  { call: 'states:ListExecutions', resources: [copyFlow] },
  { call: 'states:DescribeExecution', resources: [copyFlowRun] },
  { call: 'states:GetExecutionHistory', resources: [copyFlowRun] },
];
const taskItems = (...ops: string[]) => ops.map((op) => ({ call: `dynamodb:${op}`, resources: [taskTable()] }));
const s3Src = `arn:aws:s3:::${PARAMS_S3.srcBucket}`;
const s3Dest = `arn:aws:s3:::${PARAMS_S3.destBucket}`;

const ROLES: Role[] = [
  {
    name: 'API Lambda (AppSync resolver)',
    template: () => hub,
    role: () => lambdaRole(hub, 'AppSync resolver'),
    calls: (): RoleCall[] => [
      ...taskItems('GetItem', 'PutItem', 'UpdateItem', 'Scan'),
      {
        call: 'states:StartExecution',
        resources: [
          arnOf('AWS::StepFunctions::StateMachine', one(hub, 'AWS::StepFunctions::StateMachine', 'Orchestrator')),
        ],
      },
      { call: 'secretsmanager:ListSecrets', resources: ['*'] },
      // estimateTask opens the task's buckets: secrets tagged as task credentials only, buckets of this account only.
      {
        call: 'secretsmanager:GetSecretValue',
        resources: [secretArn('any-bucket-keys')],
        context: { 'secretsmanager:ResourceTag/dth:credential': 'true' },
      },
      { call: 'cloudwatch:GetMetricData', resources: ['*'] },
      { call: 'logs:DescribeLogStreams', resources: [pluginLogGroup] },
      { call: 'logs:GetLogEvents', resources: [`${pluginLogGroup}:log-stream:finder/finder/abc`] },
      { call: 'dynamodb:Query', resources: [pluginTable] }, // progress counts (the task's counter items)
      { call: 'dynamodb:Scan', resources: [pluginTable] }, // listTaskObjects
      {
        call: 's3:ListObjectsV2',
        resources: ['arn:aws:s3:::any-source-bucket', 'arn:aws:s3:::any-destination-bucket'],
        context: { 's3:ResourceAccount': ACCOUNT },
      }, // estimateTask
      { call: 'cloudformation:DescribeStackEvents', resources: [pluginStack] }, // getErrorMessage: why a stack failed
    ],
  },
  {
    name: 'start-stack step',
    template: () => hub,
    role: () => lambdaRole(hub, 'start-stack.ts'),
    calls: () => [
      ...taskItems('GetItem', 'UpdateItem'),
      { call: 'cloudformation:GetTemplateSummary', resources: ['*'] },
      { call: 'cloudformation:CreateStack', resources: [pluginStack] },
      { call: 'cloudformation:DeleteStack', resources: [pluginStack] },
      // A parameter set too large for CloudFormation goes to SSM (chunks and a count under the task's path).
      { call: 'ssm:PutParameter', resources: [taskParamsArn('t1', '/0'), taskParamsArn('t1', '/count')] },
      { call: 'ssm:GetParametersByPath', resources: [taskParamsArn('t1')] },
      { call: 'ssm:DeleteParameters', resources: [taskParamsArn('t1', '/0')] },
    ],
  },
  {
    name: 'stop-stack step',
    template: () => hub,
    role: () => lambdaRole(hub, 'stop-stack.ts'),
    calls: () => [
      ...taskItems('GetItem', 'UpdateItem'),
      { call: 'cloudformation:DeleteStack', resources: [pluginStack] },
      // What the stack still runs is stopped first: the S3 finder in its own cluster, image copies in the shared one.
      ...ecsCalls(pluginCluster, pluginFinderTask, true),
      ...ecsCalls(
        sharedCluster(),
        `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${one(hub, 'AWS::ECS::Cluster', 'TaskNetwork')}/0123456789abcdef`,
        true,
      ),
      { call: 'states:ListExecutions', resources: [copyFlow] },
      { call: 'states:StopExecution', resources: [copyFlowRun] },
      { call: 'ssm:GetParametersByPath', resources: [taskParamsArn('t1')] },
      { call: 'ssm:DeleteParameters', resources: [taskParamsArn('t1', '/0')] },
    ],
  },
  {
    name: 'query-stack-status step',
    template: () => hub,
    role: () => lambdaRole(hub, 'query-stack-status.ts'),
    calls: () => [
      ...taskItems('GetItem', 'UpdateItem'),
      { call: 'cloudformation:DescribeStacks', resources: [pluginStack] },
    ],
  },
  {
    name: 'check-finder step',
    template: () => hub,
    role: () => lambdaRole(hub, 'check-finder.ts'),
    calls: () => [
      ...taskItems('GetItem', 'UpdateItem'),
      { call: 'logs:FilterLogEvents', resources: [pluginLogGroup] },
      // A silent finder: is its task (S3) or its copy flow's lister (ECR) still running, or did the flow end failed?
      ...ecsCalls(pluginCluster, pluginFinderTask, false),
      ...copyFlowOutcome(),
    ],
  },
  {
    name: 'check-queue-empty step',
    template: () => hub,
    role: () => lambdaRole(hub, 'check-queue-empty.ts'),
    calls: () => [...taskItems('GetItem'), { call: 'sqs:GetQueueAttributes', resources: [pluginQueue] }],
  },
  {
    name: 'check-complete step',
    template: () => hub,
    role: () => lambdaRole(hub, 'check-complete.ts'),
    // Query: the counts; Scan: the first failed object, named in an incomplete task's message.
    // The copy flow (ECR) that ended FAILED/TIMED_OUT/ABORTED before its images were copied: its cause.
    calls: () => [
      ...taskItems('GetItem', 'UpdateItem'),
      { call: 'dynamodb:Query', resources: [pluginTable] },
      { call: 'dynamodb:Scan', resources: [pluginTable] },
      ...copyFlowOutcome(),
    ],
  },
  {
    name: 'release-workers step',
    template: () => hub,
    role: () => lambdaRole(hub, 'release-workers.ts'),
    // The plugin stack's `<stack>-Worker-ASG` (worker-fleet.ts names it so).
    calls: () => [
      ...taskItems('GetItem'),
      {
        call: 'autoscaling:UpdateAutoScalingGroup',
        resources: [
          `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:0a1b2c3d-1111-2222-3333-444455556666:autoScalingGroupName/DTH-S3EC2-0a1b2c3d-Worker-ASG`,
        ],
      },
    ],
  },
  {
    name: 'notify step',
    template: () => hub,
    role: () => lambdaRole(hub, 'notify.ts'),
    calls: () => [
      ...taskItems('GetItem'),
      { call: 'sns:Publish', resources: [arnOf('AWS::SNS::Topic', one(hub, 'AWS::SNS::Topic', 'TaskNotifications'))] },
    ],
  },
  {
    name: 'S3 finder (Fargate task role)',
    template: () => s3Plugin,
    role: () => taskRole(s3Plugin, ['finder']),
    parameters: PARAMS_S3,
    calls: () => {
      const queue = arnOf('AWS::SQS::Queue', one(s3Plugin, 'AWS::SQS::Queue', 'Jobs/Queue/'));
      const dlq = arnOf('AWS::SQS::Queue', one(s3Plugin, 'AWS::SQS::Queue', 'DeadLetterQueue'));
      const table = arnOf('AWS::DynamoDB::Table', one(s3Plugin, 'AWS::DynamoDB::Table', 'StatusTable'));
      return [
        { call: 'sqs:GetQueueAttributes', resources: [queue, dlq] }, // a pass is skipped while either holds work
        { call: 'sqs:SendMessageBatch', resources: [queue] },
        { call: 'dynamodb:GetItem', resources: [table] },
        { call: 'dynamodb:PutItem', resources: [table] },
        { call: 'dynamodb:UpdateItem', resources: [table] },
        {
          call: 'secretsmanager:GetSecretValue',
          resources: [secretArn(PARAMS_S3.srcCredentials), secretArn(PARAMS_S3.destCredentials)],
        },
        { call: 's3:ListObjectsV2', resources: [s3Src, s3Dest] },
        { call: 's3:HeadObject', resources: [`${s3Src}/some/key`] },
        { call: 'ssm:GetParametersByPath', resources: [taskParamsArn(PARAMS_S3.TaskId)] }, // a parameter set over 4 KB
      ];
    },
  },
  {
    name: 'S3 JobWorker (instance role)',
    template: () => s3Plugin,
    role: () => instanceRole(s3Plugin),
    parameters: PARAMS_S3,
    calls: () => {
      const queue = arnOf('AWS::SQS::Queue', one(s3Plugin, 'AWS::SQS::Queue', 'Jobs/Queue/'));
      const dlq = arnOf('AWS::SQS::Queue', one(s3Plugin, 'AWS::SQS::Queue', 'DeadLetterQueue'));
      const table = arnOf('AWS::DynamoDB::Table', one(s3Plugin, 'AWS::DynamoDB::Table', 'StatusTable'));
      const src = `${s3Src}/some/key`;
      const dest = `${s3Dest}/some/key`;
      return [
        ...['ReceiveMessage', 'DeleteMessage', 'ChangeMessageVisibility'].map((op) => ({
          call: `sqs:${op}`,
          resources: [queue],
        })),
        { call: 'sqs:SendMessageBatch', resources: [queue] }, // fan-out: a giant object's part jobs, a restarted copy
        { call: 'sqs:SendMessage', resources: [dlq] }, // dead-lettering with the reason
        { call: 'sqs:GetQueueAttributes', resources: [queue, dlq] }, // depth of both (dead letters reported)
        ...['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'BatchWriteItem', 'Scan'].map((op) => ({
          call: `dynamodb:${op}`,
          resources: [table],
        })),
        {
          call: 'secretsmanager:GetSecretValue',
          resources: [secretArn(PARAMS_S3.srcCredentials), secretArn(PARAMS_S3.destCredentials)],
        },
        { call: 's3:ListObjectsV2', resources: [s3Src, s3Dest] }, // checkAccess on both sides
        ...['HeadObject', 'GetObject', 'GetObjectTagging'].map((op) => ({ call: `s3:${op}`, resources: [src] })),
        ...[
          'HeadObject',
          'PutObject',
          'CreateMultipartUpload',
          'UploadPart',
          'CompleteMultipartUpload',
          'AbortMultipartUpload',
          'CopyObject',
          'DeleteObject',
        ].map((op) => ({ call: `s3:${op}`, resources: [dest] })),
        // Writes carry x-amz-acl (destAcl) and x-amz-tagging (copied tags): AWS checks these actions too.
        { call: 's3:PutObjectAcl', resources: [dest] },
        { call: 's3:PutObjectTagging', resources: [dest] },
        { call: 'ssm:GetParametersByPath', resources: [taskParamsArn(PARAMS_S3.TaskId)] },
      ];
    },
  },
  {
    name: 'ECR image lister (Lambda)',
    template: () => ecrPlugin,
    role: () => lambdaRole(ecrPlugin, 'Lists the images'),
    parameters: PARAMS_ECR,
    calls: () => {
      const table = arnOf('AWS::DynamoDB::Table', one(ecrPlugin, 'AWS::DynamoDB::Table', 'StatusTable'));
      return [
        { call: 'dynamodb:GetItem', resources: [table] },
        { call: 'dynamodb:PutItem', resources: [table] },
        {
          call: 'secretsmanager:GetSecretValue',
          resources: [secretArn(PARAMS_ECR.srcCredential), secretArn(PARAMS_ECR.destCredential)],
        },
        { call: 'ecr:GetAuthorizationToken', resources: ['*'] },
        // The source's repositories are listed (the destination's are read too: DescribeRepositories of its target).
        ...['DescribeRepositories', 'ListImages'].map((op) => ({
          call: `ecr:${op}`,
          resources: [repositoryArn(PARAMS_ECR.srcRegion), repositoryArn(PARAMS_ECR.destRegion)],
        })),
        { call: 'sts:GetCallerIdentity', resources: ['*'] },
        { call: 'ssm:GetParametersByPath', resources: [taskParamsArn('task-1')] }, // a long image list kept in SSM
        {
          call: 's3:PutObject',
          resources: [
            `${arnOf('AWS::S3::Bucket', one(ecrPlugin, 'AWS::S3::Bucket', 'ImageLists'))}/image-lists/run.json`,
          ],
        },
      ];
    },
  },
  {
    name: 'ECR image copy (Fargate task role)',
    template: () => ecrPlugin,
    role: () => taskRole(ecrPlugin, ['ecr', 'copy-one']),
    parameters: PARAMS_ECR,
    calls: () => [
      { call: 'ecr:GetAuthorizationToken', resources: ['*'] },
      { call: 'ecr:CreateRepository', resources: [repositoryArn(PARAMS_ECR.destRegion)] },
      { call: 'sts:GetCallerIdentity', resources: ['*'] },
      {
        call: 'secretsmanager:GetSecretValue',
        resources: [secretArn(PARAMS_ECR.srcCredential), secretArn(PARAMS_ECR.destCredential)],
      },
      { call: 'ssm:GetParametersByPath', resources: [taskParamsArn('task-1')] },
    ],
  },
];

/** Calls the code makes, as `service:Operation` (SDK commands and the hand-written S3 client's operations). */
function callsInCode(): Set<string> {
  const calls = new Set(scanSdkCalls().keys());
  for (const op of Object.values(OBJECT_STORE_OPERATIONS).flat()) calls.add(`s3:${op}`);
  return calls;
}

describe('every AWS call the code makes is granted to the role that makes it', () => {
  it("the hand-written S3 client's operations are all named in the scan table", () => {
    expect(objectStoreMethods().filter((m) => !(m in OBJECT_STORE_OPERATIONS))).toEqual([]);
    const tabled = new Set(Object.values(OBJECT_STORE_OPERATIONS).flat());
    expect(objectStoreNamedOperations().filter((op) => !tabled.has(op))).toEqual([]);
  });

  it('every call found in the code is made by some deployed role (or is named as local-only, with the reason)', () => {
    const assigned = new Set(ROLES.flatMap((r) => r.calls().map((c) => c.call)));
    const found = callsInCode();
    expect(found.size).toBeGreaterThan(20);
    const unassigned = [...found].filter(
      (c) =>
        !assigned.has(c) &&
        !(c in NOT_MADE_BY_A_DEPLOYED_ROLE) &&
        // Header-borne or implied actions are listed with the write that carries them.
        !['s3:PutObjectAcl', 's3:PutObjectTagging'].includes(c),
    );
    expect(unassigned).toEqual([]);
    // And the tables name no call the code does not make.
    const stale = [...assigned, ...Object.keys(NOT_MADE_BY_A_DEPLOYED_ROLE)].filter(
      (c) => !found.has(c) && !['s3:PutObjectAcl', 's3:PutObjectTagging'].includes(c),
    );
    expect(stale).toEqual([]);
  });

  for (const role of ROLES) {
    it(`${role.name}: its synthesized policy allows each of its calls on the resources it touches`, () => {
      const docs = rolePolicies(role.template(), role.role(), role.parameters);
      expect(docs.length).toBeGreaterThan(0);
      expect(denied(docs, role.calls())).toEqual([]);
    });
  }

  // A task role's rights are its policy's and its permissions boundary's together (the hub's TaskRoleBoundary).
  // The plugin stacks' roles: those whose template takes task parameters (the templates load in beforeAll).
  for (const role of ROLES.filter((r) => r.parameters)) {
    it(`${role.name}: carries the hub's permissions boundary, which allows each of its calls too`, () => {
      const template = role.template();
      // The boundary the hub passes (standalone deploys without one: none).
      expect(JSON.stringify(template.Resources[role.role()].Properties?.PermissionsBoundary)).toContain(
        '{"Ref":"PermissionsBoundaryArn"}',
      );
      expect(denied([taskRoleBoundary()], role.calls())).toEqual([]);
    });
  }

  it('the check can fail: a call on a resource of another task is denied', () => {
    const finder = ROLES.find((r) => r.name.startsWith('S3 finder'))!;
    const docs = rolePolicies(s3Plugin, finder.role(), PARAMS_S3);
    expect(
      denied(docs, [
        { call: 'sqs:SendMessageBatch', resources: [arnOf('AWS::SQS::Queue', 'DTH-S3EC2-ffffffff-JobQueue-OTHER')] },
      ]),
    ).toHaveLength(1);
    expect(denied(docs, [{ call: 's3:PutObject', resources: [`${s3Src}/key`] }])).toHaveLength(1); // the source is read-only
    expect(
      denied(docs, [{ call: 'ssm:GetParametersByPath', resources: [taskParamsArn('another-task')] }]),
    ).toHaveLength(1);
    // Image tasks: repositories of this account in the task's regions only (before: any repository anywhere).
    const copy = ROLES.find((r) => r.name.startsWith('ECR image copy'))!;
    const copyDocs = rolePolicies(ecrPlugin, copy.role(), PARAMS_ECR);
    expect(denied(copyDocs, [{ call: 'ecr:CreateRepository', resources: [repositoryArn('ap-south-1')] }])).toHaveLength(
      1,
    );
    expect(denied(copyDocs, [{ call: 'ecr:PutImage', resources: [repositoryArn(PARAMS_ECR.srcRegion)] }])).toHaveLength(
      1,
    ); // the source is read-only
    expect(
      denied(copyDocs, [
        { call: 'ecr:PutImage', resources: [`arn:aws:ecr:${REGION}:999988887777:repository/team/app`] },
      ]),
    ).toHaveLength(1);
    // A blank region (the registry host names it): any region of this account, still no other account.
    const blankRegion = rolePolicies(ecrPlugin, copy.role(), { ...PARAMS_ECR, destRegion: '' });
    expect(denied(blankRegion, [{ call: 'ecr:PutImage', resources: [repositoryArn('ap-south-1')] }])).toEqual([]);
    // The boundary: no IAM write, no SSM parameters outside the task parameters.
    expect(
      denied([taskRoleBoundary()], [{ call: 'iam:CreateRole', resources: [`arn:aws:iam::${ACCOUNT}:role/DTH-x`] }]),
    ).toHaveLength(1);
    expect(
      denied(
        [taskRoleBoundary()],
        [{ call: 'ssm:GetParametersByPath', resources: [`arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/other`] }],
      ),
    ).toHaveLength(1);
    // The API reads only secrets tagged as task credentials, and lists only this account's buckets.
    const api = rolePolicies(hub, lambdaRole(hub, 'AppSync resolver'));
    expect(denied(api, [{ call: 'secretsmanager:GetSecretValue', resources: [secretArn('untagged')] }])).toHaveLength(
      1,
    );
    expect(
      denied(api, [
        {
          call: 's3:ListObjectsV2',
          resources: ['arn:aws:s3:::elsewhere'],
          context: { 's3:ResourceAccount': '210987654321' },
        },
      ]),
    ).toHaveLength(1);
  });
});
