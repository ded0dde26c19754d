import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations, type CfnResource, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { FlowLogDestination, SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Cluster, ContainerInsights, CpuArchitecture, FargateTaskDefinition, LogDrivers, OperatingSystemFamily } from 'aws-cdk-lib/aws-ecs';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import {
  DefinitionBody, DistributedMap, IntegrationPattern, JsonPath, LogLevel, ProcessorMode, ProcessorType, S3JsonItemReader, StateMachine, StateMachineType, Succeed, Timeout,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import {
  DynamoAttributeValue, DynamoUpdateItem, EcsFargateLaunchTarget, EcsRunTask, LambdaInvoke,
} from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { PLUGIN_OUTPUT_DESCRIPTIONS, PLUGIN_OUTPUTS, taskParamsPath } from '../../control-plane/core/plugin-contract.js';
import { RECORD_SORT_KEY, STATUS_TABLE_PARTITION_KEY, STATUS_TABLE_SORT_KEY } from '../../worker/adapters/aws/status-table.js';
import { handlerFunction } from '../../lib/handler-function.js';
import { repoPath } from '../../lib/paths.js';
import { taskImage } from '../../lib/task-image.js';
import { ECR_PARAMETERS } from '../../worker/params/index.js';
import { declareTaskParameters } from '../task-parameters.js';

/** Images copied at once (Map maxConcurrency) and retries of a failed copy task per image. */
export const IMAGE_COPY_CONCURRENCY = 10;
export const IMAGE_COPY_RETRIES = 3;

/**
 * One image transfer task: EventBridge schedule (and one run at creation) → Step Functions: list images (Lambda) →
 * Distributed Map over the list it wrote to S3 (10 at a time) → Fargate task `dth ecr copy-one --image repo:tag` (skopeo, 3 retries) → status in DynamoDB.
 */
export class EcrPluginStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, { description: 'Data Transfer Hub - ECR plugin (one image transfer task)', ...props });
    this.templateOptions.templateFormatVersion = '2010-09-09'; // without it the emulator's GetTemplateSummary (the orchestrator's first call) fails
    // Every task parameter the template declares, from the schema (worker/params/ecr-schema.ts); standalone: daily, as the original.
    // A long image list does not fit a CloudFormation parameter or the lister's environment (4 KB): the control plane
    // then keeps the task's parameters in SSM (TaskParamsPath) and TaskParams points there.
    const task = declareTaskParameters(this, ECR_PARAMETERS, { standaloneSchedule: 'rate(1 day)', paramsFromSsm: true });
    const p = task.params;
    const paramsPath = task.paramsPath!;
    const readParams = () => new PolicyStatement({
      actions: ['ssm:GetParametersByPath'],
      resources: [`arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:parameter${taskParamsPath(task.taskId.valueAsString)}`],
    });

    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 }],
      flowLogs: { reject: { destination: FlowLogDestination.toCloudWatchLogs(new LogGroup(this, 'FlowLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY })) } },
    });
    const table = new Table(this, 'StatusTable', {
      partitionKey: { name: STATUS_TABLE_PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: STATUS_TABLE_SORT_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST, encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true }, removalPolicy: RemovalPolicy.DESTROY,
    });
    const finderLogs = new LogGroup(this, 'ListerLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const copyLogs = new LogGroup(this, 'CopyLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const secrets = [p.srcCredential.valueAsString, p.destCredential.valueAsString].map((n) => `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${n}-??????`);

    // The lister writes each run's list of images here; the Distributed Map reads it (no 256 KB state limit).
    const lists = new Bucket(this, 'ImageLists', {
      encryption: BucketEncryption.S3_MANAGED, enforceSSL: true, blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ expiration: Duration.days(30) }], removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true,
    });

    // The copy task's platform: with includeUntagged=false it copies that platform's image, which the lister compares.
    const copyArchitecture = CpuArchitecture.X86_64;
    const copyPlatform = copyArchitecture === CpuArchitecture.ARM64 ? 'linux/arm64' : 'linux/amd64';

    // Lister Lambda.
    const lister = handlerFunction(this, 'ListImages', {
      entry: repoPath('plugins', 'ecr', 'runtime', 'list-images.ts'), timeout: Duration.minutes(5), description: 'Lists the images of the task',
      environment: {
        TASK_PARAMS: task.taskParamsJson, STATUS_TABLE: table.tableName, TASK_ID: task.taskId.valueAsString, IMAGE_LIST_BUCKET: lists.bucketName,
        COPY_PLATFORM: copyPlatform, TASK_PARAMS_PATH: paramsPath.valueAsString,
      },
      logGroup: finderLogs,
    });
    table.grantReadWriteData(lister);
    lists.grantPut(lister);
    // BatchGetImage: manifest digests of source and destination over the registry API (unchanged images are not copied).
    lister.addToRolePolicy(new PolicyStatement({ actions: ['ecr:DescribeRepositories', 'ecr:ListImages', 'ecr:GetAuthorizationToken', 'ecr:BatchGetImage'], resources: ['*'] }));
    lister.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secrets }));
    lister.addToRolePolicy(readParams());

    // Copy task: skopeo in Fargate, one image per task.
    const cluster = new Cluster(this, 'Cluster', { vpc, containerInsightsV2: ContainerInsights.ENABLED });
    const copyTask = new FargateTaskDefinition(this, 'CopyTask', {
      cpu: 1024, memoryLimitMiB: 2048, ephemeralStorageGiB: 40,
      runtimePlatform: { cpuArchitecture: copyArchitecture, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    const container = copyTask.addContainer('copy', {
      image: taskImage(), command: ['ecr', 'copy-one'],
      // STATUS_TABLE: the copy task records its image (digest, bytes, its own error) before the state machine's update.
      environment: {
        TASK_PARAMS: task.taskParamsJson, TASK_PARAMS_PATH: paramsPath.valueAsString, TASK_ID: task.taskId.valueAsString, STATUS_TABLE: table.tableName,
        NODE_NO_WARNINGS: '1',
      },
      logging: LogDrivers.awsLogs({ streamPrefix: 'copy', logGroup: copyLogs }),
    });
    copyTask.taskRole.addToPrincipalPolicy(new PolicyStatement({
      actions: ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability', 'ecr:DescribeImages',
        'ecr:CreateRepository', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage'],
      resources: ['*'],
    }));
    copyTask.taskRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secrets }));
    table.grantReadWriteData(copyTask.taskRole);
    copyTask.taskRole.addToPrincipalPolicy(readParams());
    const sg = new SecurityGroup(this, 'CopySecurityGroup', { vpc, description: 'Image copy tasks: outbound only' });

    /**
     * The image's record after its copy. Every field goes through an expression name (`error` and `status` are DynamoDB
     * reserved words); `keep`: fields whose value the copy task already wrote win (its own error over the ECS Cause).
     */
    const statusUpdate = (id: string, status: 'DONE' | 'FAILED', extra: Record<string, DynamoAttributeValue> = {}, keep: string[] = []) => new DynamoUpdateItem(this, id, {
      table,
      key: { [STATUS_TABLE_PARTITION_KEY]: DynamoAttributeValue.fromString(JsonPath.stringAt('$.image')), [STATUS_TABLE_SORT_KEY]: DynamoAttributeValue.fromString(RECORD_SORT_KEY) },
      updateExpression: `SET #st = :st, #finishedAt = :t${Object.keys(extra).map((k) => `, #${k} = ${keep.includes(k) ? `if_not_exists(#${k}, :${k})` : `:${k}`}`).join('')}`,
      expressionAttributeNames: { '#st': 'status', '#finishedAt': 'finishedAt', ...Object.fromEntries(Object.keys(extra).map((k) => [`#${k}`, k])) },
      expressionAttributeValues: { ':st': DynamoAttributeValue.fromString(status), ':t': DynamoAttributeValue.fromString(JsonPath.stateEnteredTime), ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`:${k}`, v])) },
      resultPath: JsonPath.DISCARD,
    });
    const copy = new EcsRunTask(this, 'CopyImage', {
      cluster, taskDefinition: copyTask, launchTarget: new EcsFargateLaunchTarget(), assignPublicIp: true,
      subnets: { subnetType: SubnetType.PUBLIC }, securityGroups: [sg], integrationPattern: IntegrationPattern.RUN_JOB,
      containerOverrides: [{ containerDefinition: container, environment: [{ name: 'IMAGE', value: JsonPath.stringAt('$.image') }] }],
      resultPath: JsonPath.DISCARD, taskTimeout: Timeout.duration(Duration.hours(6)),
    });
    copy.addRetry({ errors: ['States.ALL'], maxAttempts: IMAGE_COPY_RETRIES, interval: Duration.seconds(30), backoffRate: 2 });
    const failed = statusUpdate('MarkFailed', 'FAILED', { error: DynamoAttributeValue.fromString(JsonPath.stringAt('$.failure.Cause')) }, ['error']);
    copy.addCatch(failed, { resultPath: '$.failure' });
    copy.next(statusUpdate('MarkDone', 'DONE', { verified: DynamoAttributeValue.fromBoolean(true) }));

    const list = new LambdaInvoke(this, 'ListImagesStep', {
      lambdaFunction: lister, payloadResponseOnly: true, retryOnServiceExceptions: true,
      payload: TaskInput.fromObject({ executionName: JsonPath.stringAt('$$.Execution.Name') }),
    });
    // Each item of the list ({"image": "repo:tag"}) runs as a child execution: copy, retries, status update.
    const each = new DistributedMap(this, 'CopyEachImage', {
      itemReader: new S3JsonItemReader({ bucket: lists, key: JsonPath.stringAt('$.listKey') }),
      // STANDARD children: the Fargate copy waits for its task (.sync), which EXPRESS children cannot.
      maxConcurrency: IMAGE_COPY_CONCURRENCY, resultPath: JsonPath.DISCARD, mapExecutionType: StateMachineType.STANDARD,
    });
    each.itemProcessor(copy, { mode: ProcessorMode.DISTRIBUTED, executionType: ProcessorType.STANDARD });
    const machineLogs = new LogGroup(this, 'StateMachineLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const machine = new StateMachine(this, 'CopyImages', {
      definitionBody: DefinitionBody.fromChainable(list.next(each).next(new Succeed(this, 'AllImagesTried'))),
      tracingEnabled: true, logs: { destination: machineLogs, level: LogLevel.ALL, includeExecutionData: false }, timeout: Duration.days(7),
    });

    const rule = new Rule(this, 'Schedule', {
      description: 'Runs the image copy on the task schedule', schedule: Schedule.expression(task.scheduleExpression),
      targets: [new SfnStateMachine(machine, { input: RuleTargetInput.fromObject({}) })],
    });
    (rule.node.defaultChild as CfnResource).cfnOptions.condition = task.hasSchedule;
    new AwsCustomResource(this, 'FirstRun', {
      installLatestAwsSdk: false,
      onCreate: { service: 'SFN', action: 'startExecution', parameters: { stateMachineArn: machine.stateMachineArn, input: '{}' }, physicalResourceId: PhysicalResourceId.of('first-run') },
      policy: AwsCustomResourcePolicy.fromStatements([new PolicyStatement({ actions: ['states:StartExecution'], resources: [machine.stateMachineArn] })]),
    });

    new CfnOutput(this, PLUGIN_OUTPUTS.statusTable, { value: table.tableName, description: PLUGIN_OUTPUT_DESCRIPTIONS.StatusTableName });
    new CfnOutput(this, PLUGIN_OUTPUTS.finderLogGroup, { value: finderLogs.logGroupName, description: PLUGIN_OUTPUT_DESCRIPTIONS.FinderLogGroup });
    new CfnOutput(this, PLUGIN_OUTPUTS.workerLogGroup, { value: copyLogs.logGroupName, description: PLUGIN_OUTPUT_DESCRIPTIONS.WorkerLogGroup });
    new CfnOutput(this, 'StateMachineArn', { value: machine.stateMachineArn });
    const logicalId = (c: Construct) => this.getLogicalId(c.node.defaultChild as CfnResource);
    acknowledgeEcrPlugin(this, { lister: logicalId(lister), copyTask: logicalId(copyTask), lists: logicalId(lists), machine: logicalId(machine) });
  }
}

