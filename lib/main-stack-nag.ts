import { Validations, type CfnResource, type Stack } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { PLUGIN_SERVICES } from './plugin-stack-role.js';

/** cdk-nag AwsSolutions findings of the main stack that are accepted, each with its reason. */
export function acknowledgeMainStack(stack: Stack, functions: IFunction[], stackPrefix: string): void {
  const iam5 = (finding: string, reason: string) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  const arnOf = (fn: IFunction) => `<${stack.getLogicalId(fn.node.defaultChild as CfnResource)}.Arn>`;
  Validations.of(stack).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'Lambda log writing only (our functions and CDK helper Lambdas)',
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSAppSyncPushToCloudWatchLogs]',
      reason: 'AppSync field-error logging role: log writing only',
    },
    {
      id: 'AwsSolutions-L1',
      reason: 'Functions use Node 22 (as the workers and the task image); CDK helper Lambdas pin their own runtime',
    },
    { id: 'AwsSolutions-CFR1', reason: 'The console is for the operator wherever they are; sign-in protects the API' },
    {
      id: 'AwsSolutions-CFR2',
      reason: 'Static console files only; the API is AppSync with Cognito/OIDC authorization',
    },
    {
      id: 'AwsSolutions-CFR4',
      reason:
        'Default CloudFront certificate (no custom domain): CloudFront fixes the minimum protocol; viewers are redirected to HTTPS',
    },
    {
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is optional (TOTP) so that the first sign-in with the emailed temporary password works; threat protection is enforced',
    },
    ...PLUGIN_SERVICES.map((svc) =>
      iam5(
        `Action::${svc}:*`,
        `CloudFormation's service role (assumable by CloudFormation only) creates and deletes the plugin stack's ${svc} resources (resource names are only known at creation)`,
      ),
    ),
    iam5(
      'Resource::*',
      'Actions without resource-level permissions (secretsmanager:ListSecrets, cloudwatch:GetMetricData, cloudformation:GetTemplateSummary, X-Ray, log delivery) and plugin resource creation by CloudFormation',
    ),
    iam5('Action::s3:GetBucket*', 'Read grant of the plugin template assets (and the CDK bucket deployment source)'),
    iam5('Action::s3:GetObject*', 'Read grant of the plugin template assets (and the CDK bucket deployment source)'),
    iam5('Action::s3:List*', 'Read grant of the plugin template assets (and the CDK bucket deployment source)'),
    iam5('Action::s3:Abort*', 'CDK bucket deployment writes the console bucket'),
    iam5('Action::s3:DeleteObject*', 'CDK bucket deployment writes the console bucket'),
    iam5('Resource::<ConsoleBucket86B6957C.Arn>/*', 'CDK bucket deployment writes the console files'),
    iam5(
      'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
      'The CDK bootstrap asset bucket holding the plugin templates and console files',
    ),
    iam5(
      `Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/${stackPrefix}-*`,
      'Plugin stacks only (named <prefix>-<type>-<task id>)',
    ),
    iam5(
      `Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${stackPrefix}-*`,
      'Log groups of the plugin stacks only',
    ),
    iam5(
      `Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${stackPrefix}-*:*`,
      "Log streams of the plugin stacks' log groups only",
    ),
    iam5(
      `Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:${stackPrefix}-*`,
      'Job queues of the plugin stacks only',
    ),
    iam5(
      `Resource::arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/${stackPrefix}-*`,
      "Worker groups of the plugin stacks only (<stack>-Worker-ASG; the group id is made at creation): a finished one-time task's fleet to zero",
    ),
    iam5(
      `Resource::arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/${stackPrefix}-*`,
      'Status tables of the plugin stacks only (read)',
    ),
    iam5(
      'Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/dth/task-params/*',
      'Task parameters too large for CloudFormation, one path per task (written at start, deleted at stop)',
    ),
    iam5(
      'Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:*',
      'estimateTask reads the bucket credential secret the user names in the form (names are free)',
    ),
    iam5(
      'Resource::arn:<AWS::Partition>:s3:::*',
      'estimateTask lists the source bucket the user names (ListBucket/GetBucketLocation only)',
    ),
    {
      id: 'AwsSolutions-CFR7',
      reason:
        'The OIDC (China-compatible) console uses an origin access identity: CloudFront in the China regions has no origin access control',
    },
    {
      id: 'CloudFormation-Validate::F3014',
      reason:
        'ViewerCertificate is Fn::If(IAM certificate, Fn::If(ACM certificate, default certificate)): each branch sets exactly one of the three',
    },
    iam5(
      'Action::s3:*',
      'Permissions boundary of the task roles (an upper bound, not a grant): the workers read and write any bucket a task names',
    ),
    iam5('Action::xray:*', 'Permissions boundary of the task roles: state machine tracing'),
    iam5(
      'Action::ec2:Describe*',
      'Permissions boundary of the task roles: the CloudWatch agent reads its instance tags',
    ),
    iam5(
      'Action::kms:GenerateDataKey*',
      'Permissions boundary of the task roles: SSE-KMS objects (the grants themselves are limited to use through S3)',
    ),
    iam5(
      'Action::lambda:*',
      "CloudFormation service role: the plugin stacks' own functions only (function:<prefix>-*, named after the stack)",
    ),
    iam5(
      `Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:${stackPrefix}-*`,
      'CloudFormation service role: functions of the plugin stacks only (CloudFormation names them after the stack)',
    ),
    iam5(
      `Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/${stackPrefix}-*`,
      'Roles of the plugin stacks only (named after the stack); creating one or giving it a policy requires the permissions boundary',
    ),
    iam5(
      `Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:instance-profile/${stackPrefix}-*`,
      'Instance profiles of the plugin stacks only (named after the stack)',
    ),
    iam5(
      `Resource::arn:<AWS::Partition>:s3:::${stackPrefix.toLowerCase()}-*`,
      "Buckets of the plugin stacks only (the ECR plugin's image-list bucket, named after the stack)",
    ),
    iam5(
      `Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/${stackPrefix}-*/*`,
      "Stop and describe the tasks of the plugin stacks' own clusters (S3 finders)",
    ),
    iam5(
      'Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<TaskNetworkCluster22E7932A>/*',
      'Stop and describe the tasks of the shared task cluster (ECR copy tasks), by task id known only at run time',
    ),
    iam5(
      `Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:${stackPrefix}-*`,
      "List the executions of the plugin stacks' state machines only (<stack>-ECRReplicationSM)",
    ),
    iam5(
      `Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${stackPrefix}-*`,
      "Read (status, cause, history) and stop the executions of the plugin stacks' state machines only",
    ),
    ...functions.map((fn) =>
      iam5(
        `Resource::${arnOf(fn)}:*`,
        'Invoke any version of our own function (CDK LambdaInvoke / AppSync data source grant)',
      ),
    ),
  );
}
