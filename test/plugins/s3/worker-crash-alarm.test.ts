/**
 * A JobWorker that stops on an error — here its start-up access check: the destination bucket does not exist — logs
 * `worker.crashed` and copies nothing (systemd restarts it to fail again). The S3 plugin's metric filter on the worker
 * log group turns that line into WorkerCrashes, whose alarm notifies the task's alarm topic (alarmEmail). The line
 * comes from a real `dth worker` process (queue on fauxqs, status table on dynalite, buckets on s3rver); the filter,
 * metric, alarm and topic from the synthesized S3 plugin template. CloudWatch Logs' pattern evaluation is not available
 * offline (moto 5.2.1 records metric filters and has no TestMetricFilter; its FilterLogEvents treats a pattern that
 * starts with `{` as match-all — moto/logs/utils.py, UnsupportedFilterPattern), so the
 * template's pattern is evaluated here by `matchesJsonFilter`, which accepts only the documented single-comparison
 * form `{ $.field = "value" }` and throws on anything else: a pattern outside it fails this test rather than pass.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { S3PluginStack } from '../../../plugins/s3/s3-plugin-stack.js';
import { ensureSqsQueue, ensureStatusTable } from '../../../worker/adapters/aws/index.js';
import { LOG_EVENTS, WORKER_METRICS } from '../../../worker/core/events.js';
import { localDynamoClient, localSqsClient } from '../../adapters/aws/clients.js';
import { baseParams, bucketPair, putSource } from '../../s3/engine-fixtures.js';
import { runCli } from '../../reliability/helpers.js';
import { localRoleEnv } from '../../support/cloud-role.js';
import { uniqueName } from '../../support/servers.js';

type Resource = { Type: string; Properties: Record<string, unknown>; Condition?: string };

/**
 * CloudWatch Logs' JSON filter, in its single-comparison form `{ $.a.b = "v" }` / `{ $.a.b != "v" }` (a string value;
 * `*` in it matches any characters). A line that is not a JSON object never matches. Any other pattern: an error.
 */
function matchesJsonFilter(pattern: string, line: string): boolean {
  const m = /^\{\s*\$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*(=|!=)\s*"([^"]*)"\s*\}$/.exec(pattern);
  if (!m) throw new Error(`pattern outside the evaluated form: ${pattern}`);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return false;
  }
  for (const name of m[1].slice(1).split('.'))
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string') return false;
  const wanted = new RegExp(
    `^${m[3]
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return m[2] === '=' ? wanted.test(value) : !wanted.test(value);
}

let resources: Record<string, Resource>;
beforeAll(() => {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'dth-cdk-')) });
  resources = Template.fromStack(new S3PluginStack(app, 'CrashAlarmPlugin')).toJSON().Resources as Record<
    string,
    Resource
  >;
}, 300_000);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

/** A `dth worker` whose start-up access check fails: the destination bucket does not exist. Its output lines. */
async function crashingWorker(): Promise<{ code: number | null; lines: string[] }> {
  const { src } = await bucketPair();
  await putSource(src, 'a.txt', 'never copied');
  const name = uniqueName('crash');
  const { queueUrl, dlqUrl } = await ensureSqsQueue(localSqsClient(), name, {
    maxReceiveCount: 3,
    visibilityTimeoutSec: 30,
  });
  await ensureStatusTable(localDynamoClient(), name);
  const { srcCredentials: _s, destCredentials: _d, ...params } = baseParams(src, uniqueName('missing'));
  const run = await runCli(['worker', '--once'], {
    env: localRoleEnv({ params, queueUrl, dlqUrl, statusTable: name }),
  });
  // Both streams: the instance's systemd unit appends stdout and stderr to the file the CloudWatch agent ships.
  return { code: run.code, lines: `${run.stdout}\n${run.stderr}`.split('\n').filter((l) => l.trim()) };
}

describe("a crashed JobWorker reaches the task's alarm e-mail", () => {
  it("the worker log group's WorkerCrashes filter counts the real worker.crashed line, and only it", async () => {
    const [[, filter]] = ofType('AWS::Logs::MetricFilter').filter(
      ([, r]) =>
        (r.Properties.MetricTransformations as { MetricName: string }[])[0].MetricName ===
        WORKER_METRICS.workerCrashes.metricName,
    );
    const logGroup = (filter.Properties.LogGroupName as { Ref: string }).Ref;
    expect(logGroup).toMatch(/^WorkerLogs/);
    const pattern = filter.Properties.FilterPattern as string;

    const worker = await crashingWorker();
    expect(worker.code, worker.lines.join('\n')).not.toBe(0);
    const matched = worker.lines.filter((l) => matchesJsonFilter(pattern, l));
    expect(matched, worker.lines.join('\n')).toHaveLength(1);
    expect(JSON.parse(matched[0])).toMatchObject({ event: LOG_EVENTS.workerCrashed, level: 'error' });
    // The other lines of the run, and the lines of failed or copied objects, are not crashes.
    for (const other of [
      { event: LOG_EVENTS.workerFailed, key: 'k' },
      { event: LOG_EVENTS.workerCopied, key: 'k', bytes: 1 },
      { msg: LOG_EVENTS.workerCrashed },
    ]) {
      expect(matchesJsonFilter(pattern, JSON.stringify(other)), JSON.stringify(other)).toBe(false);
    }
  }, 60_000);

  it('one crash in five minutes raises the alarm, which notifies the alarm topic that e-mails alarmEmail', () => {
    const [[, filter]] = ofType('AWS::Logs::MetricFilter').filter(
      ([, r]) =>
        (r.Properties.MetricTransformations as { MetricName: string }[])[0].MetricName ===
        WORKER_METRICS.workerCrashes.metricName,
    );
    const transformation = (
      filter.Properties.MetricTransformations as { MetricNamespace: unknown; MetricValue: string }[]
    )[0];
    expect(transformation.MetricValue).toBe('1');
    const alarms = ofType('AWS::CloudWatch::Alarm').filter(
      ([, r]) => r.Properties.MetricName === WORKER_METRICS.workerCrashes.metricName,
    );
    expect(alarms).toHaveLength(1);
    const alarm = alarms[0][1].Properties;
    expect(alarm).toMatchObject({
      Namespace: transformation.MetricNamespace,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    const topic = (alarm.AlarmActions as { Ref: string }[])[0].Ref;
    expect(resources[topic].Type).toBe('AWS::SNS::Topic');
    // The same topic as the dead-letter alarm's, with the alarmEmail subscription.
    const deadLetter = ofType('AWS::CloudWatch::Alarm').find(([id]) => id.includes('DeadLetterAlarm'))![1].Properties;
    expect(deadLetter.AlarmActions).toEqual(alarm.AlarmActions);
    const [[, subscription]] = ofType('AWS::SNS::Subscription');
    expect(subscription.Properties).toMatchObject({
      Protocol: 'email',
      Endpoint: { Ref: 'alarmEmail' },
      TopicArn: { Ref: topic },
    });
  });

  it('the evaluator can fail: another event, a non-JSON line and an unsupported pattern', () => {
    expect(matchesJsonFilter('{ $.event = "worker.crashed" }', '{"event":"worker.copied"}')).toBe(false);
    expect(matchesJsonFilter('{ $.event = "worker.crashed" }', 'worker.crashed')).toBe(false);
    expect(matchesJsonFilter('{ $.event = "worker.*" }', '{"event":"worker.copied"}')).toBe(true);
    expect(() => matchesJsonFilter('{ ($.event = "a") || ($.event = "b") }', '{}')).toThrow(
      /outside the evaluated form/,
    );
  });
});
