import { Annotations, type CfnParameter, CfnRule, Fn, type Stack, Token } from 'aws-cdk-lib';
import { type ISubnet, type IVpc, SecurityGroup, Subnet, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export interface TaskNetworkProps {
  /**
   * Id of the VPC the task's finder, workers and copy tasks run in. The hub passes its shared task VPC; a standalone
   * deploy passes any VPC (Direct Connect: one with a route to the on-premises network or S3 interface endpoints).
   */
  readonly vpcId: string;
  /**
   * Subnet ids of `vpcId`: a literal list, or the list token of a `List<AWS::EC2::Subnet::Id>` parameter. They need a
   * route to the internet (public subnets: tasks and instances get a public IP) or to VPC endpoints (isolated VPCs).
   */
  readonly subnetIds: string[];
  /**
   * Give tasks and instances a public IP address. Needed in public subnets without a NAT gateway (the hub's shared
   * VPC); harmless in private subnets, where the address has no route.
   * @default true
   */
  readonly assignPublicIp?: boolean;
}

/**
 * Where a task runs: an existing VPC and subnets (no VPC per task: the default quota is 5 VPCs and 5 internet
 * gateways per region) and one outbound-only security group for everything the task starts.
 */
export class TaskNetwork extends Construct {
  /** The VPC, imported by id (no subnets attached: use `subnetIds` / `subnets`). */
  readonly vpc: IVpc;
  /** The subnet ids as given (possibly a list token). */
  readonly subnetIds: string[];
  /** Outbound only: no inbound rule at all. */
  readonly securityGroup: SecurityGroup;
  readonly assignPublicIp: boolean;

  constructor(scope: Construct, id: string, props: TaskNetworkProps) {
    super(scope, id);
    // One placeholder zone: nothing here selects subnets through the VPC object (they come from `subnetIds`).
    this.vpc = Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: props.vpcId, availabilityZones: ['unused'] });
    this.subnetIds = props.subnetIds;
    this.assignPublicIp = props.assignPublicIp ?? true;
    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: 'Data Transfer Hub task: outbound only',
      allowAllOutbound: true,
    });
  }

  /** True when `subnetIds` is one list token (a `List<…>` parameter) rather than a list of ids. */
  get subnetsAreListToken(): boolean {
    return Token.isUnresolved(this.subnetIds);
  }

  /**
   * The subnets as subnet objects, for constructs that take a subnet selection (Step Functions RunTask). A list token
   * cannot be counted at synth: then only its first subnet — enough for one task, never for a fleet (use `subnetIds`).
   */
  get subnets(): ISubnet[] {
    const ids = this.subnetsAreListToken ? [Fn.select(0, this.subnetIds)] : this.subnetIds;
    const existing = this.node.tryFindChild('Subnet0') as ISubnet | undefined;
    if (existing) return ids.map((_, i) => this.node.findChild(`Subnet${i}`) as ISubnet);
    // Route tables are not needed by anything here (no routes are added).
    Annotations.of(this).acknowledgeWarning(
      '@aws-cdk/aws-ec2:noSubnetRouteTableId',
      'Imported task subnets: no routes are added to them',
    );
    return ids.map((subnetId, i) => Subnet.fromSubnetAttributes(this, `Subnet${i}`, { subnetId }));
  }

  /** The `awsvpcConfiguration` of an ECS RunTask call in these subnets (one subnet when the ids are a list token). */
  awsvpcConfiguration(): { assignPublicIp: 'ENABLED' | 'DISABLED'; subnets: string[]; securityGroups: string[] } {
    return {
      assignPublicIp: this.assignPublicIp ? 'ENABLED' : 'DISABLED',
      subnets: this.subnetsAreListToken ? [Fn.select(0, this.subnetIds)] : this.subnetIds,
      securityGroups: [this.securityGroup.securityGroupId],
    };
  }
}

/** What a network parameter names, in words. */
function networkPart(parameter: string): string {
  if (/ClusterName$/.test(parameter)) return 'the ECS cluster the tasks run in';
  if (/VpcId$/.test(parameter)) return 'the VPC the task runs in';
  return 'the subnets the task runs in';
}

/**
 * The network parameters must be given at deploy (the hub fills them in; a standalone deploy names them): a template
 * rule, so that CloudFormation refuses the stack with this message instead of failing on the first resource.
 */
export function requireNetwork(stack: Stack, parameters: CfnParameter[]): CfnRule {
  return new CfnRule(stack, 'NetworkGiven', {
    assertions: parameters.map((p) => ({
      assert: Fn.conditionNot(Fn.conditionEquals(p.valueAsString, '')),
      assertDescription: `${p.logicalId}: ${networkPart(p.node.id)} is required — the Data Transfer Hub passes its own; a standalone deploy names one`,
    })),
  });
}
