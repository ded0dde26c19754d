/**
 * What the control plane expects of a plugin stack (the per-task CloudFormation stack built from the S3 or ECR
 * plugin template). The CDK app declares these outputs; the orchestrator and monitor steps read them from
 * DescribeStacks and record them on the task (stackOutputs).
 */
export const PLUGIN_OUTPUTS = {
  /** Per-object (or per-image) status table of the task: progress counts, listTaskObjects, the completion check. */
  statusTable: 'StatusTableName',
  /** The task's job queue (S3 plugin); the monitor waits until it is empty. Optional for the ECR plugin. */
  queueUrl: 'QueueUrl',
  /** Dead-letter queue of the job queue (S3 plugin, optional). */
  dlqUrl: 'DlqUrl',
  /** Log group of the finder / image lister (structured JSON lines: `finder.done`, `finder.failed`; worker/core/events.ts). */
  finderLogGroup: 'FinderLogGroup',
  /** Log group of the workers (listLogStreams / getLogEvents read it). Optional: defaults to the finder's. */
  workerLogGroup: 'WorkerLogGroup',
  /** ECS cluster the stack's tasks run in: stopping the task stops them first (a cluster or a security group in use cannot be deleted). */
  ecsCluster: 'EcsClusterName',
  /** Comma-separated task definition families of the stack's ECS tasks (per stack: `<stack name>-…`). */
  ecsTaskFamilies: 'EcsTaskFamilies',
  /** Family of the finder task (S3 plugin): the monitor asks ECS whether a silent finder is still running. */
  finderTaskFamily: 'FinderTaskFamily',
  /** The plugin's own state machine (ECR plugin): its executions are stopped before the stack is deleted. */
  stateMachine: 'StateMachineArn',
} as const;

/**
 * Output descriptions. The original's console and monitor found outputs by Description (their logical ids were
 * generated), e.g. the log groups by "Finder Log Group Name" / "Worker Log Group Name"; ours carry the same
 * descriptions, so a tool written for the original finds them in getTask's stackOutputs.
 */
export const PLUGIN_OUTPUT_DESCRIPTIONS = {
  StatusTableName: 'DynamoDB Table Name',
  QueueUrl: 'Queue URL',
  DlqUrl: 'Dead Letter Queue URL',
  FinderLogGroup: 'Finder Log Group Name',
  WorkerLogGroup: 'Worker Log Group Name',
  WorkerAutoScalingGroupName: 'Worker ASG Name',
  EcsClusterName: 'ECS Cluster Name',
  EcsTaskFamilies: 'ECS Task Definition Families',
  FinderTaskFamily: 'Finder Task Definition Family',
  StateMachineArn: 'Image Copy State Machine ARN',
} as const satisfies Record<
  (typeof PLUGIN_OUTPUTS)[keyof typeof PLUGIN_OUTPUTS] | 'WorkerAutoScalingGroupName',
  string
>;

export type TaskLogKind = 'finder' | 'worker';

/** The log group of a task's finder or workers, from its stack outputs (the worker group falls back to the finder's). */
export function taskLogGroup(
  outputs: { OutputKey?: string; OutputValue?: string }[] | undefined,
  kind: TaskLogKind,
): string | undefined {
  const finder = stackOutput(outputs, PLUGIN_OUTPUTS.finderLogGroup);
  return kind === 'finder' ? finder : (stackOutput(outputs, PLUGIN_OUTPUTS.workerLogGroup) ?? finder);
}

/**
 * Parameters the orchestrator passes to CreateStack. It reads the template's declared parameters
 * (GetTemplateSummary) and passes only those: each task parameter whose name the template declares, plus these.
 */
export const PLUGIN_PARAMETERS = {
  /** The task id. */
  taskId: 'TaskId',
  /** All task parameters as one JSON object (what `dth finder`/`dth worker` read as TASK_PARAMS). */
  taskParams: 'TaskParams',
  /** FIXED_RATE: the EventBridge rate/cron expression of the finder schedule; ONE_TIME: empty. */
  schedule: 'FinderScheduleExpression',
  /** Permissions boundary of every role the stack creates (the hub's; never a task's value). */
  permissionsBoundary: 'PermissionsBoundaryArn',
} as const;

