import { Aws, CfnCondition, CfnOutput, CfnParameter, CfnResource, Fn, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Cluster, ContainerInsights } from 'aws-cdk-lib/aws-ecs';
import { FilterPattern, LogGroup, MetricFilter, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { Construct } from 'constructs';
import { PLUGIN_OUTPUTS, PLUGIN_WORKER_GROUP_OUTPUT } from '../../control-plane/core/plugin-contract.js';
import { ensureWorkerBundle, TASK_IMAGE_ARCHITECTURE, taskImage } from '../../lib/task-image.js';
import { metricFilterValue, WORKER_METRICS } from '../../worker/core/events.js';
import { AlarmTopic } from '../constructs/alarm-topic.js';
import { FinderSchedule } from '../constructs/finder-schedule.js';
import { PluginRoleBoundary } from '../constructs/role-boundary.js';
import { StatusTable } from '../constructs/status-table.js';
import { TaskNetwork } from '../constructs/task-network.js';
import { TaskQueue } from '../constructs/task-queue.js';
import { TransferBuckets } from '../constructs/transfer-buckets.js';
import { TransferDashboard } from '../constructs/transfer-dashboard.js';
import { WorkerFleet } from '../constructs/worker-fleet.js';
import { declareTaskParameters, type EngineParameter } from '../task-parameters.js';

/** The S3 engine's task parameters (names as in worker/s3/params.ts). */
export const S3_ENGINE_PARAMETERS: EngineParameter[] = [
  { name: 'srcType', description: 'Source type', default: 'Amazon_S3', allowedValues: ['Amazon_S3', 'Aliyun_OSS', 'Qiniu_Kodo', 'Tencent_COS', 'Google_GCS', 'S3_Compatible'] },
  { name: 'srcBucket', description: 'Source bucket name' },
  { name: 'srcPrefix', description: 'Source prefix (optional)' },
  { name: 'srcPrefixsListFile', description: 'Key of a prefix list file in the source bucket (optional)' },
  { name: 'srcSkipCompare', description: 'Skip comparing with the destination', default: 'false', allowedValues: ['true', 'false'] },
  { name: 'srcRegion', description: 'Source region' },
  { name: 'srcEndpoint', description: 'Source endpoint URL (S3-compatible sources, optional)' },
  { name: 'srcCredentials', description: 'Secrets Manager secret name of the source access key (empty: this account\'s role)' },
  { name: 'isPayerRequest', description: 'Source bucket is requester-pays', default: 'false', allowedValues: ['true', 'false'] },
  { name: 'srcEvent', description: 'Near-real-time transfer from S3 event notifications (Amazon S3 source in this account)', default: 'No', allowedValues: ['No', 'Create', 'CreateAndDelete'] },
  { name: 'destBucket', description: 'Destination bucket name' },
  { name: 'destPrefix', description: 'Destination prefix (optional)' },
  { name: 'destRegion', description: 'Destination region' },
  { name: 'destCredentials', description: 'Secrets Manager secret name of the destination access key (empty: this account\'s role)' },
  { name: 'destStorageClass', description: 'Destination storage class', default: 'STANDARD' },
  { name: 'destAcl', description: 'Destination object ACL', default: 'bucket-owner-full-control' },
  { name: 'destSSE', description: 'Destination server-side encryption', default: 'None', allowedValues: ['None', 'AES256', 'AWS_KMS'] },
  { name: 'destKMSKey', description: 'KMS key id for destSSE=AWS_KMS (optional)' },
  { name: 'includeMetadata', description: 'Copy object metadata', default: 'true', allowedValues: ['true', 'false'] },
  { name: 'include', description: 'Only keys matching these comma-separated patterns (optional)' },
  { name: 'exclude', description: 'Skip keys matching these comma-separated patterns (optional)' },
];

/**
 * Every parameter of the S3 plugin template, declared in one call (the parameter schema replaces this function):
 * the task parameters, the fleet's size and type, the alarm e-mail, and the network (the original's ec2VpcId /
 * ec2Subnets: the hub passes its shared task VPC, a standalone deploy any VPC — e.g. Direct Connect).
 */
export function declareS3PluginParameters(stack: Stack) {
  const task = declareTaskParameters(stack, S3_ENGINE_PARAMETERS);
  const capacity = (id: string, def: number, minValue: number, description: string) =>
    new CfnParameter(stack, id, { type: 'Number', default: def, minValue, description });
  return {
    ...task,
    minCapacity: capacity('WorkerMinCapacity', 0, 0, 'Minimum JobWorker instances'),
    maxCapacity: capacity('WorkerMaxCapacity', 10, 1, 'Maximum JobWorker instances'),
    desiredCapacity: capacity('WorkerDesiredCapacity', 1, 0, 'JobWorker instances at start (each signals its boot to CloudFormation)'),
    instanceType: new CfnParameter(stack, 'WorkerInstanceType', {
      type: 'String', default: 'c7g.large', description: 'Graviton instance type of the JobWorkers',
      allowedValues: ['c6g.large', 'c6g.xlarge', 'c7g.large', 'c7g.xlarge', 'm6g.large', 'm7g.large', 'c6gn.large', 'c7gn.large'],
    }),
    alarmEmail: new CfnParameter(stack, 'AlarmEmail', { type: 'String', default: '', description: 'Email notified when objects land in the dead-letter queue (optional)' }),
    vpcId: new CfnParameter(stack, 'ec2VpcId', { type: 'AWS::EC2::VPC::Id', description: 'VPC of the finder and the JobWorkers (the hub passes its task VPC)' }),
    subnetIds: new CfnParameter(stack, 'ec2Subnets', {
      type: 'List<AWS::EC2::Subnet::Id>',
      description: 'Subnets of that VPC, comma-separated: public ones, or private ones with a NAT gateway or VPC endpoints',
    }),
  };
}

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
    this.templateOptions.templateFormatVersion = '2010-09-09';
    const p = declareS3PluginParameters(this);
    const eventsWanted = (events: string) => Fn.conditionAnd(Fn.conditionEquals(p.params.srcType.valueAsString, 'Amazon_S3'), Fn.conditionEquals(p.params.srcEvent.valueAsString, events));
    const createEvents = new CfnCondition(this, 'UseSourceEvents', { expression: Fn.conditionOr(eventsWanted('Create'), eventsWanted('CreateAndDelete')) });
    const deleteEvents = new CfnCondition(this, 'UseDeleteEvents', { expression: eventsWanted('CreateAndDelete') });
    new PluginRoleBoundary(this, 'RoleBoundary');

    const network = new TaskNetwork(this, 'Network', { vpcId: p.vpcId.valueAsString, subnetIds: p.subnetIds.valueAsList });
    const table = new StatusTable(this, 'StatusTable');
    const alarms = new AlarmTopic(this, 'Alarms', { email: p.alarmEmail.valueAsString });
    const jobs = new TaskQueue(this, 'Jobs', { alarmTopic: alarms.topic });
    const buckets = new TransferBuckets(this, 'Buckets', {
      sourceBucketName: p.params.srcBucket.valueAsString, destinationBucketName: p.params.destBucket.valueAsString,
      sourceSecretName: p.params.srcCredentials.valueAsString, destinationSecretName: p.params.destCredentials.valueAsString,
    });

    const finderLogs = new LogGroup(this, 'FinderLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const workerLogs = new LogGroup(this, 'WorkerLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const namespace = `${props.metricsNamespace ?? 'DataTransferHub'}/${Aws.STACK_NAME}`;
    // Names, events and values from the log contract (worker/core/events.ts), which the console's charts read back.
    const workerMetric = (id: string, m: (typeof WORKER_METRICS)[keyof typeof WORKER_METRICS]) => new MetricFilter(this, id, {
      logGroup: workerLogs, metricNamespace: namespace, metricName: m.metricName, filterPattern: FilterPattern.stringValue('$.event', '=', m.event), metricValue: metricFilterValue(m),
    }).metric({ statistic: 'Sum' });
    const transferred = workerMetric('CompletedObjectsFilter', WORKER_METRICS.completedObjects);
    const bytes = workerMetric('BytesTransferredFilter', WORKER_METRICS.bytesTransferred);
    const failed = workerMetric('FailedObjectsFilter', WORKER_METRICS.failedObjects);

    const engineEnv = {
      TASK_PARAMS: p.taskParamsJson, QUEUE_URL: jobs.queue.queueUrl, DLQ_URL: jobs.deadLetterQueue.queueUrl, STATUS_TABLE: table.tableName,
      TASK_ID: p.taskId.valueAsString, NODE_NO_WARNINGS: '1',
    };
    const cluster = new Cluster(this, 'Cluster', { vpc: network.vpc, containerInsightsV2: ContainerInsights.ENABLED });
    const finder = new FinderSchedule(this, 'Finder', {
      cluster, network, image: taskImage(), cpuArchitecture: TASK_IMAGE_ARCHITECTURE.cpu, environment: engineEnv, logGroup: finderLogs,
      schedule: p.schedule.valueAsString, scheduleCondition: p.hasSchedule,
    });
    finder.firstRun.node.addDependency(jobs, table);
    const fleet = new WorkerFleet(this, 'Workers', {
      network, bundle: new Asset(this, 'WorkerBundle', { path: ensureWorkerBundle() }), environment: engineEnv, logGroup: workerLogs,
      instanceType: p.instanceType.valueAsString, minCapacity: p.minCapacity.valueAsString, maxCapacity: p.maxCapacity.valueAsString,
      desiredCapacity: p.desiredCapacity.valueAsString, backlog: jobs.metricBacklog(),
    });

    // The finder lists both sides and queues; the workers copy, verify, and record each object.
    for (const role of [finder, fleet]) {
      table.grantReadWriteData(role);
      jobs.grantReadDepth(role);
      buckets.grantList(role);
      buckets.grantReadSecrets(role);
    }
    jobs.grantSendJobs(finder);
    buckets.grantReadSource(finder); // the prefix list file (srcPrefixsListFile) is an object of the source bucket
    jobs.grantConsumeJobs(fleet);
    buckets.grantReadSource(fleet);
    buckets.grantWriteDestination(fleet);
    buckets.grantUseKmsThroughS3(fleet);
    buckets.grantDeleteDestination(fleet.role, deleteEvents);

    this.receiveSourceEvents(buckets, jobs, p.params.srcPrefix.valueAsString, createEvents, deleteEvents);

    new TransferDashboard(this, 'Dashboard', {
      transferredObjects: transferred.with({ label: 'Transferred' }), failedObjects: failed.with({ label: 'Failed' }), transferredBytes: bytes.with({ label: 'Bytes' }),
      queue: jobs.queue, deadLetterQueue: jobs.deadLetterQueue, autoScalingGroupName: fleet.autoScalingGroup.autoScalingGroupName,
    });

    const output = (id: string, value: string, description?: string) => new CfnOutput(this, id, { value, description });
    output(PLUGIN_OUTPUTS.statusTable, table.tableName, 'DynamoDB Table Name');
    output(PLUGIN_OUTPUTS.queueUrl, jobs.queue.queueUrl);
    output(PLUGIN_OUTPUTS.dlqUrl, jobs.deadLetterQueue.queueUrl);
    output(PLUGIN_OUTPUTS.finderLogGroup, finderLogs.logGroupName, 'Finder Log Group Name');
    output(PLUGIN_OUTPUTS.workerLogGroup, workerLogs.logGroupName, 'Worker Log Group Name');
    output(PLUGIN_WORKER_GROUP_OUTPUT, fleet.autoScalingGroup.autoScalingGroupName, 'Worker ASG Name');
    output(PLUGIN_OUTPUTS.ecsCluster, cluster.clusterName);
    output(PLUGIN_OUTPUTS.ecsTaskFamilies, finder.family);
    output(PLUGIN_OUTPUTS.finderTaskFamily, finder.family);
    // The original template's outputs, by the descriptions its backend and scripts look them up by.
    output('QueueName', jobs.queue.queueName, 'Queue Name');
    output('DLQQueueName', jobs.deadLetterQueue.queueName, 'Dead Letter Queue Name');
    output('AlarmTopicName', alarms.topic.topicName, 'Alarm Topic Name');
    output('StackName', Aws.STACK_NAME, 'Stack Name');

    acknowledgeS3Plugin(this);
  }

  /**
   * Near-real-time copies (srcEvent Create / CreateAndDelete, Amazon S3 source in this account): the source bucket's
   * object-created (and object-removed) events under srcPrefix go into the job queue. The notification is added to
   * the bucket's existing configuration and removed with the stack.
   */
  private receiveSourceEvents(buckets: TransferBuckets, jobs: TaskQueue, srcPrefix: string, createEvents: CfnCondition, deleteEvents: CfnCondition): void {
    buckets.source.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(jobs.queue));
    const resource = this.node.findAll().find((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'Custom::S3BucketNotifications');
    if (!resource) throw new Error('S3 plugin: the bucket notification resource was not created');
    resource.cfnOptions.condition = createEvents;
    const hasPrefix = new CfnCondition(this, 'HasSourcePrefix', { expression: Fn.conditionNot(Fn.conditionEquals(srcPrefix, '')) });
    const filter = Fn.conditionIf(hasPrefix.logicalId, { Key: { FilterRules: [{ Name: 'prefix', Value: srcPrefix }] } }, Aws.NO_VALUE);
    const configuration = (events: string) => ({ Events: [events], QueueArn: jobs.queue.queueArn, Filter: filter });
    resource.addPropertyOverride('NotificationConfiguration.QueueConfigurations', [
      configuration('s3:ObjectCreated:*'),
      Fn.conditionIf(deleteEvents.logicalId, configuration('s3:ObjectRemoved:*'), Aws.NO_VALUE),
    ]);
  }
}

