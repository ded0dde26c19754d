/**
 * The AppSync Lambda handler (control-plane/aws/handlers/api.ts) as deployed, where the lifecycle state machine cannot
 * be started: configuration from the environment, the task table and a status table on dynalite, Step Functions and
 * Secrets Manager on a moto server (whose state machine named here does not exist). The original console's documents
 * against a working deployment: original-operations.test.ts.
 */
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTaskStore, ensureTaskTable } from '../../../control-plane/aws/dynamo-task-store.js';
import { loadLambdaConfig } from '../../../control-plane/aws/config.js';
import { DynamoStatusStore, ensureStatusTable } from '../../../worker/adapters/aws/index.js';
import { localDynamoClient } from '../../adapters/aws/clients.js';
import { useMoto } from '../../support/moto.js';
import { servers, uniqueName } from '../../support/servers.js';

const MISSING_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:dth-lifecycle-not-deployed';
const table = uniqueName('api-tasks');
const moto = useMoto();
let handler: (event: unknown) => Promise<any>;
let tasks: DynamoTaskStore;

const call = (fieldName: string, args: Record<string, unknown> = {}) =>
  handler({ info: { fieldName, parentTypeName: 'Query' }, arguments: args });
const params = (o: Record<string, string>) =>
  Object.entries(o).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
const S3_PARAMS = {
  srcType: 'Amazon_S3',
  srcBucket: 'source-bucket',
  srcRegion: 'eu-west-1',
  destBucket: 'dest-bucket',
  destRegion: 'us-east-1',
};

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    TASK_TABLE: table,
    STATE_MACHINE_ARN: MISSING_MACHINE,
    S3_PLUGIN_TEMPLATE_URL: 'https://s3.amazonaws.com/t/s3.json',
    ECR_PLUGIN_TEMPLATE_URL: 'https://s3.amazonaws.com/t/ecr.json',
    DYNAMODB_ENDPOINT: servers.dynamodb,
    SECRET_NAME_PREFIX: 'dth/',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  const sm = new SecretsManagerClient(moto.clientConfig());
  await sm.send(
    new CreateSecretCommand({
      Name: 'dth/src-keys',
      SecretString: '{"access_key_id":"AK","secret_access_key":"never-listed-77c1"}',
    }),
  );
  await sm.send(
    new CreateSecretCommand({ Name: 'dth/registry', SecretString: '{"username":"u","password":"never-listed-5d2e"}' }),
  );
  await sm.send(new CreateSecretCommand({ Name: 'dth/notes', SecretString: '{"note":"never-listed-0a9b"}' }));
  await sm.send(new CreateSecretCommand({ Name: 'other-app/db', SecretString: 'x' }));
  await ensureTaskTable(localDynamoClient(), table);
  tasks = new DynamoTaskStore(localDynamoClient(), table);
  handler = (await import('../../../control-plane/aws/handlers/api.js')).handler as (event: unknown) => Promise<any>;
}, 90_000);

