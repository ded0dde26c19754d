import { Aws, Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, Metric, SingleValueWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface TransferDashboardProps {
  /** Objects copied per minute (the worker log's metric filter). */
  readonly transferredObjects: Metric;
  /** Objects that failed per minute. */
  readonly failedObjects: Metric;
  /** Bytes copied per minute. */
  readonly transferredBytes: Metric;
  /** The job queue (waiting and running jobs). */
  readonly queue: Queue;
  /** The dead-letter queue. */
  readonly deadLetterQueue: Queue;
  /** Name of the JobWorker Auto Scaling group (instance, network, CPU and memory charts). */
  readonly autoScalingGroupName: string;
  /**
   * Dashboard name. The original's, which its console deep-links to.
   * @default `<stack name>-Dashboard-<region>`
   */
  readonly dashboardName?: string;
}

/** The task's CloudWatch dashboard: network, objects, jobs, and the JobWorker fleet. */
export class TransferDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: TransferDashboardProps) {
    super(scope, id);
    const group = { AutoScalingGroupName: props.autoScalingGroupName };
    const metric = (namespace: string, metricName: string, label: string, statistic = 'Average') =>
      new Metric({ namespace, metricName, dimensionsMap: group, label, statistic, period: Duration.minutes(1) });
    const perMinute = { statistic: 'Sum', period: Duration.minutes(1) };
    // Summed per minute whatever period the metrics arrive with (a metric filter's metric says 5 minutes), as the
    // original's charts: a point is one minute's objects and bytes.
    const minutely = (m: Metric) => m.with({ period: Duration.minutes(1) });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? `${Aws.STACK_NAME}-Dashboard-${Aws.REGION}`,
      widgets: [
        [
          new GraphWidget({ title: 'Network', left: [minutely(props.transferredBytes)] }),
          new GraphWidget({
            title: 'Transferred/Failed Objects',
            left: [minutely(props.transferredObjects), minutely(props.failedObjects)],
          }),
          new GraphWidget({
            title: 'Running/Waiting Jobs History',
            left: [
              props.queue.metricApproximateNumberOfMessagesNotVisible({
                label: 'Running',
                ...perMinute,
                statistic: 'Maximum',
              }),
              props.queue.metricApproximateNumberOfMessagesVisible({
                label: 'Waiting',
                ...perMinute,
                statistic: 'Maximum',
              }),
              props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
                label: 'Dead letters',
                ...perMinute,
                statistic: 'Maximum',
              }),
            ],
          }),
          // The original's number widget: the jobs waiting and running now.
          new SingleValueWidget({
            title: 'Running/Waiting Jobs',
            metrics: [
              props.queue.metricApproximateNumberOfMessagesVisible({
                label: 'Waiting Jobs',
                period: Duration.minutes(1),
              }),
              props.queue.metricApproximateNumberOfMessagesNotVisible({
                label: 'Running Jobs',
                period: Duration.minutes(1),
              }),
            ],
            height: 6,
          }),
        ],
        [
          new GraphWidget({
            title: 'Network In/Out',
            left: [metric('AWS/EC2', 'NetworkIn', 'In', 'Sum'), metric('AWS/EC2', 'NetworkOut', 'Out', 'Sum')],
          }),
          new GraphWidget({ title: 'CPU Utilization (Average)', left: [metric('AWS/EC2', 'CPUUtilization', 'CPU %')] }),
          new GraphWidget({
            title: 'Memory / Disk (Average)',
            left: [metric('CWAgent', 'mem_used_percent', 'Memory %'), metric('CWAgent', 'disk_used_percent', 'Disk %')],
          }),
          new GraphWidget({
            title: 'Desired / InService Instances',
            left: [
              metric('AWS/AutoScaling', 'GroupDesiredCapacity', 'Desired', 'Maximum'),
              metric('AWS/AutoScaling', 'GroupInServiceInstances', 'In service', 'Maximum'),
            ],
          }),
        ],
      ],
    });
  }
}
