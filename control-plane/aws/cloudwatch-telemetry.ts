import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  type Statistic,
} from '@aws-sdk/client-cloudwatch';
import {
  type CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  type LogStream,
} from '@aws-sdk/client-cloudwatch-logs';
import { InvalidParameterError } from '../../worker/core/errors.js';
import { WORKER_METRICS } from '../../worker/core/events.js';
import { LogGroupNotFoundError, LogStreamNotFoundError } from '../core/errors.js';
import {
  alignSeries,
  chartPeriod,
  cloudWatchStep,
  type GraphName,
  type MetricHistory,
  type SeriesName,
} from '../core/metric-history.js';
import { PLUGIN_OUTPUTS, PLUGIN_WORKER_GROUP_OUTPUT, stackOutput } from '../core/plugin-contract.js';
import type { LogEventsPage, LogStreamInfo, Metrics, TaskLogs } from '../core/ports.js';
import type { TaskRecord } from '../core/task.js';

/** One CloudWatch metric behind a chart series. */
interface SeriesMetric {
  series: SeriesName;
  namespace: string;
  metricName: string;
  stat: Statistic;
  dimensions?: { Name: string; Value: string }[];
  /** Divide each value by the period (bytes per period → bytes per second). */
  perSecond?: boolean;
}

/**
 * Chart data from CloudWatch. Worker metrics come from metric filters of the plugin stack on its worker log group,
 * in namespace `<METRICS_NAMESPACE>/<plugin stack name>` without dimensions (`WORKER_METRICS`, worker/core/events.ts:
 * CompletedObjects, BytesTransferred, FailedObjects). Queue and fleet charts use AWS/SQS and AWS/AutoScaling.
 * Series, units and gaps: control-plane/core/metric-history.ts.
 */
export class CloudWatchMetrics implements Metrics {
  constructor(private readonly deps: { cloudwatch: CloudWatchClient; namespace: string; now?: () => Date }) {}

  private metrics(task: TaskRecord, graph: GraphName): SeriesMetric[] {
    const namespace = `${this.deps.namespace}/${task.stackName ?? task.id}`;
    const own = (series: SeriesName, metricName: string, perSecond = false): SeriesMetric => ({
      series,
      namespace,
      metricName,
      stat: 'Sum',
      perSecond,
    });
    const queueName = stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.queueUrl)?.split('/').pop();
    const group = stackOutput(task.stackOutputs, PLUGIN_WORKER_GROUP_OUTPUT);
    // Queue depth and fleet size are gauges: the period's maximum (a sum would grow with the period).
    const gauge = (series: SeriesName, ns: string, metricName: string, name: string, value: string): SeriesMetric => ({
      series,
      namespace: ns,
      metricName,
      stat: 'Maximum',
      dimensions: [{ Name: name, Value: value }],
    });
    switch (graph) {
      case 'Network':
        return [own('Network', WORKER_METRICS.bytesTransferred.metricName)];
      case 'Throughput':
        return [own('BytesPerSecond', WORKER_METRICS.bytesTransferred.metricName, true)];
      case 'TransferredFailedObjects':
        return [
          own('TransferredObjects', WORKER_METRICS.completedObjects.metricName),
          own('FailedObjects', WORKER_METRICS.failedObjects.metricName),
        ];
      case 'RunningWaitingJobHistory':
        return queueName
          ? [
              gauge('WaitingJob', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', queueName),
              gauge('RunningJob', 'AWS/SQS', 'ApproximateNumberOfMessagesNotVisible', 'QueueName', queueName),
            ]
          : [];
      case 'DesiredInServiceInstances':
        return group
          ? [
              gauge('DesiredCapacity', 'AWS/AutoScaling', 'GroupDesiredCapacity', 'AutoScalingGroupName', group),
              gauge('InServiceInstances', 'AWS/AutoScaling', 'GroupInServiceInstances', 'AutoScalingGroupName', group),
            ]
          : [];
    }
  }

  async history(
    task: TaskRecord,
    graph: GraphName,
    startTime: Date,
    endTime: Date,
    askedPeriod: number,
  ): Promise<MetricHistory> {
    const period = chartPeriod(
      startTime,
      endTime,
      askedPeriod,
      cloudWatchStep(startTime, this.deps.now?.() ?? new Date()),
    );
    const wanted = this.metrics(task, graph);
    const points: Partial<Record<SeriesName, Map<number, number>>> = {};
    if (!wanted.length) return alignSeries(graph, points);
    const queries: MetricDataQuery[] = wanted.map((m, i) => ({
      Id: `m${i}`,
      MetricStat: {
        Metric: { Namespace: m.namespace, MetricName: m.metricName, Dimensions: m.dimensions },
        Period: period,
        Stat: m.stat,
      },
    }));
    let nextToken: string | undefined;
    do {
      const out = await this.deps.cloudwatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: startTime,
          EndTime: endTime,
          ScanBy: 'TimestampAscending',
          NextToken: nextToken,
        }),
      );
      for (const r of out.MetricDataResults ?? []) {
        const m = wanted[Number(r.Id?.slice(1))];
        if (!m) continue;
        const series = points[m.series] ?? new Map();
        points[m.series] = series;
        (r.Timestamps ?? []).forEach((t, i) => {
          const value = r.Values?.[i] ?? 0;
          series.set(Math.floor(new Date(t).getTime() / 1000), m.perSecond ? value / period : value);
        });
      }
      nextToken = out.NextToken;
    } while (nextToken);
    return alignSeries(graph, points);
  }
}

