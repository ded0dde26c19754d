/**
 * A plugin template's parameter machinery on the AWS API emulator (moto): its Parameters and Conditions, with the
 * values under test as outputs, created by moto's CloudFormation from the parameters an operator would give. The
 * whole template cannot be created there (its network, cluster and assets are an account's): this runs the part that
 * turns parameters into values — conditions, Fn::If, Fn::Join, Fn::Split — as CloudFormation would.
 */
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  type Output,
} from '@aws-sdk/client-cloudformation';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CfnTemplate } from '../cloud/emulator-template.js';
import type { FileMoto } from '../support/moto.js';

/** The template's Parameters (less CDK's BootstrapVersion, an SSM lookup) and Conditions, with these resources and outputs. */
export function parameterPart(
  template: CfnTemplate,
  resources: Record<string, unknown>,
  outputs: Record<string, { Value: unknown; Condition?: string }>,
): string {
  return JSON.stringify({
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: Object.fromEntries(
      Object.entries(template.Parameters ?? {}).filter(
        ([, p]) => !String((p as { Type: string }).Type).startsWith('AWS::SSM'),
      ),
    ),
    Conditions: template.Conditions,
    // A stack holds one resource at least.
    Resources: { Marker: { Type: 'AWS::SNS::Topic' }, ...resources },
    Outputs: outputs,
  });
}

/** Creates a stack on moto and waits for CREATE_COMPLETE; returns its outputs. */
export async function createStack(
  moto: FileMoto,
  name: string,
  templateBody: string,
  parameters: Record<string, string>,
): Promise<Output[]> {
  const cfn = new CloudFormationClient(moto.clientConfig());
  await cfn.send(
    new CreateStackCommand({
      StackName: name,
      TemplateBody: templateBody,
      Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({
        ParameterKey,
        ParameterValue,
      })),
    }),
  );
  for (let i = 0; i < 100; i++) {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
    if (stack?.StackStatus === 'CREATE_COMPLETE') return stack.Outputs ?? [];
    if (stack?.StackStatus && !stack.StackStatus.endsWith('IN_PROGRESS'))
      throw new Error(`${name}: ${stack.StackStatus} ${stack.StackStatusReason ?? ''}`);
    await sleep(100);
  }
  throw new Error(`${name} was not created`);
}

export const outputOf = (outputs: Output[], key: string) => outputs.find((o) => o.OutputKey === key)?.OutputValue ?? '';
