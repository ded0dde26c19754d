/**
 * The task outcome notification, written once for the cloud (the notify step publishes it to the hub's SNS topic,
 * which mails the admin) and the local hub (recorded on the task, shown by the console).
 *
 * Policy, as the original's monitor flow: a ONE_TIME task that ends DONE, and any task that ends in ERROR, notifies;
 * a FIXED_RATE task's passes do not (it never ends DONE by itself), nor does a stop.
 *
 * The body keeps the original's plain-text lines in its order (title, Task Type, Task Name, Task Id, Task Progress,
 * then Error Code / Error Message or Transferred Objects), then adds the counts, bytes and timing. The original
 * published without a subject (SNS's default "AWS Notification Message"); ours names the task and its outcome.
 */
import { parameterMap, type TaskNotification, type TaskProgress, type TaskRecord } from './task.js';

const TITLE = 'Data Transfer Hub Task Monitoring Notification';

/** The task moved into a state worth a notification (and had not notified this outcome before). */
export function shouldNotify(
  task: Pick<TaskRecord, 'progress' | 'scheduleType' | 'stoppedAt' | 'notifications'>,
): boolean {
  const outcome = task.progress === 'ERROR' || (task.progress === 'DONE' && task.scheduleType === 'ONE_TIME');
  if (!outcome) return false;
  // A retried notify step (or a second update to the same final state) must not mail twice.
  const last = task.notifications?.at(-1);
  return !last || last.progress !== task.progress || (task.stoppedAt !== undefined && last.time < task.stoppedAt);
}

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `1.5 GiB (1610612736 bytes)`: readable, and exact for whoever reconciles. */
export function describeBytes(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < IEC.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${bytes} bytes` : `${v.toFixed(1)} ${IEC[i]} (${bytes} bytes)`;
}

/** `2 h 05 min 09 s`, `4 min 00 s`, `12 s`. */
export function describeDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  if (h) return `${h} h ${String(m).padStart(2, '0')} min ${sec} s`;
  return m ? `${m} min ${sec} s` : `${s % 60} s`;
}

/** Where a task copies from and to, in one line each (values only from its parameters; never a secret). */
function endpoints(task: TaskRecord): [string, string] {
  const p = parameterMap(task);
  const at = (region?: string, endpoint?: string) => [region, endpoint].filter(Boolean).join(', ');
  if (task.type === 'ECR') {
    // A registry given by host is named by it: "Amazon ECR" for a registry destination told the reader the wrong place.
    const src =
      p.sourceType === 'Public'
        ? `public registry ${p.srcRegistry || 'docker.io'}`
        : p.srcRegistry || `Amazon ECR ${at(p.srcRegion, p.srcAccountId)}`.trim();
    const dest = p.destRegistry
      ? `${p.destRegistry}${p.destPrefix ? `/${p.destPrefix}` : ''}`
      : `Amazon ECR ${at(p.destRegion, p.destAccountId)}${p.destPrefix ? `, prefix ${p.destPrefix}` : ''}`.trim();
    return [src, dest];
  }
  const where = (bucket?: string, prefix?: string) => `${bucket ?? '?'}${prefix ? `/${prefix}` : ''}`;
  const srcAt = at(p.srcRegion, p.srcEndpoint);
  const destAt = at(p.destRegion, p.destEndpoint);
  return [
    `${p.srcType ?? 'Amazon_S3'} ${where(p.srcBucket, p.srcPrefix)}${srcAt ? ` (${srcAt})` : ''}`,
    `${where(p.destBucket, p.destPrefix)}${destAt ? ` (${destAt})` : ''}`,
  ];
}

/** The notification of a task's current (final) state. */
export function taskNotification(task: TaskRecord, channel: TaskNotification['channel'], now: Date): TaskNotification {
  const name = task.stackName ?? task.id;
  const noun = task.type === 'ECR' ? 'Images' : 'Objects';
  const p = task.progressInfo;
  const lines = [
    TITLE,
    '',
    `Task Type: ${task.type}`,
    `Task Name: ${name}`,
    `Task Id: ${task.id}`,
    `Task Progress: ${task.progress}`,
  ];
  if (task.progress === 'ERROR') {
    lines.push(`Error Code: ${task.errorCode ?? 'UN_KNOWN'}`, `Error Message: ${task.errorMessage ?? ''}`);
  }
  lines.push(`Transferred ${noun}: ${p?.replicated ?? 0}`);
  if (p) {
    lines.push(
      `Total ${noun}: ${p.total}`,
      // An image is skipped when the destination has it already; an S3 object when the source no longer has it
      // (or holds it archived): objects already at the destination are not counted.
      task.type === 'ECR'
        ? `Unchanged ${noun} (skipped): ${p.skipped}`
        : `Skipped ${noun} (deleted or archived at the source): ${p.skipped}`,
      `Failed ${noun}: ${p.failed}`,
      `Verified ${noun}: ${p.verified}`,
      `Transferred Bytes: ${describeBytes(p.bytesDone)}`,
    );
  }
  const finished = task.stoppedAt ?? now.toISOString();
  const [source, destination] = endpoints(task);
  lines.push(
    `Source: ${source}`,
    `Destination: ${destination}`,
    ...(task.description ? [`Description: ${task.description}`] : []),
    `Started: ${task.createdAt}`,
    `Finished: ${finished}`,
    `Duration: ${describeDuration(Date.parse(finished) - Date.parse(task.createdAt))}`,
  );
  return {
    time: now.toISOString(),
    progress: task.progress,
    subject: notificationSubject(name, task.progress),
    message: lines.join('\n'),
    channel,
  };
}

/** SNS subjects: ASCII, no line breaks, under 100 characters. */
export function notificationSubject(name: string, progress: TaskProgress): string {
  const outcome = progress === 'DONE' ? 'completed' : progress === 'ERROR' ? 'failed' : progress.toLowerCase();
  return `Data Transfer Hub: task ${name} ${outcome}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 99);
}
