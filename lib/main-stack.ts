import {
  ArnFormat,
  Aws,
  CfnMapping,
  CfnOutput,
  CfnParameter,
  DefaultStackSynthesizer,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Subscription, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { CREDENTIAL_SECRET_TAG } from '../control-plane/core/credential-secret-tag.js';
import { METRICS_NAMESPACE_PREFIX, taskParamsPath } from '../control-plane/core/plugin-contract.js';
import { TASK_TABLE_PARTITION_KEY } from '../control-plane/core/task-table.js';
import { EcrPluginStack } from '../plugins/ecr/ecr-plugin-stack.js';
import { S3PluginStack } from '../plugins/s3/s3-plugin-stack.js';
import { ConsoleAuth } from './console-auth.js';
import { ConsoleSite } from './console-site.js';
import { handlerFunction } from './handler-function.js';
import { acknowledgeMainStack } from './main-stack-nag.js';
import { repoPath } from './paths.js';
import { PluginStackRole } from './plugin-stack-role.js';
import { PluginTemplate } from './plugin-templates.js';
import { SharedTaskNetwork } from './shared-task-network.js';
import { TaskApi } from './task-api.js';
import { TaskOrchestrator } from './task-orchestrator.js';

export interface MainStackProps extends StackProps {
  /** COGNITO (AWS regions) or OIDC (China regions — and anywhere else — with an external OpenID Connect provider). */
  authType: 'COGNITO' | 'OIDC';
  /**
   * Built console directory; only config.json is deployed when it is not built.
   * @default portal/dist
   */
  portalDist?: string;
  /**
   * Plugin stack name prefix (the task stacks, and the roles, functions and buckets CloudFormation names after them).
   * @default DTH
   */
  stackPrefix?: string;
}

/** E-mail pattern of the AdminEmail parameter. */
const EMAIL_PATTERN = '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$';

/**
 * Data Transfer Hub control plane: console (S3 + CloudFront), sign-in (Cognito or OIDC), AppSync API + Lambda,
 * task table, lifecycle state machine and its step Lambdas, the task VPC and cluster every task shares, and the two
 * plugin templates it launches per task (as a bounded CloudFormation service role).
 */
export class MainStack extends Stack {
  readonly console: ConsoleSite;
  readonly taskTable: Table;
  readonly s3Template: PluginTemplate;
  readonly ecrTemplate: PluginTemplate;
  readonly network: SharedTaskNetwork;
  readonly pluginStackRole: PluginStackRole;

  constructor(scope: Construct, id: string, props: MainStackProps) {
    super(scope, id, {
      description: `Data Transfer Hub (${props.authType === 'OIDC' ? 'OpenID Connect' : 'Cognito'} sign-in)`,
      ...props,
    });
    const prefix = props.stackPrefix ?? 'DTH';
    const adminEmail = new CfnParameter(this, 'AdminEmail', {
      type: 'String',
      allowedPattern: EMAIL_PATTERN,
      description:
        props.authType === 'COGNITO'
          ? 'Email of the console administrator (receives a temporary password) and of task status notifications'
          : 'Email receiving task status notifications',
    });

    const table = new Table(this, 'TaskTable', {
      partitionKey: { name: TASK_TABLE_PARTITION_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.taskTable = table;
    const topic = new Topic(this, 'TaskNotifications', {
      enforceSSL: true,
      displayName: `Data Transfer Hub Central Monitor Alarm (${Aws.STACK_NAME})`,
    });
    new Subscription(this, 'AdminNotifications', {
      topic,
      protocol: SubscriptionProtocol.EMAIL,
      endpoint: adminEmail.valueAsString,
    });

    this.s3Template = new PluginTemplate(this, 'S3PluginTemplate', {
      build: (app) => new S3PluginStack(app, 'DthS3Plugin', { synthesizer: perTaskSynthesizer() }),
    });
    this.ecrTemplate = new PluginTemplate(this, 'EcrPluginTemplate', {
      build: (app) => new EcrPluginStack(app, 'DthEcrPlugin', { synthesizer: perTaskSynthesizer() }),
    });
    this.network = new SharedTaskNetwork(this, 'TaskNetwork');
    this.pluginStackRole = new PluginStackRole(this, 'PluginStackRole', {
      stackPrefix: prefix,
      assetBucket: this.s3Template.asset.bucket,
    });

    const env = {
      TASK_TABLE: table.tableName,
      STACK_NAME_PREFIX: prefix,
      METRICS_NAMESPACE: METRICS_NAMESPACE_PREFIX,
      S3_PLUGIN_TEMPLATE_URL: this.s3Template.templateUrl,
      ECR_PLUGIN_TEMPLATE_URL: this.ecrTemplate.templateUrl,
      NODE_OPTIONS: '--enable-source-maps',
    };
    const step = (stepId: string, file: string, extra: Record<string, string> = {}) =>
      handlerFunction(this, stepId, {
        entry: repoPath('control-plane', 'aws', 'handlers', file),
        environment: { ...env, ...extra },
        timeout: Duration.seconds(60),
        description: `Data Transfer Hub lifecycle step ${file}`,
      });
    const steps = {
      startStack: step('StartStackFn', 'start-stack.ts', {
        PLUGIN_STACK_ROLE_ARN: this.pluginStackRole.role.roleArn,
        PLUGIN_NETWORK_PARAMETERS: this.toJsonString(this.network.pluginParameters()),
        PLUGIN_ROLE_BOUNDARY_ARN: this.pluginStackRole.boundary.managedPolicyArn,
      }),
      stopStack: step('StopStackFn', 'stop-stack.ts'),
      queryStackStatus: step('QueryStackStatusFn', 'query-stack-status.ts'),
      checkFinder: step('CheckFinderFn', 'check-finder.ts'),
      checkQueueEmpty: step('CheckQueueEmptyFn', 'check-queue-empty.ts'),
      checkComplete: step('CheckCompleteFn', 'check-complete.ts'),
      releaseWorkers: step('ReleaseWorkersFn', 'release-workers.ts'),
      notify: step('NotifyFn', 'notify.ts', { NOTIFY_TOPIC_ARN: topic.topicArn }),
    };
    const orchestrator = new TaskOrchestrator(this, 'Orchestrator', { steps });
    const apiFn = handlerFunction(this, 'ApiFn', {
      entry: repoPath('control-plane', 'aws', 'handlers', 'api.ts'),
      timeout: Duration.seconds(30),
      description: 'Data Transfer Hub AppSync resolver',
      environment: { ...env, STATE_MACHINE_ARN: orchestrator.stateMachine.stateMachineArn },
    });

    // Permissions, least privilege per function; each grant names why.
    const plugin = new PluginResources(this, prefix);
    const all = [...Object.values(steps), apiFn];
    for (const fn of all) table.grantReadWriteData(fn);
    for (const t of [this.s3Template, this.ecrTemplate]) t.asset.grantRead(steps.startStack); // GetTemplateSummary reads the template
    steps.startStack.addToRolePolicy(
      new PolicyStatement({ actions: ['cloudformation:GetTemplateSummary'], resources: ['*'] }),
    ); // no resource-level permission
    plugin.grantManageStacks(steps.startStack, [
      'cloudformation:CreateStack',
      'cloudformation:DeleteStack',
      'cloudformation:DescribeStacks',
      'cloudformation:TagResource',
    ]);
    plugin.grantManageStacks(steps.stopStack, ['cloudformation:DeleteStack', 'cloudformation:DescribeStacks']);
    for (const fn of [steps.startStack, steps.stopStack]) this.pluginStackRole.grantPass(fn); // CloudFormation creates and deletes as that role
    this.network.grantStopTasks(steps.stopStack, [plugin.clusters], [plugin.tasks]); // a cluster or security group in use cannot be deleted
    plugin.grantStopExecutions(steps.stopStack); // the ECR plugin's copy flow
    plugin.grantManageStacks(steps.queryStackStatus, ['cloudformation:DescribeStacks']);
    plugin.grantReadLogs(steps.checkFinder); // finder.done / finder.failed
    this.network.grantStopTasks(steps.checkFinder, [plugin.clusters], [plugin.tasks]); // is a silent finder still running?
    // Has the ECR copy flow ended without finishing the pass (FAILED, TIMED_OUT, ABORTED)? Its cause goes on the task.
    plugin.grantReadExecutions(steps.checkFinder);
    plugin.grantReadQueueDepth(steps.checkQueueEmpty);
    plugin.grantReadStatus(steps.checkComplete);
    plugin.grantReadExecutions(steps.checkComplete);
    // Task parameters too large for a CloudFormation parameter (long image lists) travel through SSM: written at start, deleted at stop.
    plugin.grantTaskParams(steps.startStack, ['ssm:PutParameter', 'ssm:GetParametersByPath', 'ssm:DeleteParameters']);
    plugin.grantTaskParams(steps.stopStack, ['ssm:GetParametersByPath', 'ssm:DeleteParameters']);
    plugin.grantScaleWorkers(steps.releaseWorkers); // a finished one-time task's fleet to zero
    topic.grantPublish(steps.notify);
    orchestrator.stateMachine.grantStartExecution(apiFn); // createTask / stopTask
    plugin.grantReadStatus(apiFn); // progress, listTaskObjects
    plugin.grantReadLogs(apiFn); // listLogStreams / getLogEvents
    plugin.grantManageStacks(apiFn, ['cloudformation:DescribeStackEvents']); // getErrorMessage names a failed stack's resources
    apiFn.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:ListSecrets', 'cloudwatch:GetMetricData'], resources: ['*'] }),
    ); // no resource-level permissions
    // estimateTask: the credential secret a task names — tagged ones only — and listings of this account's buckets.
    apiFn.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [
          this.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
        conditions: {
          StringEquals: { [`secretsmanager:ResourceTag/${CREDENTIAL_SECRET_TAG.key}`]: CREDENTIAL_SECRET_TAG.value },
        },
      }),
    );
    apiFn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket', 's3:GetBucketLocation'],
        resources: [this.formatArn({ service: 's3', region: '', account: '', resource: '*' })],
        conditions: { StringEquals: { 's3:ResourceAccount': Aws.ACCOUNT_ID } },
      }),
    );

    // Console, sign-in, API; config.json ties them together.
    const site = new ConsoleSite(this, 'Console', {
      distDir: props.portalDist,
      chinaCompatible: props.authType === 'OIDC',
    });
    let auth: ConsoleAuth;
    let consoleUrl = site.url;
    if (props.authType === 'COGNITO') {
      auth = new ConsoleAuth(this, 'Auth', {
        kind: 'COGNITO',
        adminEmail: adminEmail.valueAsString,
        consoleUrl: site.url,
      });
    } else {
      const provider = new CfnParameter(this, 'OidcProvider', {
        type: 'String',
        description: 'OpenID Connect issuer URL (e.g. https://xxx.authing.cn/oidc)',
        allowedPattern: '^https://.+',
      });
      const clientId = new CfnParameter(this, 'OidcClientId', {
        type: 'String',
        description: 'OpenID Connect client id of the console',
        minLength: 1,
      });
      const domain = new CfnParameter(this, 'OidcCustomerDomain', {
        type: 'String',
        default: '',
        allowedPattern: '^((http|https)://.+)?$',
        description:
          'Customer Domain for Data Transfer Hub, and must start with https:// or http:// (China regions: ICP-registered; CloudFront default domains are not reachable there)',
      });
      const iamCertificate = new CfnParameter(this, 'IamCertificateId', {
        type: 'String',
        default: '',
        allowedPattern: '^[A-Z0-9]*$',
        description:
          "Id of the console domain's certificate in the IAM certificate store (China regions; aws iam upload-server-certificate --path /cloudfront/)",
      });
      const acmCertificate = new CfnParameter(this, 'AcmCertificateArn', {
        type: 'String',
        default: '',
        allowedPattern: '^(arn:aws[a-z-]*:acm:us-east-1:\\d{12}:certificate/.+)?$',
        description:
          "ARN of the console domain's ACM certificate in us-east-1 (other regions, e.g. an imported certificate)",
      });
      auth = new ConsoleAuth(this, 'Auth', {
        kind: 'OIDC',
        issuer: provider.valueAsString,
        clientId: clientId.valueAsString,
      });
      consoleUrl = site.useDomain({
        url: domain.valueAsString,
        iamCertificateId: iamCertificate.valueAsString,
        acmCertificateArn: acmCertificate.valueAsString,
      });
      new CfnOutput(this, 'OidcCustomerDomainValue', {
        value: domain.valueAsString,
        description: 'Point this domain (CNAME) at the console distribution (PortalUrl)',
      });
    }
    const api = new TaskApi(this, 'TaskApi', { authorizationMode: auth.authorizationMode, handler: apiFn });
    site.deploy(configFor(auth, api.api.graphqlUrl, consoleHostOf(this)));
    new CfnOutput(this, 'ConsoleUrl', { value: consoleUrl, description: 'Console URL' });
    new CfnOutput(this, 'PortalUrl', {
      value: site.distribution.distributionDomainName,
      description: 'Console distribution domain (CNAME target)',
    });
    new CfnOutput(this, 'ApiUrl', { value: api.api.graphqlUrl });
    // The original's output keys and descriptions, which its scripts and guides read.
    new CfnOutput(this, 'ApiEndpoint', { value: api.api.graphqlUrl, description: 'GraphQL API endpoint' });
    if (auth.userPool) {
      new CfnOutput(this, 'UserPoolId', { value: auth.userPool.userPoolId, description: 'User Pool Id' });
      new CfnOutput(this, 'UserPoolApiClientId', { value: auth.clientId, description: 'API Client Id' });
      // The prefix alone, as the original's (scripts build the hosted UI's address from it).
      new CfnOutput(this, 'UserPoolDomain', { value: auth.cognitoDomainPrefix, description: 'User pool domain' });
      new CfnOutput(this, 'AdminUsername', { value: adminEmail.valueAsString, description: 'Admin username' });
    }
    new CfnOutput(this, 'ApiFunctionName', {
      value: apiFn.functionName,
      description: 'The API resolver Lambda (scripts/aws-smoke-test.sh calls it directly)',
    });
    this.console = site;
    new CfnOutput(this, 'TaskTableName', { value: table.tableName });
    new CfnOutput(this, 'StateMachineArn', {
      value: orchestrator.stateMachine.stateMachineArn,
      description: 'StateMachine Arn',
    });
    new CfnOutput(this, 'CentralAlarmTopicName', { value: topic.topicName, description: 'Central Alarm Topic Name' });
    // The templates the orchestrator deploys per task, whose assets this stack keeps published: one task deployed
    // without the console is `aws cloudformation create-stack --template-url <this>`, as the original's guides did
    // with its published DataTransferS3Stack / DataTransferECRStack templates.
    new CfnOutput(this, 'S3PluginTemplateUrl', {
      value: this.s3Template.templateUrl,
      description: 'S3 plugin template (one transfer task; create-stack --template-url)',
    });
    new CfnOutput(this, 'EcrPluginTemplateUrl', {
      value: this.ecrTemplate.templateUrl,
      description: 'ECR plugin template (one image task; create-stack --template-url)',
    });
    // `cdk gc` deletes assets no deployed template mentions; the plugin templates' own assets are only mentioned by
    // the uploaded templates (S3 objects) until a task runs: name them here so that they are kept.
    this.templateOptions.templateFormatVersion = '2010-09-09';
    this.templateOptions.metadata = {
      ...this.templateOptions.metadata,
      // The original's parameter groups, and labels for the parameters of ours (the console's create-stack form).
      'AWS::CloudFormation::Interface': parameterInterface(props.authType),
      'DataTransferHub::PluginAssets': [
        ...new Set([this.s3Template, this.ecrTemplate].flatMap((t) => Object.values(t.republished))),
      ].sort(),
    };
    acknowledgeMainStack(this, all, prefix);
  }
}

