import { describe, expect, it } from 'vitest';
import { EMPTY_ECR, EMPTY_S3, ecrParameters, s3Parameters, validate } from '../../portal/src/forms.js';
import { formatBytes, formatEta, formatRate, taskEnds } from '../../portal/src/format.js';
import { authorizeUrl, parsePortalConfig, pkceChallenge } from '../../portal/src/auth.js';
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