/** The task-definition-family ARN (revision wildcard) the EcsRunTask integration grants, as cdk-nag prints it. */
function taskDefinitionFamilyFinding(logicalId: string): string {
  const part = (i: number) => JSON.stringify({ 'Fn::Select': [i, { 'Fn::Split': [':', { Ref: logicalId }] }] });
  const slash = (i: number) => JSON.stringify({ 'Fn::Select': [i, { 'Fn::Split': ['/', JSON.parse(part(5))] }] });
  return `Resource::arn:${part(1)}:${part(2)}:${part(3)}:${part(4)}:${slash(0)}/${slash(1)}:*`;
}

function acknowledgeEcrPlugin(stack: Stack, ids: { lister: string; copyTask: string; lists: string; machine: string }): void {
  const childExecutions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${JSON.stringify({ 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: ids.machine }] }] })}`;
  Validations.of(stack).acknowledge(
    { id: `AwsSolutions-IAM5[Resource::<${ids.lister}.Arn>:*]`, reason: 'Step Functions may invoke any version of the lister function (CDK LambdaInvoke grant)' },
    { id: `AwsSolutions-IAM5[${taskDefinitionFamilyFinding(ids.copyTask)}]`, reason: 'Step Functions may run any revision of the copy task definition (CDK EcsRunTask grant)' },
    { id: 'AwsSolutions-S1', reason: 'The image-list bucket holds only the transient lists the lister writes per run (expired after 30 days); its writes are in the lister\'s logs' },
    { id: 'AwsSolutions-IAM5[Action::s3:Abort*]', reason: 'CDK grantPut of the image-list bucket to the lister (multipart abort on its own objects)' },
    { id: `AwsSolutions-IAM5[Resource::<${ids.lists}.Arn>/*]`, reason: 'The lister writes its per-run list objects (keys named by execution) into its own bucket' },
    { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<${ids.lists}>/*]`, reason: 'The Distributed Map reads the per-run list object (key known at run time) from its own bucket' },
    { id: `AwsSolutions-IAM5[Resource::${childExecutions}:*]`, reason: 'The Distributed Map manages its own child executions (names made at run time)' },
    { id: `AwsSolutions-IAM5[Resource::${childExecutions}/*:*]`, reason: 'The Distributed Map manages its own child executions (names made at run time)' },
    { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: 'Lambda log writing only (lister and the CDK custom resource helper)' },
    { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'ECR: GetAuthorizationToken has no resource scope, and the task copies into repositories named at run time (any repository of the destination account)' },
    { id: 'AwsSolutions-L1', reason: 'CDK-provided custom resource Lambdas pin their own runtime' },
    { id: 'AwsSolutions-EC23', reason: 'Security groups have no inbound rules at all (outbound only)' },
    { id: 'AwsSolutions-ECS2', reason: 'Environment holds only resource names and the task parameters (no secrets: registry logins are read from Secrets Manager at run time)' },
  );
}
