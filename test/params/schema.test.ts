/** The parameter schema and what is derived from it: parsers, value sets, aliases, errors, encoding, schedules. */
import { describe, expect, it, vi } from 'vitest';
import { taskSchedule, validateCreateTask } from '../../control-plane/core/validate-task.js';
import { InvalidParameterError } from '../../worker/core/errors.js';
import { nextPassAfter, nextRunAfter, parseSchedule } from '../../worker/core/schedule.js';
import { parseEcrTaskParams } from '../../worker/ecr/params.js';
import {
  canonicalParameters,
  ECR_PARAMETERS,
  formDecode,
  formEncode,
  ORIGINAL_ECR_PARAMETER_NAMES,
  ORIGINAL_S3_PARAMETER_NAMES,
  S3_PARAMETERS,
  templateParameterNames,
} from '../../worker/params/index.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';

const S3_BASE = { srcBucket: 'src-bucket', srcRegion: 'us-west-2', destBucket: 'dst-bucket', destRegion: 'us-east-1' };
const ECR_BASE = {
  sourceType: 'Amazon_ECR',
  srcRegion: 'us-west-2',
  srcAccountId: '111122223333',
  destRegion: 'us-east-1',
  destAccountId: '444455556666',
};

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidParameterError) return err.field;
    throw err;
  }
  return undefined;
}

