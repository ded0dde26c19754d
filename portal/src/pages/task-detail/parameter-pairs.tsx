/** Task parameters as label/value pairs, with the wizard's human labels and option names. */
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import type { Task } from '../../api/types.js';
import { usePortal } from '../../app/context.js';
import { ECR_FIELDS, isShown, labelOf, optionLabel, S3_FIELDS, type FieldDef } from '../create-task/fields.js';
import { scheduleOf, stateFromTask } from '../create-task/parameters.js';
import type { EcrForm, S3Form } from '../create-task/types.js';
import { nextRunAfter, parseSchedule } from '../../../../worker/core/schedule.js';
import { booleanOf } from '../../../../worker/params/index.js';
import { paramsOf, sourceKindOf, sourceName } from '../../lib/task-view.js';
import type { StringKey } from '../../i18n/index.js';

type T = (k: StringKey, vars?: Record<string, string | number>) => string;

const SECRET_KEYS = new Set(['srcCredentials', 'destCredentials', 'srcCredential', 'destCredential']);
const YES_NO_KEYS = new Set([
  'srcInCurrentAccount',
  'destInCurrentAccount',
  'includeMetadata',
  'isPayerRequest',
  'includeUntagged',
  'insecure',
  'srcSkipCompare',
]);
/** Blank values worth showing (a blank prefix is the whole bucket; blank credentials are anonymous / this account). */
const SHOW_BLANK = new Set(['srcPrefix', 'destPrefix', ...SECRET_KEYS]);

/**
 * When a running task's cron schedule (ec2CronExpression) next starts a pass, as "2026-12-07 03:00 UTC": the cron's
 * times are UTC in the cloud (EventBridge) and on the local hub alike. None for a task that runs once or has ended,
 * nor for a rate(...) (in either parameter), whose next pass counts from when the last one ended (the local hub) or
 * the rule was created (the cloud).
 */
export function nextScheduledRun(task: Task, now = new Date()): string | undefined {
  if (task.scheduleType !== 'FIXED_RATE' || !(task.progress === 'IN_PROGRESS' || task.progress === 'STARTING')) return;
  const cron = paramsOf(task).ec2CronExpression?.trim();
  if (!cron) return;
  try {
    const schedule = parseSchedule(cron);
    const next = schedule.kind === 'cron' ? nextRunAfter(schedule, now) : undefined;
    return next && `${next.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  } catch {
    return; // a stored expression the API took is valid; an old one that is not has no next run to show
  }
}

/** A schedule in words: "Every 2 hours", "Run once", or the cron expression itself. */
export function scheduleText(task: Task, t: T): string {
  if (task.scheduleType === 'ONE_TIME') return t('runOnce');
  const p = paramsOf(task);
  if (task.type === 'ECR' && !p.ec2CronExpression && !p.scheduleExpression) return t('ecrScheduleFixedRate');
  const s = scheduleOf(p.ec2CronExpression, p.scheduleExpression);
  if (s.kind === 'FIXED_RATE') {
    const one = Number(s.every) === 1; // "Every 1 hour", not "Every 1 hours"
    const unit =
      s.unit === 'minutes'
        ? one
          ? 'unitMinute'
          : 'unitMinutes'
        : s.unit === 'hours'
          ? one
            ? 'unitHour'
            : 'unitHours'
          : one
            ? 'unitDay'
            : 'unitDays';
    return t('everyN', { count: s.every, unit: t(unit) });
  }
  if (s.kind === 'CRON') return s.cron;
  return t('runOnce');
}

export function parameterValue(task: Task, key: string, t: T, lang: 'en' | 'zh'): string {
  const p = paramsOf(task);
  const v = p[key] ?? '';
  if (key === 'srcType') return sourceName(sourceKindOf(task), lang);
  if (SECRET_KEYS.has(key)) {
    if (v) return v;
    // Blank credentials: this account's role, or unsigned requests for a source outside it (the original's rule).
    const src = key.startsWith('src');
    // Images: a Public source, or a registry other than ECR as the destination, is read or written without a login.
    const outside =
      task.type === 'S3EC2'
        ? src && booleanOf(p.srcInCurrentAccount ?? '') === false
        : src
          ? p.sourceType === 'Public'
          : (p.destRegistry ?? '') !== '';
    return t(outside ? 'anonymous' : 'thisAccount');
  }
  if (YES_NO_KEYS.has(key)) {
    // As the engines read it: YES, 1 and 0 too (the API stores what it was given).
    const yes = booleanOf(v);
    return yes === undefined ? t('none') : yes ? t('yes') : t('no');
  }
  if (key === 'ec2CronExpression' || key === 'scheduleExpression') return scheduleText(task, t);
  if (key === 'finderEc2Memory' && v) return `${v} GiB`;
  const table = (task.type === 'S3EC2' ? S3_FIELDS : ECR_FIELDS) as Record<string, FieldDef<unknown> | undefined>;
  return v === '' ? t('none') : optionLabel(table[key], v, lang);
}

/**
 * Which of the task's parameters the wizard shows a field for: one hidden for its choices (S3 events or requester
 * pays of an OSS source, which the original's console still sends as "No") is left out of the review and the task page.
 * The task is read back into the wizard's form once, with the hub's own context (the local hub hides S3 events);
 * the returned test is per parameter.
 */
export function shownFields(task: Task, local: boolean): (key: string) => boolean {
  const state = stateFromTask(task);
  const ctx = { local };
  const s3 = S3_FIELDS as Record<string, FieldDef<S3Form> | undefined>;
  const ecr = ECR_FIELDS as Record<string, FieldDef<EcrForm> | undefined>;
  return task.type === 'S3EC2'
    ? (key) => !s3[key] || isShown(s3[key], state.s3, ctx)
    : (key) => !ecr[key] || isShown(ecr[key], state.ecr, ctx);
}

/**
 * The label/value pairs of those of `keys` the task has, in words: blank values only where blank means something, and
 * none of the fields the wizard hid. One rule for the wizard's review and the task page.
 */
export function parameterItems(
  task: Task,
  keys: readonly string[],
  ctx: { t: T; lang: 'en' | 'zh'; local: boolean },
): { label: string; value: string }[] {
  const present = paramsOf(task);
  const isShown = shownFields(task, ctx.local);
  return keys
    .filter((k) => k in present && (present[k] !== '' || SHOW_BLANK.has(k)) && isShown(k))
    .map((key) => ({ label: labelOf(task.type, key, ctx.lang), value: parameterValue(task, key, ctx.t, ctx.lang) }));
}

export function ParameterPairs({ task, keys, columns = 3 }: { task: Task; keys: string[]; columns?: 1 | 2 | 3 | 4 }) {
  const ctx = usePortal();
  return <KeyValuePairs columns={columns} items={parameterItems(task, keys, ctx)} />;
}
