/** What the list and detail pages show about a task, derived from its parameters the same way everywhere. */
import type { Task, TaskProgress } from '../api/types.js';
import type { StringKey } from '../i18n/index.js';
import { ECR_FIELDS, type FieldOption, S3_SOURCE_KINDS, text } from '../pages/create-task/fields.js';

export function paramsOf(task: Pick<Task, 'parameters'>): Record<string, string> {
  return Object.fromEntries((task.parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue ?? '']));
}

/** What to look at for a failed task, by getErrorMessage's errCode (images: the image list's logs). */
export function errorHintKey(
  code: string | null | undefined,
  type: Task['type'],
  where: 'task' | 'list' = 'task',
): StringKey | undefined {
  if (code === 'FINDER_ERROR') return type === 'ECR' ? 'errFinderImages' : 'errFinder';
  if (code === 'CFN_ERROR') return 'errCFN';
  if (code === 'COMPLETE_CHECK_ERROR') return where === 'list' ? 'errCompleteList' : 'errComplete';
  return undefined;
}

/** Running: Stop ends it. */
export function isRunning(progress: TaskProgress | null | undefined): boolean {
  return progress === 'STARTING' || progress === 'IN_PROGRESS';
}

/** Finished but not deleted: Delete removes its resources (stopTask). */
export function isDeletable(progress: TaskProgress | null | undefined): boolean {
  return progress === 'DONE' || progress === 'ERROR';
}

export function statusKey(progress: TaskProgress | null | undefined): StringKey {
  return progress ? (`status${progress}` as StringKey) : 'statusUNKNOWN';
}

export function engineKey(task: Pick<Task, 'type'>): StringKey {
  return task.type === 'ECR' ? 'engineEcr' : 'engineS3';
}

/** The original's Schedule Type column: one time or fixed rate (image tasks run daily in the original). */
export function scheduleKey(task: Pick<Task, 'type' | 'scheduleType'>): StringKey {
  return task.scheduleType === 'ONE_TIME' ? 'scheduleOneTime' : 'scheduleFixedRate';
}

type Lang = 'en' | 'zh';

/**
 * Source kinds in words, in both languages: the wizard's own option labels, so the list, the review and the task page
 * name a source as it was chosen ("Alibaba Cloud OSS", not "Aliyun_OSS" or a shorter name of their own).
 */
const SOURCE_KINDS: readonly FieldOption[] = [
  ...S3_SOURCE_KINDS,
  // S3_Compatible: the older name of Amazon_S3 with an endpoint.
  ...S3_SOURCE_KINDS.filter((o) => o.value === 'Amazon_S3_Compatible').map((o) => ({ ...o, value: 'S3_Compatible' })),
  ...(ECR_FIELDS.sourceType?.options ?? []),
];

/**
 * The original recognises an S3-compatible source by its endpoint (srcType Amazon_S3, or none: its default); our
 * S3_Compatible is the same source. One rule for the list, the task page and the clone's wizard.
 */
export function sourceKindOf(task: Pick<Task, 'type' | 'parameters'>): string {
  const p = paramsOf(task);
  if (task.type === 'ECR') return p.sourceType || 'Amazon_ECR';
  const type = p.srcType || 'Amazon_S3';
  return type === 'S3_Compatible' || (type === 'Amazon_S3' && p.srcEndpoint) ? 'Amazon_S3_Compatible' : type;
}

export function sourceName(kind: string, lang: Lang = 'en'): string {
  const option = SOURCE_KINDS.find((o) => o.value === kind);
  return option ? text(option.label, lang) : kind;
}

const join = (bucket: string, prefix: string) => (prefix ? `${bucket}/${prefix}` : bucket);

export function taskEnds(
  task: Pick<Task, 'type' | 'parameters'>,
  lang: Lang = 'en',
): { source: string; destination: string } {
  const p = paramsOf(task);
  if (task.type === 'ECR') {
    const source =
      p.sourceType === 'Public'
        ? p.srcRegistry || 'docker.io'
        : `ECR ${[p.srcAccountId, p.srcRegion].filter(Boolean).join(' ')}`.trim();
    const destRegistry = p.destRegistry || `ECR ${[p.destAccountId, p.destRegion].filter(Boolean).join(' ')}`.trim();
    return { source, destination: p.destPrefix ? `${destRegistry}/${p.destPrefix}` : destRegistry };
  }
  return {
    source: `${sourceName(sourceKindOf(task), lang)} / ${join(p.srcBucket ?? '', p.srcPrefix ?? '')}`,
    destination: join(p.destBucket ?? '', p.destPrefix ?? ''),
  };
}

/**
 * Copied + skipped of total (objects), and bytes done of total: the detail page bases percent and ETA on bytes while
 * the task runs. A task that has ended is measured by what made it (items copied or skipped of all): the bytes count
 * only items whose size was read, so a failed image (no size) left an ended task at 99 % "1 of 2 images copied".
 */
export function percentDone(task: Pick<Task, 'progressInfo' | 'progress'>): number {
  const p = task.progressInfo;
  if (!p) return task.progress === 'DONE' ? 100 : 0;
  const byBytes = p.bytesTotal && p.bytesTotal > 0 ? Math.floor(((p.bytesDone ?? 0) / p.bytesTotal) * 100) : undefined;
  const byCount =
    p.total && p.total > 0 ? Math.floor((((p.replicated ?? 0) + (p.skipped ?? 0)) / p.total) * 100) : undefined;
  if (byBytes === undefined && byCount === undefined) return task.progress === 'DONE' ? 100 : 0;
  const ended = task.progress === 'DONE' || task.progress === 'ERROR' || task.progress === 'STOPPED';
  if (ended && byCount !== undefined) return Math.min(100, byCount);
  // By bytes (a giant object moves the bar as it streams), but never 100 % while items are left: items whose size is
  // not known yet count no bytes (a stopped image task with most images pending read 100 %).
  const percent = Math.min(100, byBytes ?? byCount ?? 0);
  return percent === 100 && byCount !== undefined && byCount < 100 ? 99 : percent;
}

/** Log groups of the task's stack, found by the Description the original console looks them up by. */
export const FINDER_LOG_GROUP = 'Finder Log Group Name';
export const WORKER_LOG_GROUP = 'Worker Log Group Name';

export function stackOutput(task: Pick<Task, 'stackOutputs'>, description: string): string | undefined {
  return task.stackOutputs?.find((o) => o?.Description === description)?.OutputValue ?? undefined;
}

/**
 * The CloudWatch dashboard of the task's plugin stack, named as the original's (`<stack>-Dashboard-<region>`): the S3
 * plugin has one; the image plugin has none (as the original), and the local hub has no CloudWatch.
 */
export function dashboardUrl(
  task: Pick<Task, 'type' | 'stackName'>,
  config: { dashboardUrlPrefix?: string; region?: string },
): string | undefined {
  if (task.type !== 'S3EC2') return undefined;
  return config.dashboardUrlPrefix && task.stackName && config.region
    ? `${config.dashboardUrlPrefix}${task.stackName}-Dashboard-${config.region}`
    : undefined;
}
