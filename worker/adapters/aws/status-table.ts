import {
  CreateTableCommand,
  DescribeTableCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/**
 * Key schema of a task's status table (the cloud creates one table per task stack; the CDK stack uses these constants).
 *
 * - Partition key `objectKey` (S): the source object key.
 * - Sort key `sk` (S): `#object` for the object's record; `part#<uploadId>#<partNumber, 5 digits>` for each
 *   finished part of an open multipart upload. Every part is its own item, so concurrent addPart calls never
 *   overwrite each other, an upload may have all 10,000 parts (no 400 KB item limit), and listParts is one
 *   Query on the object's partition (`begins_with(sk, 'part#<uploadId>#')`), already in part order. A part's item
 *   holds its `partNumber`, `etag`, `size` and `kms` (BOOL: its answer showed SSE-KMS; absent in items written before).
 *   `upload#<uploadId>`: the upload's tally (one attribute per recorded part, their count and bytes) and the claim
 *   on its completion (fan-out of giant objects).
 * - Partition `#counters`, sort key `writer#<id>`: the task's counts, one item per writing process
 *   (status-counters.ts). An object named `#counters` keeps its record at sort key `#object`: no clash.
 */
export const STATUS_TABLE_PARTITION_KEY = 'objectKey';
export const STATUS_TABLE_SORT_KEY = 'sk';
export const RECORD_SORT_KEY = '#object';
export const PART_SORT_KEY_PREFIX = 'part#';
export const UPLOAD_SORT_KEY_PREFIX = 'upload#';
export const COUNTERS_PARTITION = '#counters';
export const WRITER_SORT_KEY_PREFIX = 'writer#';

export function uploadSortKey(uploadId: string): string {
  return UPLOAD_SORT_KEY_PREFIX + uploadId;
}

export const STATUS_TABLE_KEY_SCHEMA = [
  { AttributeName: STATUS_TABLE_PARTITION_KEY, KeyType: 'HASH' as const },
  { AttributeName: STATUS_TABLE_SORT_KEY, KeyType: 'RANGE' as const },
];
export const STATUS_TABLE_ATTRIBUTES = [
  { AttributeName: STATUS_TABLE_PARTITION_KEY, AttributeType: 'S' as const },
  { AttributeName: STATUS_TABLE_SORT_KEY, AttributeType: 'S' as const },
];

export function partsSortKeyPrefix(uploadId: string): string {
  return `${PART_SORT_KEY_PREFIX}${uploadId}#`;
}

export function partSortKey(uploadId: string, partNumber: number): string {
  return partsSortKeyPrefix(uploadId) + String(partNumber).padStart(5, '0');
}

/** Creates the status table (on-demand capacity) unless it exists, and waits until it is ACTIVE. For local runs and tests. */
export async function ensureStatusTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: STATUS_TABLE_KEY_SCHEMA,
        AttributeDefinitions: STATUS_TABLE_ATTRIBUTES,
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (err) {
    if ((err as Error).name !== 'ResourceInUseException') throw err;
    const problem = await statusTableKeyProblem(client, tableName);
    if (problem) throw new Error(`table ${tableName} ${problem}`);
  }
  await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
}

const TYPE_WORDS: Record<string, string> = { S: 'string', N: 'number', B: 'binary' };

/** A key schema in words, each attribute with its type: "objectKey (HASH, string) + sk (RANGE, string)". */
function keyText(
  keys: readonly { AttributeName?: string; KeyType?: string }[],
  attributes: readonly { AttributeName?: string; AttributeType?: string }[],
): string {
  const typeOf = (name?: string) => attributes.find((a) => a.AttributeName === name)?.AttributeType ?? '?';
  return keys
    .map((k) => `${k.AttributeName} (${k.KeyType}, ${TYPE_WORDS[typeOf(k.AttributeName)] ?? '?'})`)
    .join(' + ');
}

/**
 * Why an existing table cannot be a status table (its key is another), or undefined when it can. A table keyed by
 * the object key alone (the original dthcli's `ObjectKey`) has nowhere to keep an upload's parts beside its object.
 */
export async function statusTableKeyProblem(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const keys = keyText(Table?.KeySchema ?? [], Table?.AttributeDefinitions ?? []);
  const want = keyText(STATUS_TABLE_KEY_SCHEMA, STATUS_TABLE_ATTRIBUTES);
  return keys === want ? undefined : `has the key ${keys}; a status table needs ${want}`;
}

/** The AWS CLI command that creates a status table named `tableName` (on-demand capacity). */
export function createStatusTableCommand(tableName: string): string {
  const attributes = STATUS_TABLE_ATTRIBUTES.map(
    (a) => `AttributeName=${a.AttributeName},AttributeType=${a.AttributeType}`,
  );
  const keys = STATUS_TABLE_KEY_SCHEMA.map((k) => `AttributeName=${k.AttributeName},KeyType=${k.KeyType}`);
  return (
    `aws dynamodb create-table --table-name ${tableName} --attribute-definitions ${attributes.join(' ')} ` +
    `--key-schema ${keys.join(' ')} --billing-mode PAY_PER_REQUEST`
  );
}
