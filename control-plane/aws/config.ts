/** Lambda configuration, read once from the environment at cold start; errors name the variable. */
import { InvalidParameterError } from '../../worker/core/errors.js';
import { envUrl, envValue, type Env } from '../../worker/core/env-values.js';
import { METRICS_NAMESPACE_PREFIX, PLUGIN_PARAMETERS } from '../core/plugin-contract.js';
import type { TaskType } from '../core/task.js';

export interface LambdaConfig {
  region: string;
  taskTable: string;
  stateMachineArn?: string;
  templates: Partial<Record<TaskType, string>>;
  stackPrefix: string;
  /** The role CloudFormation assumes to create and delete plugin stacks (so the step Lambdas need no rights on their resources). */
  pluginStackRoleArn?: string;
  secretNamePrefix?: string;
  /** Parameters every plugin stack gets from the hub: its shared task network (defaults) and the role boundary (enforced). */
  pluginStackParameters: { defaults: Record<string, string>; enforced: Record<string, string> };
  metricsNamespace: string;
  notifyTopicArn?: string;
  /** Only for tests against local servers. */
  dynamodbEndpoint?: string;
  sqsEndpoint?: string;
}
/** A JSON object of string values from one variable (absent: empty). */
function parseJsonObject(env: Env, name: string): Record<string, string> {
  const text = envValue(env, name);
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidParameterError(name, 'is not valid JSON');
  }
  if (
    !parsed ||
    typeof parsed !== 'object' ||
    Array.isArray(parsed) ||
    Object.values(parsed).some((v) => typeof v !== 'string')
  ) {
    throw new InvalidParameterError(name, 'must be a JSON object of string values');
  }
  return parsed as Record<string, string>;
}

export function loadLambdaConfig(env: Env, needs: { stateMachine?: boolean; templates?: boolean } = {}): LambdaConfig {
  const taskTable = envValue(env, 'TASK_TABLE');
  if (!taskTable) throw new InvalidParameterError('TASK_TABLE', 'is required (the task table name)');
  const stateMachineArn = envValue(env, 'STATE_MACHINE_ARN');
  if (needs.stateMachine && !stateMachineArn)
    throw new InvalidParameterError('STATE_MACHINE_ARN', 'is required (the lifecycle state machine)');
  if (
    stateMachineArn &&
    !/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/.test(stateMachineArn)
  ) {
    throw new InvalidParameterError('STATE_MACHINE_ARN', `"${stateMachineArn}" is not a state machine ARN`);
  }
  const templates = { S3EC2: envUrl(env, 'S3_PLUGIN_TEMPLATE_URL'), ECR: envUrl(env, 'ECR_PLUGIN_TEMPLATE_URL') };
  if (needs.templates && !templates.S3EC2 && !templates.ECR) {
    throw new InvalidParameterError(
      'S3_PLUGIN_TEMPLATE_URL',
      'is required (or ECR_PLUGIN_TEMPLATE_URL): the plugin template URL',
    );
  }
  const stackPrefix = envValue(env, 'STACK_NAME_PREFIX') ?? 'DTH';
  if (!/^[A-Za-z][A-Za-z0-9-]{0,60}$/.test(stackPrefix))
    throw new InvalidParameterError(
      'STACK_NAME_PREFIX',
      'must start with a letter and hold letters, digits and hyphens',
    );
  const pluginStackRoleArn = envValue(env, 'PLUGIN_STACK_ROLE_ARN');
  if (pluginStackRoleArn && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(pluginStackRoleArn)) {
    throw new InvalidParameterError('PLUGIN_STACK_ROLE_ARN', `"${pluginStackRoleArn}" is not an IAM role ARN`);
  }
  const network = parseJsonObject(env, 'PLUGIN_NETWORK_PARAMETERS');
  const boundary = envValue(env, 'PLUGIN_ROLE_BOUNDARY_ARN');
  if (boundary && !/^arn:aws[a-z-]*:iam::\d{12}:policy\/[\w+=,.@/-]+$/.test(boundary)) {
    throw new InvalidParameterError('PLUGIN_ROLE_BOUNDARY_ARN', `"${boundary}" is not an IAM managed policy ARN`);
  }
  const notifyTopicArn = envValue(env, 'NOTIFY_TOPIC_ARN');
  if (notifyTopicArn && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/.test(notifyTopicArn)) {
    throw new InvalidParameterError('NOTIFY_TOPIC_ARN', `"${notifyTopicArn}" is not an SNS topic ARN`);
  }
  return {
    region: envValue(env, 'AWS_REGION') ?? 'us-east-1',
    taskTable,
    stateMachineArn,
    templates: Object.fromEntries(Object.entries(templates).filter(([, v]) => v)) as LambdaConfig['templates'],
    stackPrefix,
    pluginStackRoleArn,
    secretNamePrefix: envValue(env, 'SECRET_NAME_PREFIX'),
    pluginStackParameters: {
      defaults: network,
      enforced: boundary ? { [PLUGIN_PARAMETERS.permissionsBoundary]: boundary } : {},
    },
    metricsNamespace: envValue(env, 'METRICS_NAMESPACE') ?? METRICS_NAMESPACE_PREFIX,
    notifyTopicArn,
    dynamodbEndpoint: envUrl(env, 'DYNAMODB_ENDPOINT'),
    sqsEndpoint: envUrl(env, 'SQS_ENDPOINT'),
  };
}
