import { type CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { type CloudWatchLogsClient, DescribeLogStreamsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { WORKER_METRICS } from '../../worker/core/events.js';
import { PLUGIN_OUTPUTS, PLUGIN_WORKER_GROUP_OUTPUT, stackOutput } from '../core/plugin-contract.js';
import type { MetricHistory, Metrics, TaskLogs, TaskStore } from '../core/ports.js';
import type { TaskRecord } from '../core/task.js';

/**
 * Chart data from CloudWatch. Worker metrics come from metric filters of the plugin stack on its worker log group,
 * in namespace `<METRICS_NAMESPACE>/<plugin stack name>` without dimensions (`WORKER_METRICS`, worker/core/events.ts:
 * CompletedObjects, BytesTransferred, FailedObjects). Queue and fleet charts use AWS/SQS and AWS/AutoScaling.
 */
export class CloudWatchMetrics implements Metrics {
  constructor(private readonly deps: { cloudwatch: CloudWatchClient; tasks: TaskStore; namespace: string }) {}

  private queries(task: TaskRecord, graphName: string, period: number): { label: string; query: MetricDataQuery }[] {
    const namespace = `${this.deps.namespace}/${task.stackName ?? task.id}`;
    const own = (id: string, label: string, metric: string) => ({
      label,
      query: { Id: id, Label: label, MetricStat: { Metric: { Namespace: namespace, MetricName: metric }, Period: period, Stat: 'Sum' } },
    });
    const queueUrl = stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.queueUrl);
    const queueName = queueUrl?.split('/').pop();
    const group = stackOutput(task.stackOutputs, PLUGIN_WORKER_GROUP_OUTPUT);
    switch (graphName) {
      case 'TransferredFailedObjects':
        return [own('completed', 'Completed', WORKER_METRICS.completedObjects.metricName), own('failed', 'Failed', WORKER_METRICS.failedObjects.metricName)];
      case 'Network':
        return [own('bytes', 'BytesTransferred', WORKER_METRICS.bytesTransferred.metricName)];
      case 'Throughput':
        return [{ label: 'BytesPerSecond', query: { Id: 'rate', Label: 'BytesPerSecond', Expression: `bytes / ${period}` } }, { ...own('bytes', 'BytesTransferred', WORKER_METRICS.bytesTransferred.metricName), label: '' }];
      case 'RunningWaitingJobHistory':
        if (!queueName) return [];
        return [['running', 'Running', 'ApproximateNumberOfMessagesNotVisible'], ['waiting', 'Waiting', 'ApproximateNumberOfMessagesVisible']].map(([id, label, metric]) => ({
          label, query: { Id: id, Label: label, MetricStat: { Metric: { Namespace: 'AWS/SQS', MetricName: metric, Dimensions: [{ Name: 'QueueName', Value: queueName }] }, Period: period, Stat: 'Maximum' } },
        }));
      case 'DesiredInServiceInstances':
        if (!group) return [];
        return [['desired', 'Desired', 'GroupDesiredCapacity'], ['inservice', 'InService', 'GroupInServiceInstances']].map(([id, label, metric]) => ({
          label, query: { Id: id, Label: label, MetricStat: { Metric: { Namespace: 'AWS/AutoScaling', MetricName: metric, Dimensions: [{ Name: 'AutoScalingGroupName', Value: group }] }, Period: period, Stat: 'Maximum' } },
        }));
      default:
        return [];
    }
  }

  async history(taskId: string, graphName: string, startTime: Date, endTime: Date, periodSec: number): Promise<MetricHistory> {
    const task = await this.deps.tasks.get(taskId);
    const period = Math.max(60, Math.round(periodSec / 60) * 60);
    const wanted = task ? this.queries(task, graphName, period) : [];
    if (!wanted.length) return { series: [], xaxis: { categories: [] } };
    const queries = wanted.map((w) => ({ ...w.query, ReturnData: w.label !== '' }));
    const results = new Map<string, Map<number, number>>();
    let nextToken: string | undefined;
    do {
      const out = await this.deps.cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: startTime, EndTime: endTime, ScanBy: 'TimestampAscending', NextToken: nextToken }));
      for (const r of out.MetricDataResults ?? []) {
        const m = results.get(r.Id!) ?? new Map<number, number>();
        (r.Timestamps ?? []).forEach((t, i) => m.set(new Date(t).getTime(), r.Values?.[i] ?? 0));
        results.set(r.Id!, m);
      }
      nextToken = out.NextToken;
    } while (nextToken);
    const times = [...new Set([...results.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
    return {
      series: wanted.filter((w) => w.label !== '').map((w) => ({ name: w.label, data: times.map((t) => results.get(w.query.Id!)?.get(t) ?? 0) })),
      xaxis: { categories: times.map((t) => new Date(t).toISOString()) },
    };
  }
}

/** Task logs from the plugin stack's log group (workers, or the finder when the stack has no worker group). */
export class CloudWatchTaskLogs implements TaskLogs {
  constructor(private readonly deps: { logs: CloudWatchLogsClient; tasks: TaskStore }) {}

  private async group(taskId: string): Promise<string | undefined> {
    const task = await this.deps.tasks.get(taskId);
    return stackOutput(task?.stackOutputs, PLUGIN_OUTPUTS.workerLogGroup) ?? stackOutput(task?.stackOutputs, PLUGIN_OUTPUTS.finderLogGroup);
  }

  async streams(taskId: string, page: number, count: number) {
    const logGroupName = await this.group(taskId);
    if (!logGroupName) return { logStreams: [], total: 0 };
    const all: { logStreamName: string; creationTime?: string; lastEventTimestamp?: string }[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.deps.logs.send(new DescribeLogStreamsCommand({ logGroupName, orderBy: 'LastEventTime', descending: true, nextToken, limit: 50 }));
      for (const s of out.logStreams ?? []) {
        all.push({ logStreamName: s.logStreamName ?? '', creationTime: s.creationTime?.toString(), lastEventTimestamp: s.lastEventTimestamp?.toString() });
      }
      nextToken = out.nextToken;
    } while (nextToken && all.length < page * count + 1);
    return { logStreams: all.slice((page - 1) * count, page * count), total: nextToken ? all.length + 1 : all.length };
  }

  async events(taskId: string, stream: string, limit: number, nextToken?: string) {
    const logGroupName = await this.group(taskId);
    if (!logGroupName) return { logEvents: [] };
    const out = await this.deps.logs.send(new GetLogEventsCommand({ logGroupName, logStreamName: stream, limit: Math.min(limit, 10_000), nextToken, startFromHead: true }));
    return {
      logEvents: (out.events ?? []).map((e) => ({ timestamp: String(e.timestamp ?? ''), message: e.message ?? '' })),
      nextForwardToken: out.nextForwardToken,
    };
  }
}
