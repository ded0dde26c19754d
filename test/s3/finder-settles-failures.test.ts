/**
 * `dth finder` (the cloud S3 plugin's scheduled pass, a real process on fauxqs, dynalite and s3rver) settles an
 * earlier pass's failures it would never queue again before it lists: one whose source object was deleted since is
 * SKIPPED, one whose destination already holds the source's version is DONE, one that still differs stays to be
 * queued and copied. Before, a FAILED record of a deleted object kept every later pass of a scheduled task short of
 * complete (COMPLETE_CHECK_ERROR for good).
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { DynamoStatusStore, ensureSqsQueue, ensureStatusTable } from '../../worker/adapters/aws/index.js';
import { localDynamoClient, localSqsClient } from '../adapters/aws/clients.js';
import { spawnCli } from '../reliability/helpers.js';
import { localRoleEnv } from '../support/cloud-role.js';
import { s3Client, servers, uniqueName } from '../support/servers.js';
import { baseParams, bucketPair, putSource } from './engine-fixtures.js';

describe('dth finder and the failures of earlier passes', () => {
  it('settles those it would not queue again (source gone: SKIPPED; destination right: DONE) and queues the rest', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'there.txt', 'copied since');
    await putSource(src, 'differs.txt', 'source bytes');
    await s3Client(servers.s3Dest).send(new PutObjectCommand({ Bucket: dst, Key: 'there.txt', Body: 'copied since' }));
    const name = uniqueName('finder-settles');
    const { queueUrl, dlqUrl } = await ensureSqsQueue(localSqsClient(), name, {
      maxReceiveCount: 3,
      visibilityTimeoutSec: 60,
    });
    await ensureStatusTable(localDynamoClient(), name);
    const status = new DynamoStatusStore({ client: localDynamoClient(), tableName: name });
    const failedAt = new Date(Date.now() - 3_600_000).toISOString();
    for (const key of ['gone.txt', 'there.txt', 'differs.txt'])
      await status.put({
        key,
        size: 12,
        status: 'FAILED',
        attempts: 3,
        error: 'an earlier pass failed',
        finishedAt: failedAt,
      });
    const { srcCredentials: _s, destCredentials: _d, ...params } = baseParams(src, dst);

    const finder = await spawnCli(['finder'], { env: localRoleEnv({ params, queueUrl, dlqUrl, statusTable: name }) })
      .done;
    expect(finder.code, finder.stderr).toBe(0);
    expect(await status.get('gone.txt')).toMatchObject({ status: 'SKIPPED', error: 'source object no longer exists' });
    expect(await status.get('there.txt')).toMatchObject({ status: 'DONE', verified: true });
    // Still different: queued by this pass, its copy to come.
    expect(await status.get('differs.txt')).toMatchObject({ status: 'PENDING' });
    expect(await status.summary()).toMatchObject({ failed: 0, pending: 1, done: 1, skipped: 1 });
  }, 60_000);
});
