/**
 * The finder's pass at stack creation lists whatever the queue holds. S3 sends s3:TestEvent as the bucket notification
 * is set up; while it waited in the queue, the first pass (Fargate, started before the workers had booted) took it
 * for work in progress and skipped: the objects already in the source waited for the next scheduled pass, and a
 * ONE_TIME task's never came. A real `dth finder` on fauxqs, dynalite and s3rver; the template's first run on the
 * synthesized S3 plugin.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { S3PluginStack } from '../../plugins/s3/s3-plugin-stack.js';
import { DynamoStatusStore, ensureSqsQueue, ensureStatusTable } from '../../worker/adapters/aws/index.js';
import { FIRST_PASS_ENV } from '../../worker/core/finder-pass.js';
import { localDynamoClient, localSqsClient } from '../adapters/aws/clients.js';
import { spawnCli } from '../reliability/helpers.js';
import { localRoleEnv } from '../support/cloud-role.js';
import { uniqueName } from '../support/servers.js';
import { baseParams, bucketPair, putSource } from './engine-fixtures.js';

describe("the finder's first pass", () => {
  it("lists with only S3's test event in the queue; a later pass still skips while the queue holds work", async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'a.txt', 'already there');
    await putSource(src, 'b.txt', 'before the stack');
    const name = uniqueName('first-pass');
    const sqs = localSqsClient();
    const { queueUrl, dlqUrl } = await ensureSqsQueue(sqs, name, { maxReceiveCount: 3, visibilityTimeoutSec: 60 });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: src }),
      }),
    );
    await ensureStatusTable(localDynamoClient(), name);
    const status = new DynamoStatusStore({ client: localDynamoClient(), tableName: name });
    const { srcCredentials: _s, destCredentials: _d, ...params } = baseParams(src, dst);
    const env = localRoleEnv({ params, queueUrl, dlqUrl, statusTable: name });

    const scheduled = await spawnCli(['finder'], { env }).done;
    expect(scheduled.code, scheduled.stderr).toBe(0);
    expect(scheduled.stdout).toContain('"event":"finder.skipped"');
    expect(await status.summary()).toMatchObject({ total: 0 });

    const first = await spawnCli(['finder'], { env: { ...env, [FIRST_PASS_ENV]: 'true' } }).done;
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).not.toContain('finder.skipped');
    expect(await status.summary()).toMatchObject({ total: 2, pending: 2 });
  }, 60_000);

  it("is the template's first run: the custom resource starts the finder with the first-pass setting", () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'dth-cdk-')) });
    const resources = Template.fromStack(new S3PluginStack(app, 'FirstPassPlugin')).findResources('Custom::AWS');
    const create = Object.entries(resources)
      .filter(([id]) => id.includes('FirstRun'))
      .map(([, r]) => JSON.stringify((r as { Properties: { Create: unknown } }).Properties.Create));
    expect(create).toHaveLength(1);
    // The Create call is a JSON string CloudFormation joins (Fn::Join); its overrides are literal text in it.
    expect(create[0]).toContain(
      JSON.stringify(
        JSON.stringify({
          containerOverrides: [{ name: 'finder', environment: [{ name: FIRST_PASS_ENV, value: 'true' }] }],
        }),
      ).slice(1, -1),
    );
  }, 300_000);
});
