/**
 * The S3 plugin template's event notification, as CloudFormation would resolve it for given task parameters: the
 * original's one queue configuration — ObjectCreated (plus ObjectRemoved for srcEvent=CreateAndDelete), filtered by
 * srcPrefix — only when srcEvent asks for events on an Amazon S3 source. The template's conditions and Fn::If are
 * evaluated here as CloudFormation does (Ref, Fn::Equals/Not/And/If, AWS::NoValue).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { S3PluginStack } from '../../plugins/s3/s3-plugin-stack.js';

interface Cfn {
  Conditions: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
}
let template: Cfn;

beforeAll(() => {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'dth-cdk-')) });
  template = Template.fromStack(new S3PluginStack(app, 'EventsPlugin')).toJSON() as Cfn;
}, 300_000);

const NO_VALUE = Symbol('AWS::NoValue');

/** Resolves the intrinsic functions a notification configuration uses, for these parameter values. */
function resolve(node: unknown, params: Record<string, string>): unknown {
  if (Array.isArray(node)) return node.map((n) => resolve(n, params)).filter((n) => n !== NO_VALUE);
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  if ('Ref' in o) {
    if (o.Ref === 'AWS::NoValue') return NO_VALUE;
    return params[o.Ref as string] ?? `<${String(o.Ref)}>`;
  }
  if ('Fn::GetAtt' in o) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::If' in o) {
    const [cond, yes, no] = o['Fn::If'] as [string, unknown, unknown];
    return resolve(condition(cond, params) ? yes : no, params);
  }
  if ('Fn::Equals' in o) {
    const [a, b] = o['Fn::Equals'] as unknown[];
    return resolve(a, params) === resolve(b, params);
  }
  if ('Fn::Not' in o) return !resolve((o['Fn::Not'] as unknown[])[0], params);
  if ('Fn::And' in o) return (o['Fn::And'] as unknown[]).every((c) => resolve(c, params));
  if ('Fn::Or' in o) return (o['Fn::Or'] as unknown[]).some((c) => resolve(c, params));
  if ('Condition' in o && Object.keys(o).length === 1) return condition(o.Condition as string, params);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const r = resolve(v, params);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}

function condition(name: string, params: Record<string, string>): boolean {
  return resolve(template.Conditions[name], params) === true;
}

/** The notification CloudFormation would create for these parameters, or undefined when the resource is left out. */
function notification(params: Record<string, string>): unknown {
  const all = { srcType: 'Amazon_S3', srcPrefix: '', srcEvent: 'No', ...params };
  const [res] = Object.values(template.Resources).filter((r) => r.Type === 'Custom::S3BucketNotifications');
  if (res.Condition && !condition(res.Condition, all)) return undefined;
  return resolve(res.Properties.NotificationConfiguration, all);
}

describe('S3 plugin template: source event notification', () => {
  it('is created only when srcEvent is Create or CreateAndDelete on an Amazon S3 source', () => {
    expect(notification({ srcEvent: 'No' })).toBeUndefined();
    expect(notification({ srcEvent: 'Create', srcType: 'Aliyun_OSS' })).toBeUndefined();
    expect(notification({ srcEvent: 'Create' })).toBeDefined();
  });

  it('Create: ObjectCreated into the job queue, filtered by srcPrefix', () => {
    expect(notification({ srcEvent: 'Create', srcPrefix: 'data/2026/' })).toEqual({
      QueueConfigurations: [
        {
          Events: ['s3:ObjectCreated:*'],
          QueueArn: '<S3TransferQueue.Arn>',
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'data/2026/' }] } },
        },
      ],
    });
  });

  it('CreateAndDelete: ObjectRemoved too; without srcPrefix, no filter (the whole bucket)', () => {
    expect(notification({ srcEvent: 'CreateAndDelete' })).toEqual({
      QueueConfigurations: [
        {
          Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
          QueueArn: '<S3TransferQueue.Arn>',
        },
      ],
    });
  });

  it('lets the workers send to the dead-letter queue (failures no retry can fix go there at once)', () => {
    const dlq = Object.entries(template.Resources).find(
      ([id, r]) => r.Type === 'AWS::SQS::Queue' && id === 'S3TransferQueueDLQ',
    )![0];
    const workerPolicies = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes('WorkersRole'),
    );
    const statements = workerPolicies.flatMap(
      (p) =>
        (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement,
    );
    expect(
      statements.some((s) => [s.Action].flat().includes('sqs:SendMessage') && JSON.stringify(s.Resource).includes(dlq)),
    ).toBe(true);
  });
});
