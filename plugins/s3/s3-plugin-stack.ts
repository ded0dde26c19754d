import { Aws, CfnCondition, CfnOutput, Duration, Fn, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AutoScalingGroup, GroupMetrics, AdjustmentType, type CfnAutoScalingGroup } from 'aws-cdk-lib/aws-autoscaling';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import {
  AmazonLinuxCpuType, BlockDeviceVolume, FlowLogDestination, InstanceType, LaunchTemplate, MachineImage, SecurityGroup, SubnetType, UserData, Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { Cluster, ContainerInsights, CpuArchitecture, FargateTaskDefinition, LogDrivers, OperatingSystemFamily } from 'aws-cdk-lib/aws-ecs';
import { Rule, Schedule, type CfnRule } from 'aws-cdk-lib/aws-events';
import { EcsTask } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FilterPattern, LogGroup, MetricFilter, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket, EventType } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Topic, Subscription, SubscriptionProtocol } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { PLUGIN_OUTPUT_DESCRIPTIONS, PLUGIN_OUTPUTS, PLUGIN_WORKER_GROUP_OUTPUT } from '../../control-plane/core/plugin-contract.js';
import { STATUS_TABLE_PARTITION_KEY, STATUS_TABLE_SORT_KEY } from '../../worker/adapters/aws/status-table.js';
import { metricFilterValue, WORKER_METRICS } from '../../worker/core/events.js';
import { ensureWorkerBundle, taskImage } from '../../lib/task-image.js';
import { S3_PARAMETERS } from '../../worker/params/index.js';
import { declareTaskParameters } from '../task-parameters.js';

export interface S3PluginStackProps extends StackProps {
  /** Metric namespace prefix of the worker metrics (the API reads `<prefix>/<stack name>`). Default DataTransferHub. */
  metricsNamespace?: string;
}

/**
 * One S3 transfer task: scheduled Fargate finder → SQS (+ DLQ, alarm, email) → JobWorker Auto Scaling group of
 * Graviton instances running `dth worker`, per-object status in DynamoDB, dashboard. Created per task by the
 * orchestrator from the synthesized template, or deployed on its own with `cdk deploy DthS3Plugin --parameters …`.
 */
