import { Aws } from 'aws-cdk-lib';
import type { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE_PREFIX } from '../../control-plane/core/plugin-contract.js';
import { type ContractMetric, metricFilterValue } from '../../worker/core/events.js';

/**
 * The metric filters of one plugin stack, in the namespace the API reads (`<prefix>/<stack name>`, no dimensions):
 * each counts the JSON lines `{ $.event = "<event>" }` of a log group, 1 per line or the sum of a field.
 */
export class ContractMetrics {
  readonly namespace: string;

  constructor(
    private readonly scope: Construct,
    prefix = METRICS_NAMESPACE_PREFIX,
  ) {
    this.namespace = `${prefix}/${Aws.STACK_NAME}`;
  }

  /** Adds the filter `id` on `logGroup` for `metric`; returns the metric (Sum), for alarms and widgets. */
  filter(id: string, logGroup: ILogGroup, metric: ContractMetric): Metric {
    return new MetricFilter(this.scope, id, {
      logGroup,
      metricNamespace: this.namespace,
      metricName: metric.metricName,
      filterPattern: FilterPattern.stringValue('$.event', '=', metric.event),
      metricValue: metricFilterValue(metric),
    }).metric({ statistic: 'Sum' });
  }
}
