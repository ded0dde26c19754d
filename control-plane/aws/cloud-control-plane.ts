/** Wires the resolvers and the orchestrator steps to AWS: the cloud twin of control-plane/local/hub.ts. */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoStatusStore } from '../../worker/adapters/aws/dynamo-status-store.js';
import { SecretsManagerStore } from '../../worker/adapters/aws/secrets-manager-store.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { createLogger } from '../../worker/core/log.js';
import { filledFields } from '../../worker/core/secret-shape.js';
import { UNTAGGED_SECRET_HINT } from '../core/credential-secret-tag.js';
import { estimatorByType } from '../core/estimator-by-type.js';
import { s3TaskEstimator } from '../core/s3-estimator.js';
import { statusStoreObjects } from '../core/task-objects.js';
import { PLUGIN_OUTPUTS, stackOutput } from '../core/plugin-contract.js';
import { templateParameterNames } from '../../worker/params/index.js';
import type { ControlPlaneDeps } from '../core/ports.js';
import type { LambdaConfig } from './config.js';
import { CloudFormationDiagnostics } from './cloudformation-diagnostics.js';
import { CloudWatchMetrics, CloudWatchTaskLogs } from './cloudwatch-telemetry.js';
import { DynamoTaskStore } from './dynamo-task-store.js';
import type { StepDeps } from './lifecycle-steps.js';
import { StepFunctionsOrchestrator } from './step-functions-orchestrator.js';
import { sdkProxySettings } from '../../worker/adapters/aws/sdk-proxy.js';

export interface CloudClients {
  dynamodb: DynamoDBClient;
  sfn: SFNClient;
  cfn: CloudFormationClient;
  ssm: SSMClient;
  cloudwatch: CloudWatchClient;
  logs: CloudWatchLogsClient;
  secrets: SecretsManagerClient;
  sqs: SQSClient;
  sns: SNSClient;
  ecs: ECSClient;
  autoScaling: AutoScalingClient;
}

export function createCloudClients(config: LambdaConfig): CloudClients {
  const region = config.region;
  return {
    dynamodb: new DynamoDBClient({ ...sdkProxySettings(), region, endpoint: config.dynamodbEndpoint }),
    sfn: new SFNClient({ ...sdkProxySettings(), region }),
    cfn: new CloudFormationClient({ ...sdkProxySettings(), region }),
    cloudwatch: new CloudWatchClient({ ...sdkProxySettings(), region }),
    logs: new CloudWatchLogsClient({ ...sdkProxySettings(), region }),
    secrets: new SecretsManagerClient({ ...sdkProxySettings(), region }),
    sqs: new SQSClient({ ...sdkProxySettings(), region, endpoint: config.sqsEndpoint }),
    sns: new SNSClient({ ...sdkProxySettings(), region }),
    ecs: new ECSClient({ ...sdkProxySettings(), region }),
    ssm: new SSMClient({ ...sdkProxySettings(), region }),
    autoScaling: new AutoScalingClient({ ...sdkProxySettings(), region }),
  };
}

export function cloudControlPlaneDeps(config: LambdaConfig, clients: CloudClients): ControlPlaneDeps {
  const tasks = new DynamoTaskStore(clients.dynamodb, config.taskTable);
  const statusFor = (tableName: string) => new DynamoStatusStore({ client: clients.dynamodb, tableName });
  const secretStore = new SecretsManagerStore(clients.secrets, { refusedHint: UNTAGGED_SECRET_HINT });
  const logger = createLogger({ role: 'api' });
  return {
    tasks,
    orchestrator: new StepFunctionsOrchestrator({
      sfn: clients.sfn,
      stateMachineArn: config.stateMachineArn ?? '',
      templates: config.templates,
      stackPrefix: config.stackPrefix,
      statusFor,
    }),
    secrets: {
      list: async () =>
        (await secretStore.list()).filter(
          (s) => !config.secretNamePrefix || s.name.startsWith(config.secretNamePrefix),
        ),
      // Secrets tagged for the console only (as the estimate reads them); others stay unread here.
      fieldsOf: (name) => secretStore.get(name).then(filledFields, () => undefined),
    },
    metrics: new CloudWatchMetrics({ cloudwatch: clients.cloudwatch, namespace: config.metricsNamespace }),
    logs: new CloudWatchTaskLogs({ logs: clients.logs, stackPrefix: config.stackPrefix }),
    stacks: new CloudFormationDiagnostics(clients.cfn),
    objects: statusStoreObjects((task) => {
      const table = stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.statusTable);
      return table ? statusFor(table) : undefined;
    }),
    // This role reads no registry: image tasks are planned where skopeo and the registry logins are.
    estimator: estimatorByType(
      {
        S3EC2: s3TaskEstimator((params) => openTaskBuckets(params, secretStore), logger, { homeRegion: config.region }),
      },
      'plan an image task with `dth ecr sync --dry-run` or on the local hub',
    ),
    templateDeclares: templateParameterNames,
    s3EventNotifications: true,
    homeRegion: config.region,
  };
}

export function cloudStepDeps(config: LambdaConfig, clients: CloudClients): StepDeps {
  return {
    tasks: new DynamoTaskStore(clients.dynamodb, config.taskTable),
    cfn: clients.cfn,
    logs: clients.logs,
    sqs: clients.sqs,
    sns: clients.sns,
    ssm: clients.ssm,
    notifyTopicArn: config.notifyTopicArn,
    statusFor: (tableName) => new DynamoStatusStore({ client: clients.dynamodb, tableName }),
    templates: config.templates,
    stackPrefix: config.stackPrefix,
    stackRoleArn: config.pluginStackRoleArn,
    stackParameters: config.pluginStackParameters,
    ecs: clients.ecs,
    sfn: clients.sfn,
    autoScaling: clients.autoScaling,
  };
}