export class S3PluginStack extends Stack {
  constructor(scope: Construct, id: string, props: S3PluginStackProps = {}) {
    super(scope, id, { description: 'Data Transfer Hub - S3 plugin (one transfer task)', ...props });
    this.templateOptions.templateFormatVersion = '2010-09-09'; // without it the emulator's GetTemplateSummary (the orchestrator's first call) fails
    // Every task parameter, from the schema (worker/params/s3-schema.ts), under the original's names.
    const task = declareTaskParameters(this, S3_PARAMETERS);
    const p = task.params;
    const { minCapacity: minSize, maxCapacity: maxSize, desiredCapacity: desired, workerInstanceType: instanceType, alarmEmail } = p;
    const hasEmail = new CfnCondition(this, 'HasAlarmEmail', { expression: Fn.conditionNot(Fn.conditionEquals(alarmEmail.valueAsString, '')) });
    const useEvents = new CfnCondition(this, 'UseSourceEvents', {
      expression: Fn.conditionAnd(Fn.conditionNot(Fn.conditionEquals(p.srcEvent.valueAsString, 'No')), Fn.conditionEquals(p.srcType.valueAsString, 'Amazon_S3')),
    });

    // Network: public subnets only (no NAT cost); tasks and instances get public IPs, no inbound rules.
    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2, natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 }],
      flowLogs: { reject: { destination: FlowLogDestination.toCloudWatchLogs(new LogGroup(this, 'FlowLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY })) } },
    });

    const table = new Table(this, 'StatusTable', {
      partitionKey: { name: STATUS_TABLE_PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: STATUS_TABLE_SORT_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const dlq = new Queue(this, 'DeadLetterQueue', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    const queue = new Queue(this, 'JobQueue', {
      encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true,
      visibilityTimeout: Duration.minutes(15), retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: dlq, maxReceiveCount: 5 },
    });

    const topic = new Topic(this, 'AlarmTopic', { enforceSSL: true, displayName: 'Data Transfer Hub task alarms' });
    const subscription = new Subscription(this, 'AlarmEmailSubscription', { topic, protocol: SubscriptionProtocol.EMAIL, endpoint: alarmEmail.valueAsString });
    (subscription.node.defaultChild as unknown as { cfnOptions: { condition?: CfnCondition } }).cfnOptions.condition = hasEmail;
    const dlqAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: 'Objects failed every retry and are in the dead-letter queue',
      metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 0, comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD, evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    dlqAlarm.addAlarmAction(new SnsAction(topic));

    const finderLogs = new LogGroup(this, 'FinderLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const workerLogs = new LogGroup(this, 'WorkerLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const namespace = `${props.metricsNamespace ?? 'DataTransferHub'}/${Aws.STACK_NAME}`;
    // Names, events and values from the log contract (worker/core/events.ts), which the console's charts read back.
    const workerMetric = (id: string, m: (typeof WORKER_METRICS)[keyof typeof WORKER_METRICS]) => new MetricFilter(this, id, {
      logGroup: workerLogs, metricNamespace: namespace, metricName: m.metricName, filterPattern: FilterPattern.stringValue('$.event', '=', m.event), metricValue: metricFilterValue(m),
    });
    const completed = workerMetric('CompletedObjectsFilter', WORKER_METRICS.completedObjects);
    const bytes = workerMetric('BytesTransferredFilter', WORKER_METRICS.bytesTransferred);
    const failed = workerMetric('FailedObjectsFilter', WORKER_METRICS.failedObjects);

    const engineEnv = {
      TASK_PARAMS: task.taskParamsJson, QUEUE_URL: queue.queueUrl, DLQ_URL: dlq.queueUrl, STATUS_TABLE: table.tableName,
      TASK_ID: task.taskId.valueAsString, NODE_NO_WARNINGS: '1',
    };
    const engineStatements = bucketAccess(p.srcBucket.valueAsString, p.destBucket.valueAsString, p.srcCredentials.valueAsString, p.destCredentials.valueAsString);

    // Finder: Fargate task, scheduled; the finder itself skips a pass while the queue holds work.
    const cluster = new Cluster(this, 'Cluster', { vpc, containerInsightsV2: ContainerInsights.ENABLED });
    const finderTask = new FargateTaskDefinition(this, 'FinderTask', {
      cpu: 1024, memoryLimitMiB: 4096,
      runtimePlatform: { cpuArchitecture: CpuArchitecture.X86_64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    finderTask.addContainer('finder', {
      image: taskImage(), command: ['finder'], environment: engineEnv,
      logging: LogDrivers.awsLogs({ streamPrefix: 'finder', logGroup: finderLogs }),
    });
    queue.grantSendMessages(finderTask.taskRole);
    queue.grant(finderTask.taskRole, 'sqs:GetQueueAttributes');
    dlq.grant(finderTask.taskRole, 'sqs:GetQueueAttributes'); // the finder skips a pass while either queue holds work
    table.grantReadWriteData(finderTask.taskRole);
    engineStatements.forEach((s) => finderTask.taskRole.addToPrincipalPolicy(s));
    const finderSg = new SecurityGroup(this, 'FinderSecurityGroup', { vpc, description: 'Finder tasks: outbound only' });
    const rule = new Rule(this, 'FinderSchedule', {
      description: 'Runs the finder on the task schedule',
      schedule: Schedule.expression(task.scheduleExpression),
      targets: [new EcsTask({ cluster, taskDefinition: finderTask, assignPublicIp: true, subnetSelection: { subnetType: SubnetType.PUBLIC }, securityGroups: [finderSg] })],
    });
    (rule.node.defaultChild as CfnRule).cfnOptions.condition = task.hasSchedule;
    // The first pass runs when the stack is created (ONE_TIME tasks have no schedule).
    const firstRun = new AwsCustomResource(this, 'FinderFirstRun', {
      installLatestAwsSdk: false,
      onCreate: {
        service: 'ECS', action: 'runTask', physicalResourceId: PhysicalResourceId.of('finder-first-run'),
        parameters: {
          cluster: cluster.clusterArn, taskDefinition: finderTask.taskDefinitionArn, launchType: 'FARGATE', count: 1,
          networkConfiguration: { awsvpcConfiguration: { assignPublicIp: 'ENABLED', subnets: vpc.publicSubnets.map((s) => s.subnetId), securityGroups: [finderSg.securityGroupId] } },
        },
      },
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({ actions: ['ecs:RunTask'], resources: [finderTask.taskDefinitionArn] }),
        new PolicyStatement({ actions: ['iam:PassRole'], resources: [finderTask.taskRole.roleArn, finderTask.obtainExecutionRole().roleArn] }),
      ]),
    });
    firstRun.node.addDependency(queue, table, vpc);

    // JobWorkers: Graviton Auto Scaling group running `dth worker` from the bundle asset.
    const bundle = new Asset(this, 'WorkerBundle', { path: ensureWorkerBundle() });
    const workerRole = new Role(this, 'WorkerRole', { assumedBy: new ServicePrincipal('ec2.amazonaws.com'), description: 'JobWorker instances' });
    bundle.grantRead(workerRole);
    queue.grantConsumeMessages(workerRole);
    queue.grantSendMessages(workerRole);
    table.grantReadWriteData(workerRole);
    workerLogs.grantWrite(workerRole);
    workerRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['logs:DescribeLogStreams'], resources: [workerLogs.logGroupArn] }));
    engineStatements.forEach((s) => workerRole.addToPrincipalPolicy(s));
    // Delete events (srcEvent CreateAndDelete) delete the object at the destination.
    workerRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:DeleteObject'], resources: [`arn:${Aws.PARTITION}:s3:::${p.destBucket.valueAsString}/*`] }));
    const workerSg = new SecurityGroup(this, 'WorkerSecurityGroup', { vpc, description: 'JobWorkers: outbound only' });
    const launchTemplate = new LaunchTemplate(this, 'WorkerLaunchTemplate', {
      machineImage: MachineImage.latestAmazonLinux2023({ cpuType: AmazonLinuxCpuType.ARM_64 }),
      instanceType: new InstanceType(instanceType.valueAsString),
      role: workerRole, securityGroup: workerSg, requireImdsv2: true, associatePublicIpAddress: true,
      blockDevices: [{ deviceName: '/dev/xvda', volume: BlockDeviceVolume.ebs(16, { encrypted: true }) }],
      userData: workerUserData(bundle, workerLogs.logGroupName, engineEnv),
    });
    const asg = new AutoScalingGroup(this, 'Workers', {
      vpc, vpcSubnets: { subnetType: SubnetType.PUBLIC }, launchTemplate, minCapacity: 0, maxCapacity: 1,
      groupMetrics: [GroupMetrics.all()], notifications: [{ topic }],
    });
    const cfnAsg = asg.node.defaultChild as CfnAutoScalingGroup;
    cfnAsg.addPropertyOverride('MinSize', minSize.valueAsString);
    cfnAsg.addPropertyOverride('MaxSize', maxSize.valueAsString);
    cfnAsg.addPropertyOverride('DesiredCapacity', desired.valueAsString);
    const backlog = new MathExpression({
      expression: 'visible + inflight', label: 'Queued and running jobs', period: Duration.minutes(1),
      usingMetrics: {
        visible: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
        inflight: queue.metricApproximateNumberOfMessagesNotVisible({ period: Duration.minutes(1) }),
      },
    });
    asg.scaleOnMetric('ScaleOnQueueDepth', {
      metric: backlog, adjustmentType: AdjustmentType.CHANGE_IN_CAPACITY, evaluationPeriods: 3,
      scalingSteps: [{ upper: 0, change: -1 }, { lower: 1, change: +1 }, { lower: 500, change: +2 }, { lower: 5000, change: +4 }],
    });

    // Optional near-real-time wiring: object-created events of the source bucket into the job queue.
    const source = Bucket.fromBucketName(this, 'SourceBucket', p.srcBucket.valueAsString);
    source.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(queue));
    for (const c of this.node.findAll()) {
      const res = c.node.defaultChild ?? c;
      if ((res as { cfnResourceType?: string }).cfnResourceType === 'Custom::S3BucketNotifications') {
        (res as unknown as { cfnOptions: { condition?: CfnCondition } }).cfnOptions.condition = useEvents;
      }
    }

    const asgDim = { AutoScalingGroupName: asg.autoScalingGroupName };
    const m = (namespaceName: string, metricName: string, dims: Record<string, string>, label: string, statistic = 'Sum') =>
      new Metric({ namespace: namespaceName, metricName, dimensionsMap: dims, label, statistic, period: Duration.minutes(1) });
    new Dashboard(this, 'Dashboard', {
      dashboardName: `${Aws.STACK_NAME}-dashboard`,
      widgets: [[
        new GraphWidget({ title: 'Network (bytes)', left: [m('AWS/EC2', 'NetworkIn', asgDim, 'In'), m('AWS/EC2', 'NetworkOut', asgDim, 'Out')] }),
        new GraphWidget({ title: 'Objects', left: [completed.metric({ label: 'Transferred', statistic: 'Sum' }), failed.metric({ label: 'Failed', statistic: 'Sum' })], right: [bytes.metric({ label: 'Bytes', statistic: 'Sum' })] }),
      ], [
        new GraphWidget({ title: 'Jobs', left: [queue.metricApproximateNumberOfMessagesNotVisible({ label: 'Running' }), queue.metricApproximateNumberOfMessagesVisible({ label: 'Waiting' }), dlq.metricApproximateNumberOfMessagesVisible({ label: 'Dead letters' })] }),
        new GraphWidget({ title: 'JobWorker instances', left: [m('AWS/AutoScaling', 'GroupDesiredCapacity', asgDim, 'Desired', 'Average'), m('AWS/AutoScaling', 'GroupInServiceInstances', asgDim, 'In service', 'Average')] }),
      ]],
    });

    new CfnOutput(this, PLUGIN_OUTPUTS.statusTable, { value: table.tableName, description: PLUGIN_OUTPUT_DESCRIPTIONS.StatusTableName });
    new CfnOutput(this, PLUGIN_OUTPUTS.queueUrl, { value: queue.queueUrl, description: PLUGIN_OUTPUT_DESCRIPTIONS.QueueUrl });
    new CfnOutput(this, PLUGIN_OUTPUTS.dlqUrl, { value: dlq.queueUrl, description: PLUGIN_OUTPUT_DESCRIPTIONS.DlqUrl });
    new CfnOutput(this, PLUGIN_OUTPUTS.finderLogGroup, { value: finderLogs.logGroupName, description: PLUGIN_OUTPUT_DESCRIPTIONS.FinderLogGroup });
    new CfnOutput(this, PLUGIN_OUTPUTS.workerLogGroup, { value: workerLogs.logGroupName, description: PLUGIN_OUTPUT_DESCRIPTIONS.WorkerLogGroup });
    new CfnOutput(this, PLUGIN_WORKER_GROUP_OUTPUT, { value: asg.autoScalingGroupName, description: PLUGIN_OUTPUT_DESCRIPTIONS.WorkerAutoScalingGroupName });

    acknowledgeS3Plugin(this);
  }
}

/** Least privilege for the engine: list/read the source bucket, write the destination, read the two named secrets. */
function bucketAccess(srcBucket: string, destBucket: string, srcSecret: string, destSecret: string): PolicyStatement[] {
  const arn = (b: string, suffix = '') => `arn:${Aws.PARTITION}:s3:::${b}${suffix}`;
  const secret = (n: string) => `arn:${Aws.PARTITION}:secretsmanager:*:${Aws.ACCOUNT_ID}:secret:${n}-??????`;
  return [
    new PolicyStatement({ actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [arn(srcBucket), arn(destBucket)] }),
    new PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging'], resources: [arn(srcBucket, '/*')] }),
    new PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:PutObjectAcl', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      resources: [arn(destBucket, '/*')],
    }),
    new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret(srcSecret), secret(destSecret)] }),
    new PolicyStatement({
      effect: Effect.ALLOW, actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [`arn:${Aws.PARTITION}:kms:*:${Aws.ACCOUNT_ID}:key/*`],
      conditions: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com*' } },
    }),
  ];
}

/** Installs Node 20, the dth bundle and the CloudWatch agent; runs `dth worker` as a systemd service. */
function workerUserData(bundle: Asset, logGroup: string, env: Record<string, string>): UserData {
  const ud = UserData.forLinux();
  const envLines = Object.entries(env).filter(([k]) => k !== 'TASK_PARAMS').map(([k, v]) => `${k}=${v}`);
  const agent = JSON.stringify({
    agent: { metrics_collection_interval: 60 },
    logs: { logs_collected: { files: { collect_list: [{ file_path: '/var/log/dth-worker.log', log_group_name: logGroup, log_stream_name: '{instance_id}' }] } } },
    metrics: { append_dimensions: { AutoScalingGroupName: '${aws:AutoScalingGroupName}' }, metrics_collected: { net: { measurement: ['bytes_sent', 'bytes_recv'] }, mem: { measurement: ['mem_used_percent'] } } },
  });
  ud.addCommands(
    'set -euo pipefail',
    'dnf install -y nodejs20 nodejs20-npm amazon-cloudwatch-agent',
    'mkdir -p /opt/dth && cd /opt/dth',
    `aws s3 cp ${bundle.s3ObjectUrl} /opt/dth/dth.mjs`,
    'npm-20 install --no-save --omit=dev better-sqlite3@12.11.1 || true',
    "cat > /opt/dth/task-params.json <<'DTH_PARAMS_EOF'", env.TASK_PARAMS, 'DTH_PARAMS_EOF',
    "cat > /opt/dth/worker.env <<'DTH_ENV_EOF'", ...envLines, 'TASK_PARAMS_FILE=/opt/dth/task-params.json', `AWS_REGION=${Aws.REGION}`, 'DTH_ENV_EOF',
    "cat > /opt/aws/amazon-cloudwatch-agent/etc/dth.json <<'DTH_CW_EOF'", agent, 'DTH_CW_EOF',
    '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/dth.json',
    "cat > /etc/systemd/system/dth-worker.service <<'DTH_UNIT_EOF'",
    '[Unit]', 'Description=Data Transfer Hub JobWorker', 'After=network-online.target', '[Service]',
    'EnvironmentFile=/opt/dth/worker.env', 'ExecStart=/usr/bin/node-20 /opt/dth/dth.mjs worker', 'Restart=always', 'RestartSec=10',
    'KillSignal=SIGTERM', 'TimeoutStopSec=120', 'StandardOutput=append:/var/log/dth-worker.log', 'StandardError=append:/var/log/dth-worker.log',
    '[Install]', 'WantedBy=multi-user.target', 'DTH_UNIT_EOF',
    'systemctl daemon-reload && systemctl enable --now dth-worker',
  );
  return ud;
}

function acknowledgeS3Plugin(stack: Stack): void {
  const iam5 = (finding: string, reason: string) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  Validations.of(stack).acknowledge(
    { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: 'Only the CDK-provided helper Lambdas (AwsCustomResource, bucket notifications) use it: log writing only' },
    iam5('Resource::arn:<AWS::Partition>:s3:::<srcBucket>/*', 'Objects of the task source bucket: the finder lists and the workers read any key of it'),
    iam5('Resource::arn:<AWS::Partition>:s3:::<destBucket>/*', 'Objects of the task destination bucket: the workers write any key under the destination prefix'),
    iam5('Resource::arn:<AWS::Partition>:secretsmanager:*:<AWS::AccountId>:secret:<srcCredentials>-??????', 'The named source secret; -?????? is the random suffix Secrets Manager appends'),
    iam5('Resource::arn:<AWS::Partition>:secretsmanager:*:<AWS::AccountId>:secret:<destCredentials>-??????', 'The named destination secret; -?????? is the random suffix Secrets Manager appends'),
    iam5('Resource::arn:<AWS::Partition>:kms:*:<AWS::AccountId>:key/*', 'SSE-KMS objects: restricted by the kms:ViaService=s3 condition to use through S3 only'),
    iam5('Resource::*', 'ECS task execution role: ecr:GetAuthorizationToken has no resource-level permissions'),
    iam5('Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:*:task/<ClusterEB0386A7>/*', 'EventBridge target role: tasks of this stack\'s cluster only (CDK EcsTask target)'),
    iam5('Action::s3:GetObject*', 'Asset read grant (grantRead) of the worker bundle object'),
    iam5('Action::s3:GetBucket*', 'Asset read grant (grantRead) of the worker bundle object'),
    iam5('Action::s3:List*', 'Asset read grant (grantRead) of the worker bundle object'),
    iam5('Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*', 'Asset read grant: the CDK bootstrap asset bucket holding the worker bundle'),
    { id: 'AwsSolutions-L1', reason: 'CDK-provided custom resource Lambdas pin their own runtime' },
    { id: 'AwsSolutions-EC23', reason: 'Security groups have no inbound rules at all (outbound only)' },
    { id: 'AwsSolutions-SQS3', reason: 'The dead-letter queue is itself the DLQ of the job queue' },
    { id: 'AwsSolutions-ECS2', reason: 'Environment holds only resource names and the task parameters (no secrets: credentials are read from Secrets Manager at run time)' },
    { id: 'AwsSolutions-SNS3', reason: 'enforceSSL is set on the topic policy' },
  );
}