/** The main stack's parameter groups (the original's: "User Pool" or "OIDC Settings") and labels. */
function parameterInterface(authType: MainStackProps['authType']) {
  const groups =
    authType === 'COGNITO'
      ? [{ Label: { default: 'User Pool' }, Parameters: ['AdminEmail'] }]
      : [
          { Label: { default: 'OIDC Settings' }, Parameters: ['OidcProvider', 'OidcClientId', 'OidcCustomerDomain'] },
          { Label: { default: 'Console Domain Certificate' }, Parameters: ['IamCertificateId', 'AcmCertificateArn'] },
          { Label: { default: 'Notification' }, Parameters: ['AdminEmail'] },
        ];
  const labels: Record<string, string> = {
    AdminEmail: authType === 'COGNITO' ? 'Admin email' : 'Alarm email',
    OidcProvider: 'OpenID Connect issuer URL',
    OidcClientId: 'OpenID Connect client id',
    OidcCustomerDomain: 'Console domain',
    IamCertificateId: 'IAM server certificate id (China regions)',
    AcmCertificateArn: 'ACM certificate ARN (us-east-1)',
  };
  const named = new Set(groups.flatMap((g) => g.Parameters));
  return {
    ParameterGroups: groups,
    ParameterLabels: Object.fromEntries(
      Object.entries(labels)
        .filter(([name]) => named.has(name))
        .map(([name, label]) => [name, { default: label }]),
    ),
  };
}

