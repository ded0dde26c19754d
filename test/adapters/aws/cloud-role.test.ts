/** Cloud role configuration: read from the environment once, every mistake named by its variable. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCloudRoleConfig } from '../../../worker/adapters/aws/index.js';
import { InvalidParameterError } from '../../../worker/core/errors.js';

const params = {
  srcType: 'Amazon_S3',
  srcBucket: 'src',
  srcRegion: 'eu-west-1',
  destBucket: 'dst',
  destRegion: 'us-east-1',
};
const base = {
  TASK_PARAMS: JSON.stringify(params),
  QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/q',
  STATUS_TABLE: 'tbl',
  AWS_REGION: 'us-east-1',
};

async function fieldOf(env: Record<string, string | undefined>): Promise<string> {
  try {
    await loadCloudRoleConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidParameterError);
    return (err as InvalidParameterError).field;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadCloudRoleConfig', () => {
  it('reads a complete configuration', async () => {
    const c = await loadCloudRoleConfig({
      ...base,
      DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/1/q-dlq',
      SQS_ENDPOINT: 'http://127.0.0.1:1',
      WORKER_EXIT_WHEN_DRAINED: 'true',
    });
    expect(c).toMatchObject({
      region: 'us-east-1',
      queueUrl: base.QUEUE_URL,
      dlqUrl: 'https://sqs.us-east-1.amazonaws.com/1/q-dlq',
      statusTable: 'tbl',
      sqsEndpoint: 'http://127.0.0.1:1',
      exitWhenDrained: true,
      logLevel: 'info',
      params: { srcBucket: 'src', srcRegion: 'eu-west-1', destBucket: 'dst' },
    });
    expect((await loadCloudRoleConfig(base)).exitWhenDrained).toBe(false);
  });

  it('refuses a TASK_PARAMS list that repeats a ParameterKey or names __proto__, naming it (before: last value kept, __proto__ dropped)', async () => {
    const list = (extra: object[]) =>
      JSON.stringify([
        ...Object.entries(params).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
        ...extra,
      ]);
    expect(
      await fieldOf({ ...base, TASK_PARAMS: list([{ ParameterKey: 'destBucket', ParameterValue: 'other' }]) }),
    ).toBe('destBucket');
    expect(await fieldOf({ ...base, TASK_PARAMS: list([{ ParameterKey: '__proto__', ParameterValue: 'x' }]) })).toBe(
      'TASK_PARAMS.__proto__',
    );
    expect((await loadCloudRoleConfig({ ...base, TASK_PARAMS: list([]) })).params).toMatchObject({ destBucket: 'dst' });
  });

  it("reads a blank srcRegion or destRegion as the stack's region, as the original's engines did", async () => {
    const withParams = (p: Record<string, string>) =>
      loadCloudRoleConfig({ ...base, AWS_REGION: 'ap-southeast-1', TASK_PARAMS: JSON.stringify(p) });
    // Before: a blank srcRegion of Amazon S3 stopped the finder and the workers; a blank destRegion was the source's.
    expect((await withParams({ srcBucket: 'src', srcRegion: '', destBucket: 'dst' })).params).toMatchObject({
      srcRegion: 'ap-southeast-1',
      destRegion: 'ap-southeast-1',
    });
    // An OSS source in cn-hangzhou writes to S3 in the stack's region, not to an "S3 in cn-hangzhou" that is none.
    expect(
      (await withParams({ srcType: 'Aliyun_OSS', srcBucket: 'src', srcRegion: 'cn-hangzhou', destBucket: 'dst' }))
        .params,
    ).toMatchObject({ srcRegion: 'cn-hangzhou', destRegion: 'ap-southeast-1' });
    // An S3-compatible source (srcEndpoint, e.g. an S3 interface endpoint of the stack's region) with a blank region
    // is signed for the stack's region, as the original's SDK did (AWS_DEFAULT_REGION); before, for us-east-1.
    const compatible = { srcBucket: 'src', srcRegion: '', destBucket: 'dst' };
    const vpce = 'https://bucket.vpce-0abc-1234.s3.ap-southeast-1.vpce.amazonaws.com';
    expect((await withParams({ ...compatible, srcEndpoint: vpce })).params).toMatchObject({
      srcRegion: 'ap-southeast-1',
      srcEndpoint: vpce,
    });
  });

  it('takes the params from a file, in object or CloudFormation list form', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dth-role-'));
    const list = join(dir, 'list.json');
    writeFileSync(
      list,
      JSON.stringify(
        Object.entries(params).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
      ),
    );
    const { TASK_PARAMS: _, ...rest } = base;
    expect((await loadCloudRoleConfig({ ...rest, TASK_PARAMS_FILE: list })).params.srcBucket).toBe('src');
    expect(await fieldOf({ ...rest, TASK_PARAMS_FILE: join(dir, 'missing.json') })).toBe('TASK_PARAMS_FILE');
    expect(await fieldOf({ ...base, TASK_PARAMS_FILE: list })).toBe('TASK_PARAMS');
  });

  it('names the variable that is missing or malformed', async () => {
    expect(await fieldOf({ ...base, TASK_PARAMS: undefined })).toBe('TASK_PARAMS');
    expect(await fieldOf({ ...base, TASK_PARAMS: '{not json' })).toBe('TASK_PARAMS');
    expect(await fieldOf({ ...base, TASK_PARAMS: '"a string"' })).toBe('TASK_PARAMS');
    expect(await fieldOf({ ...base, TASK_PARAMS: JSON.stringify({ ...params, destBucket: '' }) })).toBe(
      'TASK_PARAMS.destBucket',
    );
    // The message keeps the field's label and side whole (it was cut short by the length of the field's name).
    await expect(
      loadCloudRoleConfig({ ...base, TASK_PARAMS: JSON.stringify({ ...params, srcBucket: '' }) }),
    ).rejects.toThrow(/^TASK_PARAMS\.srcBucket: Source bucket \(srcBucket\): is required$/);
    expect(await fieldOf({ ...base, QUEUE_URL: '' })).toBe('QUEUE_URL');
    expect(await fieldOf({ ...base, QUEUE_URL: 'not a url' })).toBe('QUEUE_URL');
    expect(await fieldOf({ ...base, STATUS_TABLE: ' ' })).toBe('STATUS_TABLE');
    expect(await fieldOf({ ...base, AWS_REGION: undefined })).toBe('AWS_REGION');
    expect(await fieldOf({ ...base, DYNAMODB_ENDPOINT: 'ftp://x' })).toBe('DYNAMODB_ENDPOINT');
    expect(await fieldOf({ ...base, WORKER_EXIT_WHEN_DRAINED: 'maybe' })).toBe('WORKER_EXIT_WHEN_DRAINED');
    expect(await fieldOf({ ...base, LOG_LEVEL: 'loud' })).toBe('LOG_LEVEL');
  });
});
