import {
  Aws,
  CfnCondition,
  CfnOutput,
  type CfnParameter,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
  type CfnResource,
  type StackProps,
} from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Cluster } from 'aws-cdk-lib/aws-ecs';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { PLUGIN_OUTPUT_DESCRIPTIONS, PLUGIN_OUTPUTS } from '../../control-plane/core/plugin-contract.js';
import { handlerFunction } from '../../lib/handler-function.js';
import { repoPath } from '../../lib/paths.js';
import { TASK_IMAGE_ARCHITECTURE, taskImage } from '../../lib/task-image.js';
import { IMAGE_METRICS } from '../../worker/core/events.js';
import { AlarmTopic } from '../constructs/alarm-topic.js';
import { ContractMetrics } from '../constructs/contract-metrics.js';
import { ImageCopyFlow } from '../constructs/image-copy-flow.js';
import { PluginRoleBoundary } from '../constructs/role-boundary.js';
import { StatusTable } from '../constructs/status-table.js';
import { requireNetwork, TaskNetwork } from '../constructs/task-network.js';
import { ECR_PARAMETERS } from '../../worker/params/index.js';
import { declareTaskParameters } from '../task-parameters.js';
import { refuseIncompleteStandaloneTask } from './standalone-rules.js';

export { IMAGE_COPY_CONCURRENCY, IMAGE_COPY_RETRIES } from '../constructs/image-copy-flow.js';

/**
 * One image transfer task: EventBridge schedule (daily by default, and one run at creation) → the image copy flow
 * (list → Distributed Map → Fargate `dth ecr copy-one`, 10 at a time, 3 attempts) → status in DynamoDB, failures
 * e-mailed. Runs in the hub's shared task VPC and cluster, or in those a standalone deploy names.
 */