/**
 * The original's network parameters (S3 plugin: ec2VpcId, ec2Subnets; ECR plugin: ecsVpcId, ecsSubnetA/B,
 * ecsClusterName), filled from the hub's shared task VPC and cluster when a task does not give its own.
 */
export function hubNetworkParameters(network: {
  vpcId: string;
  subnetIds: string[];
  clusterName: string;
}): Record<string, string> {
  const [a, b = a] = network.subnetIds;
  return {
    ec2VpcId: network.vpcId,
    ec2Subnets: network.subnetIds.join(','),
    ecsVpcId: network.vpcId,
    ecsSubnetA: a,
    ecsSubnetB: b,
    ecsClusterName: network.clusterName,
  };
}

/**
 * Parameters a plugin template may declare. TaskParamsPath: the template takes task parameters too large for
 * CloudFormation (a long image list) through SSM Parameter Store: the control plane writes the JSON under this path
 * (taskParamsPath) and passes TaskParams empty; the plugin's roles read it (TASK_PARAMS_PATH) and need
 * ssm:GetParametersByPath on it.
 */
export const PLUGIN_OPTIONAL_PARAMETERS = {
  taskParamsPath: 'TaskParamsPath',
} as const;

/** A CloudFormation parameter value holds at most this many bytes. */
export const CFN_PARAMETER_MAX_BYTES = 4096;
/**
 * TaskParams longer than this go through SSM when the template allows: the plugin also puts them into a Lambda's
 * environment, which holds 4 KB in all.
 */
export const INLINE_TASK_PARAMS_MAX_BYTES = 3072;

/** Where a task's parameters are kept in SSM Parameter Store when they do not fit a CloudFormation parameter. */
export function taskParamsPath(taskId: string): string {
  return `/dth/task-params/${taskId}`;
}

/** Plugin stacks are named `<prefix>-<type>-<first 8 chars of the task id>`. */
export function pluginStackName(prefix: string, type: string, taskId: string): string {
  return `${prefix}-${type}-${taskId.replace(/[^A-Za-z0-9]/g, '').slice(0, 8)}`;
}

export function stackOutput(
  outputs: { OutputKey?: string; OutputValue?: string }[] | undefined,
  key: string,
): string | undefined {
  return outputs?.find((o) => o.OutputKey === key)?.OutputValue || undefined;
}

/** Optional output: the workers' Auto Scaling group (DesiredInServiceInstances chart). */
export const PLUGIN_WORKER_GROUP_OUTPUT = 'WorkerAutoScalingGroupName';

/**
 * The plugin stacks' chart metrics live in namespace `<this>/<plugin stack name>` (log-line metric filters,
 * worker/core/events.ts); the API reads them there (METRICS_NAMESPACE, this by default).
 */
export const METRICS_NAMESPACE_PREFIX = 'DataTransferHub';

/**
 * The original S3 plugin's output keys (CDK generated them from its construct paths) with their descriptions: a script
 * that reads the original's stack outputs by OutputKey finds the same values under them. The control plane reads ours
 * (PLUGIN_OUTPUTS). The original's split-part table and multipart state machine outputs have no counterpart here.
 */
export const ORIGINAL_S3_OUTPUTS = {
  statusTable: { key: 'CommonTableName4099A6E9', description: 'DynamoDB Table Name' },
  queueName: { key: 'CommonQueueNameEB26B1B7', description: 'Queue Name' },
  dlqName: { key: 'CommonDLQQueueName98D51C56', description: 'Dead Letter Queue Name' },
  alarmTopicName: { key: 'CommonAlarmTopicName54A80B94', description: 'Alarm Topic Name' },
  stackName: { key: 'CommonStackName013B3BAB', description: 'Stack Name' },
  finderLogGroup: { key: 'FinderStackFinderLogGroupNameB966FCFB', description: 'Finder Log Group Name' },
  workerLogGroup: { key: 'EC2WorkerStackWorkerLogGroupName752FB4C3', description: 'Worker Log Group Name' },
  workerGroup: { key: 'EC2WorkerStackWorkerASGName4A04CB6D', description: 'Worker ASG Name' },
} as const;
