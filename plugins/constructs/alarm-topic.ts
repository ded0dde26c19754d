import { Aws, CfnCondition, Fn } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { type CfnSubscription, Subscription, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  /**
   * E-mail address subscribed to the topic (the task's alarmEmail). May be a parameter token; an empty value at
   * deploy time leaves the topic without a subscription. The subscriber must confirm the e-mail AWS sends.
   * @default - no subscription
   */
  readonly email?: string;
}

/** The task's alarm topic (`Data Transfer Hub Alarm (<stack>)`, as the original) and its e-mail subscription. */
export class AlarmTopic extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    // No SSE: CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed key; TLS is enforced.
    this.topic = new Topic(this, 'Topic', {
      displayName: `Data Transfer Hub Alarm (${Aws.STACK_NAME})`,
      enforceSSL: true,
    });
    if (props.email === undefined) return;
    const subscription = new Subscription(this, 'Email', {
      topic: this.topic,
      protocol: SubscriptionProtocol.EMAIL,
      endpoint: props.email,
    });
    const hasEmail = new CfnCondition(this, 'HasEmail', {
      expression: Fn.conditionNot(Fn.conditionEquals(props.email, '')),
    });
    (subscription.node.defaultChild as CfnSubscription).cfnOptions.condition = hasEmail;
  }

  /** sns:Publish on this topic (the ECR copy flow publishes one message per failed image). */
  grantPublish(grantee: IGrantable) {
    return this.topic.grantPublish(grantee);
  }
}
