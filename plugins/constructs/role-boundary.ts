import {
  Aspects,
  Aws,
  CfnCondition,
  CfnParameter,
  CfnResource,
  Fn,
  Stack,
  Validations,
  type IAspect,
} from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';
import { PLUGIN_PARAMETERS } from '../../control-plane/core/plugin-contract.js';

/**
 * Puts every IAM role of the plugin stack — ours and those of CDK's helper Lambdas — under the permissions boundary
 * the hub passes (parameter `PermissionsBoundaryArn`). The hub's CloudFormation role may create roles only with that
 * boundary, so a task stack can never create a role with more rights than the boundary allows. Standalone deploys
 * leave the parameter empty: no boundary.
 */
export class PluginRoleBoundary extends Construct {
  readonly parameter: CfnParameter;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    this.parameter = new CfnParameter(stack, PLUGIN_PARAMETERS.permissionsBoundary, {
      type: 'String',
      default: '',
      description:
        'Permissions boundary of every IAM role this stack creates (set by the Data Transfer Hub; empty: none)',
      allowedPattern: '^(arn:aws[a-z-]*:iam::\\d{12}:policy/[\\w+=,.@/-]+)?$',
      constraintDescription: 'must be an IAM managed policy ARN, or empty',
    });
    const hasBoundary = new CfnCondition(this, 'HasBoundary', {
      expression: Fn.conditionNot(Fn.conditionEquals(this.parameter.valueAsString, '')),
    });
    const boundary = Fn.conditionIf(hasBoundary.logicalId, this.parameter.valueAsString, Aws.NO_VALUE);
    Aspects.of(stack).add(new BoundEveryRole(boundary));
    Validations.of(stack).acknowledge({
      id: 'CloudFormation-Validate::W1030',
      reason:
        'PermissionsBoundary is Fn::If(HasBoundary, Ref PermissionsBoundaryArn, AWS::NoValue): the empty default is never used as a boundary',
    });
  }
}

/** Sets PermissionsBoundary on every AWS::IAM::Role, whether an L2 Role or a raw CfnResource (custom resource providers). */
class BoundEveryRole implements IAspect {
  constructor(private readonly boundary: unknown) {}

  visit(node: IConstruct): void {
    if (CfnResource.isCfnResource(node) && node.cfnResourceType === 'AWS::IAM::Role') {
      node.addPropertyOverride('PermissionsBoundary', this.boundary);
    }
  }
}
