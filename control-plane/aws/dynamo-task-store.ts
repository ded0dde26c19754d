import { CreateTableCommand, type DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TaskListOptions, TaskStore } from '../core/ports.js';
import type { TaskRecord } from '../core/task.js';
import { TASK_TABLE_ATTRIBUTES, TASK_TABLE_KEY_SCHEMA, TASK_TABLE_PARTITION_KEY as PK } from '../core/task-table.js';

/** The cloud task table: one item per task, every TaskRecord field an attribute of the same name. */
export class DynamoTaskStore implements TaskStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    });
  }

  async put(task: TaskRecord): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...task } }));
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { [PK]: id }, ConsistentRead: true }),
    );
    return out.Item as TaskRecord | undefined;
  }

  /** Sets the patch's fields and removes those patched to `undefined`; fails if the task does not exist. */
  async update(id: string, patch: Partial<Omit<TaskRecord, 'id'>>): Promise<TaskRecord> {
    const names: Record<string, string> = { '#pk': PK };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const removes: string[] = [];
    Object.entries(patch).forEach(([field, value], i) => {
      if (field === PK) return;
      names[`#f${i}`] = field;
      if (value === undefined) removes.push(`#f${i}`);
      else {
        values[`:v${i}`] = value;
        sets.push(`#f${i} = :v${i}`);
      }
    });
    const expression = [
      sets.length ? `SET ${sets.join(', ')}` : '',
      removes.length ? `REMOVE ${removes.join(', ')}` : '',
    ]
      .join(' ')
      .trim();
    if (!expression) {
      const current = await this.get(id);
      if (!current) throw new Error(`task "${id}" does not exist`);
      return current;
    }
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PK]: id },
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes as TaskRecord;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') throw new Error(`task "${id}" does not exist`);
      throw err;
    }
  }

  /** Scans the table (task tables are small), newest first. */
  async list(options: TaskListOptions) {
    const all: TaskRecord[] = [];
    let start: Record<string, unknown> | undefined;
    const filter = options.progress
      ? { op: '=', value: options.progress }
      : options.exceptProgress
        ? { op: '<>', value: options.exceptProgress }
        : undefined;
    do {
      const out = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          ExclusiveStartKey: start,
          ...(filter
            ? {
                FilterExpression: `#p ${filter.op} :p`,
                ExpressionAttributeNames: { '#p': 'progress' },
                ExpressionAttributeValues: { ':p': filter.value },
              }
            : {}),
        }),
      );
      all.push(...((out.Items ?? []) as TaskRecord[]));
      start = out.LastEvaluatedKey;
    } while (start);
    all.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id.localeCompare(b.id)));
    const from = (options.page - 1) * options.count;
    return { items: all.slice(from, from + options.count), total: all.length };
  }
}

/** Creates the task table (on-demand) unless it exists. For tests and local runs; the CDK stack creates it in the cloud. */
export async function ensureTaskTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: TASK_TABLE_KEY_SCHEMA,
        AttributeDefinitions: TASK_TABLE_ATTRIBUTES,
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (err) {
    if ((err as Error).name !== 'ResourceInUseException') throw err;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
}