function acknowledgeS3Plugin(stack: Stack): void {
  const iam5 = (finding: string, reason: string) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  Validations.of(stack).acknowledge(
    { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: 'Only the CDK-provided helper Lambdas (AwsCustomResource, bucket notifications) use it: log writing only' },
    iam5('Resource::arn:<AWS::Partition>:s3:::<srcBucket>/*', 'Objects of the task source bucket: the finder lists and the workers read any key of it'),
    iam5('Resource::arn:<AWS::Partition>:s3:::<destBucket>/*', 'Objects of the task destination bucket: the workers write any key under the destination prefix'),
    iam5('Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:<srcCredentials>-??????', 'The named source secret; -?????? is the random suffix Secrets Manager appends'),
    iam5('Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:<destCredentials>-??????', 'The named destination secret; -?????? is the random suffix Secrets Manager appends'),
    iam5('Resource::arn:<AWS::Partition>:kms:*:<AWS::AccountId>:key/*', 'SSE-KMS objects: restricted by the kms:ViaService=s3 condition to use through S3 only'),
    iam5('Resource::*', 'Actions without resource-level permissions: ecr:GetAuthorizationToken (task execution role), ec2:DescribeTags and cloudwatch:PutMetricData (CloudWatch agent; PutMetricData limited to the CWAgent namespace by condition)'),
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
    { id: 'AwsSolutions-AS3', reason: 'Scaling notifications would e-mail the task\'s alarm address at every scaling step (the original sends none); instance counts are on the dashboard' },
    { id: 'CloudFormation-Validate::W9052', reason: 'The validator\'s analysis budget runs out on this template; cfn-lint checks it in full (test/cdk/template-lint.test.ts)' },
  );
}
