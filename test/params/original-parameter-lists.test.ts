/**
 * The original Data Transfer Hub portal's createTask parameter lists, written out as its console sent them
 * (original-contract §2.2–2.5: order, URL-encoded prefixes and description, console config values), are accepted as
 * is by the cloud API and reach the plugin template under declared names with the original's meaning.
 */
import { describe, expect, it } from 'vitest';
import { stackParameters } from '../../control-plane/aws/lifecycle-steps.js';
import { PLUGIN_PARAMETERS } from '../../control-plane/core/plugin-contract.js';
import type { TaskRecord } from '../../control-plane/core/task.js';
import { validateCreateTask } from '../../control-plane/core/validate-task.js';
import { templateParameterNames } from '../../worker/params/index.js';

type List = [string, string][];

/** The S3EC2 list in the original console's order; `over` replaces values by key (undefined drops the key). */
function s3List(over: Record<string, string | undefined>): List {
  const base: List = [
    ['srcType', 'Amazon_S3'],
    ['srcEndpoint', ''],
    ['srcBucket', 'src-bucket'],
    ['srcPrefix', 'data%2F2024%20q1'],
    ['srcPrefixsListFile', ''],
    ['srcEvent', 'No'],
    ['srcRegion', 'us-west-2'],
    ['srcInCurrentAccount', 'false'],
    ['srcCredentials', 'src-keys'],
    ['destBucket', 'dest-bucket'],
    ['destPrefix', 'mirror'],
    ['destStorageClass', 'INTELLIGENT_TIERING'],
    ['destRegion', 'cn-north-1'],
    ['destInCurrentAccount', 'true'],
    ['destCredentials', ''],
    ['includeMetadata', 'false'],
    ['isPayerRequest', 'false'],
    ['destPutObjectSSEType', 'None'],
    ['destPutObjectSSEKmsKeyId', ''],
    ['destAcl', 'bucket-owner-full-control'],
    ['ec2CronExpression', ''],
    ['maxCapacity', '20'],
    ['minCapacity', '1'],
    ['desiredCapacity', '1'],
    ['srcSkipCompare', 'false'],
    ['finderDepth', '0'],
    ['finderNumber', '1'],
    ['finderEc2Memory', '8'],
    ['workerNumber', '4'],
    ['alarmEmail', 'ops@example.com'],
    ['ec2Subnets', 'subnet-0a1b2c3d,subnet-0e1f2a3b,subnet-0c4d5e6f'],
    ['ec2VpcId', 'vpc-0123456789abcdef0'],
  ];
  const out = base.map(([k, v]) => [k, k in over ? over[k] : v] as [string, string | undefined]);
  for (const [k, v] of Object.entries(over)) if (!base.some(([b]) => b === k)) out.push([k, v]);
  return out.filter((e): e is [string, string] => e[1] !== undefined);
}

function cloudCreate(
  type: 'S3EC2' | 'ECR',
  list: List,
  scheduleType: 'ONE_TIME' | 'FIXED_RATE' = 'ONE_TIME',
  description = 'nightly%20copy%20%2F%20eu',
) {
  return validateCreateTask(
    {
      type,
      description,
      scheduleType,
      parameters: list.map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
    },
    { templateDeclares: templateParameterNames, s3EventNotifications: true },
  );
}

function stackParams(v: ReturnType<typeof cloudCreate>): Record<string, string> {
  const task: TaskRecord = {
    id: 'task-1',
    type: v.type,
    scheduleType: v.scheduleType,
    parameters: v.parameters,
    createdAt: '',
    progress: 'STARTING',
  };
  const declared = new Set([...templateParameterNames(v.type), ...Object.values(PLUGIN_PARAMETERS)]);
  return Object.fromEntries(stackParameters(task, declared).map((p) => [p.ParameterKey, p.ParameterValue]));
}

