import { Aws, Duration, Token } from 'aws-cdk-lib';
import { AdjustmentType, AutoScalingGroup, type CfnAutoScalingGroup, GroupMetrics } from 'aws-cdk-lib/aws-autoscaling';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import {
  AmazonLinuxCpuType,
  BlockDeviceVolume,
  InstanceType,
  LaunchTemplate,
  MachineImage,
  UserData,
} from 'aws-cdk-lib/aws-ec2';
import { type IGrantable, type IPrincipal, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { DTH_NODE_FLAGS } from '../../lib/node-flags.js';
import type { TaskNetwork } from './task-network.js';

export interface WorkerFleetProps {
  /** VPC, subnets and security group of the instances. */
  readonly network: TaskNetwork;
  /** The `dth` bundle (dist/dth.mjs) as an S3 asset: the whole worker, nothing else is installed from npm. */
  readonly bundle: Asset;
  /** Environment of `dth worker`; TASK_PARAMS is written to a file (it can exceed what a unit file line holds). */
  readonly environment: Record<string, string>;
  /** Log group the CloudWatch agent ships the worker's output to (the dashboard's metric filters read it). */
  readonly logGroup: ILogGroup;
  /** Graviton instance type (may be a parameter token). */
  readonly instanceType: string;
  /** Minimum instances (may be a parameter token). */
  readonly minCapacity: string;
  /** Maximum instances (may be a parameter token). */
  readonly maxCapacity: string;
  /** Instances at creation; also the number of boot signals CloudFormation waits for (may be a parameter token). */
  readonly desiredCapacity: string;
  /** Queued plus running jobs: one more instance per step of it, none when it is 0. */
  readonly backlog: IMetric;
  /**
   * How long CloudFormation waits for the instances' boot signals before it fails the stack.
   * @default Duration.minutes(15)
   */
  readonly bootTimeout?: Duration;
  /**
   * Name of the Auto Scaling group (the original's, which its backend and dashboards look up).
   * @default `<stack name>-Worker-ASG`
   */
  readonly autoScalingGroupName?: string;
}

/** Log file of `dth worker` on the instance (shipped by the CloudWatch agent). */
export const WORKER_LOG_FILE = '/var/log/dth-worker.log';

/**
 * The JobWorkers: an Auto Scaling group of Graviton instances (Amazon Linux 2023, IMDSv2) each running `dth worker`
 * as a systemd service, scaled on the job backlog. Each instance signals CloudFormation when its worker is up (or
 * that its boot failed, and then shuts down so that the group replaces it): a broken boot fails the stack instead of
 * leaving healthy-looking instances that copy nothing.
 */
export class WorkerFleet extends Construct implements IGrantable {
  readonly autoScalingGroup: AutoScalingGroup;
  readonly role: Role;
  readonly grantPrincipal: IPrincipal;

  constructor(scope: Construct, id: string, props: WorkerFleetProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
      description: 'Data Transfer Hub JobWorker instances',
    });
    this.grantPrincipal = this.role;
    props.bundle.grantRead(this.role);
    props.logGroup.grantWrite(this.role);
    // CloudWatch agent: it looks up its log streams, and publishes memory/network metrics with the group dimension.
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['logs:DescribeLogStreams'], resources: [props.logGroup.logGroupArn] }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': 'CWAgent' } },
      }),
    );
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['ec2:DescribeTags'], resources: ['*'] }));
    // The boot signal (CreationPolicy) of this stack's group.
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['cloudformation:SignalResource'], resources: [Aws.STACK_ID] }),
    );

    const network = props.network;
    const userData = UserData.forLinux();
    const launchTemplate = new LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: MachineImage.latestAmazonLinux2023({ cpuType: AmazonLinuxCpuType.ARM_64 }),
      instanceType: new InstanceType(props.instanceType),
      role: this.role,
      securityGroup: network.securityGroup,
      requireImdsv2: true,
      // By-minute EC2 metrics for the dashboard's 1-minute widgets (Network In/Out, CPU), as the original.
      detailedMonitoring: true,
      associatePublicIpAddress: network.assignPublicIp,
      blockDevices: [{ deviceName: '/dev/xvda', volume: BlockDeviceVolume.ebs(16, { encrypted: true }) }],
      userData,
    });
    this.autoScalingGroup = new AutoScalingGroup(this, 'Group', {
      vpc: network.vpc,
      vpcSubnets: { subnets: [] },
      launchTemplate,
      autoScalingGroupName: props.autoScalingGroupName ?? `${Aws.STACK_NAME}-Worker-ASG`,
      groupMetrics: [GroupMetrics.all()],
    });
    const cfnGroup = this.autoScalingGroup.node.defaultChild as CfnAutoScalingGroup;
    // Subnets and capacities come from parameters: list and number tokens the construct's own props cannot take.
    cfnGroup.vpcZoneIdentifier = network.subnetIds;
    cfnGroup.minSize = props.minCapacity;
    cfnGroup.maxSize = props.maxCapacity;
    cfnGroup.desiredCapacity = props.desiredCapacity;
    cfnGroup.cfnOptions.creationPolicy = {
      resourceSignal: {
        count: Token.asNumber(props.desiredCapacity),
        timeout: `PT${(props.bootTimeout ?? Duration.minutes(15)).toMinutes()}M`,
      },
    };
    userData.addCommands(
      ...bootScript({
        bundleUrl: props.bundle.s3ObjectUrl,
        logGroup: props.logGroup.logGroupName,
        environment: props.environment,
        signalTarget: cfnGroup.logicalId,
      }),
    );

    this.autoScalingGroup.scaleOnMetric('ScaleOnBacklog', {
      metric: props.backlog,
      adjustmentType: AdjustmentType.CHANGE_IN_CAPACITY,
      evaluationPeriods: 1,
      // As the original: none left when the backlog is empty, then +1/+2/+5/+10 as it grows.
      scalingSteps: [
        { upper: 0, change: -10000 },
        { lower: 100, change: +1 },
        { lower: 500, change: +2 },
        { lower: 2000, change: +5 },
        { lower: 10000, change: +10 },
      ],
    });
  }
}

