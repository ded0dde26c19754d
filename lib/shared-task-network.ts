import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import { FlowLogDestination, FlowLogTrafficType, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Cluster, ContainerInsights } from 'aws-cdk-lib/aws-ecs';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { hubNetworkParameters } from '../control-plane/core/plugin-contract.js';

export interface SharedTaskNetworkProps {
  /**
   * Availability zones of the task VPC, one public subnet each (the original used 3; an environment-agnostic
   * stack — this one, deployable to any account and region — knows 2).
   * @default 2
   */
  readonly maxAzs?: number;
}

/**
 * The task VPC and ECS cluster every task of the hub shares (the original's main-stack VPC): public subnets only, no
 * NAT gateway (tasks and instances get public IPs, no inbound rule), rejected traffic logged. One VPC and one internet
 * gateway for the hub instead of one per task (default quota: 5 of each per region).
 */
export class SharedTaskNetwork extends Construct {
  readonly vpc: Vpc;
  readonly cluster: Cluster;

  constructor(scope: Construct, id: string, props: SharedTaskNetworkProps = {}) {
    super(scope, id);
    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: props.maxAzs ?? 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 }],
      flowLogs: {
        reject: { destination: FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: FlowLogTrafficType.REJECT },
      },
    });
    this.cluster = new Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: ContainerInsights.ENABLED });
    new CfnOutput(scope, 'TaskClusterVpc', { value: this.vpc.vpcId, description: 'Task VPC ID' });
    new CfnOutput(scope, 'TaskClusterName', { value: this.cluster.clusterName, description: 'Task Cluster Name' });
  }

  /** What the hub passes to every plugin stack (unless the task names its own VPC): the original's network parameters. */
  pluginParameters(): Record<string, string> {
    return hubNetworkParameters({
      vpcId: this.vpc.vpcId,
      subnetIds: this.vpc.publicSubnets.map((s) => s.subnetId),
      clusterName: this.cluster.clusterName,
    });
  }

  /**
   * Stop the ECS tasks of a task's plugin stack before it is deleted (ListTasks, StopTask, DescribeTasks): ECR copy
   * tasks run in this cluster; S3 finders in their stack's own cluster (`pluginClusterArns`).
   */
  grantStopTasks(grantee: IGrantable, pluginClusterArns: string[], pluginTaskArns: string[]): Grant {
    const clusters = [this.cluster.clusterArn, ...pluginClusterArns];
    return Grant.addToPrincipal({
      grantee,
      actions: ['ecs:ListTasks'],
      resourceArns: ['*'],
      conditions: { ArnLike: { 'ecs:cluster': clusters } },
    }).combine(
      Grant.addToPrincipal({
        grantee,
        actions: ['ecs:StopTask', 'ecs:DescribeTasks'],
        resourceArns: [this.cluster.arnForTasks('*'), ...pluginTaskArns],
        conditions: { ArnLike: { 'ecs:cluster': clusters } },
      }),
    );
  }
}