describe("the original portal's S3 parameter lists, accepted as is", () => {
  it('S3 compatible storage (Amazon_S3 + srcEndpoint, blank srcRegion): endpoint used, signed with the secret', () => {
    const v = cloudCreate('S3EC2', s3List({ srcEndpoint: 'https://minio.example.com:9000', srcRegion: '' }));
    expect(v.engine.type).toBe('S3EC2');
    if (v.engine.type !== 'S3EC2') return;
    expect(v.engine.params).toMatchObject({
      srcType: 'Amazon_S3',
      srcEndpoint: 'https://minio.example.com:9000',
      srcRegion: 'us-east-1',
      srcAuth: { kind: 'secret', secretName: 'src-keys' },
      srcPrefix: 'data/2024 q1',
      destAuth: { kind: 'currentAccount' },
      destStorageClass: 'INTELLIGENT_TIERING',
      destAcl: 'bucket-owner-full-control',
      includeMetadata: false,
      skipCompare: false,
      workerConcurrency: 4,
      finderDepth: 0,
      finderNumber: 1,
      fleet: { minCapacity: 1, maxCapacity: 20, desiredCapacity: 1, alarmEmail: 'ops@example.com' },
    });
    // The network is the template's, not the engine's: the stack runs in the VPC the console sends.
    expect(v.engine.params.unused).not.toHaveProperty('ec2VpcId');
    expect(v.description).toBe('nightly copy / eu');
    expect(v.schedule).toBeUndefined();
    const stack = stackParams(v);
    expect(stack).toMatchObject({
      srcEndpoint: 'https://minio.example.com:9000',
      srcPrefix: 'data/2024 q1',
      ec2CronExpression: '',
      FinderScheduleExpression: '',
      TaskId: 'task-1',
      ec2VpcId: 'vpc-0123456789abcdef0',
    });
    expect(JSON.parse(stack.TaskParams)).toMatchObject({
      srcType: 'Amazon_S3',
      srcPrefix: 'data/2024 q1',
      workerNumber: '4',
    });
  });

  it("takes a fleet held at nothing (minimum, desired and maximum 0), as the original's did", () => {
    const v = cloudCreate('S3EC2', s3List({ maxCapacity: '0', minCapacity: '0', desiredCapacity: '0' }));
    if (v.engine.type !== 'S3EC2') throw new Error('not S3');
    expect(v.engine.params.fleet).toMatchObject({ minCapacity: 0, maxCapacity: 0, desiredCapacity: 0 });
    expect(() => cloudCreate('S3EC2', s3List({ maxCapacity: '0' }))).toThrow(/maxCapacity.*at least minCapacity \(1\)/);
  });

  it.each([
    ['Aliyun_OSS', 'cn-hangzhou', 'https://oss-cn-hangzhou.aliyuncs.com'],
    ['Tencent_COS', 'ap-guangzhou', 'https://cos.ap-guangzhou.myqcloud.com'],
    ['Qiniu_Kodo', 'cn-east-1', 'https://s3-cn-east-1.qiniucs.com'],
  ])('%s in %s: the provider endpoint from the region', (srcType, srcRegion, endpoint) => {
    const v = cloudCreate(
      'S3EC2',
      s3List({ srcType, srcRegion, srcBucket: srcType === 'Tencent_COS' ? 'photos-1250000000' : 'photos' }),
    );
    if (v.engine.type !== 'S3EC2') throw new Error('not S3');
    expect(v.engine.params).toMatchObject({
      srcType,
      srcRegion,
      srcEndpoint: endpoint,
      srcAuth: { kind: 'secret', secretName: 'src-keys' },
    });
    expect(stackParams(v).srcType).toBe(srcType);
  });

  it('Google GCS as the original\'s legacy console sent it (region "Auto"), bucket names with "_" and dots', () => {
    const v = cloudCreate(
      'S3EC2',
      s3List({ srcType: 'Google_GCS', srcRegion: 'Auto', srcBucket: 'my_bucket.example.com' }),
    );
    if (v.engine.type !== 'S3EC2') throw new Error('not S3');
    expect(v.engine.params).toMatchObject({
      srcType: 'Google_GCS',
      srcEndpoint: 'https://storage.googleapis.com',
      srcBucket: 'my_bucket.example.com',
    });
  });

  it("cross-partition Amazon S3 (global source with a secret → China destination in this account), FIXED_RATE on the console's cron", () => {
    const v = cloudCreate(
      'S3EC2',
      s3List({
        ec2CronExpression: '0 */1 ? * * *',
        destPutObjectSSEType: 'AWS_KMS',
        destPutObjectSSEKmsKeyId: 'alias/dth',
      }),
      'FIXED_RATE',
    );
    if (v.engine.type !== 'S3EC2') throw new Error('not S3');
    expect(v.engine.params).toMatchObject({
      srcRegion: 'us-west-2',
      srcEndpoint: undefined,
      destRegion: 'cn-north-1',
      sse: { type: 'aws:kms', kmsKeyId: 'alias/dth' },
    });
    expect(v.schedule).toMatchObject({ kind: 'cron', expression: 'cron(0 */1 ? * * *)' });
    expect(stackParams(v)).toMatchObject({
      ec2CronExpression: '0 */1 ? * * *',
      FinderScheduleExpression: 'cron(0 */1 ? * * *)',
      destPutObjectSSEType: 'AWS_KMS',
    });
  });

  it('a public bucket: not in this account and no credentials = anonymous (unsigned)', () => {
    const v = cloudCreate('S3EC2', s3List({ srcCredentials: '', srcBucket: 'noaa-ghcn-pds', srcRegion: 'us-east-1' }));
    if (v.engine.type !== 'S3EC2') throw new Error('not S3');
    expect(v.engine.params.srcAuth).toEqual({ kind: 'anonymous' });
  });

  it('Amazon S3 in this account with S3 events (Create and Delete) and requester pays', () => {
    const v = cloudCreate(
      'S3EC2',
      s3List({
        srcInCurrentAccount: 'true',
        srcCredentials: '',
        srcEvent: 'CreateAndDelete',
        isPayerRequest: 'true',
        ec2CronExpression: '0/60 * * * ? *',
      }),
      'FIXED_RATE',
    );
    if (v.engine.type !== 'S3EC2') throw new Error('not S3');
    expect(v.engine.params).toMatchObject({
      srcAuth: { kind: 'currentAccount' },
      srcEvent: 'CreateAndDelete',
      isPayerRequest: true,
    });
  });

  it('"Objects with different prefixes": the list is a key in the prefix list bucket, never a local path', () => {
    const v = cloudCreate(
      'S3EC2',
      s3List({
        srcPrefix: '',
        srcPrefixsListFile: 'my_prefix_list.txt',
        srcPrefixListBucket: 'dth-portal-logs-abc123',
      }),
    );
    if (v.engine.type !== 'S3EC2') throw new Error('not S3');
    expect(v.engine.params.prefixList).toEqual({ key: 'my_prefix_list.txt', bucket: 'dth-portal-logs-abc123' });
    expect(stackParams(v)).toMatchObject({
      srcPrefixsListFile: 'my_prefix_list.txt',
      srcPrefixListBucket: 'dth-portal-logs-abc123',
    });
  });

  it('"Skip" comparison (the console\'s "Need Data Comparison" = No) sends srcSkipCompare=true', () => {
    const v = cloudCreate('S3EC2', s3List({ srcSkipCompare: 'true' }));
    if (v.engine.type !== 'S3EC2') throw new Error('not S3');
    expect(v.engine.params.skipCompare).toBe(true);
  });
});

