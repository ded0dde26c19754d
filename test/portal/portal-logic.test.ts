import { describe, expect, it } from 'vitest';
import { EMPTY_ECR, EMPTY_S3, ecrParameters, s3Parameters, validate } from '../../portal/src/forms.js';
import { formatBytes, formatEta, taskEnds } from '../../portal/src/format.js';
import { STRINGS } from '../../portal/src/i18n.js';

const common = { description: '', scheduleType: 'ONE_TIME' as const, scheduleExpression: 'rate(1 hour)' };

describe('console logic', () => {
  it('has every string in English and Chinese', () => {
    expect(Object.keys(STRINGS.zh).sort()).toEqual(Object.keys(STRINGS.en).sort());
    for (const v of Object.values(STRINGS.zh)) expect(v.length).toBeGreaterThan(0);
  });

  it('maps the S3 form to parameters, leaving out empty fields', () => {
    const p = s3Parameters({ ...EMPTY_S3, srcBucket: 'a-bucket', destBucket: 'b-bucket' }, common);
    const keys = p.map((x) => x.ParameterKey);
    expect(keys).toContain('srcBucket');
    expect(keys).not.toContain('srcPrefix');
    expect(p.find((x) => x.ParameterKey === 'includeMetadata')?.ParameterValue).toBe('true');
    expect(keys).not.toContain('scheduleExpression');
    expect(s3Parameters(EMPTY_S3, { ...common, scheduleType: 'FIXED_RATE' }).map((x) => x.ParameterKey)).toContain('scheduleExpression');
  });

  it('validates with the API parsers, naming the field', () => {
    expect(Object.keys(validate('S3EC2', s3Parameters({ ...EMPTY_S3, srcBucket: 'Bad_Bucket', destBucket: 'ok-bucket' }, common)))).toEqual(['srcBucket']);
    expect(validate('S3EC2', s3Parameters({ ...EMPTY_S3, srcBucket: 'good-src', destBucket: 'good-dst' }, common))).toEqual({});
    expect(Object.keys(validate('S3EC2', s3Parameters({ ...EMPTY_S3, srcBucket: 'aaa', destBucket: 'bbb', alarmEmail: 'nope' }, common)))).toEqual(['alarmEmail']);
    expect(Object.keys(validate('S3EC2', s3Parameters({ ...EMPTY_S3, srcBucket: 'aaa', destBucket: 'bbb' }, { ...common, scheduleType: 'FIXED_RATE', scheduleExpression: 'hourly' })))).toEqual(['scheduleExpression']);
    expect(Object.keys(validate('ECR', ecrParameters({ ...EMPTY_ECR, srcImageList: 'ok:1', destRegistry: 'reg.example.com' }, common)))).toEqual([]);
    expect(validate('ECR', ecrParameters({ ...EMPTY_ECR, srcImageList: 'Bad Repo', destRegistry: 'reg.example.com' }, common)).srcImageList).toMatch(/line 1/);
  });

  it('formats bytes, ETA and task ends', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
    expect(formatEta(59)).toBe('59s');
    expect(formatEta(3725)).toBe('1h 2m');
    expect(formatEta(undefined)).toBe('-');
    const task = { type: 'S3EC2', parameters: [{ ParameterKey: 'srcBucket', ParameterValue: 's' }, { ParameterKey: 'destBucket', ParameterValue: 'd' }, { ParameterKey: 'destPrefix', ParameterValue: 'p' }] };
    expect(taskEnds(task)).toEqual({ source: 's/', destination: 'd/p' });
  });
});
