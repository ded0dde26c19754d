import { ArnFormat, Stack } from 'aws-cdk-lib';
import {
  Effect,
  type Grant,
  type IGrantable,
  ManagedPolicy,
  PolicyDocument,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { taskParamsPath } from '../control-plane/core/plugin-contract.js';

export interface PluginStackRoleProps {
  /** Plugin stacks are named `<prefix>-<type>-<id>`; the roles, instance profiles and buckets CloudFormation names after them too. */
  readonly stackPrefix: string;
  /** The bucket holding the plugin templates and their assets (Lambda code, the worker bundle). */
  readonly assetBucket: IBucket;
}

/** Services whose resources the plugin templates declare: CloudFormation creates and deletes them as this role. */
export const PLUGIN_SERVICES = [
  'autoscaling',
  'cloudwatch',
  'dynamodb',
  'ec2',
  'ecs',
  'events',
  'logs',
  'sns',
  'sqs',
  'states',
];

/**
 * What a role created by a plugin stack may ever do (its permissions boundary): the data-plane calls of the finder,
 * workers, copy tasks, lister and CDK helper Lambdas, and passing only other task roles. No IAM write, no
 * sts:AssumeRole: whatever a template says, a task role cannot grant itself or anyone more.
 */
const BOUNDARY_STATEMENTS = (rolePattern: string, taskParameters: string) => [
  new PolicyStatement({
    sid: 'TaskDataPlane',
    actions: [
      's3:*',
      'sqs:*',
      'dynamodb:*',
      'logs:*',
      'sns:Publish',
      'cloudwatch:PutMetricData',
      'ec2:Describe*',
      'xray:*',
      'secretsmanager:GetSecretValue',
      'secretsmanager:DescribeSecret',
      'kms:Decrypt',
      'kms:GenerateDataKey*',
      'ecr:GetAuthorizationToken',
      'ecr:BatchGetImage',
      'ecr:GetDownloadUrlForLayer',
      'ecr:BatchCheckLayerAvailability',
      'ecr:DescribeImages',
      'ecr:DescribeRepositories',
      'ecr:ListImages',
      'ecr:CreateRepository',
      'ecr:InitiateLayerUpload',
      'ecr:UploadLayerPart',
      'ecr:CompleteLayerUpload',
      'ecr:PutImage',
      'ecs:RunTask',
      'ecs:StopTask',
      'ecs:DescribeTasks',
      'ecs:ListTasks',
      'states:*',
      'events:*',
      'lambda:InvokeFunction',
      'cloudformation:SignalResource',
    ],
    resources: ['*'],
  }),
  new PolicyStatement({ sid: 'PassTaskRolesOnly', actions: ['iam:PassRole'], resources: [rolePattern] }),
  // Parameter sets too large for CloudFormation, which the control plane keeps in SSM (TASK_PARAMS_PATH).
  new PolicyStatement({ sid: 'ReadTaskParameters', actions: ['ssm:GetParametersByPath'], resources: [taskParameters] }),
];

/**
 * The CloudFormation service role of the per-task plugin stacks. The step Lambdas hold no rights on EC2, ECS, IAM…
 * themselves, only the right to hand this role to CloudFormation. IAM rights are bounded: roles and instance
 * profiles named `<prefix>-*` only (CloudFormation names them after the stack), every role created or given a policy
 * must carry the permissions boundary, and a boundary can never be removed.
 */
export class PluginStackRole extends Construct {
  readonly role: Role;
  /** The permissions boundary every plugin stack role must carry (passed to the stacks as PermissionsBoundaryArn). */
  readonly boundary: ManagedPolicy;

  constructor(scope: Construct, id: string, props: PluginStackRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const named = (resource: string, name: string) =>
      stack.formatArn({
        service: 'iam',
        region: '',
        resource,
        resourceName: name,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    const taskRoles = named('role', `${props.stackPrefix}-*`);
    const instanceProfiles = named('instance-profile', `${props.stackPrefix}-*`);
    const taskParameters = stack.formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: `${taskParamsPath('*').replace(/^\//, '')}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.boundary = new ManagedPolicy(this, 'TaskRoleBoundary', {
      description: 'Permissions boundary of every IAM role a Data Transfer Hub task stack creates',
      document: new PolicyDocument({ statements: BOUNDARY_STATEMENTS(taskRoles, taskParameters) }),
    });
    const withBoundary = { StringEquals: { 'iam:PermissionsBoundary': this.boundary.managedPolicyArn } };
    const buckets = stack.formatArn({
      service: 's3',
      region: '',
      account: '',
      resource: `${props.stackPrefix.toLowerCase()}-*`,
    });
    const functions = stack.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: `${props.stackPrefix}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('cloudformation.amazonaws.com'),
      description: 'CloudFormation service role of the per-task plugin stacks',
      inlinePolicies: {
        PluginResources: new PolicyDocument({
          statements: [
            new PolicyStatement({
              sid: 'PluginServices',
              actions: PLUGIN_SERVICES.map((s) => `${s}:*`),
              resources: ['*'],
            }),
            // The templates' functions (lister, CDK helpers; CloudFormation names them after the stack), and invoking
            // them as custom resources: no other function of the account can be changed.
            new PolicyStatement({ sid: 'TaskFunctions', actions: ['lambda:*'], resources: [functions] }),
            new PolicyStatement({
              sid: 'CreateBoundedTaskRoles',
              actions: [
                'iam:CreateRole',
                'iam:PutRolePolicy',
                'iam:AttachRolePolicy',
                'iam:PutRolePermissionsBoundary',
              ],
              resources: [taskRoles],
              conditions: withBoundary,
            }),
            new PolicyStatement({
              sid: 'ManageAndDeleteTaskRoles',
              actions: [
                'iam:GetRole',
                'iam:GetRolePolicy',
                'iam:ListRolePolicies',
                'iam:ListAttachedRolePolicies',
                'iam:ListInstanceProfilesForRole',
                'iam:DeleteRolePolicy',
                'iam:DetachRolePolicy',
                'iam:DeleteRole',
                'iam:TagRole',
                'iam:UntagRole',
                'iam:ListRoleTags',
                'iam:PassRole',
              ],
              resources: [taskRoles],
            }),
            new PolicyStatement({
              sid: 'TaskInstanceProfiles',
              actions: [
                'iam:CreateInstanceProfile',
                'iam:DeleteInstanceProfile',
                'iam:GetInstanceProfile',
                'iam:AddRoleToInstanceProfile',
                'iam:RemoveRoleFromInstanceProfile',
                'iam:TagInstanceProfile',
              ],
              resources: [instanceProfiles],
            }),
            new PolicyStatement({
              sid: 'ServiceLinkedRoles',
              actions: ['iam:CreateServiceLinkedRole'],
              resources: ['*'],
              conditions: {
                StringEquals: { 'iam:AWSServiceName': ['autoscaling.amazonaws.com', 'ecs.amazonaws.com'] },
              },
            }),
            new PolicyStatement({
              sid: 'KeepBoundaries',
              effect: Effect.DENY,
              actions: ['iam:DeleteRolePermissionsBoundary'],
              resources: ['*'],
            }),
            // The ECR plugin's image-list bucket (named after the stack): encrypted, SSL-only, expiring, emptied on delete.
            new PolicyStatement({
              sid: 'TaskBuckets',
              actions: [
                's3:CreateBucket',
                's3:DeleteBucket',
                's3:PutBucketPolicy',
                's3:GetBucketPolicy',
                's3:DeleteBucketPolicy',
                's3:PutEncryptionConfiguration',
                's3:PutLifecycleConfiguration',
                's3:PutBucketPublicAccessBlock',
                's3:PutBucketTagging',
                's3:GetBucketTagging',
              ],
              resources: [buckets],
            }),
            // Lambda code and the templates' other assets; the AMI and other public SSM parameters the templates resolve.
            new PolicyStatement({
              sid: 'TemplateAssets',
              actions: ['s3:GetObject'],
              resources: [props.assetBucket.arnForObjects('*')],
            }),
            new PolicyStatement({ sid: 'PublicParameters', actions: ['ssm:GetParameters'], resources: ['*'] }),
          ],
        }),
      },
    });
  }

  /** iam:PassRole on this role only: the start and stop steps hand it to CloudFormation. */
  grantPass(grantee: IGrantable): Grant {
    return this.role.grantPassRole(grantee.grantPrincipal);
  }
}
