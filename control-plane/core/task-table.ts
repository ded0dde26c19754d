/**
 * Key schema of the task table (DynamoDB in the cloud; the CDK stack creates it from these constants).
 *
 * - Partition key `id` (S): the task id (a UUID). No sort key, no GSI: listTasksV2 Scans the table
 *   (task tables hold hundreds of items, not millions) and sorts by `createdAt`, newest first.
 * - Every other TaskRecord field is an attribute of the same name (parameters, progressInfo and
 *   stackOutputs as lists/maps).
 */
export const TASK_TABLE_PARTITION_KEY = 'id';

export const TASK_TABLE_KEY_SCHEMA = [{ AttributeName: TASK_TABLE_PARTITION_KEY, KeyType: 'HASH' as const }];
export const TASK_TABLE_ATTRIBUTES = [{ AttributeName: TASK_TABLE_PARTITION_KEY, AttributeType: 'S' as const }];