interface BootScriptOptions {
  bundleUrl: string;
  logGroup: string;
  environment: Record<string, string>;
  /** Logical id of the Auto Scaling group (the CreationPolicy the signal answers). */
  signalTarget: string;
}

/**
 * The instance's boot, fail-fast: install Node (FLEET_NODE) and the CloudWatch agent, copy the bundle (with the region: the
 * CLI resolves China endpoints from it), check that the worker module loads, start it, and signal CloudFormation.
 * Any failing step signals FAILURE and shuts the instance down. Scale-out instances signal too; CloudFormation
 * refuses signals once the stack is created, which the `|| true` ignores.
 */
/**
 * The Node the fleet runs: AL2023's namespaced package and executable. 22, as the Lambda handlers (lib/handler-function.ts):
 * Node 20 reached its end of life in April 2026, and AL2023 follows upstream support. The bundle targets node20 syntax.
 */
export const FLEET_NODE = { package: 'nodejs22', executable: 'node-22' } as const;

export function bootScript(o: BootScriptOptions): string[] {
  const envLines = Object.entries(o.environment)
    .filter(([k]) => k !== 'TASK_PARAMS')
    .map(([k, v]) => `${k}=${v}`);
  const agent = JSON.stringify({
    agent: { metrics_collection_interval: 60, omit_hostname: true },
    logs: {
      logs_collected: {
        files: {
          collect_list: [{ file_path: WORKER_LOG_FILE, log_group_name: o.logGroup, log_stream_name: '{instance_id}' }],
        },
      },
    },
    metrics: {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the CloudWatch agent's own placeholder, filled on the instance
      append_dimensions: { AutoScalingGroupName: '${aws:AutoScalingGroupName}' },
      // One series per group (the dashboard's), whatever the disk's path/device dimensions.
      aggregation_dimensions: [['AutoScalingGroupName']],
      metrics_collected: {
        net: { measurement: ['bytes_sent', 'bytes_recv'] },
        mem: { measurement: ['mem_used_percent'] },
        disk: { measurement: ['used_percent'], resources: ['/'] },
      },
    },
  });
  return [
    'set -euo pipefail',
    `REGION=${Aws.REGION}`,
    "IMDS_TOKEN=$(curl -sS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 600')",
    'INSTANCE_ID=$(curl -sS -H "X-aws-ec2-metadata-token: $IMDS_TOKEN" http://169.254.169.254/latest/meta-data/instance-id)',
    `dth_signal() { aws cloudformation signal-resource --region "$REGION" --stack-name '${Aws.STACK_NAME}' --logical-resource-id '${o.signalTarget}' --unique-id "$INSTANCE_ID" --status "$1" || true; }`,
    "dth_boot_failed() { echo 'dth: worker boot failed; signalling FAILURE and shutting down so that the group replaces this instance'; dth_signal FAILURE; shutdown -h +1; }",
    'trap dth_boot_failed ERR',
    `dnf install -y ${FLEET_NODE.package} amazon-cloudwatch-agent`,
    'mkdir -p /opt/dth',
    `aws s3 cp --region "$REGION" ${o.bundleUrl} /opt/dth/dth.mjs`,
    // The worker's whole module graph loads (no SQLite or other native module is needed by the cloud roles).
    `${FLEET_NODE.executable} /opt/dth/dth.mjs worker --help > /dev/null`,
    "cat > /opt/dth/task-params.json <<'DTH_PARAMS_EOF'",
    o.environment.TASK_PARAMS ?? '{}',
    'DTH_PARAMS_EOF',
    "cat > /opt/dth/worker.env <<'DTH_ENV_EOF'",
    ...envLines,
    'TASK_PARAMS_FILE=/opt/dth/task-params.json',
    `AWS_REGION=${Aws.REGION}`,
    'DTH_ENV_EOF',
    "cat > /opt/aws/amazon-cloudwatch-agent/etc/dth.json <<'DTH_CW_EOF'",
    agent,
    'DTH_CW_EOF',
    '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/dth.json',
    "cat > /etc/systemd/system/dth-worker.service <<'DTH_UNIT_EOF'",
    '[Unit]',
    'Description=Data Transfer Hub JobWorker',
    'After=network-online.target',
    '[Service]',
    'EnvironmentFile=/opt/dth/worker.env',
    `ExecStart=/usr/bin/${FLEET_NODE.executable} ${DTH_NODE_FLAGS.join(' ')} /opt/dth/dth.mjs worker`,
    'Restart=always',
    'RestartSec=10',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=120',
    `StandardOutput=append:${WORKER_LOG_FILE}`,
    `StandardError=append:${WORKER_LOG_FILE}`,
    '[Install]',
    'WantedBy=multi-user.target',
    'DTH_UNIT_EOF',
    'systemctl daemon-reload',
    'systemctl enable --now dth-worker',
    // Still running after its start-up (configuration is validated first: a bad one exits at once).
    'sleep 15',
    'systemctl is-active --quiet dth-worker',
    'dth_signal SUCCESS',
  ];
}
