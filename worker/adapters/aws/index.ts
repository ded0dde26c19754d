export {
  SqsJobQueue,
  ensureSqsQueue,
  findQueue,
  type SqsJobQueueOptions,
  type EnsureSqsQueueOptions,
} from './sqs-job-queue.js';
export { DynamoStatusStore } from './dynamo-status-store.js';
export * from './status-table.js';
export { SecretsManagerStore } from './secrets-manager-store.js';
export { loadCloudRoleConfig, openCloudRole, type CloudRoleConfig } from './cloud-role.js';
