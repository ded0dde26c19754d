import { FIRST_PASS_ENV } from '../../worker/core/finder-pass.js';
import { Aws, type CfnCondition } from 'aws-cdk-lib';
import {
  type ContainerImage,
  FargateTaskDefinition,
  type ICluster,
  LogDrivers,
  OperatingSystemFamily,
  type CpuArchitecture,
} from 'aws-cdk-lib/aws-ecs';
import { type CfnRule, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { EcsTask } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, type IGrantable, type IPrincipal } from 'aws-cdk-lib/aws-iam';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { TaskNetwork } from './task-network.js';

/** The finder task's one container: the first run overrides its environment by this name. */
const FINDER_CONTAINER = 'finder';

export interface FinderScheduleProps {
  /** Cluster the finder task runs in. */
  readonly cluster: ICluster;
  /** VPC, subnets and security group of the task. */
  readonly network: TaskNetwork;
  /** The task image (`dth finder` is its `finder` command). */
  readonly image: ContainerImage;
  /** CPU architecture the image is built for (the task definition's runtime platform must match it). */
  readonly cpuArchitecture: CpuArchitecture;
  /** Environment of the finder (queue, status table, task parameters). No secrets: credentials are read at run time. */
  readonly environment: Record<string, string>;
  /** Log group of the finder's output (its `finder.done` / `finder.failed` lines are what the hub's monitor reads). */
  readonly logGroup: ILogGroup;
  /**
   * EventBridge schedule expression of the later passes (`rate(…)` / `cron(…)`; may be a parameter token).
   * @default - no schedule: the finder runs once, when the stack is created
   */
  readonly schedule?: string;
  /** Condition under which the schedule exists (e.g. "the schedule parameter is not empty"). @default - always */
  readonly scheduleCondition?: CfnCondition;
  /**
   * Task definition family: per stack, so that every task's finder is told apart (stopping, liveness).
   * @default `<stack name>-Finder`
   */
  readonly family?: string;
  /** @default 1024 (1 vCPU) */
  readonly cpu?: number;
  /**
   * @default 4096 MiB: the finder compares two listings as sorted streams, its memory does not grow with the bucket;
   * the parts it compares at once (finderNumber) hold listing pages in it
   */
  readonly memoryLimitMiB?: number;
  /** Node's heap (--max-old-space-size, MiB); required when memoryLimitMiB is a token. @default 3/4 of the memory */
  readonly heapMiB?: number | string;
}

/**
 * The Fargate size of a finder given the original's finderEc2Memory (GiB of its finder instance): that much memory,
 * up to Fargate's 120 GB, with the vCPUs Fargate pairs it with, and three quarters of it for Node's heap (which by
 * itself stops at a quarter).
 */
export function finderSize(gib: number): { cpu: number; memoryMiB: number; heapMiB: number } {
  const sizes = [
    { upTo: 8, cpu: 1024, memoryMiB: 8192 },
    { upTo: 16, cpu: 2048, memoryMiB: 16384 },
    { upTo: 32, cpu: 4096, memoryMiB: 30720 },
    { upTo: 64, cpu: 8192, memoryMiB: 61440 },
  ];
  const size = sizes.find((s) => gib <= s.upTo) ?? { cpu: 16384, memoryMiB: 122880 };
  return { cpu: size.cpu, memoryMiB: size.memoryMiB, heapMiB: finderHeapMiB(size.memoryMiB) };
}

/** Node's heap in a finder task of `memoryMiB`: three quarters of it (Node by itself stops at a quarter). */
function finderHeapMiB(memoryMiB: number): number {
  return Math.floor(memoryMiB * 0.75);
}

/**
 * The finder: a Fargate task that lists both sides and queues what differs, run once when the stack is created and
 * then on the task's schedule (the finder itself skips a pass while the previous one is still being copied).
 */
export class FinderSchedule extends Construct implements IGrantable {
  readonly taskDefinition: FargateTaskDefinition;
  /** The family every finder task of this stack is registered under. */
  readonly family: string;
  readonly rule?: Rule;
  /** The custom resource that starts the first pass (add dependencies on what the finder needs to exist). */
  readonly firstRun: AwsCustomResource;
  readonly grantPrincipal: IPrincipal;

  constructor(scope: Construct, id: string, props: FinderScheduleProps) {
    super(scope, id);
    this.family = props.family ?? `${Aws.STACK_NAME}-Finder`;
    const memoryLimitMiB = props.memoryLimitMiB ?? 4096;
    this.taskDefinition = new FargateTaskDefinition(this, 'Task', {
      family: this.family,
      cpu: props.cpu ?? 1024,
      memoryLimitMiB,
      runtimePlatform: { cpuArchitecture: props.cpuArchitecture, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    this.taskDefinition.addContainer(FINDER_CONTAINER, {
      image: props.image,
      command: ['finder'],
      // Node's heap would stop at about a quarter of the task's memory; the finder's parts in flight (finderNumber)
      // are held in it, so it may use three quarters.
      environment: {
        ...props.environment,
        NODE_OPTIONS: `--max-old-space-size=${props.heapMiB ?? finderHeapMiB(memoryLimitMiB)}`,
      },
      logging: LogDrivers.awsLogs({ streamPrefix: 'finder', logGroup: props.logGroup }),
    });
    this.grantPrincipal = this.taskDefinition.taskRole;
    const network = props.network;

    if (props.schedule !== undefined) {
      this.rule = new Rule(this, 'Schedule', {
        description: 'Runs the finder on the task schedule',
        schedule: Schedule.expression(props.schedule),
        targets: [
          new EcsTask({
            cluster: props.cluster,
            taskDefinition: this.taskDefinition,
            subnetSelection: { subnets: network.subnets },
            securityGroups: [network.securityGroup],
          }),
        ],
      });
      const cfnRule = this.rule.node.defaultChild as CfnRule;
      // Every subnet given (a list parameter cannot be counted at synth, so the selection above holds its first one),
      // and the public IP the target cannot set for subnets it does not know to be public.
      const vpcConfiguration = 'Targets.0.EcsParameters.NetworkConfiguration.AwsVpcConfiguration';
      cfnRule.addPropertyOverride(`${vpcConfiguration}.Subnets`, network.subnetIds);
      cfnRule.addPropertyOverride(`${vpcConfiguration}.AssignPublicIp`, network.awsvpcConfiguration().assignPublicIp);
      if (props.scheduleCondition) cfnRule.cfnOptions.condition = props.scheduleCondition;
    }

    // The first pass runs when the stack is created (ONE_TIME tasks have no schedule).
    const firstRun = new AwsCustomResource(this, 'FirstRun', {
      installLatestAwsSdk: false,
      onCreate: {
        service: 'ECS',
        action: 'runTask',
        physicalResourceId: PhysicalResourceId.of('finder-first-run'),
        parameters: {
          cluster: props.cluster.clusterArn,
          taskDefinition: this.taskDefinition.taskDefinitionArn,
          launchType: 'FARGATE',
          count: 1,
          networkConfiguration: { awsvpcConfiguration: network.awsvpcConfiguration() },
          overrides: {
            containerOverrides: [{ name: FINDER_CONTAINER, environment: [{ name: FIRST_PASS_ENV, value: 'true' }] }],
          },
        },
      },
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({ actions: ['ecs:RunTask'], resources: [this.taskDefinition.taskDefinitionArn] }),
        new PolicyStatement({
          actions: ['iam:PassRole'],
          resources: [this.taskDefinition.taskRole.roleArn, this.taskDefinition.obtainExecutionRole().roleArn],
        }),
      ]),
    });
    this.firstRun = firstRun;
  }
}
