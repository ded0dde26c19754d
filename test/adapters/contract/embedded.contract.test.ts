/** The shared adapter contracts, run against the embedded (SQLite) adapters. */
import { randomUUID } from 'node:crypto';
import { openSqliteDatabase, SqliteJobQueue, SqliteStatusStore } from '../../../worker/adapters/embedded/index.js';
import { jobQueueContract } from './job-queue-contract.js';
import { statusStoreContract } from './status-store-contract.js';

jobQueueContract('SqliteJobQueue', async ({ maxReceiveCount }) =>
  new SqliteJobQueue(openSqliteDatabase(':memory:'), randomUUID(), { maxReceiveCount, pollIntervalMs: 50 }));

statusStoreContract('SqliteStatusStore', async () => new SqliteStatusStore(openSqliteDatabase(':memory:'), randomUUID()));
