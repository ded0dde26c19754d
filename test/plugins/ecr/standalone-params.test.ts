/**
 * The ECR plugin template deployed on its own, with the original's parameters and a 4,000-byte image list (a
 * CloudFormation parameter holds 4,096): the lister Lambda's environment stays within the 4 KB AWS allows, and its
 * TASK_PARAMS_PATH leads to the whole list. Before, the assembled set (list and every other parameter) went into the
 * lister's environment, and lists over ~3.3 KB failed the deploy; the original kept its list in SSM and took 4 KB.
 *
 * The synthesized template's own parts run on the AWS API emulator (moto): its Parameters, Conditions and SSM
 * parameter resources are created by moto's CloudFormation, with the lister's TASK_PARAMS / TASK_PARAMS_PATH as
 * outputs; the role's reader (taskParamsFromEnv) then reads the set from moto's SSM. The whole template cannot be
 * created there (its network, cluster and Lambda assets are an account's), so its other environment values are
 * resolved by test/cloud/cfn-resolve.ts for the size check.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SSMClient } from '@aws-sdk/client-ssm';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EcrPluginStack } from '../../../plugins/ecr/ecr-plugin-stack.js';
import { taskParamsFromEnv } from '../../../worker/adapters/aws/ssm-task-params.js';
import { parseEcrTaskParams } from '../../../worker/ecr/params.js';
import { expressionHolds, resolve } from '../../cloud/cfn-resolve.js';
import type { CfnTemplate } from '../../cloud/emulator-template.js';
import { useMoto } from '../../support/moto.js';
import { createStack, outputOf, parameterPart } from '../template-part.js';

const moto = useMoto();
let template: CfnTemplate;
beforeAll(() => {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'dth-ecr-standalone-')) });
  template = Template.fromStack(new EcrPluginStack(app, 'EcrStandalone')).toJSON() as CfnTemplate;
}, 300_000);

/** 4,000 bytes of `repository:tag` names, as an operator's list for the original would be. */
function longImageList(): string {
  const names: string[] = [];
  for (let i = 0; names.join(',').length < 3960; i++) names.push(`team-${i % 7}/service-${i}:release-${1000 + i}`);
  return names
    .join(',')
    .slice(0, 4000)
    .replace(/,[^,]*$/, '');
}

/** A standalone deploy's parameters: the original's ECR plugin set, nothing of the orchestrator's. */
function originalParameters(list: string): Record<string, string> {
  return {
    sourceType: 'Amazon_ECR',
    srcRegion: 'us-west-2',
    srcAccountId: '',
    srcList: 'SELECTED',
    srcImageList: list,
    destRegion: 'us-east-1',
    destAccountId: '',
    destPrefix: '',
    ecsClusterName: 'dth-cluster',
    ecsVpcId: 'vpc-0123456789abcdef0',
    ecsSubnetA: 'subnet-0123456789abcdef0',
    ecsSubnetB: 'subnet-0123456789abcdef1',
    alarmEmail: 'ops@example.com',
  };
}

