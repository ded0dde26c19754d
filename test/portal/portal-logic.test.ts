import { describe, expect, it } from 'vitest';
import { createTaskInput, decodedTask, formParameters, initialValues, validate, type CommonForm } from '../../portal/src/forms.js';
import { formatBytes, formatEta, formatRate, taskEnds } from '../../portal/src/format.js';
import { authorizeUrl, parsePortalConfig, pkceChallenge } from '../../portal/src/auth.js';
import { STRINGS } from '../../portal/src/i18n.js';

const common: CommonForm = { description: '', scheduleType: 'ONE_TIME', ec2CronExpression: '0 */1 ? * * *' };
const s3 = (over: Record<string, string>) => ({ ...initialValues('S3EC2'), srcRegion: 'us-east-1', ...over });
const ecr = (over: Record<string, string>) => ({ ...initialValues('ECR'), ...over });

describe('console logic', () => {
  it('has every string in English and Chinese', () => {
    expect(Object.keys(STRINGS.zh).sort()).toEqual(Object.keys(STRINGS.en).sort());
    for (const v of Object.values(STRINGS.zh)) expect(v.length).toBeGreaterThan(0);
  });

  it('opens with the original console\'s defaults and maps the S3 form to parameters, leaving out empty and hidden fields', () => {
    const v = initialValues('S3EC2');
    expect(v).toMatchObject({ srcType: 'Amazon_S3', srcInCurrentAccount: 'false', destInCurrentAccount: 'true', destStorageClass: 'INTELLIGENT_TIERING',
      destAcl: 'bucket-owner-full-control', destPutObjectSSEType: 'None', includeMetadata: 'false', maxCapacity: '20', minCapacity: '1', desiredCapacity: '1' });
    const p = formParameters('S3EC2', s3({ srcBucket: 'a-bucket', destBucket: 'b-bucket', destCredentials: 'stale' }), common);
    const keys = p.map((x) => x.ParameterKey);
    expect(keys).toContain('srcBucket');
    expect(keys).not.toContain('srcPrefix');
    // Destination in this account: its credentials field is hidden and not sent; KMS key only with SSE-KMS.
    expect(keys).not.toContain('destCredentials');
    expect(keys).not.toContain('destPutObjectSSEKmsKeyId');
    expect(p.find((x) => x.ParameterKey === 'includeMetadata')?.ParameterValue).toBe('false');
    expect(p.find((x) => x.ParameterKey === 'ec2CronExpression')?.ParameterValue).toBe('');
    expect(formParameters('S3EC2', s3({}), { ...common, scheduleType: 'FIXED_RATE' }).find((x) => x.ParameterKey === 'ec2CronExpression')?.ParameterValue).toBe('0 */1 ? * * *');
  });

  it('sends description and prefixes URL-encoded as the original console did, and decodes getTask answers', () => {
    const input = createTaskInput('S3EC2', s3({ srcBucket: 'a-bucket', destBucket: 'b-bucket', srcPrefix: 'photos 2024/a+b', destPrefix: 'copy/x' }), { ...common, description: 'my task / 1' });
    expect(input.description).toBe('my%20task%20%2F%201');
    expect(input.parameters.find((p) => p.ParameterKey === 'srcPrefix')?.ParameterValue).toBe('photos%202024%2Fa%2Bb');
    const answer = { type: 'S3EC2', description: 'my+task+%2F+1', parameters: [{ ParameterKey: 'srcPrefix', ParameterValue: 'photos+2024%2Fa%2Bb' }, { ParameterKey: 'srcBucket', ParameterValue: 'a+b' }] };
    expect(decodedTask(answer)).toEqual({ type: 'S3EC2', description: 'my task / 1', parameters: [{ ParameterKey: 'srcPrefix', ParameterValue: 'photos 2024/a+b' }, { ParameterKey: 'srcBucket', ParameterValue: 'a+b' }] });
  });

  it('validates with the API parsers, naming the field', () => {
    const check = (v: Record<string, string>, c: CommonForm = common) => validate('S3EC2', formParameters('S3EC2', v, c), c);
    expect(Object.keys(check(s3({ srcBucket: 'bad..bucket', destBucket: 'ok-bucket' })))).toEqual(['srcBucket']);
    expect(check(s3({ srcBucket: 'good-src', destBucket: 'good-dst' }))).toEqual({});
    expect(Object.keys(check(s3({ srcBucket: 'aaa', destBucket: 'bbb', alarmEmail: 'nope' })))).toEqual(['alarmEmail']);
    expect(check(s3({ srcBucket: 'aaa', destBucket: 'bbb', alarmEmail: 'nope' })).alarmEmail).toMatch(/^Alarm email \(alarmEmail\): /);
    expect(Object.keys(check(s3({ srcBucket: 'aaa', destBucket: 'bbb' }), { ...common, scheduleType: 'FIXED_RATE', ec2CronExpression: 'hourly' }))).toEqual(['ec2CronExpression']);
    expect(Object.keys(check(s3({ srcBucket: 'aaa', destBucket: 'bbb', minCapacity: '5', maxCapacity: '2' })))).toEqual(['maxCapacity']);
    expect(Object.keys(validate('ECR', formParameters('ECR', ecr({ sourceType: 'Public', srcImageList: 'ok:1', destRegistry: 'reg.example.com' }), common), common))).toEqual([]);
    expect(validate('ECR', formParameters('ECR', ecr({ sourceType: 'Public', srcImageList: 'Bad Repo', destRegistry: 'reg.example.com' }), common), common).srcImageList).toMatch(/line 1/);
  });

  it('sends a local-only image parameter only when it is set (the cloud template does not declare it)', () => {
    const keys = (v: Record<string, string>) => formParameters('ECR', ecr({ sourceType: 'Public', srcImageList: 'a:1', destRegistry: 'r.example.com', ...v }), common).map((p) => p.ParameterKey);
    expect(keys({})).not.toContain('insecure');
    expect(keys({ insecure: 'true' })).toContain('insecure');
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

describe('console configuration and sign-in', () => {
  it('accepts the local hub and the CDK-written cloud configs', () => {
    expect(parsePortalConfig({ authType: 'LOCAL', apiUrl: '/graphql' })).toMatchObject({ authType: 'LOCAL', apiUrl: '/graphql' });
    const cognito = parsePortalConfig({
      authType: 'COGNITO', apiUrl: 'https://x.appsync-api.us-east-1.amazonaws.com/graphql', region: 'us-east-1',
      cognitoDomain: 'dth-1.auth.us-east-1.amazoncognito.com', oidcIssuer: '', clientId: 'abc', dashboardUrlPrefix: 'https://d/#',
    });
    expect(cognito.oidcIssuer).toBeUndefined();
    expect(cognito.cognitoDomain).toBe('dth-1.auth.us-east-1.amazoncognito.com');
    expect(parsePortalConfig({ authType: 'OIDC', apiUrl: 'https://a/graphql', oidcIssuer: 'https://idp.example.cn/oidc', clientId: 'c', cognitoDomain: '' }).authType).toBe('OIDC');
  });

  it('names the field at fault in a bad config.json', () => {
    expect(() => parsePortalConfig([])).toThrow('config.json: must be a JSON object');
    expect(() => parsePortalConfig({ authType: 'SAML', apiUrl: '/graphql' })).toThrow(/authType must be LOCAL, COGNITO or OIDC/);
    expect(() => parsePortalConfig({ authType: 'LOCAL' })).toThrow('config.json: apiUrl is required');
    expect(() => parsePortalConfig({ authType: 'COGNITO', apiUrl: 'https://a', clientId: 'c' })).toThrow('config.json: cognitoDomain is required');
    expect(() => parsePortalConfig({ authType: 'OIDC', apiUrl: 'https://a', oidcIssuer: 'https://i' })).toThrow('config.json: clientId is required');
    expect(() => parsePortalConfig({ authType: 'OIDC', apiUrl: 'https://a', oidcIssuer: 'http://i', clientId: 'c' })).toThrow(/oidcIssuer must be an https/);
    expect(() => parsePortalConfig({ authType: 'LOCAL', apiUrl: 42 })).toThrow('config.json: apiUrl must be a string');
  });

  it('computes the RFC 7636 S256 challenge and the authorization URL', async () => {
    // RFC 7636 appendix B test vector.
    expect(await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    const url = new URL(authorizeUrl('https://dth-1.auth.us-east-1.amazoncognito.com/oauth2/authorize', 'client1', 'https://d123.cloudfront.net/', 'CH', 'ST'));
    expect(url.origin + url.pathname).toBe('https://dth-1.auth.us-east-1.amazoncognito.com/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code', client_id: 'client1', redirect_uri: 'https://d123.cloudfront.net/', scope: 'openid email profile',
      code_challenge: 'CH', code_challenge_method: 'S256', state: 'ST',
    });
  });

  it('formats a transfer rate', () => {
    expect(formatRate(undefined)).toBe('-');
    expect(formatRate(0)).toBe('-');
    expect(formatRate(3 * 1024 * 1024)).toBe('3.0 MiB/s');
    expect(formatRate(512)).toBe('512 B/s');
  });
});
