import { Aws, CfnMapping, CfnOutput, CfnParameter, DefaultStackSynthesizer, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { taskParamsPath } from '../control-plane/core/plugin-contract.js';
import { TASK_TABLE_PARTITION_KEY } from '../control-plane/core/task-table.js';
import { EcrPluginStack } from '../plugins/ecr/ecr-plugin-stack.js';
import { S3PluginStack } from '../plugins/s3/s3-plugin-stack.js';
import { ConsoleAuth } from './console-auth.js';
import { ConsoleSite } from './console-site.js';
import { handlerFunction } from './handler-function.js';
import { acknowledgeMainStack } from './main-stack-nag.js';
import { repoPath } from './paths.js';
import { PluginTemplate } from './plugin-templates.js';
import { TaskApi } from './task-api.js';
import { TaskOrchestrator } from './task-orchestrator.js';

export interface MainStackProps extends StackProps {
  /** COGNITO (AWS regions) or OIDC (China regions: no Cognito hosted UI). */
  authType: 'COGNITO' | 'OIDC';
  /** Built console directory (default portal/dist); only config.json is deployed when it is not built. */
  portalDist?: string;
  /** Plugin stack name prefix (default DTH). */
  stackPrefix?: string;
}

/**
 * Data Transfer Hub control plane: console (S3 + CloudFront), sign-in (Cognito or OIDC), AppSync API + Lambda,
 * task table, lifecycle state machine and its step Lambdas, and the two plugin templates it launches per task.
 */
export class MainStack extends Stack {
  readonly console: ConsoleSite;
  readonly taskTable: Table;
  readonly s3Template: PluginTemplate;
  readonly ecrTemplate: PluginTemplate;

  constructor(scope: Construct, id: string, props: MainStackProps) {
    super(scope, id, { description: `Data Transfer Hub (${props.authType === 'OIDC' ? 'OpenID Connect' : 'Cognito'} sign-in)`, ...props });
    const prefix = props.stackPrefix ?? 'DTH';

    const table = new Table(this, 'TaskTable', {
      partitionKey: { name: TASK_TABLE_PARTITION_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST, encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true }, removalPolicy: RemovalPolicy.RETAIN,
    });
    this.taskTable = table;
    const topic = new Topic(this, 'TaskNotifications', { enforceSSL: true, displayName: 'Data Transfer Hub task outcomes' });

    this.s3Template = new PluginTemplate(this, 'S3PluginTemplate', { build: (app) => new S3PluginStack(app, 'DthS3Plugin', { synthesizer: perTaskSynthesizer() }) });
    this.ecrTemplate = new PluginTemplate(this, 'EcrPluginTemplate', { build: (app) => new EcrPluginStack(app, 'DthEcrPlugin', { synthesizer: perTaskSynthesizer() }) });

    const env = {
      TASK_TABLE: table.tableName, STACK_NAME_PREFIX: prefix, METRICS_NAMESPACE: 'DataTransferHub',
      S3_PLUGIN_TEMPLATE_URL: this.s3Template.templateUrl, ECR_PLUGIN_TEMPLATE_URL: this.ecrTemplate.templateUrl,
      NODE_OPTIONS: '--enable-source-maps',
    };
    const step = (id: string, file: string, extra: Record<string, string> = {}) =>
      handlerFunction(this, id, { entry: repoPath('control-plane', 'aws', 'handlers', file), environment: { ...env, ...extra }, timeout: Duration.seconds(60), description: `Data Transfer Hub lifecycle step ${file}` });
    // CloudFormation creates and deletes the plugin stacks' resources as this role: the step Lambdas that call it
    // hold no rights on EC2, ECS, IAM… themselves, only the right to hand this one role to CloudFormation.
    const pluginStackRole = new Role(this, 'PluginStackRole', {
      assumedBy: new ServicePrincipal('cloudformation.amazonaws.com'),
      description: 'CloudFormation service role of the per-task plugin stacks',
    });
    pluginStackRole.addToPolicy(new PolicyStatement({ actions: PLUGIN_RESOURCE_ACTIONS, resources: ['*'] }));
    const steps = {
      startStack: step('StartStackFn', 'start-stack.ts', { PLUGIN_STACK_ROLE_ARN: pluginStackRole.roleArn }),
      stopStack: step('StopStackFn', 'stop-stack.ts'),
      queryStackStatus: step('QueryStackStatusFn', 'query-stack-status.ts'),
      checkFinder: step('CheckFinderFn', 'check-finder.ts'),
      checkQueueEmpty: step('CheckQueueEmptyFn', 'check-queue-empty.ts'),
      checkComplete: step('CheckCompleteFn', 'check-complete.ts'),
      notify: step('NotifyFn', 'notify.ts', { NOTIFY_TOPIC_ARN: topic.topicArn }),
    };
    const orchestrator = new TaskOrchestrator(this, 'Orchestrator', { steps });
    const apiFn = handlerFunction(this, 'ApiFn', {
      entry: repoPath('control-plane', 'aws', 'handlers', 'api.ts'), timeout: Duration.seconds(30), description: 'Data Transfer Hub AppSync resolver',
      environment: { ...env, STATE_MACHINE_ARN: orchestrator.stateMachine.stateMachineArn },
    });

    // Permissions, least privilege per function.
    const all = [...Object.values(steps), apiFn];
    for (const fn of all) table.grantReadWriteData(fn);
    const pluginStacks = `arn:${Aws.PARTITION}:cloudformation:${Aws.REGION}:${Aws.ACCOUNT_ID}:stack/${prefix}-*`;
    const statusTables = `arn:${Aws.PARTITION}:dynamodb:${Aws.REGION}:${Aws.ACCOUNT_ID}:table/${prefix}-*`;
    const pluginLogs = `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${prefix}-*`;
    const pluginQueues = `arn:${Aws.PARTITION}:sqs:${Aws.REGION}:${Aws.ACCOUNT_ID}:${prefix}-*`;
    const readStatus = new PolicyStatement({ actions: ['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:GetItem'], resources: [statusTables] });
    const readLogs = new PolicyStatement({ actions: ['logs:DescribeLogStreams', 'logs:GetLogEvents', 'logs:FilterLogEvents'], resources: [pluginLogs, `${pluginLogs}:*`] });
    for (const t of [this.s3Template, this.ecrTemplate]) {
      t.asset.grantRead(steps.startStack);
    }
    steps.startStack.addToRolePolicy(new PolicyStatement({ actions: ['cloudformation:GetTemplateSummary'], resources: ['*'] }));
    for (const fn of [steps.startStack, steps.stopStack]) {
      fn.addToRolePolicy(new PolicyStatement({ actions: ['cloudformation:CreateStack', 'cloudformation:DeleteStack', 'cloudformation:DescribeStacks', 'cloudformation:TagResource'], resources: [pluginStacks] }));
      pluginStackRole.grantPassRole(fn.grantPrincipal);
    }
    // Task parameters too large for a CloudFormation parameter (long image lists) travel through SSM: written at start, deleted at stop.
    const taskParams = `arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:parameter${taskParamsPath('*')}`;
    // (An IAM `*` spans '/': the path of a task and its chunks.)
    steps.startStack.addToRolePolicy(new PolicyStatement({ actions: ['ssm:PutParameter', 'ssm:GetParametersByPath', 'ssm:DeleteParameters'], resources: [taskParams] }));
    steps.stopStack.addToRolePolicy(new PolicyStatement({ actions: ['ssm:GetParametersByPath', 'ssm:DeleteParameters'], resources: [taskParams] }));
    steps.queryStackStatus.addToRolePolicy(new PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [pluginStacks] }));
    steps.checkFinder.addToRolePolicy(readLogs);
    steps.checkQueueEmpty.addToRolePolicy(new PolicyStatement({ actions: ['sqs:GetQueueAttributes'], resources: [pluginQueues] }));
    steps.checkComplete.addToRolePolicy(readStatus);
    topic.grantPublish(steps.notify);
    orchestrator.stateMachine.grantStartExecution(apiFn);
    apiFn.addToRolePolicy(readStatus);
    apiFn.addToRolePolicy(readLogs);
    apiFn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:ListSecrets', 'cloudwatch:GetMetricData'], resources: ['*'] }));
    // getErrorMessage names a failed plugin stack's resources from its events.
    apiFn.addToRolePolicy(new PolicyStatement({ actions: ['cloudformation:DescribeStackEvents'], resources: [pluginStacks] }));
    apiFn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [`arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:*`] }));
    apiFn.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [`arn:${Aws.PARTITION}:s3:::*`] }));

    // Console, sign-in, API; config.json ties them together.
    const site = new ConsoleSite(this, 'Console', { distDir: props.portalDist });
    let auth: ConsoleAuth;
    if (props.authType === 'COGNITO') {
      const adminEmail = new CfnParameter(this, 'AdminEmail', { type: 'String', description: 'Email of the console administrator (receives a temporary password)', allowedPattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$' });
      auth = new ConsoleAuth(this, 'Auth', { kind: 'COGNITO', adminEmail: adminEmail.valueAsString, consoleUrl: site.url });
      // Task outcome mails go to the admin, as the original's central topic did (the subscription needs confirming).
      topic.addSubscription(new EmailSubscription(adminEmail.valueAsString));
    } else {
      const provider = new CfnParameter(this, 'OidcProvider', { type: 'String', description: 'OpenID Connect issuer URL (e.g. https://xxx.authing.cn/oidc)', allowedPattern: '^https://.+' });
      const clientId = new CfnParameter(this, 'OidcClientId', { type: 'String', description: 'OpenID Connect client id of the console', minLength: 1 });
      const domain = new CfnParameter(this, 'OidcCustomerDomain', { type: 'String', description: 'Custom domain of the console (ICP-registered; CloudFront default domains are not reachable in China)', default: '' });
      auth = new ConsoleAuth(this, 'Auth', { kind: 'OIDC', issuer: provider.valueAsString, clientId: clientId.valueAsString });
      new CfnOutput(this, 'OidcCustomerDomainValue', { value: domain.valueAsString, description: 'Point this domain (CNAME) at the console distribution' });
    }
    const api = new TaskApi(this, 'TaskApi', { authorizationMode: auth.authorizationMode, handler: apiFn });
    site.deploy(configFor(auth, api.api.graphqlUrl, consoleHostOf(this)));
    new CfnOutput(this, 'ConsoleUrl', { value: site.url });
    new CfnOutput(this, 'ApiUrl', { value: api.api.graphqlUrl });
    this.console = site;
    new CfnOutput(this, 'TaskTableName', { value: table.tableName });
    new CfnOutput(this, 'StateMachineArn', { value: orchestrator.stateMachine.stateMachineArn });
    acknowledgeMainStack(this, all, prefix);
  }

}

