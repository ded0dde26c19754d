/**
 * The emulator's CloudFormation would run a custom resource's Lambda in Docker and wait forever for its answer; the
 * test answers instead, after doing what the resource does where that matters (the S3 plugin's first finder run is an
 * ECS RunTask, the ECR plugin's first run a StartExecution). Answer: PUT to moto's cfnresponse route (signed: with IAM
 * enforcement on, moto checks it like any request).
 */
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { clientConfig, REGION, signedFetch, type Credentials } from './emulator.js';

/**
 * Construct-id prefix of a custom resource's logical id → what the resource does (given the logical id, to read the
 * resource's own properties), started before it is answered.
 */
export type CustomResourceEffects = Record<string, (logicalId: string) => Promise<void> | void>;

const isCustom = (type: string) => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';

/** Answers SUCCESS for each custom resource of the stack not answered yet (after running its effect, if one is given). */
export async function answerCustomResources(
  operator: Credentials,
  stackId: string,
  effects: CustomResourceEffects,
  answered: Set<string>,
): Promise<void> {
  const cfn = new CloudFormationClient(clientConfig(operator));
  const resources = (await cfn.send(new DescribeStackResourcesCommand({ StackName: stackId }))).StackResources ?? [];
  cfn.destroy();
  for (const r of resources) {
    const id = r.LogicalResourceId;
    if (!id || !r.ResourceType || !isCustom(r.ResourceType) || answered.has(id)) continue;
    answered.add(id);
    const effect = Object.entries(effects).find(([prefix]) => id.startsWith(prefix))?.[1];
    await effect?.(id);
    // moto checks the signature over the query as it decoded it: the stack's name (plain characters), not its ARN.
    const res = await signedFetch(
      operator,
      'cloudformation',
      'PUT',
      `/cloudformation_${REGION}/cfnresponse?stack=${stackId.split('/')[1]}`,
      JSON.stringify({
        Status: 'SUCCESS',
        StackId: stackId,
        LogicalResourceId: id,
        RequestId: id,
        PhysicalResourceId: id,
        Data: {},
      }),
      { Action: 'ProcessCfnResponse' },
    ); // the route adds Action before it checks the signature
    if (!res.ok) throw new Error(`answering custom resource ${id}: HTTP ${res.status} ${await res.text()}`);
  }
}
