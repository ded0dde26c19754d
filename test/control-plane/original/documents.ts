/**
 * The original Data Transfer Hub console's GraphQL operation documents (its `graphql/queries.ts` / `mutations.ts`,
 * Amplify-codegen style with `__typename`), written out from the original's schema and operations as
 * /work/notes/original-contract.md §5 records them, and the variables that console sends (§2, §5.2). Tests run these
 * unchanged against the local hub and the AppSync Lambda resolver: a document that no longer validates, or an answer
 * without one of these fields, is a break of the original's API.
 */

const TASK_SELECTION = `id description type templateUrl parameters { ParameterKey ParameterValue __typename } createdAt stoppedAt
  progress progressInfo { total replicated __typename } stackId stackName stackOutputs { Description OutputKey OutputValue __typename }
  stackStatus stackStatusReason executionArn scheduleType __typename`;

export const ORIGINAL_DOCUMENTS = {
  listTasksV2: `query ListTasksV2($progress: TaskProgress, $page: Int, $count: Int) {
  listTasksV2(progress: $progress, page: $page, count: $count) { items { ${TASK_SELECTION} } total __typename }
}`,
  getTask: `query GetTask($id: ID!) {
  getTask(id: $id) { ${TASK_SELECTION} }
}`,
  listSecrets: `query ListSecrets {
  listSecrets { name description __typename }
}`,
  listLogStreams: `query ListLogStreams($logGroupName: String, $logStreamNamePrefix: String, $page: Int, $count: Int) {
  listLogStreams(logGroupName: $logGroupName, logStreamNamePrefix: $logStreamNamePrefix, page: $page, count: $count) {
    logStreams { logStreamName creationTime firstEventTimestamp lastEventTimestamp lastIngestionTime uploadSequenceToken arn storedBytes __typename }
    total __typename
  }
}`,
  getLogEvents: `query GetLogEvents($limit: Int, $logGroupName: String, $logStreamName: String, $nextToken: String) {
  getLogEvents(limit: $limit, logGroupName: $logGroupName, logStreamName: $logStreamName, nextToken: $nextToken) {
    logEvents { timestamp message ingestionTime __typename } nextForwardToken nextBackwardToken __typename
  }
}`,
  getMetricHistoryData: `query GetMetricHistoryData($id: String!, $graphName: GraphName!, $startTime: String, $endTime: String, $period: Int) {
  getMetricHistoryData(id: $id, graphName: $graphName, startTime: $startTime, endTime: $endTime, period: $period) {
    series { name data __typename } xaxis { categories __typename } __typename
  }
}`,
  getErrorMessage: `query GetErrorMessage($id: String!) {
  getErrorMessage(id: $id) { errMessage errCode __typename }
}`,
  createTask: `mutation CreateTask($input: CreateTaskInput!) {
  createTask(input: $input) { ${TASK_SELECTION} }
}`,
  stopTask: `mutation StopTask($id: String) {
  stopTask(id: $id) { ${TASK_SELECTION} }
}`,
} as const;

/** The original's output descriptions its console looks stack outputs up by (portal const.ts FINDER_DESC / WORKER_DESC). */
export const FINDER_DESC = 'Finder Log Group Name';
export const WORKER_DESC = 'Worker Log Group Name';

const list = (o: Record<string, string>) =>
  Object.entries(o).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));

/**
 * The parameters the original console sends for an S3 task (StepThreeS3.tsx, in its order), here the "Amazon S3, not
 * in this account" source without a credential (anonymous), one-time. srcPrefix and description arrive
 * encodeURIComponent-encoded, as that console sends them; ec2VpcId/ec2Subnets come from its task cluster config.
 */
export function originalS3Parameters(over: Record<string, string> = {}) {
  return list({
    srcType: 'Amazon_S3',
    srcEndpoint: '',
    srcBucket: 'dth-original-src',
    srcPrefix: 'photos%2F2024',
    srcPrefixsListFile: '',
    srcEvent: 'No',
    srcRegion: 'eu-west-1',
    srcInCurrentAccount: 'false',
    srcCredentials: '',
    destBucket: 'dth-original-dst',
    destPrefix: '',
    destStorageClass: 'INTELLIGENT_TIERING',
    destRegion: 'us-east-1',
    destInCurrentAccount: 'true',
    destCredentials: '',
    includeMetadata: 'false',
    isPayerRequest: 'false',
    destPutObjectSSEType: 'None',
    destPutObjectSSEKmsKeyId: '',
    destAcl: 'bucket-owner-full-control',
    ec2CronExpression: '',
    maxCapacity: '20',
    minCapacity: '1',
    desiredCapacity: '1',
    srcSkipCompare: 'false',
    finderDepth: '0',
    finderNumber: '1',
    finderEc2Memory: '8',
    workerNumber: '4',
    alarmEmail: 'ops@example.com',
    ec2Subnets: 'subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788',
    ec2VpcId: 'vpc-0123456789abcdef0',
    ...over,
  });
}

/** The original console's ECR task parameters (StepThreeECR.tsx): public images into ECR of another account. */
export function originalEcrParameters(over: Record<string, string> = {}) {
  return list({
    sourceType: 'Public',
    srcRegion: '',
    srcAccountId: '',
    srcList: 'SELECTED',
    includeUntagged: 'true',
    srcImageList: 'ubuntu:14.04,mysql,public.ecr.aws/amazonlinux/amazonlinux:latest',
    srcCredential: '',
    destAccountId: '123456789012',
    destRegion: 'us-east-1',
    destCredential: 'dth-dest-keys',
    destPrefix: '',
    alarmEmail: 'ops@example.com',
    ecsVpcId: 'vpc-0123456789abcdef0',
    ecsClusterName: 'DataTransferHub-TaskCluster-1A2B3C',
    ecsSubnetA: 'subnet-0a1b2c3d4e5f60718',
    ecsSubnetB: 'subnet-0f1e2d3c4b5a69788',
    ...over,
  });
}

/** createTask's `input` as the original console builds it (description encodeURIComponent-encoded). */
export function originalCreateInput(
  type: 'S3EC2' | 'ECR',
  parameters: { ParameterKey: string; ParameterValue: string }[],
  description = 'nightly%20copy',
) {
  return { type, description, scheduleType: type === 'ECR' ? 'FIXED_RATE' : 'ONE_TIME', parameters };
}

/** The fields of a Task as the original's documents select them: every one must be in each answer (value or null). */
export const TASK_FIELDS = [
  'id',
  'description',
  'type',
  'templateUrl',
  'parameters',
  'createdAt',
  'stoppedAt',
  'progress',
  'progressInfo',
  'stackId',
  'stackName',
  'stackOutputs',
  'stackStatus',
  'stackStatusReason',
  'executionArn',
  'scheduleType',
  '__typename',
];
