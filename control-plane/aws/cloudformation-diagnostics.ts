import { type CloudFormationClient, DescribeStackEventsCommand, type StackEvent } from '@aws-sdk/client-cloudformation';
import type { StackDiagnostics, StackFailure } from '../core/ports.js';

/** Stack events read for one answer (100 per page, newest first): a failed creation's cause is in the first pages. */
const MAX_EVENT_PAGES = 5;

/** A plugin stack's failed resources from its events (DescribeStackEvents works for 90 days after a deletion). */
export class CloudFormationDiagnostics implements StackDiagnostics {
  constructor(private readonly cfn: CloudFormationClient) {}

  async failures(stackId: string): Promise<StackFailure[]> {
    const events: StackEvent[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const out = await this.cfn.send(new DescribeStackEventsCommand({ StackName: stackId, NextToken: nextToken }));
      events.push(...(out.StackEvents ?? []));
      nextToken = out.NextToken;
    } while (nextToken && ++pages < MAX_EVENT_PAGES);
    return events
      .filter((e) => /FAILED$/.test(e.ResourceStatus ?? ''))
      .sort((a, b) => (a.Timestamp?.getTime() ?? 0) - (b.Timestamp?.getTime() ?? 0))
      .map((e) => ({
        logicalResourceId: e.LogicalResourceId ?? '?',
        resourceType: e.ResourceType,
        status: e.ResourceStatus ?? 'FAILED',
        reason: e.ResourceStatusReason,
        time: e.Timestamp?.toISOString(),
      }));
  }
}