/** Per-task stacks are created by the orchestrator, not `cdk deploy`: no BootstrapVersion SSM parameter check. */
const perTaskSynthesizer = () => new DefaultStackSynthesizer({ generateBootstrapVersionRule: false });

/**
 * The resources of the plugin stacks, which exist only once tasks run: matched by the names CloudFormation gives
 * them (`<stack name>-<logical id>-<suffix>`, the stack being `<prefix>-<type>-<id>`), with grants per use.
 */
class PluginResources {
  /** ECS clusters of S3 plugin stacks. */
  readonly clusters: string;
  /** ECS tasks in those clusters. */
  readonly tasks: string;
  private readonly stacks: string;

  constructor(
    private readonly stack: Stack,
    private readonly prefix: string,
  ) {
    this.stacks = stack.formatArn({
      service: 'cloudformation',
      resource: 'stack',
      resourceName: `${prefix}-*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.clusters = stack.formatArn({
      service: 'ecs',
      resource: 'cluster',
      resourceName: `${prefix}-*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.tasks = stack.formatArn({
      service: 'ecs',
      resource: 'task',
      resourceName: `${prefix}-*/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  grantManageStacks(grantee: IGrantable, actions: string[]): Grant {
    return Grant.addToPrincipal({ grantee, actions, resourceArns: [this.stacks] });
  }

  /** The finder and worker log groups (checkFinder; listLogStreams / getLogEvents). */
  grantReadLogs(grantee: IGrantable): Grant {
    const groups = this.stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `${this.prefix}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    return Grant.addToPrincipal({
      grantee,
      actions: ['logs:DescribeLogStreams', 'logs:GetLogEvents', 'logs:FilterLogEvents'],
      resourceArns: [groups, `${groups}:*`],
    });
  }

  /** A task's parameters kept in SSM when they do not fit a CloudFormation parameter (an IAM `*` spans '/': its chunks too). */
  grantTaskParams(grantee: IGrantable, actions: string[]): Grant {
    const parameters = this.stack.formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: taskParamsPath('*').replace(/^\//, ''),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    return Grant.addToPrincipal({ grantee, actions, resourceArns: [parameters] });
  }

  /** Set the size of the task stacks' worker groups (`<stack>-Worker-ASG`): a finished one-time task's fleet to zero. */
  grantScaleWorkers(grantee: IGrantable): Grant {
    const groups = this.stack.formatArn({
      service: 'autoscaling',
      resource: 'autoScalingGroup',
      resourceName: `*:autoScalingGroupName/${this.prefix}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    return Grant.addToPrincipal({ grantee, actions: ['autoscaling:UpdateAutoScalingGroup'], resourceArns: [groups] });
  }

  /** Depth of the job queues (the monitor waits until a pass is copied). */
  grantReadQueueDepth(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['sqs:GetQueueAttributes'],
      resourceArns: [this.stack.formatArn({ service: 'sqs', resource: `${this.prefix}-*` })],
    });
  }

  /** The per-object status tables (read only). */
  grantReadStatus(grantee: IGrantable): Grant {
    const tables = this.stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: `${this.prefix}-*` });
    return Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:GetItem'],
      resourceArns: [tables],
    });
  }

  /** Whether the ECR plugin's copy flow (`<stack>-ECRReplicationSM`) is still running. */
  grantListExecutions(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({ grantee, actions: ['states:ListExecutions'], resourceArns: [this.machines()] });
  }

  /** How the ECR plugin's copy flow executions ended: status, error and cause (the execution and its history). */
  grantReadExecutions(grantee: IGrantable): Grant {
    return this.grantListExecutions(grantee).combine(
      Grant.addToPrincipal({
        grantee,
        actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
        resourceArns: [this.executions()],
      }),
    );
  }

  /** Stop the ECR plugin's copy flow executions before its stack is deleted. */
  grantStopExecutions(grantee: IGrantable): Grant {
    return this.grantListExecutions(grantee).combine(
      Grant.addToPrincipal({ grantee, actions: ['states:StopExecution'], resourceArns: [this.executions()] }),
    );
  }

  private executions(): string {
    return this.stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.prefix}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  private machines(): string {
    return this.stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: `${this.prefix}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }
}

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
    authType: auth.authType,
    apiUrl,
    region: Aws.REGION,
    cognitoDomain: auth.cognitoDomain,
    oidcIssuer: auth.oidcIssuer,
    // Amplify keys its Cognito token store by the user pool (portal/src/auth/config.ts); blank for OIDC.
    userPoolId: auth.userPool?.userPoolId ?? '',
    clientId: auth.clientId,
    dashboardUrlPrefix: `https://${consoleHost}/cloudwatch/home?region=${Aws.REGION}#dashboards:name=`,
  };
}
