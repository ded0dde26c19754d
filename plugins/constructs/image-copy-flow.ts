import { Annotations, Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import {
  type ContainerImage,
  type CpuArchitecture,
  FargateTaskDefinition,
  type ICluster,
  LogDrivers,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import { type IGrantable, type IPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { type ILogGroup, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import {
  Choice,
  Condition,
  DefinitionBody,
  DistributedMap,
  IntegrationPattern,
  JsonPath,
  LogLevel,
  Pass,
  ProcessorMode,
  ProcessorType,
  S3JsonItemReader,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import {
  DynamoAttributeValue,
  DynamoUpdateItem,
  EcsFargateLaunchTarget,
  EcsRunTask,
  LambdaInvoke,
  SnsPublish,
} from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  RECORD_SORT_KEY,
  STATUS_TABLE_PARTITION_KEY,
  STATUS_TABLE_SORT_KEY,
} from '../../worker/adapters/aws/status-table.js';
import type { TaskNetwork } from './task-network.js';

/** Images copied at once (Map maxConcurrency) and attempts of a failed copy task per image, as the original. */
export const IMAGE_COPY_CONCURRENCY = 10;
export const IMAGE_COPY_RETRIES = 3;

export interface ImageCopyFlowProps {
  /** The lister Lambda: writes this run's image list to `listBucket` and returns `{ listBucket, listKey, count }`. */
  readonly lister: IFunction;
  /** Bucket of the per-run image lists (the Distributed Map reads the list from it: no 256 KB state limit). */
  readonly listBucket: IBucket;
  /** Cluster the copy tasks run in (the hub's shared task cluster, or any cluster of a standalone deploy). */
  readonly cluster: ICluster;
  /** VPC, subnets and security group of the copy tasks. */
  readonly network: TaskNetwork;
  /** The task image (`dth ecr copy-one`). */
  readonly image: ContainerImage;
  /** CPU architecture the image is built for (the task definition's runtime platform must match it). */
  readonly cpuArchitecture: CpuArchitecture;
  /** Environment of the copy task (task parameters; registry logins are read from Secrets Manager at run time). */
  readonly environment: Record<string, string>;
  /** Log group of the copy tasks. */
  readonly logGroup: ILogGroup;
  /** Per-image status: DONE / FAILED with the error. */
  readonly statusTable: ITable;
  /** Topic told about each image that failed every attempt (the original's per-image message to alarmEmail). */
  readonly alarmTopic: ITopic;
  /**
   * Task definition family of the copy task: per stack, so that every task's copies are told apart (stopping).
   * @default `<stack name>-ImageCopy`
   */
  readonly family?: string;
  /**
   * Name of the state machine (the original's).
   * @default `<stack name>-ECRReplicationSM`
   */
  readonly stateMachineName?: string;
}

/**
 * One image transfer pass: list the images (Lambda) → Distributed Map over the list it wrote to S3, 10 at a time →
 * per image a Fargate task `dth ecr copy-one` (skopeo; 3 attempts, 60 s apart, backoff 2) → status in DynamoDB, and
 * an alarm message for each image that failed every attempt.
 */
export class ImageCopyFlow extends Construct {
  readonly stateMachine: StateMachine;
  readonly copyTask: FargateTaskDefinition;
  /** The family every copy task of this stack is registered under. */
  readonly family: string;
  /** The copy task's role (registry logins, ECR repositories). */
  readonly copyPrincipal: IPrincipal & IGrantable;

  constructor(scope: Construct, id: string, props: ImageCopyFlowProps) {
    super(scope, id);
    this.family = props.family ?? `${Aws.STACK_NAME}-ImageCopy`;
    this.copyTask = new FargateTaskDefinition(this, 'CopyTask', {
      family: this.family,
      cpu: 1024,
      memoryLimitMiB: 2048,
      ephemeralStorageGiB: 40,
      runtimePlatform: { cpuArchitecture: props.cpuArchitecture, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    this.copyPrincipal = this.copyTask.taskRole as IPrincipal & IGrantable;
    const container = this.copyTask.addContainer('copy', {
      image: props.image,
      command: ['ecr', 'copy-one'],
      environment: props.environment,
      logging: LogDrivers.awsLogs({ streamPrefix: 'copy', logGroup: props.logGroup }),
    });

    /**
     * The image's record after its copy task succeeded (the task recorded it through the status store already). Every
     * field goes through an expression name: `status` is a DynamoDB reserved word.
     */
    const markDone = new DynamoUpdateItem(this, 'MarkDone', {
      table: props.statusTable,
      key: {
        [STATUS_TABLE_PARTITION_KEY]: DynamoAttributeValue.fromString(JsonPath.stringAt('$.image')),
        [STATUS_TABLE_SORT_KEY]: DynamoAttributeValue.fromString(RECORD_SORT_KEY),
      },
      updateExpression: 'SET #st = :st, #finishedAt = :t, #verified = :verified',
      expressionAttributeNames: { '#st': 'status', '#finishedAt': 'finishedAt', '#verified': 'verified' },
      expressionAttributeValues: {
        ':st': DynamoAttributeValue.fromString('DONE'),
        ':t': DynamoAttributeValue.fromString(JsonPath.stateEnteredTime),
        ':verified': DynamoAttributeValue.fromBoolean(true),
      },
      resultPath: JsonPath.DISCARD,
    });
    const network = props.network;
    const copy = new EcsRunTask(this, 'CopyImage', {
      cluster: props.cluster,
      taskDefinition: this.copyTask,
      launchTarget: new EcsFargateLaunchTarget(),
      assignPublicIp: network.assignPublicIp,
      subnets: { subnets: network.subnets },
      securityGroups: [network.securityGroup],
      integrationPattern: IntegrationPattern.RUN_JOB,
      containerOverrides: [
        { containerDefinition: container, environment: [{ name: 'IMAGE', value: JsonPath.stringAt('$.image') }] },
      ],
      resultPath: JsonPath.DISCARD,
      taskTimeout: Timeout.duration(Duration.hours(6)),
    });
    copy.addRetry({
      errors: ['States.ALL'],
      maxAttempts: IMAGE_COPY_RETRIES,
      interval: Duration.seconds(60),
      backoffRate: 2,
    });
    const alarm = new SnsPublish(this, 'TellFailure', {
      topic: props.alarmTopic,
      resultPath: JsonPath.DISCARD,
      message: TaskInput.fromObject({
        error: 'Failed to copy image',
        execution: JsonPath.executionName,
        image: JsonPath.stringAt('$.image'),
        cause: JsonPath.stringAt('$.failure.Cause'),
      }),
    });
    // Through the lister function's status store, so the task's counts say FAILED (a DynamoDB update beside the store
    // left the image counted pending); an image its copy task recorded FAILED keeps that task's reason.
    const markFailed = new LambdaInvoke(this, 'MarkFailed', {
      lambdaFunction: props.lister,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
      payload: TaskInput.fromObject({
        failedImage: JsonPath.stringAt('$.image'),
        cause: JsonPath.stringAt('$.failure.Cause'),
      }),
      resultPath: JsonPath.DISCARD,
    });
    // A task's error output may lack its Cause (a States.Timeout of the task's own time limit), and a path absent from
    // the input fails the state that reads it: the error's name stands in, so MarkFailed and TellFailure always run.
    const causeFromError = new Pass(this, 'CauseFromError', {
      parameters: { 'Error.$': '$.failure.Error', 'Cause.$': '$.failure.Error' },
      resultPath: '$.failure',
    });
    markFailed.next(alarm);
    const hasCause = new Choice(this, 'HasCause')
      .when(Condition.isPresent('$.failure.Cause'), markFailed)
      .otherwise(causeFromError.next(markFailed));
    copy.addCatch(hasCause, { resultPath: '$.failure' });
    copy.next(markDone);

    const list = new LambdaInvoke(this, 'ListImagesStep', {
      lambdaFunction: props.lister,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
      payload: TaskInput.fromObject({ executionName: JsonPath.executionName }),
    });
    // Each item of the list ({"image": "repo:tag"}) runs as a child execution: copy, retries, status update.
    const each = new DistributedMap(this, 'CopyEachImage', {
      itemReader: new S3JsonItemReader({ bucket: props.listBucket, key: JsonPath.stringAt('$.listKey') }),
      // STANDARD children: the Fargate copy waits for its task (.sync), which EXPRESS children cannot.
      maxConcurrency: IMAGE_COPY_CONCURRENCY,
      resultPath: JsonPath.DISCARD,
      mapExecutionType: StateMachineType.STANDARD,
    });
    each.itemProcessor(copy, { mode: ProcessorMode.DISTRIBUTED, executionType: ProcessorType.STANDARD });
    // CDK requires the processor's execution type for a distributed map and then warns that mapExecutionType wins.
    Annotations.of(each).acknowledgeWarning(
      '@aws-cdk/aws-stepfunctions:propertyIgnored',
      'Both execution types are STANDARD',
    );
    const logs = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName ?? `${Aws.STACK_NAME}-ECRReplicationSM`,
      definitionBody: DefinitionBody.fromChainable(list.next(each).next(new Succeed(this, 'AllImagesTried'))),
      tracingEnabled: true,
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
      timeout: Duration.days(7),
    });
  }

  /**
   * Registry access of the copy task: the ECR login (GetAuthorizationToken has no resource scope), pull from the source
   * and destination repositories (digests of both are compared), push and repository creation in the destination's.
   * Repositories are ARNs of this account (names come from the image list at run time), as the original scoped them.
   */
  grantRegistryAccess(repositories: { source: string; destination: string }): void {
    this.copyPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    );
    this.copyPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'ecr:BatchGetImage',
          'ecr:GetDownloadUrlForLayer',
          'ecr:BatchCheckLayerAvailability',
          'ecr:DescribeImages',
          'ecr:DescribeRepositories',
        ],
        resources: [repositories.source, repositories.destination],
      }),
    );
    this.copyPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'ecr:CreateRepository',
          'ecr:InitiateLayerUpload',
          'ecr:UploadLayerPart',
          'ecr:CompleteLayerUpload',
          'ecr:PutImage',
        ],
        resources: [repositories.destination],
      }),
    );
  }
}
