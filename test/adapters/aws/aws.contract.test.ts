/** The shared adapter contracts, run against the AWS adapters on fauxqs (SQS) and dynalite (DynamoDB). */
import {
  DynamoStatusStore,
  ensureSqsQueue,
  ensureStatusTable,
  SqsJobQueue,
} from '../../../worker/adapters/aws/index.js';
import { uniqueName } from '../../support/servers.js';
import { jobQueueContract } from '../contract/job-queue-contract.js';
import { statusCountersContract } from '../contract/status-counters-contract.js';
import { statusStoreContract } from '../contract/status-store-contract.js';
import { localDynamoClient, localSqsClient } from './clients.js';

const sqs = localSqsClient();
const ddb = localDynamoClient();

jobQueueContract('SqsJobQueue', async ({ maxReceiveCount }) => {
  const { queueUrl, dlqUrl } = await ensureSqsQueue(sqs, uniqueName('contract'), {
    maxReceiveCount,
    visibilityTimeoutSec: 30,
  });
  return new SqsJobQueue({ client: sqs, queueUrl, dlqUrl });
});

statusStoreContract('DynamoStatusStore', async () => {
  const tableName = uniqueName('contract');
  await ensureStatusTable(ddb, tableName);
  return new DynamoStatusStore({ client: ddb, tableName });
});

// Another process: its own store, so its own counter writer and record cache.
statusCountersContract('DynamoStatusStore', async () => {
  const tableName = uniqueName('counts');
  await ensureStatusTable(ddb, tableName);
  return {
    store: new DynamoStatusStore({ client: ddb, tableName }),
    another: () => new DynamoStatusStore({ client: localDynamoClient(), tableName }),
  };
});
