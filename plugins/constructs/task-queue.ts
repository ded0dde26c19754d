import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface TaskQueueProps {
  /** Topic the dead-letter alarm notifies (the task's alarm e-mail). */
  readonly alarmTopic: ITopic;
  /**
   * How long a received job stays invisible to other workers. The worker extends it while it copies a large object.
   * @default Duration.minutes(15)
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Receives of one job before it moves to the dead-letter queue (the original's retry count).
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long jobs and dead letters are kept.
   * @default Duration.days(14)
   */
  readonly retentionPeriod?: Duration;
}

/**
 * The task's job queue, its dead-letter queue, and an alarm that e-mails as soon as one job is dead-lettered
 * (ApproximateNumberOfMessagesVisible > 0 for one period, as the original).
 */
export class TaskQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: TaskQueueProps) {
    super(scope, id);
    const retentionPeriod = props.retentionPeriod ?? Duration.days(14);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod,
      visibilityTimeout: props.visibilityTimeout ?? Duration.minutes(15),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: 'Objects failed every retry and are in the dead-letter queue',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm.addAlarmAction(new SnsAction(props.alarmTopic));
  }

  /** The finder: send jobs (SendMessage, also used by SendMessageBatch). */
  grantSendJobs(grantee: IGrantable): Grant {
    return this.queue.grantSendMessages(grantee);
  }

  /**
   * The workers: receive, extend the visibility of (heartbeat), delete and re-send jobs (a large object is split
   * into part jobs).
   */
  grantConsumeJobs(grantee: IGrantable): Grant {
    return this.queue.grantConsumeMessages(grantee).combine(this.queue.grantSendMessages(grantee));
  }

  /**
   * Dead-letter a job at once (SendMessage to the dead-letter queue): a failure no retry can fix (403, a vanished
   * bucket, an unreadable message) goes there with its reason, which raises the alarm.
   */
  grantDeadLetter(grantee: IGrantable): Grant {
    return this.deadLetterQueue.grantSendMessages(grantee);
  }

  /**
   * Queue depth of both queues (GetQueueAttributes): the finder skips a pass while the previous one is still being
   * copied, and both roles report dead letters. Without it on the dead-letter queue every first pass failed.
   */
  grantReadDepth(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['sqs:GetQueueAttributes'],
      resourceArns: [this.queue.queueArn, this.deadLetterQueue.queueArn],
    });
  }

  /** Jobs waiting plus jobs being copied, per minute: what the worker fleet scales on. */
  metricBacklog(): MathExpression {
    return new MathExpression({
      expression: 'visible + inflight',
      label: 'Queued and running jobs',
      period: Duration.minutes(1),
      usingMetrics: {
        visible: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
        inflight: this.queue.metricApproximateNumberOfMessagesNotVisible({ period: Duration.minutes(1) }),
      },
    });
  }
}