/** The lister function's environment variables, as synthesized (intrinsics unresolved). */
function listerEnvironment(): Record<string, unknown> {
  const lister = Object.entries(template.Resources).find(
    ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('ListImages'),
  );
  if (!lister) throw new Error('no ListImages function in the ECR plugin template');
  return (lister[1].Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
}

/** The template's parameter machinery alone: its SSM resources, and the lister's variables as outputs. */
function listerPart(): string {
  const env = listerEnvironment();
  return parameterPart(
    template,
    Object.fromEntries(Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::SSM::Parameter')),
    { TaskParams: { Value: env.TASK_PARAMS }, TaskParamsPath: { Value: env.TASK_PARAMS_PATH } },
  );
}

const createListerStack = (name: string, parameters: Record<string, string>) =>
  createStack(moto, name, listerPart(), parameters);

/** The template's parameter defaults under the values given, as CloudFormation fills them in. */
function withDefaults(parameters: Record<string, string>): Record<string, string> {
  return {
    ...Object.fromEntries(
      Object.entries(template.Parameters ?? {}).map(([k, p]) => [
        k,
        String((p as { Default?: unknown }).Default ?? ''),
      ]),
    ),
    ...parameters,
  };
}

interface CfnRules {
  Rules?: Record<string, { RuleCondition?: unknown; Assertions: { Assert: unknown; AssertDescription: string }[] }>;
}

/** The AssertDescriptions of the template's rules that refuse these parameter values (CloudFormation's CreateStack check). */
function refusedBy(parameters: Record<string, string>): string[] {
  const values = withDefaults(parameters);
  // Less CDK's CheckBootstrapVersion, a check of the account's bootstrap, not of the task.
  return Object.entries((template as CfnRules).Rules ?? {})
    .filter(([name]) => name !== 'CheckBootstrapVersion')
    .map(([, rule]) => rule)
    .filter((rule) => rule.RuleCondition === undefined || expressionHolds(template, rule.RuleCondition, values))
    .flatMap((rule) => rule.Assertions.filter((a) => !expressionHolds(template, a.Assert, values)))
    .map((a) => a.AssertDescription);
}

describe('ECR plugin template deployed on its own', () => {
  it("keeps the original's 4,000-byte image list out of the lister's 4 KB environment and reads it whole from SSM", async () => {
    const list = longImageList();
    expect(Buffer.byteLength(list)).toBeGreaterThan(3900);
    const parameters = originalParameters(list);

    // AWS refuses a function whose environment (names and values) exceeds 4 KB.
    const resolved = resolve(template, listerEnvironment(), withDefaults(parameters)) as Record<string, string>;
    const envBytes = Object.entries(resolved).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    expect(envBytes, JSON.stringify(Object.keys(resolved))).toBeLessThanOrEqual(4096);

    const outputs = await createListerStack('ecr-standalone', parameters);
    const env = { TASK_PARAMS: outputOf(outputs, 'TaskParams'), TASK_PARAMS_PATH: outputOf(outputs, 'TaskParamsPath') };
    expect(env.TASK_PARAMS).toBe('');
    expect(env.TASK_PARAMS_PATH).toBe('/dth/task-params/ecr-standalone');
    const read = await taskParamsFromEnv(env, () => new SSMClient(moto.clientConfig()));
    expect(read).toMatchObject({
      srcImageList: list,
      srcRegion: 'us-west-2',
      destRegion: 'us-east-1',
      srcList: 'SELECTED',
    });
  }, 120_000);

  it('under the orchestrator, creates no SSM parameter of its own: TaskParams inline, or TaskParamsPath, as given', async () => {
    const inline = await createListerStack('ecr-inline', {
      ...originalParameters('app:1'),
      TaskId: 'task-1',
      TaskParams: '{"srcImageList":"app:1"}',
    });
    expect(outputOf(inline, 'TaskParams')).toBe('{"srcImageList":"app:1"}');
    expect(outputOf(inline, 'TaskParamsPath')).toBe('');
    const viaSsm = await createListerStack('ecr-via-ssm', {
      ...originalParameters(''),
      TaskId: 'task-2',
      TaskParamsPath: '/dth/task-params/task-2',
    });
    expect(outputOf(viaSsm, 'TaskParamsPath')).toBe('/dth/task-params/task-2');
    const cfn = new CloudFormationClient(moto.clientConfig());
    for (const name of ['ecr-inline', 'ecr-via-ssm']) {
      const stack = (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
      expect(stack?.StackStatus, name).toBe('CREATE_COMPLETE');
    }
    await expect(
      taskParamsFromEnv({ TASK_PARAMS_PATH: '/dth/task-params/ecr-inline' }, () => new SSMClient(moto.clientConfig())),
    ).rejects.toThrow(/no complete set/);
  }, 120_000);

  it('refuses at deploy what the engine would refuse at its first run, naming the parameter as the engine does', () => {
    const complete = originalParameters('team/app:v1');
    expect(refusedBy(complete)).toEqual([]);
    const publicWithDefaultList: Record<string, string> = {
      ...complete,
      sourceType: 'Public',
      srcRegion: '',
      srcImageList: 'library/nginx:1.27',
    };
    delete publicWithDefaultList.srcList; // the template's default: the original's ALL
    const cases: [string, Record<string, string>][] = [
      ['srcList', publicWithDefaultList],
      ['srcImageList', { ...complete, srcImageList: '' }],
      ['srcRegion', { ...complete, srcRegion: '' }],
      ['destRegion', { ...complete, destRegion: '' }],
    ];
    for (const [field, parameters] of cases) {
      const refused = refusedBy(parameters);
      expect(refused, field).toHaveLength(1);
      expect(refused[0], field).toMatch(new RegExp(`^${field}: `));
      // The engine refuses the same set for the same parameter (one rule, two places).
      const engineValues = Object.fromEntries(
        Object.entries(withDefaults(parameters)).filter(([k]) => !/^[A-Z]/.test(k)),
      );
      expect(() => parseEcrTaskParams(engineValues), field).toThrow(new RegExp(`\\(${field}[,)]`));
    }
    expect(refusedBy({ ...publicWithDefaultList, srcList: 'SELECTED' })).toEqual([]);
    expect(refusedBy({ ...complete, destRegion: '', destRegistry: 'registry.example.com:5000' })).toEqual([]);
    // Under the orchestrator the stack's parameters are not the task's: createTask has checked the set already.
    expect(refusedBy({ ...complete, destRegion: '', TaskParams: '{"destRegion":"us-east-1"}' })).toEqual([]);
    expect(refusedBy({ ...complete, destRegion: '', TaskParamsPath: '/dth/task-params/t' })).toEqual([]);
  });
});
