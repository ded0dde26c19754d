import { type CfnParameter, CfnRule, Fn, type Stack } from 'aws-cdk-lib';
import { PLUGIN_OPTIONAL_PARAMETERS, PLUGIN_PARAMETERS } from '../../control-plane/core/plugin-contract.js';

const blank = (p: CfnParameter) => Fn.conditionEquals(p.valueAsString, '');
const given = (p: CfnParameter) => Fn.conditionNot(blank(p));

/**
 * What an image task's engine refuses at its first run (worker/ecr/params.ts), refused by CloudFormation at deploy when
 * the template is deployed on its own: a Public source with the default srcList ALL, a selection without images, no
 * destination. createTask checks the same before the orchestrator deploys (its stacks carry TaskParams or
 * TaskParamsPath, so the rule leaves them alone). Before: the stack deployed, and its first run failed and e-mailed.
 */
export function refuseIncompleteStandaloneTask(stack: Stack, p: Record<string, CfnParameter>): CfnRule {
  return new CfnRule(stack, 'StandaloneTaskComplete', {
    ruleCondition: Fn.conditionAnd(
      Fn.conditionEquals(Fn.ref(PLUGIN_PARAMETERS.taskParams), ''),
      Fn.conditionEquals(Fn.ref(PLUGIN_OPTIONAL_PARAMETERS.taskParamsPath), ''),
    ),
    assertions: [
      {
        assert: Fn.conditionOr(
          Fn.conditionEquals(p.sourceType.valueAsString, 'Amazon_ECR'),
          Fn.conditionEquals(p.srcList.valueAsString, 'SELECTED'),
        ),
        assertDescription:
          'srcList: ALL is only possible for an Amazon_ECR source; a Public source lists its images (srcList=SELECTED and srcImageList)',
      },
      {
        assert: Fn.conditionOr(Fn.conditionEquals(p.srcList.valueAsString, 'ALL'), given(p.srcImageList)),
        assertDescription: 'srcImageList: is required when srcList is SELECTED',
      },
      {
        assert: Fn.conditionOr(
          Fn.conditionEquals(p.sourceType.valueAsString, 'Public'),
          given(p.srcRegion),
          given(p.srcRegistry),
        ),
        assertDescription: 'srcRegion: is required for an Amazon_ECR source (the region of the source ECR)',
      },
      {
        assert: Fn.conditionOr(given(p.destRegion), given(p.destRegistry)),
        assertDescription: 'destRegion: is required (the region of the destination ECR), or give destRegistry',
      },
    ],
  });
}