/** DescribeLogStreams pages read at most for one answer (50 streams each): a view never costs more than this. */
const MAX_STREAM_PAGES = 20;

function notFound(err: unknown): boolean {
  return (err as Error)?.name === 'ResourceNotFoundException';
}

/**
 * Task logs from the plugin stacks' log groups (finder and workers), by log group name as the original API took
 * them. Only groups of this hub's plugin stacks are read (their names start with `<stack prefix>-`, as CloudFormation
 * names them; the API role may read no other).
 */
export class CloudWatchTaskLogs implements TaskLogs {
  constructor(private readonly deps: { logs: CloudWatchLogsClient; stackPrefix: string }) {}

  private async groupExists(group: string): Promise<boolean> {
    try {
      await this.deps.logs.send(new DescribeLogStreamsCommand({ logGroupName: group, limit: 1 }));
      return true;
    } catch (err) {
      if (notFound(err)) return false;
      throw err;
    }
  }

  private checked(logGroupName: string): string {
    if (!logGroupName.startsWith(`${this.deps.stackPrefix}-`)) throw new LogGroupNotFoundError(logGroupName);
    return logGroupName;
  }

  async streams(logGroupName: string, options: { prefix?: string; page: number; count: number }) {
    const group = this.checked(logGroupName);
    const wanted = options.page * options.count;
    const all: LogStream[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    try {
      do {
        // CloudWatch orders by last event only without a name prefix; with one, every page is read and sorted here.
        const out = await this.deps.logs.send(
          new DescribeLogStreamsCommand(
            options.prefix
              ? { logGroupName: group, logStreamNamePrefix: options.prefix, nextToken, limit: 50 }
              : { logGroupName: group, orderBy: 'LastEventTime', descending: true, nextToken, limit: 50 },
          ),
        );
        all.push(...(out.logStreams ?? []));
        nextToken = out.nextToken;
        // Every page up to the cap, not just up to the one asked: the total the console pages by must be the group's.
      } while (nextToken && ++pages < MAX_STREAM_PAGES);
    } catch (err) {
      if (notFound(err)) throw new LogGroupNotFoundError(group, 'was not found');
      if ((err as Error)?.name === 'InvalidParameterException')
        throw new InvalidParameterError('logStreamNamePrefix', (err as Error).message);
      throw err;
    }
    const last = (s: LogStream) => s.lastEventTimestamp ?? s.creationTime ?? 0;
    all.sort((a, b) => last(b) - last(a));
    const str = (n: number | undefined) => (n === undefined ? undefined : String(n));
    const logStreams: LogStreamInfo[] = all.slice(wanted - options.count, wanted).map((s) => ({
      logStreamName: s.logStreamName ?? '',
      creationTime: str(s.creationTime),
      firstEventTimestamp: str(s.firstEventTimestamp),
      lastEventTimestamp: str(s.lastEventTimestamp),
      lastIngestionTime: str(s.lastIngestionTime),
      uploadSequenceToken: s.uploadSequenceToken,
      arn: s.arn,
      storedBytes: s.storedBytes,
    }));
    // More streams than were read: the total says at least one more.
    return { logStreams, total: nextToken ? all.length + 1 : all.length };
  }

  async events(
    logGroupName: string,
    logStreamName: string,
    options: { limit: number; nextToken?: string; startFromHead?: boolean },
  ): Promise<LogEventsPage> {
    const group = this.checked(logGroupName);
    try {
      const out = await this.deps.logs.send(
        new GetLogEventsCommand({
          logGroupName: group,
          logStreamName,
          limit: options.limit,
          nextToken: options.nextToken,
          startFromHead: options.startFromHead,
        }),
      );
      return {
        logEvents: (out.events ?? []).map((e) => ({
          timestamp: String(e.timestamp ?? ''),
          message: e.message ?? '',
          ingestionTime: e.ingestionTime === undefined ? undefined : String(e.ingestionTime),
        })),
        nextForwardToken: out.nextForwardToken,
        nextBackwardToken: out.nextBackwardToken,
      };
    } catch (err) {
      // A missing group and a missing stream are both ResourceNotFoundException; asking the group tells them apart
      // (the message does on AWS, not on every emulator).
      if (notFound(err))
        throw (await this.groupExists(group))
          ? new LogStreamNotFoundError(group, logStreamName)
          : new LogGroupNotFoundError(group, 'was not found');
      if ((err as Error)?.name === 'InvalidParameterException')
        throw new InvalidParameterError('nextToken', (err as Error).message);
      throw err;
    }
  }
}