/** Per-task stacks are created by the orchestrator, not `cdk deploy`: no BootstrapVersion SSM parameter check. */
const perTaskSynthesizer = () => new DefaultStackSynthesizer({ generateBootstrapVersionRule: false });

/** The AWS Management Console's host per partition: China regions have their own console, not console.aws.amazon.com. */
export const CONSOLE_HOSTS: Record<string, string> = {
  aws: 'console.aws.amazon.com',
  'aws-cn': 'console.amazonaws.cn',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
};

/** The console host of the partition the stack is deployed to, chosen by CloudFormation (the template is region-agnostic). */
function consoleHostOf(scope: Construct): string {
  const hosts = new CfnMapping(scope, 'ConsoleHosts', {
    mapping: Object.fromEntries(Object.entries(CONSOLE_HOSTS).map(([partition, host]) => [partition, { host }])),
  });
  return hosts.findInMap(Aws.PARTITION, 'host');
}

export function configFor(auth: ConsoleAuth, apiUrl: string, consoleHost = CONSOLE_HOSTS.aws) {
  return {
    authType: auth.authType, apiUrl, region: Aws.REGION, cognitoDomain: auth.cognitoDomain, oidcIssuer: auth.oidcIssuer,
    // Amplify keys its Cognito token store by the user pool (portal/src/auth/config.ts); blank for OIDC.
    userPoolId: auth.userPool?.userPoolId ?? '',
    clientId: auth.clientId, dashboardUrlPrefix: `https://${consoleHost}/cloudwatch/home?region=${Aws.REGION}#dashboards:name=`,
  };
}