describe('the schema', () => {
  it("holds the original templates' parameters in their order: 33 for S3, 16 for ECR", () => {
    expect(ORIGINAL_S3_PARAMETER_NAMES).toEqual([
      'srcType',
      'srcBucket',
      'srcPrefix',
      'srcPrefixsListFile',
      'srcPrefixListBucket',
      'srcSkipCompare',
      'srcRegion',
      'srcEndpoint',
      'srcInCurrentAccount',
      'srcCredentials',
      'srcEvent',
      'isPayerRequest',
      'destBucket',
      'destPrefix',
      'destRegion',
      'destInCurrentAccount',
      'destCredentials',
      'destStorageClass',
      'destAcl',
      'destPutObjectSSEType',
      'destPutObjectSSEKmsKeyId',
      'ec2VpcId',
      'ec2Subnets',
      'finderEc2Memory',
      'ec2CronExpression',
      'alarmEmail',
      'includeMetadata',
      'finderDepth',
      'finderNumber',
      'workerNumber',
      'maxCapacity',
      'minCapacity',
      'desiredCapacity',
    ]);
    expect(ORIGINAL_ECR_PARAMETER_NAMES).toHaveLength(16);
  });

  it("has the original's defaults", () => {
    const d = Object.fromEntries(S3_PARAMETERS.map((p) => [p.name, p.default]));
    expect(d).toMatchObject({
      srcType: 'Amazon_S3',
      srcSkipCompare: 'false',
      srcInCurrentAccount: 'false',
      isPayerRequest: 'false',
      srcEvent: 'No',
      destInCurrentAccount: 'true',
      destStorageClass: 'INTELLIGENT_TIERING',
      destAcl: 'bucket-owner-full-control',
      destPutObjectSSEType: 'None',
      finderEc2Memory: '8',
      ec2CronExpression: '0/60 * * * ? *',
      includeMetadata: 'true',
      finderDepth: '0',
      finderNumber: '1',
      maxCapacity: '20',
      minCapacity: '1',
      desiredCapacity: '1',
    });
    const p = parseS3TaskParams(S3_BASE);
    expect(p).toMatchObject({
      destStorageClass: 'INTELLIGENT_TIERING',
      destAcl: 'bucket-owner-full-control',
      includeMetadata: true,
      sse: undefined,
      skipCompare: false,
    });
    expect(Object.fromEntries(ECR_PARAMETERS.map((x) => [x.name, x.default]))).toMatchObject({
      sourceType: 'Amazon_ECR',
      srcList: 'ALL',
      includeUntagged: 'true',
    });
  });

  it('gives every parameter a label and help in English and Chinese, a description, and a side', () => {
    for (const p of [...S3_PARAMETERS, ...ECR_PARAMETERS]) {
      for (const text of [p.label.en, p.label.zh, p.help.en, p.help.zh, p.description])
        expect(text.length, p.name).toBeGreaterThan(0);
      expect(['source', 'destination', 'task', 'engine']).toContain(p.side);
    }
  });

  it('labels and help texts (what the console shows) name other fields by their labels, never by API keys', () => {
    const all = [...S3_PARAMETERS, ...ECR_PARAMETERS];
    // Keys that are words too (include, exclude) cannot be told from prose; camelCase ones can.
    const keys = all.map((p) => p.name).filter((name) => /[a-z][A-Z]/.test(name));
    for (const p of all)
      for (const text of [p.label.en, p.label.zh, p.help.en, p.help.zh]) {
        const named = keys.filter((key) => new RegExp(`\\b${key}\\b`).test(text));
        expect(named, `${p.name}: ${text}`).toEqual([]);
      }
  });

  it('parses every AllowedValue of every S3 template parameter', () => {
    for (const spec of S3_PARAMETERS) {
      for (const value of spec.values ?? []) {
        const extra = spec.name === 'srcType' && value !== 'Amazon_S3' ? { srcRegion: 'cn-hangzhou' } : {};
        expect(
          () => parseS3TaskParams({ ...S3_BASE, ...extra, [spec.name]: value }),
          `${spec.name}=${value}`,
        ).not.toThrow();
      }
    }
  });

  it('parses every AllowedValue of every ECR template parameter', () => {
    for (const spec of ECR_PARAMETERS) {
      for (const value of spec.values ?? []) {
        const list =
          (spec.name === 'sourceType' && value === 'Public') || (spec.name === 'srcList' && value === 'SELECTED')
            ? { srcList: 'SELECTED', srcImageList: 'nginx:1.27' }
            : {};
        expect(
          () => parseEcrTaskParams({ ...ECR_BASE, ...list, [spec.name]: value }),
          `${spec.name}=${value}`,
        ).not.toThrow();
      }
    }
  });

  it('keeps our older names and values working: destSSE/destKMSKey, S3_Compatible, scheduleExpression, workerConcurrency', () => {
    expect(parseS3TaskParams({ ...S3_BASE, destSSE: 'KMS', destKMSKey: 'alias/k' }).sse).toEqual({
      type: 'aws:kms',
      kmsKeyId: 'alias/k',
    });
    expect(parseS3TaskParams({ ...S3_BASE, destSSE: 'AES256' }).sse).toEqual({ type: 'AES256' });
    expect(
      parseS3TaskParams({ ...S3_BASE, srcType: 'S3_Compatible', srcEndpoint: 'http://127.0.0.1:9000', srcRegion: '' }),
    ).toMatchObject({ srcType: 'Amazon_S3', srcEndpoint: 'http://127.0.0.1:9000' });
    expect(fieldOf(() => parseS3TaskParams({ ...S3_BASE, srcType: 'S3_Compatible' }))).toBe('srcEndpoint');
    expect(parseS3TaskParams({ ...S3_BASE, workerConcurrency: '8' }).workerConcurrency).toBe(8);
    expect(fieldOf(() => parseS3TaskParams({ ...S3_BASE, destSSE: 'KMS', destPutObjectSSEType: 'AES256' }))).toBe(
      'destPutObjectSSEType',
    );
    expect(
      canonicalParameters('S3EC2', [
        { ParameterKey: 'destSSE', ParameterValue: 'KMS' },
        { ParameterKey: 'srcType', ParameterValue: 'S3_Compatible' },
        { ParameterKey: 'scheduleExpression', ParameterValue: 'rate(1 hour)' },
      ]),
    ).toEqual({
      parameters: [
        { ParameterKey: 'destPutObjectSSEType', ParameterValue: 'AWS_KMS' },
        { ParameterKey: 'srcType', ParameterValue: 'Amazon_S3' },
        { ParameterKey: 'ec2CronExpression', ParameterValue: 'rate(1 hour)' },
      ],
      unknown: [],
    });
  });

  it("sends yes/no values as the template's true/false, and a prefix with its spaces", () => {
    // The plugin templates allow true|false only; the engines also read yes/no/1/0, so createTask accepts them.
    expect(
      canonicalParameters('S3EC2', [
        { ParameterKey: 'includeMetadata', ParameterValue: 'yes' },
        { ParameterKey: 'srcSkipCompare', ParameterValue: '0' },
        { ParameterKey: 'isPayerRequest', ParameterValue: 'TRUE' },
        { ParameterKey: 'srcPrefix', ParameterValue: 'tp/a ' },
        { ParameterKey: 'destPrefix', ParameterValue: ' x' },
      ]).parameters,
    ).toEqual([
      { ParameterKey: 'includeMetadata', ParameterValue: 'true' },
      { ParameterKey: 'srcSkipCompare', ParameterValue: 'false' },
      { ParameterKey: 'isPayerRequest', ParameterValue: 'true' },
      { ParameterKey: 'srcPrefix', ParameterValue: 'tp/a ' },
      { ParameterKey: 'destPrefix', ParameterValue: ' x' },
    ]);
    expect(
      canonicalParameters('ECR', [{ ParameterKey: 'includeUntagged', ParameterValue: 'False' }]).parameters,
    ).toEqual([{ ParameterKey: 'includeUntagged', ParameterValue: 'false' }]);
    // A key may end with a space: "tp/a " lists "tp/a b", not "tp/ab".
    const p = parseS3TaskParams({ ...S3_BASE, srcPrefix: 'tp/a ', destPrefix: ' x' });
    expect([p.srcPrefix, p.destPrefix]).toEqual(['tp/a ', ' x']);
  });

  it('an image list missing is said in the words of the source type (a Public source never gave srcList)', () => {
    expect(() => parseEcrTaskParams({ sourceType: 'Public', destRegion: 'us-east-1' })).toThrow(
      /^Image list \(srcImageList, source side\): is required for a Public source \(the images to copy\)$/,
    );
    expect(() => parseEcrTaskParams({ ...ECR_BASE, srcList: 'SELECTED' })).toThrow(
      /^Image list \(srcImageList, source side\): is required when srcList is SELECTED$/,
    );
  });

  it('refuses an unknown parameter, naming it', () => {
    expect(fieldOf(() => parseS3TaskParams({ ...S3_BASE, srcBuckett: 'x' }))).toBe('srcBuckett');
    expect(fieldOf(() => parseEcrTaskParams({ ...ECR_BASE, WorkerMinCapacity: '1' }))).toBe('WorkerMinCapacity');
  });

  it('suggests the parameter a misspelt or mis-cased name meant, and nothing for a name far from every one', () => {
    expect(() => parseS3TaskParams({ ...S3_BASE, srcBukcet: 'x' })).toThrow(
      /^srcBukcet: is not a parameter of S3 tasks; did you mean srcBucket\?$/,
    );
    expect(() => parseS3TaskParams({ ...S3_BASE, DestStorageClass: 'STANDARD' })).toThrow(
      /did you mean destStorageClass\?$/,
    );
    expect(() => parseS3TaskParams({ ...S3_BASE, srcPrefixListFile: 'list.txt' })).toThrow(
      /did you mean srcPrefixsListFile\?$/,
    );
    expect(() => parseEcrTaskParams({ ...ECR_BASE, destCredentials: 'keys' })).toThrow(
      /^destCredentials: is not a parameter of image \(ECR\) tasks; did you mean destCredential\?$/,
    );
    // A name with a word added is too far for a slip, but its first words name the parameter.
    expect(() => parseS3TaskParams({ ...S3_BASE, srcBucketName: 'x' })).toThrow(
      /^srcBucketName: is not a parameter of S3 tasks; did you mean srcBucket\?$/,
    );
    expect(() => parseS3TaskParams({ ...S3_BASE, WorkerMinCapacity: '1' })).toThrow(
      /^WorkerMinCapacity: is not a parameter of S3 tasks$/,
    );
  });

  it('keeps values case-sensitive, as the original template, and names the value a mis-cased one meant', () => {
    expect(() => parseS3TaskParams({ ...S3_BASE, destStorageClass: 'standard' })).toThrow(
      /"standard" is not one of STANDARD, .*; did you mean STANDARD\?$/,
    );
    expect(() => parseS3TaskParams({ ...S3_BASE, srcType: 'aliyun_oss' })).toThrow(
      /^Source type \(srcType\): "aliyun_oss" is not one of .*; did you mean Aliyun_OSS\?$/,
    );
    expect(() => parseEcrTaskParams({ ...ECR_BASE, sourceType: 'public' })).toThrow(/did you mean Public\?$/);
    expect(() => parseS3TaskParams({ ...S3_BASE, destStorageClass: 'COLD' })).toThrow(/"COLD" is not one of [^;]*$/);
  });

  it('reads sizes in bytes and binary units up to TiB (giantFileThreshold goes to 5 TiB)', () => {
    const sized = (v: string) => parseS3TaskParams({ ...S3_BASE, giantFileThreshold: v }).giantFileThreshold;
    expect(sized('5TiB')).toBe(5 * 1024 ** 4);
    expect(sized('2GiB')).toBe(2 * 1024 ** 3);
    expect(sized('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(sized('8388608')).toBe(8 * 1024 ** 2);
    expect(() => sized('6TiB')).toThrow(/Giant object threshold \(giantFileThreshold\): must be between/);
    expect(() => sized('5PiB')).toThrow(/"5PiB" is not a size/);
  });

  it('quotes a number as given when it is out of range (not 1e+23)', () => {
    expect(() => parseS3TaskParams({ ...S3_BASE, workerNumber: '99999999999999999999999' })).toThrow(
      /must be between 1 and 512 \(got 99999999999999999999999\)$/,
    );
  });

  it('names the field and its side in human words', () => {
    expect(() => parseS3TaskParams({ ...S3_BASE, srcBucket: '' })).toThrow(
      /^Source bucket \(srcBucket\): is required$/,
    );
    // A label that does not say its side gets it said (before: "Storage class (destStorageClass): …").
    expect(() => parseS3TaskParams({ ...S3_BASE, destStorageClass: 'FAST' })).toThrow(
      /^Storage class \(destStorageClass, destination side\): "FAST" is not one of STANDARD/,
    );
    expect(() => parseS3TaskParams({ ...S3_BASE, destSSE: 'RSA' })).toThrow(
      /^Encryption type \(destSSE, destination side\): "RSA" is not one of None, AES256, AWS_KMS/,
    );
    expect(() => parseS3TaskParams({ ...S3_BASE, isPayerRequest: 'maybe' })).toThrow(
      /^Requester pays \(isPayerRequest, source side\): "maybe" is not true or false$/,
    );
    expect(() => parseEcrTaskParams({ ...ECR_BASE, srcList: 'SOME' })).toThrow(
      /^Images \(srcList, source side\): "SOME" is not one of ALL, SELECTED$/,
    );
    expect(() => parseS3TaskParams({ ...S3_BASE, srcRegion: '' })).toThrow(
      /^Source region \(srcRegion\): is required for Amazon S3 without srcEndpoint/,
    );
    expect(() => parseEcrTaskParams({ ...ECR_BASE, destAccountId: '12' })).toThrow(
      /^Destination account ID \(destAccountId\): "12" is not a 12-digit/,
    );
  });

  it('checks the finder parameters (memory, depth, number) and takes depth and number for the engine', () => {
    const parsed = parseS3TaskParams({ ...S3_BASE, finderDepth: '3', finderNumber: '8', finderEc2Memory: '512' });
    expect(parsed.unused).toEqual({});
    expect(parsed).toMatchObject({ finderDepth: 3, finderNumber: 8 });
    expect(parseS3TaskParams(S3_BASE)).toMatchObject({ finderDepth: 0, finderNumber: 1 });
    expect(fieldOf(() => parseS3TaskParams({ ...S3_BASE, finderEc2Memory: '7' }))).toBe('finderEc2Memory');
    expect(fieldOf(() => parseS3TaskParams({ ...S3_BASE, finderDepth: '-1' }))).toBe('finderDepth');
    expect(fieldOf(() => parseS3TaskParams({ ...S3_BASE, finderNumber: '0' }))).toBe('finderNumber');
  });

  it("checks the image copy tasks' network at createTask, as the original checked the cluster (and S3 tasks' network)", () => {
    // Before: any text went on to the plugin stack, which failed when it deployed or ran.
    expect(() => parseEcrTaskParams({ ...ECR_BASE, ecsClusterName: '!!!' })).toThrow(
      /^ECS cluster name \(ecsClusterName\): "!!!" is not an ECS cluster name/,
    );
    for (const f of ['ecsVpcId', 'ecsSubnetA', 'ecsSubnetB'])
      expect(
        fieldOf(() => parseEcrTaskParams({ ...ECR_BASE, [f]: 'vpc x' })),
        f,
      ).toBe(f);
    expect(
      parseEcrTaskParams({
        ...ECR_BASE,
        ecsClusterName: 'DTH-task_cluster-1',
        ecsVpcId: 'vpc-0123456789abcdef0',
        ecsSubnetA: 'subnet-0a1b2c3d',
        ecsSubnetB: 'subnet-0f1e2d3c',
      }),
    ).toBeDefined();
    expect(fieldOf(() => parseS3TaskParams({ ...S3_BASE, ec2Subnets: 'subnet-a, subnet b' }))).toBe('ec2Subnets');
    expect(parseS3TaskParams({ ...S3_BASE, ec2Subnets: 'subnet-a, subnet-b' })).toBeDefined();
  });

  it('checks the schedule wherever the parameters are read (the CLI took what createTask refused)', () => {
    expect(fieldOf(() => parseS3TaskParams({ ...S3_BASE, ec2CronExpression: 'bogus' }))).toBe('ec2CronExpression');
    expect(fieldOf(() => parseS3TaskParams({ ...S3_BASE, scheduleExpression: 'bogus' }))).toBe('scheduleExpression');
    expect(fieldOf(() => parseEcrTaskParams({ ...ECR_BASE, ec2CronExpression: 'bogus' }))).toBe('ec2CronExpression');
    expect(parseS3TaskParams({ ...S3_BASE, ec2CronExpression: 'rate(2 hours)' })).toBeDefined();
  });

  it('checks the alarm address of both task types the same way', () => {
    expect(() => parseS3TaskParams({ ...S3_BASE, alarmEmail: 'ops at example' })).toThrow(
      /^Alarm email \(alarmEmail\): "ops at example" is not an email address$/,
    );
    expect(() => parseEcrTaskParams({ ...ECR_BASE, alarmEmail: 'ops at example' })).toThrow(
      /^Alarm email \(alarmEmail\): "ops at example" is not an email address$/,
    );
    expect(parseS3TaskParams({ ...S3_BASE, alarmEmail: 'ops@example.com' }).fleet.alarmEmail).toBe('ops@example.com');
  });

  it('reads bucket names as the stores accept them', () => {
    // Legacy us-east-1 S3 buckets: upper case and '_'.
    expect(parseS3TaskParams({ ...S3_BASE, srcBucket: 'My_Legacy.Bucket' }).srcBucket).toBe('My_Legacy.Bucket');
    expect(
      parseS3TaskParams({ ...S3_BASE, srcType: 'Google_GCS', srcBucket: 'gcs_bucket.example.com' }).srcBucket,
    ).toBe('gcs_bucket.example.com');
    expect(fieldOf(() => parseS3TaskParams({ ...S3_BASE, srcType: 'Google_GCS', srcBucket: 'Upper_GCS' }))).toBe(
      'srcBucket',
    );
    // OSS, COS and Kodo take lowercase names only, with or without an endpoint (before: accepted, then "cannot reach").
    for (const srcType of ['Tencent_COS', 'Aliyun_OSS', 'Qiniu_Kodo'])
      for (const extra of [{ srcRegion: 'ap-guangzhou' }, { srcEndpoint: 'https://cos.ap-guangzhou.myqcloud.com' }])
        expect(
          () => parseS3TaskParams({ ...S3_BASE, srcType, ...extra, srcBucket: 'Bad_Bucket' }),
          `${srcType} ${JSON.stringify(extra)}`,
        ).toThrow(/^Source bucket \(srcBucket\): .*\(OSS, COS, Kodo\)/);
    expect(
      parseS3TaskParams({
        ...S3_BASE,
        srcType: 'Tencent_COS',
        srcRegion: 'ap-guangzhou',
        srcBucket: 'photos-1250000000',
      }).srcBucket,
    ).toBe('photos-1250000000');
    for (const bad of ['ab', 'bad..name', '192.168.1.1', '-start', 'a'.repeat(256)])
      expect(
        fieldOf(() => parseS3TaskParams({ ...S3_BASE, destBucket: bad })),
        bad,
      ).toBe('destBucket');
  });

  it('turns credentials and "in this account" into who signs each side', () => {
    expect(parseS3TaskParams(S3_BASE)).toMatchObject({
      srcAuth: { kind: 'anonymous' },
      destAuth: { kind: 'currentAccount' },
    });
    expect(
      parseS3TaskParams({ ...S3_BASE, srcCredentials: 'k', destInCurrentAccount: 'false', destCredentials: 'd' }),
    ).toMatchObject({ srcAuth: { kind: 'secret', secretName: 'k' }, destAuth: { kind: 'secret', secretName: 'd' } });
    // The secret is left unused, as the original did; it is kept only to be named when the default chain is empty.
    expect(parseS3TaskParams({ ...S3_BASE, srcInCurrentAccount: 'true', srcCredentials: 'ignored' }).srcAuth).toEqual({
      kind: 'currentAccount',
      ignoredSecret: 'ignored',
    });
    expect(parseS3TaskParams({ ...S3_BASE, destInCurrentAccount: 'false' }).destAuth).toEqual({ kind: 'anonymous' });
  });

  it('leaves the AWS-only defaults out for a custom destination endpoint unless asked for', () => {
    expect(parseS3TaskParams({ ...S3_BASE, destEndpoint: 'http://127.0.0.1:9000' })).toMatchObject({
      destStorageClass: undefined,
      destAcl: undefined,
    });
    expect(
      parseS3TaskParams({
        ...S3_BASE,
        destEndpoint: 'http://127.0.0.1:9000',
        destStorageClass: 'STANDARD',
        destAcl: 'private',
      }),
    ).toMatchObject({ destStorageClass: 'STANDARD', destAcl: 'private' });
  });
});

describe('createTask against the templates (cloud)', () => {
  const input = (parameters: Record<string, string>, type: 'S3EC2' | 'ECR' = 'S3EC2') => ({
    type,
    scheduleType: 'ONE_TIME' as const,
    parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
  });

  it('refuses a parameter the plugin template does not declare, naming it (the local hub takes it)', () => {
    const ecr = input({ ...ECR_BASE, srcList: 'SELECTED', srcImageList: 'nginx:1', insecure: 'true' }, 'ECR');
    expect(fieldOf(() => validateCreateTask(ecr, { templateDeclares: templateParameterNames }))).toBe('insecure');
    expect(() => validateCreateTask(ecr, { templateDeclares: templateParameterNames })).toThrow(
      /insecure: is not declared by the ECR plugin template/,
    );
    expect(() => validateCreateTask(ecr)).not.toThrow();
  });

  it("takes srcEvent only where events can come: an Amazon S3 source of the cloud deployment's account, never the local hub", () => {
    const inAccount = { ...S3_BASE, srcType: 'Amazon_S3', srcInCurrentAccount: 'true', srcEvent: 'Create' };
    const cloud = { s3EventNotifications: true };
    expect(() => validateCreateTask(input(inAccount), cloud)).not.toThrow();
    // The original's note: "only applicable if source is in Current account"; its stack failed on any other.
    for (const other of [
      { ...inAccount, srcInCurrentAccount: 'false', srcCredentials: 'keys' },
      { ...inAccount, srcType: 'Aliyun_OSS', srcRegion: 'cn-hangzhou' },
      { ...inAccount, srcEndpoint: 'https://minio.example.com' },
    ]) {
      expect(
        fieldOf(() => validateCreateTask(input(other), cloud)),
        JSON.stringify(other),
      ).toBe('srcEvent');
    }
    expect(() => validateCreateTask(input({ ...inAccount, srcType: 'Aliyun_OSS' }), cloud)).toThrow(
      /Enable S3 event \(srcEvent, source side\): Create needs an Amazon S3 source in this account/,
    );
    // S3 notifies only a queue in the bucket's region: a source in another region than the deployment's is refused
    // here, not at the stack's notification resource (S3_BASE's source is in us-west-2).
    const home = { ...cloud, homeRegion: 'us-east-1' };
    expect(() => validateCreateTask(input(inAccount), home)).toThrow(
      /Enable S3 event \(srcEvent, source side\): Create: the source bucket is in us-west-2 and this deployment's queue in us-east-1/,
    );
    expect(() => validateCreateTask(input({ ...inAccount, srcRegion: 'us-east-1' }), home)).not.toThrow();
    // The local hub has no event source: refused there, not accepted and ignored.
    expect(() => validateCreateTask(input(inAccount))).toThrow(/Create: no S3 event notification reaches a local run/);
    expect(() => validateCreateTask(input({ ...inAccount, srcEvent: 'No' }))).not.toThrow();
  });

  it('decodes description, srcPrefix and destPrefix as the original API did, and refuses a malformed escape', () => {
    const v = validateCreateTask({
      ...input({ ...S3_BASE, srcPrefix: 'a%2Fb+c', destPrefix: 'x%20y' }),
      description: 'caf%C3%A9+%2B+tea',
    });
    expect(v.description).toBe('café + tea');
    expect(v.parameters.find((p) => p.ParameterKey === 'srcPrefix')?.ParameterValue).toBe('a/b c');
    expect(fieldOf(() => validateCreateTask(input({ ...S3_BASE, srcPrefix: 'bad%zz' })))).toBe('srcPrefix');
    expect(fieldOf(() => validateCreateTask({ ...input(S3_BASE), description: 'x'.repeat(251) }))).toBe('description');
  });

  it("takes the schedule from ec2CronExpression: blank = one time; FIXED_RATE without one = the original's default", () => {
    const p = (o: Record<string, string>) =>
      Object.entries({ ...S3_BASE, ...o }).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
    expect(taskSchedule('S3EC2', 'ONE_TIME', p({ ec2CronExpression: '' }))).toBeUndefined();
    expect(taskSchedule('S3EC2', 'FIXED_RATE', p({}))).toMatchObject({ expression: 'cron(0/60 * * * ? *)' });
    expect(taskSchedule('ECR', 'FIXED_RATE', [])).toMatchObject({ expression: 'rate(1 day)' });
    expect(taskSchedule('S3EC2', 'FIXED_RATE', p({ scheduleExpression: 'rate(30 minutes)' }))).toMatchObject({
      kind: 'rate',
      seconds: 1800,
    });
    expect(fieldOf(() => taskSchedule('S3EC2', 'ONE_TIME', p({ ec2CronExpression: '0 3 * * ? *' })))).toBe(
      'ec2CronExpression',
    );
    expect(fieldOf(() => taskSchedule('S3EC2', 'FIXED_RATE', p({ ec2CronExpression: '' })))).toBe('ec2CronExpression');
  });
});

describe('schedules (EventBridge dialect, computed with croner)', () => {
  const at = new Date('2026-01-01T00:30:00Z');
  it.each([
    ['0/60 * * * ? *', '2026-01-01T01:00:00.000Z'],
    ['*/5 * * * ? *', '2026-01-01T00:35:00.000Z'],
    ['0 */2 ? * * *', '2026-01-01T02:00:00.000Z'],
    ['cron(0 10 ? * MON-FRI *)', '2026-01-01T10:00:00.000Z'],
    ['0 10 ? * 1 *', '2026-01-04T10:00:00.000Z'], // 1 = Sunday in EventBridge
    ['0 10 ? * 2#1 *', '2026-01-05T10:00:00.000Z'], // first Monday
    ['0 12 ? * 6L *', '2026-01-30T12:00:00.000Z'], // last Friday
    ['0 12 ? * L *', '2026-01-03T12:00:00.000Z'], // L alone: the last day of the week, Saturday
    ['15 10 * * ? 2027', '2027-01-01T10:15:00.000Z'],
    ['rate(5 minutes)', '2026-01-01T00:35:00.000Z'],
    ['rate(36500 days)', '2125-12-08T00:30:00.000Z'],
  ])('%s runs next at %s', (expr, next) => {
    expect(nextRunAfter(parseSchedule(expr), at)?.toISOString()).toBe(next);
  });

  it('never runs a cron time twice: a pass that ended before its own due time (an early timer) waits for the next', () => {
    const daily = parseSchedule('0 3 * * ? *');
    const due = new Date('2026-01-01T03:00:00.000Z');
    const early = new Date('2026-01-01T02:59:59.999Z');
    expect(nextRunAfter(daily, early)?.toISOString()).toBe(due.toISOString()); // what the hub asked before
    expect(nextPassAfter(daily, early, due)?.toISOString()).toBe('2026-01-02T03:00:00.000Z');
    expect(nextPassAfter(daily, new Date('2026-01-01T05:00:00Z'), due)?.toISOString()).toBe('2026-01-02T03:00:00.000Z');
    // A rate counts from the end of the pass, whenever it was due.
    expect(nextPassAfter(parseSchedule('rate(5 minutes)'), early, due)?.toISOString()).toBe('2026-01-01T03:04:59.999Z');
  });

  it('computes in UTC on a machine in another zone, across its DST change, without loading time-zone data', () => {
    // A zone for croner goes through Intl, whose zone data cost every CLI run ~9 MB of memory (the CLI checks the
    // default schedule on each run); UTC as an offset needs none.
    const zoned = vi.spyOn(Intl, 'DateTimeFormat');
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(nextRunAfter(parseSchedule('30 2 * * ? *'), new Date('2026-03-08T01:00:00Z'))?.toISOString()).toBe(
        '2026-03-08T02:30:00.000Z',
      );
      expect(nextRunAfter(parseSchedule('0 0 L * ? *'), new Date('2026-11-01T05:00:00Z'))?.toISOString()).toBe(
        '2026-11-30T00:00:00.000Z',
      );
      expect(zoned.mock.calls.filter(([, options]) => options?.timeZone !== undefined)).toEqual([]);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
      zoned.mockRestore();
    }
  });

  it.each([
    'hourly',
    '0 * * * * *',
    '0 * * * ?',
    'rate(1 minutes)',
    'rate(0 hours)',
    // Past a Date's range the next pass was an Invalid Date, and the local hub ran passes back to back.
    'rate(99999999999 days)',
    'rate(36501 days)',
    'rate(52560001 minutes)',
    '61 * * * ? *',
    // EventBridge takes no step and one # in day-of-week; before, 2/2 ran Monday to Saturday here.
    '0 3 ? * 2/2 *',
    '0 3 ? * MON-FRI/2 *',
    '0 3 ? * 3#1,6#3 *',
  ])('refuses %s, naming the field', (expr) => {
    expect(fieldOf(() => parseSchedule(expr))).toBe('ec2CronExpression');
  });
});

describe('the URL-encoding contract', () => {
  it("form-encodes as Java's URLEncoder (space → +, / → %2F) and decodes what encodeURIComponent made", () => {
    expect(formEncode('a b/c+d*e~(f)')).toBe('a+b%2Fc%2Bd*e%7E%28f%29');
    for (const s of ['photos 2024/é+€', "it's (x)!", '']) {
      expect(formDecode(formEncode(s))).toBe(s);
      expect(formDecode(encodeURIComponent(s))).toBe(s);
    }
    expect(formDecode('%E0%A4%A')).toBeNull();
  });
});
