import type { StackFailure } from './ports.js';

/** CloudFormation's follow-on failures: resources it gave up on because another one failed. */
const CANCELLED = /cancell?ed/i;

/** At most this many resources are named: the first failures hold the cause, the rest are its echoes. */
export const MAX_FAILURES_SHOWN = 3;

/**
 * getErrorMessage's text for a failed plugin stack: the resources that failed first, each with its type and
 * CloudFormation's reason (the original joined the first two reasons without naming the resources). Cancelled
 * resources are left out when a real cause is there, and so is the stack's own summary event.
 */
export function describeStackFailures(failures: StackFailure[], stackName?: string): string | undefined {
  const failed = failures.filter((f) => /FAILED$/.test(f.status));
  const resources = failed.filter(
    (f) => f.resourceType !== 'AWS::CloudFormation::Stack' && f.logicalResourceId !== stackName,
  );
  const causes = resources.filter((f) => !CANCELLED.test(f.reason ?? ''));
  const shown = (causes.length ? causes : resources.length ? resources : failed).slice(0, MAX_FAILURES_SHOWN);
  if (!shown.length) return undefined;
  return shown
    .map(
      (f) =>
        `${f.logicalResourceId}${f.resourceType ? ` (${f.resourceType})` : ''} ${f.status}: ${f.reason ?? 'no reason given'}`,
    )
    .join('; ');
}