export class EcrPluginStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, { description: 'Data Transfer Hub - ECR plugin (one image transfer task)', ...props });
    this.templateOptions.templateFormatVersion = '2010-09-09';
    // Every task parameter, from the schema (worker/params/ecr-schema.ts), under the original's names: one call.
    // A long image list does not fit a CloudFormation parameter or the lister's environment (4 KB): the control plane
    // then keeps the task's parameters in SSM (TaskParamsPath) and TaskParams points there.
    const task = declareTaskParameters(this, ECR_PARAMETERS, {
      standaloneSchedule: 'rate(1 day)',
      paramsFromSsm: true,
      // The lister is a Lambda: 4 KB of environment in all, less than the original's srcImageList may hold.
      standaloneParamsInSsm: true,
    });
    const p = task.params;
    const paramsEnvironment = task.roleEnvironment;
    if (!paramsEnvironment)
      throw new Error('declareTaskParameters gives the role environment with standaloneParamsInSsm');
    new PluginRoleBoundary(this, 'RoleBoundary');
    requireNetwork(this, [p.ecsClusterName, p.ecsVpcId, p.ecsSubnetA, p.ecsSubnetB]);
    refuseIncompleteStandaloneTask(this, p);
    const network = new TaskNetwork(this, 'Network', {
      vpcId: p.ecsVpcId.valueAsString,
      subnetIds: [p.ecsSubnetA.valueAsString, p.ecsSubnetB.valueAsString],
    });
    const cluster = Cluster.fromClusterAttributes(this, 'Cluster', {
      clusterName: p.ecsClusterName.valueAsString,
      vpc: network.vpc,
    });
    const table = new StatusTable(this, 'StatusTable');
    const alarms = new AlarmTopic(this, 'Alarms', { email: p.alarmEmail.valueAsString });
    const listerLogs = new LogGroup(this, 'ListerLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const copyLogs = new LogGroup(this, 'CopyLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // The original's logical IDs, so the names its debugging guide gives (`<stack>-DTHECRContainerLogGroup…`, the
    // ECRTransferTable) find the copy tasks' log group and the status table.
    (table.node.defaultChild as CfnResource).overrideLogicalId('ECRTransferTable');
    (copyLogs.node.defaultChild as CfnResource).overrideLogicalId('DTHECRContainerLogGroup');
    // The console's charts of an image task, from the same log contract and metric names as the S3 plugin's workers:
    // each copy from the copy tasks' lines; each failure for good from the lister's (a failed expansion, or the run's
    // MarkFailed once the copy task's retries are spent; a copy task's failed attempt is not one).
    const metrics = new ContractMetrics(this);
    metrics.filter('CompletedObjectsFilter', copyLogs, IMAGE_METRICS.completedObjects);
    metrics.filter('BytesTransferredFilter', copyLogs, IMAGE_METRICS.bytesTransferred);
    metrics.filter('FailedObjectsFilter', listerLogs, IMAGE_METRICS.failedObjects);
    const secrets = [p.srcCredential, p.destCredential].map((param, i) =>
      Secret.fromSecretNameV2(this, `Secret${i}`, param.valueAsString),
    );

    // The lister writes each run's list of images here; the Distributed Map reads it (no 256 KB state limit).
    const lists = new Bucket(this, 'ImageLists', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ expiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    const lister = handlerFunction(this, 'ListImages', {
      entry: repoPath('plugins', 'ecr', 'runtime', 'list-images.ts'),
      timeout: Duration.minutes(5),
      description: 'Lists the images of the task',
      environment: {
        ...paramsEnvironment,
        STATUS_TABLE: table.tableName,
        TASK_ID: task.taskId.valueAsString,
        IMAGE_LIST_BUCKET: lists.bucketName,
        // The copy task's platform: with includeUntagged=false it copies that platform's image, which the lister compares.
        COPY_PLATFORM: TASK_IMAGE_ARCHITECTURE.platform.platform,
      },
      logGroup: listerLogs,
    });
    table.grantReadWriteData(lister);
    lists.grantPut(lister);
    // This account's repositories in a task's region: any region of the account when the parameter is blank (an ECR
    // registry host names the region, or a large parameter set travels through SSM).
    const repositoriesIn = (region: CfnParameter) => {
      const blank = new CfnCondition(this, regionBlank(region.node.id), {
        expression: Fn.conditionEquals(region.valueAsString, ''),
      });
      const regionOrAny = Token.asString(Fn.conditionIf(blank.logicalId, '*', region.valueAsString));
      return `arn:${Aws.PARTITION}:ecr:${regionOrAny}:${Aws.ACCOUNT_ID}:repository/*`;
    };
    const repositories = { source: repositoriesIn(p.srcRegion), destination: repositoriesIn(p.destRegion) };
    // BatchGetImage: manifest digests of source and destination over the registry API (unchanged images are not copied).
    lister.addToRolePolicy(new PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    lister.addToRolePolicy(
      new PolicyStatement({
        actions: ['ecr:DescribeRepositories', 'ecr:DescribeImages', 'ecr:ListImages', 'ecr:BatchGetImage'],
        resources: [repositories.source, repositories.destination],
      }),
    );
    task.grantReadParams(lister);

    const flow = new ImageCopyFlow(this, 'CopyFlow', {
      lister,
      listBucket: lists,
      cluster,
      network,
      image: taskImage(),
      cpuArchitecture: TASK_IMAGE_ARCHITECTURE.cpu,
      // STATUS_TABLE: the copy task records its image (digest, bytes, its own error) before the state machine's update.
      environment: {
        ...paramsEnvironment,
        TASK_ID: task.taskId.valueAsString,
        STATUS_TABLE: table.tableName,
        NODE_NO_WARNINGS: '1',
      },
      logGroup: copyLogs,
      statusTable: table,
      alarmTopic: alarms.topic,
    });
    flow.grantRegistryAccess(repositories);
    table.grantReadWriteData(flow.copyPrincipal);
    task.grantReadParams(flow.copyPrincipal);
    for (const secret of secrets) {
      secret.grantRead(lister);
      secret.grantRead(flow.copyPrincipal);
    }

    // A run that failed as a whole (its list, a broken state) or timed out copied nothing more, and a scheduled task
    // has no monitor left to see it (per-image failures are caught and e-mailed one by one): the alarm e-mails it.
    // ABORTED is left out: stopping the task aborts its runs.
    const failedRuns = new Alarm(this, 'CopyFlowFailedAlarm', {
      alarmDescription:
        'An image copy run ended FAILED or TIMED_OUT: images after the failure were not copied; see the execution in Step Functions',
      metric: new MathExpression({
        expression: 'failed + timedOut',
        label: 'Failed or timed-out runs',
        period: Duration.minutes(5),
        usingMetrics: { failed: flow.stateMachine.metricFailed(), timedOut: flow.stateMachine.metricTimedOut() },
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    failedRuns.addAlarmAction(new SnsAction(alarms.topic));

    const rule = new Rule(this, 'Schedule', {
      description: 'Runs the image copy on the task schedule',
      schedule: Schedule.expression(task.scheduleExpression),
      targets: [new SfnStateMachine(flow.stateMachine, { input: RuleTargetInput.fromObject({}) })],
    });
    (rule.node.defaultChild as CfnResource).cfnOptions.condition = task.hasSchedule;
    new AwsCustomResource(this, 'FirstRun', {
      installLatestAwsSdk: false,
      onCreate: {
        service: 'SFN',
        action: 'startExecution',
        parameters: { stateMachineArn: flow.stateMachine.stateMachineArn, input: '{}' },
        physicalResourceId: PhysicalResourceId.of('first-run'),
      },
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({ actions: ['states:StartExecution'], resources: [flow.stateMachine.stateMachineArn] }),
      ]),
    });

    const described = (id: keyof typeof PLUGIN_OUTPUT_DESCRIPTIONS, value: string) =>
      new CfnOutput(this, id, { value, description: PLUGIN_OUTPUT_DESCRIPTIONS[id] });
    described(PLUGIN_OUTPUTS.statusTable, table.tableName);
    described(PLUGIN_OUTPUTS.finderLogGroup, listerLogs.logGroupName);
    described(PLUGIN_OUTPUTS.workerLogGroup, copyLogs.logGroupName);
    described(PLUGIN_OUTPUTS.stateMachine, flow.stateMachine.stateMachineArn);
    described(PLUGIN_OUTPUTS.ecsCluster, p.ecsClusterName.valueAsString);
    described(PLUGIN_OUTPUTS.ecsTaskFamilies, flow.family);
    const logicalId = (c: Construct) => this.getLogicalId(c.node.defaultChild as CfnResource);
    acknowledgeEcrPlugin(this, {
      lister: logicalId(lister),
      copyTask: logicalId(flow.copyTask),
      lists: logicalId(lists),
      machine: logicalId(flow.stateMachine),
    });
  }
}

/** The condition "this region parameter is blank", by the parameter's name (the repositories' ARNs and cdk-nag's finding). */
function regionBlank(parameter: string): string {
  return `${parameter}Blank`;
}

/** The task-definition-family ARN (revision wildcard) the EcsRunTask integration grants, as cdk-nag prints it. */
function taskDefinitionFamilyFinding(logicalId: string): string {
  const part = (i: number) => JSON.stringify({ 'Fn::Select': [i, { 'Fn::Split': [':', { Ref: logicalId }] }] });
  const slash = (i: number) => JSON.stringify({ 'Fn::Select': [i, { 'Fn::Split': ['/', JSON.parse(part(5))] }] });
  return `Resource::arn:${part(1)}:${part(2)}:${part(3)}:${part(4)}:${slash(0)}/${slash(1)}:*`;
}

function acknowledgeEcrPlugin(
  stack: Stack,
  ids: { lister: string; copyTask: string; lists: string; machine: string },
): void {
  const childExecutions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${JSON.stringify({ 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: ids.machine }] }] })}`;
  Validations.of(stack).acknowledge(
    {
      id: `AwsSolutions-IAM5[Resource::<${ids.lister}.Arn>:*]`,
      reason: 'Step Functions may invoke any version of the lister function (CDK LambdaInvoke grant)',
    },
    {
      id: `AwsSolutions-IAM5[${taskDefinitionFamilyFinding(ids.copyTask)}]`,
      reason: 'Step Functions may run any revision of the copy task definition (CDK EcsRunTask grant)',
    },
    {
      id: 'AwsSolutions-S1',
      reason:
        "The image-list bucket holds only the transient lists the lister writes per run (expired after 30 days); its writes are in the lister's logs",
    },
    {
      id: 'AwsSolutions-IAM5[Action::s3:Abort*]',
      reason: 'CDK grantPut of the image-list bucket to the lister (multipart abort on its own objects)',
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${ids.lists}.Arn>/*]`,
      reason: 'The lister writes its per-run list objects (keys named by execution) into its own bucket',
    },
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<${ids.lists}>/*]`,
      reason: 'The Distributed Map reads the per-run list object (key known at run time) from its own bucket',
    },
    {
      id: `AwsSolutions-IAM5[Resource::${childExecutions}:*]`,
      reason: 'The Distributed Map manages its own child executions (names made at run time)',
    },
    {
      id: `AwsSolutions-IAM5[Resource::${childExecutions}/*:*]`,
      reason: 'The Distributed Map manages its own child executions (names made at run time)',
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'Lambda log writing only (lister and the CDK custom resource helper)',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ECR: GetAuthorizationToken has no resource scope',
    },
    ...(['srcRegion', 'destRegion'] as const).map((region) => ({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:${JSON.stringify({ 'Fn::If': [regionBlank(region), '*', { Ref: region }] })}:<AWS::AccountId>:repository/*]`,
      reason:
        "The task reads and writes repositories named at run time by the image list, in this account and the task's region (any region of the account when the region parameter is blank)",
    })),
    { id: 'AwsSolutions-L1', reason: 'CDK-provided custom resource Lambdas pin their own runtime' },
    { id: 'AwsSolutions-EC23', reason: 'Security groups have no inbound rules at all (outbound only)' },
    {
      id: 'CloudFormation-Validate::W1032',
      reason:
        'The validator reads the blank cron parameter into the cron(...) branch, which the HasCronExpression condition never deploys: blank gives rate(1 day)',
    },
    {
      id: 'AwsSolutions-ECS2',
      reason:
        'Environment holds only resource names and the task parameters (no secrets: registry logins are read from Secrets Manager at run time)',
    },
  );
}
