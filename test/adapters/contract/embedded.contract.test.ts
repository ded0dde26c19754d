/** The shared adapter contracts, run against the embedded (SQLite) adapters. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase, SqliteJobQueue, SqliteStatusStore } from '../../../worker/adapters/embedded/index.js';
import { jobQueueContract } from './job-queue-contract.js';
import { statusCountersContract } from './status-counters-contract.js';
import { statusStoreContract } from './status-store-contract.js';

jobQueueContract(
  'SqliteJobQueue',
  async ({ maxReceiveCount }) =>
    new SqliteJobQueue(openSqliteDatabase(':memory:'), randomUUID(), { maxReceiveCount, pollIntervalMs: 50 }),
);

statusStoreContract(
  'SqliteStatusStore',
  async () => new SqliteStatusStore(openSqliteDatabase(':memory:'), randomUUID()),
);

// Another process: its own connection to the same file.
const dir = mkdtempSync(join(tmpdir(), 'dth-contract-'));
statusCountersContract('SqliteStatusStore', async () => {
  const file = join(dir, `${randomUUID()}.db`);
  const task = randomUUID();
  return {
    store: new SqliteStatusStore(openSqliteDatabase(file), task),
    another: () => new SqliteStatusStore(openSqliteDatabase(file), task),
  };
});
