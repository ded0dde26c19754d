/**
 * A plugin template deployed on its own (`aws cloudformation create-stack`, no orchestrator): its schedule comes from
 * ec2CronExpression, which the API, the console and the CLI take as the original's bare cron fields, `rate(...)` or
 * `cron(...)`. Before, the template wrapped every value in `cron(...)`, so `rate(1 hour)` became `cron(rate(1 hour))`,
 * which EventBridge refuses (the stack rolled back on its schedule rule). And a subnet list written with spaces after
 * its commas, as the original's List<AWS::EC2::Subnet::Id> took it, named subnets that do not exist.
 *
 * The templates' parameter machinery runs on moto's CloudFormation (test/plugins/template-part.ts), the rule's
 * ScheduleExpression and the fleet's subnets as outputs, from the parameters an operator gives.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EcrPluginStack } from '../../plugins/ecr/ecr-plugin-stack.js';
import { S3PluginStack } from '../../plugins/s3/s3-plugin-stack.js';
import type { CfnTemplate } from '../cloud/emulator-template.js';
import { useMoto } from '../support/moto.js';
import { createStack, outputOf, parameterPart } from './template-part.js';

const moto = useMoto();
let s3: CfnTemplate;
let ecr: CfnTemplate;
beforeAll(() => {
  // One app per stack: an app is synthesised once.
  const app = () => new App({ outdir: mkdtempSync(join(tmpdir(), 'dth-standalone-schedule-')) });
  s3 = Template.fromStack(new S3PluginStack(app(), 'S3Standalone')).toJSON() as CfnTemplate;
  ecr = Template.fromStack(new EcrPluginStack(app(), 'EcrStandalone')).toJSON() as CfnTemplate;
}, 300_000);

function only(template: CfnTemplate, type: string) {
  const found = Object.values(template.Resources).filter((r) => r.Type === type);
  if (found.length !== 1) throw new Error(`${found.length} resources of type ${type}`);
  return found[0] as { Condition?: string; Properties: Record<string, unknown> };
}

/** The schedule (and, for S3, the fleet's subnets) of a stack created from `parameters`. */
async function deployed(template: CfnTemplate, name: string, parameters: Record<string, string>) {
  const rule = only(template, 'AWS::Events::Rule');
  const outputs: Record<string, { Value: unknown; Condition?: string }> = {
    Schedule: { Value: rule.Properties.ScheduleExpression, Condition: rule.Condition },
  };
  if (template === s3) {
    const subnets = only(template, 'AWS::AutoScaling::AutoScalingGroup').Properties.VPCZoneIdentifier;
    outputs.Subnets = { Value: { 'Fn::Join': [',', subnets] } };
  }
  const out = await createStack(moto, name, parameterPart(template, {}, outputs), parameters);
  return { schedule: outputOf(out, 'Schedule'), subnets: outputOf(out, 'Subnets') };
}

/** The original's S3 plugin parameters, as its CLI launch guide gives them. */
const s3Parameters = (more: Record<string, string>) => ({
  srcType: 'Amazon_S3',
  srcBucket: 'src-bucket',
  srcRegion: 'us-west-2',
  destBucket: 'dest-bucket',
  destRegion: 'us-east-1',
  alarmEmail: 'ops@example.com',
  ec2VpcId: 'vpc-0123456789abcdef0',
  ec2Subnets: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
  ...more,
});

const ecrParameters = (more: Record<string, string>) => ({
  sourceType: 'Amazon_ECR',
  srcRegion: 'us-west-2',
  srcList: 'ALL',
  destRegion: 'us-east-1',
  ecsClusterName: 'dth-cluster',
  ecsVpcId: 'vpc-0123456789abcdef0',
  ecsSubnetA: 'subnet-0123456789abcdef0',
  ecsSubnetB: 'subnet-0123456789abcdef1',
  alarmEmail: 'ops@example.com',
  ...more,
});

describe('a plugin template deployed on its own', () => {
  it("runs the S3 finder on the original's cron fields as cron(...), and on rate(...) or cron(...) as written", async () => {
    const cases: [string, string][] = [
      ['0/60 * * * ? *', 'cron(0/60 * * * ? *)'],
      ['rate(1 hour)', 'rate(1 hour)'],
      ['rate(30 minutes)', 'rate(30 minutes)'],
      ['cron(0 12 * * ? *)', 'cron(0 12 * * ? *)'],
    ];
    for (const [i, [ec2CronExpression, expected]] of cases.entries()) {
      const { schedule } = await deployed(s3, `s3-schedule-${i}`, s3Parameters({ ec2CronExpression }));
      expect(schedule, ec2CronExpression).toBe(expected);
    }
  }, 120_000);

  it('gives the S3 fleet every subnet of a list written with spaces after its commas', async () => {
    const { subnets } = await deployed(
      s3,
      's3-subnets',
      s3Parameters({ ec2Subnets: 'subnet-0123456789abcdef0, subnet-0123456789abcdef1' }),
    );
    expect(subnets).toBe('subnet-0123456789abcdef0,subnet-0123456789abcdef1');
  }, 60_000);

  it('runs the image sync on rate(...) as written, and daily without a schedule (the original: daily, fixed)', async () => {
    expect((await deployed(ecr, 'ecr-rate', ecrParameters({ ec2CronExpression: 'rate(2 hours)' }))).schedule).toBe(
      'rate(2 hours)',
    );
    expect((await deployed(ecr, 'ecr-cron', ecrParameters({ ec2CronExpression: '0 3 * * ? *' }))).schedule).toBe(
      'cron(0 3 * * ? *)',
    );
    expect((await deployed(ecr, 'ecr-daily', ecrParameters({}))).schedule).toBe('rate(1 day)');
  }, 60_000);
});
