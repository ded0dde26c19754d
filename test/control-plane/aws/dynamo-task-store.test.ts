/** The TaskStore contract, run against the cloud task table (DynamoTaskStore) on dynalite. */
import { describe, expect, it } from 'vitest';
import { DynamoTaskStore, ensureTaskTable } from '../../../control-plane/aws/dynamo-task-store.js';
import { localDynamoClient } from '../../adapters/aws/clients.js';
import { uniqueName } from '../../support/servers.js';
import { task, taskStoreContract } from '../contract/task-store-contract.js';

async function store() {
  const client = localDynamoClient();
  const table = uniqueName('tasks');
  await ensureTaskTable(client, table);
  return new DynamoTaskStore(client, table);
}

taskStoreContract('DynamoTaskStore (dynalite)', store);

describe('DynamoTaskStore table', () => {
  it('creates the task table once: a second ensureTaskTable keeps it and its items', async () => {
    const client = localDynamoClient();
    const table = uniqueName('tasks');
    await ensureTaskTable(client, table);
    const s = new DynamoTaskStore(client, table);
    await s.put(task('kept', '2026-11-25T08:00:00.000Z'));
    await ensureTaskTable(client, table); // idempotent
    expect(await s.get('kept')).toMatchObject({ id: 'kept' });
  });
});