describe('AppSync handler (control-plane/aws/handlers/api.ts)', () => {
  it('rejects invalid input naming the field, and stores nothing', async () => {
    const before = (await call('listTasksV2', { count: 100 })).total;
    const cases: [Record<string, unknown>, string][] = [
      [
        {
          type: 'S3EC2',
          scheduleType: 'ONE_TIME',
          parameters: params({ ...S3_PARAMS, destBucket: 'no..such..format' }),
        },
        'destBucket',
      ],
      // Names the plugin template does not declare: an unknown one, and a local-hub-only engine setting.
      [
        { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: params({ ...S3_PARAMS, WorkerMinCapacity: '1' }) },
        'WorkerMinCapacity',
      ],
      [
        {
          type: 'ECR',
          scheduleType: 'ONE_TIME',
          parameters: params({
            sourceType: 'Public',
            srcImageList: 'nginx:1',
            destRegion: 'us-east-1',
            destAccountId: '123456789012',
            insecure: 'true',
          }),
        },
        'insecure',
      ],
      [
        { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: params({ ...S3_PARAMS, srcRegion: 'US East (Ohio)' }) },
        'srcRegion',
      ],
      [
        {
          type: 'S3EC2',
          scheduleType: 'FIXED_RATE',
          parameters: params({ ...S3_PARAMS, scheduleExpression: 'hourly' }),
        },
        'scheduleExpression',
      ],
      [{ type: 'FTP', scheduleType: 'ONE_TIME', parameters: [] }, 'type'],
      // Over what one task record holds (a DynamoDB item is 400 KB): before, an unnamed InternalError.
      [
        {
          type: 'S3EC2',
          scheduleType: 'ONE_TIME',
          parameters: params({
            ...S3_PARAMS,
            include: Array.from({ length: 25_000 }, (_, i) => `dir${i}/**/*.jpg`).join(','),
          }),
        },
        'include',
      ],
      [{ type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: null }, 'parameters'],
    ];
    for (const [input, field] of cases) {
      const out = await call('createTask', { input });
      expect(out.dthError, field).toMatchObject({
        errorType: 'InvalidParameterError',
        errorInfo: { field, code: 'INVALID_PARAMETER' },
      });
      expect(
        out.dthError.message.startsWith(`${field}:`) || out.dthError.message.includes(`(${field}): `),
        out.dthError.message,
      ).toBe(true);
    }
    // Several at once: each one's field and message in errorInfo.problems, which AppSync passes on as given.
    const several = await call('createTask', {
      input: {
        type: 'S3EC2',
        scheduleType: 'ONE_TIME',
        parameters: params({ ...S3_PARAMS, destAcl: 'everyone', maxAttempts: 'again' }),
      },
    });
    expect(several.dthError).toMatchObject({
      errorType: 'InvalidParameterError',
      errorInfo: { field: 'destAcl', code: 'INVALID_PARAMETER' },
    });
    expect(several.dthError.errorInfo.problems.map((p: { field: string }) => p.field)).toEqual([
      'destAcl',
      'maxAttempts',
    ]);
    expect(several.dthError.message).toMatch(
      /^2 parameters are invalid:\n {2}Object ACL \(destAcl, destination side\)/,
    );
    expect((await call('listTasksV2', { count: 100 })).total).toBe(before);
  });

  it('estimateTask of an image task says where image tasks are planned (this role reads no registry)', async () => {
    const out = await call('estimateTask', {
      type: 'ECR',
      parameters: params({ sourceType: 'Public', srcImageList: 'nginx:1', destRegion: 'us-east-1' }),
    });
    expect(out.dthError).toMatchObject({ errorType: 'InvalidParameterError', errorInfo: { field: 'type' } });
    expect(out.dthError.message).toBe(
      'type: ECR tasks are not estimated here: plan an image task with `dth ecr sync --dry-run` or on the local hub',
    );
  });

  it('a state machine that cannot be started leaves the task in ERROR, not STARTING, with the reason', async () => {
    const t = await call('createTask', {
      input: { type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: params(S3_PARAMS) },
    });
    expect(t).toMatchObject({ progress: 'ERROR', errorCode: 'CFN_ERROR', stoppedAt: expect.any(String) });
    expect(await tasks.get(t.id)).toMatchObject({ progress: 'ERROR' });
    expect(await call('getErrorMessage', { id: t.id })).toEqual({
      errCode: 'CFN_ERROR',
      errMessage: expect.stringMatching(/does not exist|StateMachineDoesNotExist/i),
    });
    // stopTask of that task cannot start the STOP execution either: the task stays as it was, the caller sees why.
    await expect(call('stopTask', { id: t.id })).rejects.toThrow(/does not exist|StateMachineDoesNotExist/i);
    expect((await tasks.get(t.id))!.progress).toBe('ERROR');
  });

  it('getTask reads live progress from the task status table; listTaskObjects lists its failures', async () => {
    const statusTable = uniqueName('api-status');
    await ensureStatusTable(localDynamoClient(), statusTable);
    const status = new DynamoStatusStore({ client: localDynamoClient(), tableName: statusTable });
    await status.put({ key: 'a', size: 100, status: 'DONE', attempts: 1, verified: true, bytesDone: 100 });
    await status.put({ key: 'b', size: 300, status: 'FAILED', attempts: 3, error: 'SlowDown' });
    await status.put({ key: 'c', size: 100, status: 'PENDING', attempts: 0 });
    const id = `live-${Date.now()}`;
    await tasks.put({
      id,
      type: 'S3EC2',
      scheduleType: 'ONE_TIME',
      parameters: params(S3_PARAMS),
      createdAt: new Date(Date.now() - 10_000).toISOString(),
      progress: 'IN_PROGRESS',
      stackOutputs: [{ OutputKey: 'StatusTableName', OutputValue: statusTable }],
    });
    const t = await call('getTask', { id });
    expect(t.progressInfo).toMatchObject({
      total: 3,
      replicated: 1,
      failed: 1,
      verified: 1,
      bytesTotal: 500,
      bytesDone: 100,
    });
    expect(t.progressInfo.rate).toBeGreaterThan(0);
    expect(t.progressInfo.etaSeconds).toBeGreaterThan(0);
    // Lists show the monitor's stored snapshot: no status-table Scan per listed task.
    const listed = (await call('listTasksV2', { progress: 'IN_PROGRESS', count: 100 })).items.find(
      (x: { id: string }) => x.id === id,
    );
    expect(listed.progressInfo).toBeUndefined();
    expect(await call('listTaskObjects', { id, status: 'FAILED' })).toEqual([
      expect.objectContaining({ key: 'b', status: 'FAILED', attempts: 3, error: 'SlowDown' }),
    ]);
    expect(await call('getTask', { id: 'nope' })).toBeNull();
    expect((await call('listTaskObjects', { id: 'nope' })).dthError).toMatchObject({
      errorType: 'TaskNotFoundError',
      message: 'id: task "nope" does not exist',
    });
  });

  it('listSecrets returns names and kinds only, filtered by SECRET_NAME_PREFIX', async () => {
    const listed = (await call('listSecrets')) as { name: string }[];
    // The kind lets the console offer each credential field the secrets its side reads; never a value.
    expect(listed.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'dth/notes', arn: expect.stringContaining(':secret:dth/notes'), description: undefined, kind: 'OTHER' },
      {
        name: 'dth/registry',
        arn: expect.stringContaining(':secret:dth/registry'),
        description: undefined,
        kind: 'REGISTRY_LOGIN',
      },
      {
        name: 'dth/src-keys',
        arn: expect.stringContaining(':secret:dth/src-keys'),
        description: undefined,
        kind: 'ACCESS_KEYS',
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain('never-listed');
  });

  it('an unknown field is an error', async () => {
    await expect(call('dropAllTasks')).rejects.toThrow(/fieldName: "dropAllTasks" has no resolver/);
  });
});

describe('Lambda configuration', () => {
  it('names the missing or malformed variable', () => {
    expect(() => loadLambdaConfig({})).toThrow(/^TASK_TABLE: is required/);
    expect(() => loadLambdaConfig({ TASK_TABLE: 't' }, { stateMachine: true })).toThrow(
      /^STATE_MACHINE_ARN: is required/,
    );
    expect(() => loadLambdaConfig({ TASK_TABLE: 't', STATE_MACHINE_ARN: 'arn:nope' })).toThrow(
      /^STATE_MACHINE_ARN: "arn:nope" is not/,
    );
    expect(() => loadLambdaConfig({ TASK_TABLE: 't' }, { templates: true })).toThrow(
      /^S3_PLUGIN_TEMPLATE_URL: is required/,
    );
    expect(() => loadLambdaConfig({ TASK_TABLE: 't', S3_PLUGIN_TEMPLATE_URL: 'not a url' })).toThrow(
      /^S3_PLUGIN_TEMPLATE_URL:/,
    );
    expect(() => loadLambdaConfig({ TASK_TABLE: 't', NOTIFY_TOPIC_ARN: 'topic' })).toThrow(/^NOTIFY_TOPIC_ARN:/);
    expect(() => loadLambdaConfig({ TASK_TABLE: 't', PLUGIN_STACK_ROLE_ARN: 'arn:aws:iam::1:user/x' })).toThrow(
      /^PLUGIN_STACK_ROLE_ARN: .* is not an IAM role ARN/,
    );
    expect(
      loadLambdaConfig({
        TASK_TABLE: 't',
        PLUGIN_STACK_ROLE_ARN: 'arn:aws-cn:iam::123456789012:role/DTH-PluginStackRole-AB12',
      }).pluginStackRoleArn,
    ).toBe('arn:aws-cn:iam::123456789012:role/DTH-PluginStackRole-AB12');
    expect(loadLambdaConfig({ TASK_TABLE: 't', AWS_REGION: 'eu-west-1' })).toMatchObject({
      taskTable: 't',
      region: 'eu-west-1',
      stackPrefix: 'DTH',
      metricsNamespace: 'DataTransferHub',
    });
  });

  it('reads the parameters the hub gives every plugin stack (shared network, role boundary) and names a bad one', () => {
    const config = loadLambdaConfig({
      TASK_TABLE: 't',
      PLUGIN_NETWORK_PARAMETERS: '{"ec2VpcId":"vpc-1","ec2Subnets":"subnet-a,subnet-b"}',
      PLUGIN_ROLE_BOUNDARY_ARN: 'arn:aws-cn:iam::123456789012:policy/DataTransferHub-TaskRoleBoundary-X',
    });
    expect(config.pluginStackParameters).toEqual({
      defaults: { ec2VpcId: 'vpc-1', ec2Subnets: 'subnet-a,subnet-b' },
      enforced: { PermissionsBoundaryArn: 'arn:aws-cn:iam::123456789012:policy/DataTransferHub-TaskRoleBoundary-X' },
    });
    expect(loadLambdaConfig({ TASK_TABLE: 't' }).pluginStackParameters).toEqual({ defaults: {}, enforced: {} });
    expect(() => loadLambdaConfig({ TASK_TABLE: 't', PLUGIN_NETWORK_PARAMETERS: '{nope' })).toThrow(
      /^PLUGIN_NETWORK_PARAMETERS: is not valid JSON/,
    );
    expect(() => loadLambdaConfig({ TASK_TABLE: 't', PLUGIN_NETWORK_PARAMETERS: '{"ec2Subnets":["a"]}' })).toThrow(
      /^PLUGIN_NETWORK_PARAMETERS: must be a JSON object of string values/,
    );
    expect(() =>
      loadLambdaConfig({ TASK_TABLE: 't', PLUGIN_ROLE_BOUNDARY_ARN: 'arn:aws:iam::123456789012:role/x' }),
    ).toThrow(/^PLUGIN_ROLE_BOUNDARY_ARN: .* is not an IAM managed policy ARN/);
  });
});