/** What CloudFormation needs, as the plugin stacks' service role, to create and delete their resources. */
const PLUGIN_RESOURCE_ACTIONS = [
  'ec2:*', 'ecs:*', 'autoscaling:*', 'sqs:*', 'sns:*', 'dynamodb:*', 'events:*', 'logs:*', 'cloudwatch:*', 'states:*',
  'lambda:*', 'iam:CreateRole', 'iam:DeleteRole', 'iam:GetRole', 'iam:PassRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy',
  'iam:GetRolePolicy', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:TagRole', 'iam:CreateInstanceProfile',
  'iam:DeleteInstanceProfile', 'iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile', 'iam:GetInstanceProfile',
  'iam:CreateServiceLinkedRole', 's3:GetObject', 's3:PutBucketNotification', 's3:GetBucketNotification', 'ssm:GetParameters', 'ecr:DescribeImages',
  // The ECR plugin's image-list bucket: created encrypted, SSL-only, expiring, tagged for emptying on delete.
  's3:CreateBucket', 's3:DeleteBucket', 's3:PutBucketPolicy', 's3:GetBucketPolicy', 's3:DeleteBucketPolicy', 's3:PutEncryptionConfiguration',
  's3:PutLifecycleConfiguration', 's3:PutBucketPublicAccessBlock', 's3:PutBucketTagging', 's3:GetBucketTagging',
];
