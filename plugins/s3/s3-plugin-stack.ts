import {
  Aws,
  CfnCondition,
  CfnMapping,
  CfnOutput,
  CfnResource,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
  type StackProps,
} from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Cluster, ContainerInsights } from 'aws-cdk-lib/aws-ecs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { Construct } from 'constructs';
import {
  ORIGINAL_S3_OUTPUTS,
  PLUGIN_OUTPUT_DESCRIPTIONS,
  PLUGIN_OUTPUTS,
  PLUGIN_WORKER_GROUP_OUTPUT,
} from '../../control-plane/core/plugin-contract.js';
import { ensureWorkerBundle, TASK_IMAGE_ARCHITECTURE, taskImage } from '../../lib/task-image.js';
import { type ContractMetric, WORKER_METRICS } from '../../worker/core/events.js';
import { AlarmTopic } from '../constructs/alarm-topic.js';
import { ContractMetrics } from '../constructs/contract-metrics.js';
import { FinderSchedule, finderSize } from '../constructs/finder-schedule.js';
import { PluginRoleBoundary } from '../constructs/role-boundary.js';
import { StatusTable } from '../constructs/status-table.js';
import { requireNetwork, TaskNetwork } from '../constructs/task-network.js';
import { TaskQueue } from '../constructs/task-queue.js';
import { TransferBuckets } from '../constructs/transfer-buckets.js';
import { TransferDashboard } from '../constructs/transfer-dashboard.js';
import { WorkerFleet } from '../constructs/worker-fleet.js';
import { FINDER_MEMORY_GIB, S3_PARAMETERS } from '../../worker/params/index.js';
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
    this.templateOptions.templateFormatVersion = '2010-09-09';
    // Every task parameter, from the schema (worker/params/s3-schema.ts), under the original's names: one call.
    // A parameter set larger than a CloudFormation parameter (4 KB: long include/exclude lists, prefixes) is kept in
    // SSM by the control plane (TaskParamsPath); the finder and the workers read it from there.
    const task = declareTaskParameters(this, S3_PARAMETERS, { paramsFromSsm: true });
    const p = task.params;
    const eventsWanted = (events: string) =>
      Fn.conditionAnd(
        Fn.conditionEquals(p.srcType.valueAsString, 'Amazon_S3'),
        Fn.conditionEquals(p.srcEvent.valueAsString, events),
      );
    const createEvents = new CfnCondition(this, 'UseSourceEvents', {
      expression: Fn.conditionOr(eventsWanted('Create'), eventsWanted('CreateAndDelete')),
    });
    const deleteEvents = new CfnCondition(this, 'UseDeleteEvents', { expression: eventsWanted('CreateAndDelete') });
    new PluginRoleBoundary(this, 'RoleBoundary');

    requireNetwork(this, [p.ec2VpcId, p.ec2Subnets]);
    const network = new TaskNetwork(this, 'Network', {
      vpcId: p.ec2VpcId.valueAsString,
      // Spaces dropped first: `subnet-a, subnet-b` is how people write a list (the original's List<Subnet::Id> took
      // it); split as given, ` subnet-b` was no subnet and CreateStack failed on the network.
      subnetIds: Fn.split(',', Fn.join('', Fn.split(' ', p.ec2Subnets.valueAsString))),
    });
    const table = new StatusTable(this, 'StatusTable');
    const alarms = new AlarmTopic(this, 'Alarms', { email: p.alarmEmail.valueAsString });
    // Deliveries before SQS itself dead-letters a job: the task's maxAttempts, which the workers count too. At a fixed
    // 5, a task allowing more left each object the queue gave up on PENDING, with no FAILED record nor alarm line.
    const attemptsBlank = new CfnCondition(this, 'MaxAttemptsBlank', {
      expression: Fn.conditionEquals(p.maxAttempts.valueAsString, ''),
    });
    const defaultAttempts = Number(S3_PARAMETERS.find((s) => s.name === 'maxAttempts')?.default ?? 5);
    const jobs = new TaskQueue(this, 'Jobs', {
      alarmTopic: alarms.topic,
      maxReceiveCount: Token.asNumber(
        Fn.conditionIf(attemptsBlank.logicalId, defaultAttempts, p.maxAttempts.valueAsString),
      ),
    });
    // The original pinned these logical IDs, so its resources are named `<stack>-S3TransferQueue-…` and so on; its guides
    // (the OSS event forwarding, the queue policy) find them by those names.
    const pin = (construct: Construct, logicalId: string) =>
      (construct.node.defaultChild as CfnResource).overrideLogicalId(logicalId);
    pin(jobs.queue, 'S3TransferQueue');
    pin(jobs.deadLetterQueue, 'S3TransferQueueDLQ');
    pin(table, 'S3TransferTable');
    pin(alarms.topic, 'S3TransferAlarmTopic');
    const buckets = new TransferBuckets(this, 'Buckets', {
      sourceBucketName: p.srcBucket.valueAsString,
      destinationBucketName: p.destBucket.valueAsString,
      sourceSecretName: p.srcCredentials.valueAsString,
      destinationSecretName: p.destCredentials.valueAsString,
    });

    const finderLogs = new LogGroup(this, 'FinderLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const workerLogs = new LogGroup(this, 'WorkerLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Names, events and values from the log contract (worker/core/events.ts), which the console's charts read back.
    const metrics = new ContractMetrics(this, props.metricsNamespace);
    const workerMetric = (id: string, m: ContractMetric) => metrics.filter(id, workerLogs, m);
    const transferred = workerMetric('CompletedObjectsFilter', WORKER_METRICS.completedObjects);
    const bytes = workerMetric('BytesTransferredFilter', WORKER_METRICS.bytesTransferred);
    const failed = workerMetric('FailedObjectsFilter', WORKER_METRICS.failedObjects);
    // A worker that stops on an error (its start-up access check failed, a bad configuration) copies nothing and is
    // restarted by systemd to fail again: the operator hears of it by the task's alarm e-mail, as of a dead letter.
    const crashAlarm = new Alarm(this, 'WorkerCrashAlarm', {
      alarmDescription: `A JobWorker stopped on an error (${WORKER_METRICS.workerCrashes.event}: no access to a bucket, a rejected secret, a bad configuration); its reason is in the worker log group`,
      metric: workerMetric('WorkerCrashesFilter', WORKER_METRICS.workerCrashes).with({ period: Duration.minutes(5) }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    crashAlarm.addAlarmAction(new SnsAction(alarms.topic));

    const paramsPath = task.paramsPath;
    if (!paramsPath) throw new Error('declareTaskParameters gives TaskParamsPath when paramsFromSsm is set');
    const engineEnv = {
      TASK_PARAMS: task.taskParamsJson,
      QUEUE_URL: jobs.queue.queueUrl,
      DLQ_URL: jobs.deadLetterQueue.queueUrl,
      STATUS_TABLE: table.tableName,
      TASK_ID: task.taskId.valueAsString,
      TASK_PARAMS_PATH: paramsPath.valueAsString,
      NODE_NO_WARNINGS: '1',
    };
    const cluster = new Cluster(this, 'Cluster', { vpc: network.vpc, containerInsightsV2: ContainerInsights.ENABLED });
    // finderEc2Memory sizes the Fargate finder as it sized the original's finder instance.
    const sizes = new CfnMapping(this, 'FinderSize', {
      mapping: Object.fromEntries(
        FINDER_MEMORY_GIB.map((gib) => {
          const size = finderSize(Number(gib));
          return [gib, { Cpu: String(size.cpu), Memory: String(size.memoryMiB), Heap: String(size.heapMiB) }];
        }),
      ),
    });
    const sizeOf = (key: string) => sizes.findInMap(p.finderEc2Memory.valueAsString, key);
    const finder = new FinderSchedule(this, 'Finder', {
      cluster,
      network,
      cpu: Token.asNumber(sizeOf('Cpu')),
      memoryLimitMiB: Token.asNumber(sizeOf('Memory')),
      heapMiB: sizeOf('Heap'),
      image: taskImage(),
      cpuArchitecture: TASK_IMAGE_ARCHITECTURE.cpu,
      environment: engineEnv,
      logGroup: finderLogs,
      schedule: task.scheduleExpression,
      scheduleCondition: task.hasSchedule,
    });
    finder.firstRun.node.addDependency(jobs, table);
    const fleet = new WorkerFleet(this, 'Workers', {
      network,
      bundle: new Asset(this, 'WorkerBundle', { path: ensureWorkerBundle() }),
      environment: engineEnv,
      logGroup: workerLogs,
      instanceType: p.workerInstanceType.valueAsString,
      minCapacity: p.minCapacity.valueAsString,
      maxCapacity: p.maxCapacity.valueAsString,
      desiredCapacity: p.desiredCapacity.valueAsString,
      backlog: jobs.metricBacklog(),
    });

    // The finder lists both sides and queues; the workers copy, verify, and record each object.
    for (const role of [finder, fleet]) {
      table.grantReadWriteData(role);
      jobs.grantReadDepth(role);
      buckets.grantList(role);
      buckets.grantReadSecrets(role);
      task.grantReadParams(role);
    }
    jobs.grantSendJobs(finder);
    buckets.grantReadSource(finder); // the prefix list file (srcPrefixsListFile) is an object of the source bucket…
    // …or of srcPrefixListBucket, read with this account's role.
    const hasPrefixListBucket = new CfnCondition(this, 'HasPrefixListBucket', {
      expression: Fn.conditionNot(Fn.conditionEquals(p.srcPrefixListBucket.valueAsString, '')),
    });
    buckets.grantReadPrefixList(
      finder.taskDefinition.taskRole,
      p.srcPrefixListBucket.valueAsString,
      hasPrefixListBucket,
    );
    jobs.grantConsumeJobs(fleet);
    jobs.grantDeadLetter(fleet);
    buckets.grantReadSource(fleet);
    buckets.grantWriteDestination(fleet);
    buckets.grantUseKmsThroughS3(fleet);
    buckets.grantDeleteDestination(fleet.role, deleteEvents);

    this.receiveSourceEvents(buckets, jobs, p.srcPrefix.valueAsString, createEvents, deleteEvents);

    new TransferDashboard(this, 'Dashboard', {
      transferredObjects: transferred.with({ label: 'Transferred' }),
      failedObjects: failed.with({ label: 'Failed' }),
      transferredBytes: bytes.with({ label: 'Bytes' }),
      queue: jobs.queue,
      deadLetterQueue: jobs.deadLetterQueue,
      autoScalingGroupName: fleet.autoScalingGroup.autoScalingGroupName,
    });

    const output = (id: string, value: string, description?: string) => new CfnOutput(this, id, { value, description });
    const described = (id: keyof typeof PLUGIN_OUTPUT_DESCRIPTIONS, value: string) =>
      output(id, value, PLUGIN_OUTPUT_DESCRIPTIONS[id]);
    described(PLUGIN_OUTPUTS.statusTable, table.tableName);
    described(PLUGIN_OUTPUTS.queueUrl, jobs.queue.queueUrl);
    described(PLUGIN_OUTPUTS.dlqUrl, jobs.deadLetterQueue.queueUrl);
    described(PLUGIN_OUTPUTS.finderLogGroup, finderLogs.logGroupName);
    described(PLUGIN_OUTPUTS.workerLogGroup, workerLogs.logGroupName);
    described(PLUGIN_WORKER_GROUP_OUTPUT, fleet.autoScalingGroup.autoScalingGroupName);
    described(PLUGIN_OUTPUTS.ecsCluster, cluster.clusterName);
    described(PLUGIN_OUTPUTS.ecsTaskFamilies, finder.family);
    described(PLUGIN_OUTPUTS.finderTaskFamily, finder.family);
    // The original template's outputs under its keys and descriptions (its console and scripts read them either way).
    const original: Record<keyof typeof ORIGINAL_S3_OUTPUTS, string> = {
      statusTable: table.tableName,
      queueName: jobs.queue.queueName,
      dlqName: jobs.deadLetterQueue.queueName,
      alarmTopicName: alarms.topic.topicName,
      stackName: Aws.STACK_NAME,
      finderLogGroup: finderLogs.logGroupName,
      workerLogGroup: workerLogs.logGroupName,
      workerGroup: fleet.autoScalingGroup.autoScalingGroupName,
    };
    for (const [name, value] of Object.entries(original)) {
      const { key, description } = ORIGINAL_S3_OUTPUTS[name as keyof typeof ORIGINAL_S3_OUTPUTS];
      output(key, value, description);
    }

    acknowledgeS3Plugin(this);
  }

  /**
   * Near-real-time copies (srcEvent Create / CreateAndDelete, Amazon S3 source in this account): the source bucket's
   * events under srcPrefix go into the job queue, in the original's one queue configuration — ObjectCreated, plus
   * ObjectRemoved for CreateAndDelete. The notification is added to the bucket's existing configuration and removed
   * with the stack.
   */
  private receiveSourceEvents(
    buckets: TransferBuckets,
    jobs: TaskQueue,
    srcPrefix: string,
    createEvents: CfnCondition,
    deleteEvents: CfnCondition,
  ): void {
    buckets.source.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(jobs.queue));
    const resource = this.node
      .findAll()
      .find(
        (c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'Custom::S3BucketNotifications',
      );
    if (!resource) throw new Error('S3 plugin: the bucket notification resource was not created');
    resource.cfnOptions.condition = createEvents;
    const hasPrefix = new CfnCondition(this, 'HasSourcePrefix', {
      expression: Fn.conditionNot(Fn.conditionEquals(srcPrefix, '')),
    });
    resource.addPropertyOverride('NotificationConfiguration.QueueConfigurations', [
      {
        Events: Fn.conditionIf(
          deleteEvents.logicalId,
          ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
          ['s3:ObjectCreated:*'],
        ),
        QueueArn: jobs.queue.queueArn,
        Filter: Fn.conditionIf(
          hasPrefix.logicalId,
          { Key: { FilterRules: [{ Name: 'prefix', Value: srcPrefix }] } },
          Aws.NO_VALUE,
        ),
      },
    ]);
  }
}

function acknowledgeS3Plugin(stack: Stack): void {
  const iam5 = (finding: string, reason: string) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  Validations.of(stack).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'Only the CDK-provided helper Lambdas (AwsCustomResource, bucket notifications) use it: log writing only',
    },
    iam5(
      'Resource::arn:<AWS::Partition>:s3:::<srcBucket>/*',
      'Objects of the task source bucket: the finder lists and the workers read any key of it',
    ),
    iam5(
      'Resource::arn:<AWS::Partition>:s3:::<destBucket>/*',
      'Objects of the task destination bucket: the workers write any key under the destination prefix',
    ),
    iam5(
      'Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:<srcCredentials>-??????',
      'The named source secret; -?????? is the random suffix Secrets Manager appends',
    ),
    iam5(
      'Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:<destCredentials>-??????',
      'The named destination secret; -?????? is the random suffix Secrets Manager appends',
    ),
    iam5(
      'Resource::arn:<AWS::Partition>:s3:::<srcPrefixListBucket>/*',
      'The prefix list object (srcPrefixsListFile) of the named srcPrefixListBucket; its key is a task parameter, and the policy exists only when the bucket is given',
    ),
    iam5(
      'Resource::arn:<AWS::Partition>:kms:*:<AWS::AccountId>:key/*',
      'SSE-KMS objects: restricted by the kms:ViaService=s3 condition to use through S3 only',
    ),
    iam5(
      'Resource::*',
      'Actions without resource-level permissions: ecr:GetAuthorizationToken (task execution role), ec2:DescribeTags and cloudwatch:PutMetricData (CloudWatch agent; PutMetricData limited to the CWAgent namespace by condition)',
    ),
    iam5(
      'Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:*:task/<ClusterEB0386A7>/*',
      "EventBridge target role: tasks of this stack's cluster only (CDK EcsTask target)",
    ),
    iam5('Action::s3:GetObject*', 'Asset read grant (grantRead) of the worker bundle object'),
    iam5('Action::s3:GetBucket*', 'Asset read grant (grantRead) of the worker bundle object'),
    iam5('Action::s3:List*', 'Asset read grant (grantRead) of the worker bundle object'),
    iam5(
      'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
      'Asset read grant: the CDK bootstrap asset bucket holding the worker bundle',
    ),
    { id: 'AwsSolutions-L1', reason: 'CDK-provided custom resource Lambdas pin their own runtime' },
    { id: 'AwsSolutions-EC23', reason: 'Security groups have no inbound rules at all (outbound only)' },
    { id: 'AwsSolutions-SQS3', reason: 'The dead-letter queue is itself the DLQ of the job queue' },
    {
      id: 'AwsSolutions-ECS2',
      reason:
        'Environment holds only resource names and the task parameters (no secrets: credentials are read from Secrets Manager at run time)',
    },
    { id: 'AwsSolutions-SNS3', reason: 'enforceSSL is set on the topic policy' },
    {
      id: 'AwsSolutions-AS3',
      reason:
        "Scaling notifications would e-mail the task's alarm address at every scaling step (the original sends none); instance counts are on the dashboard",
    },
    {
      id: 'CloudFormation-Validate::W9052',
      reason:
        "The validator's analysis budget runs out on this template; cfn-lint checks it in full (test/cdk/template-lint.test.ts)",
    },
  );
}