describe("the original portal's ECR parameter lists, accepted as is", () => {
  const ecrList = (over: Record<string, string>): List =>
    Object.entries({
      sourceType: 'Amazon_ECR',
      srcRegion: 'us-west-2',
      srcAccountId: '111122223333',
      srcList: 'ALL',
      includeUntagged: 'true',
      srcImageList: '',
      srcCredential: 'ecr-src',
      destAccountId: '444455556666',
      destRegion: 'cn-north-1',
      destCredential: 'ecr-dest',
      destPrefix: '',
      alarmEmail: 'ops@example.com',
      ecsVpcId: 'vpc-0123456789abcdef0',
      ecsClusterName: 'DTH-TaskCluster-abc',
      ecsSubnetA: 'subnet-0a1b2c3d',
      ecsSubnetB: 'subnet-0e1f2a3b',
      ...over,
    });

  it('Amazon ECR, all images, across accounts', () => {
    const v = cloudCreate('ECR', ecrList({}), 'FIXED_RATE', '');
    if (v.engine.type !== 'ECR') throw new Error('not ECR');
    // ECR registries are found at run time (the token's endpoint: .amazonaws.com.cn in China), not at parse.
    expect(v.engine.params).toMatchObject({
      sourceType: 'Amazon_ECR',
      srcList: 'ALL',
      srcAccountId: '111122223333',
      srcRegion: 'us-west-2',
      destAccountId: '444455556666',
      destRegion: 'cn-north-1',
      srcRegistry: undefined,
      destRegistry: undefined,
      includeUntagged: true,
    });
    expect(v.schedule).toMatchObject({ kind: 'rate', expression: 'rate(1 day)' });
    expect(stackParams(v)).toMatchObject({
      FinderScheduleExpression: 'rate(1 day)',
      ecsClusterName: 'DTH-TaskCluster-abc',
    });
  });

  it('a public registry, selected images (srcRegion and account blank)', () => {
    const v = cloudCreate(
      'ECR',
      ecrList({
        sourceType: 'Public',
        srcRegion: '',
        srcAccountId: '',
        srcList: 'SELECTED',
        srcCredential: '',
        srcImageList: 'ubuntu:14.04,mysql,public.ecr.aws/amazonlinux/amazonlinux:latest',
        includeUntagged: 'false',
      }),
      'FIXED_RATE',
      '',
    );
    if (v.engine.type !== 'ECR') throw new Error('not ECR');
    expect(v.engine.params.srcImageList).toEqual([
      { repository: 'ubuntu', tag: '14.04' },
      { repository: 'mysql', tag: 'latest' },
      { registry: 'public.ecr.aws', repository: 'amazonlinux/amazonlinux', tag: 'latest' },
    ]);
    expect(v.engine.params).toMatchObject({ srcRegistry: 'docker.io', includeUntagged: false });
  });
});
