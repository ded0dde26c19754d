/**
 * Log events another deployable reads: the control plane's check-finder step matches the finder's outcome in its log
 * group, and the S3 plugin stack's metric filters count the workers' lines for the dashboard and the console's charts.
 * They are a contract between separately deployed code, so their names, the fields readers use and the metrics built
 * from them are defined here once and imported by emitters, the CDK metric filters and the control plane. The events
 * of a stop's clean-up at the destination are here too: the task's owner reads them in its log (the console's log
 * view) to know whether a stopped task still holds parts there, and tests match them.
 */
import type { Logger } from './log.js';

/** The contract event names. */
export const LOG_EVENTS = {
  /** A finder (S3) or image lister (ECR) pass listed everything and queued what differs. check-finder moves on. */
  finderDone: 'finder.done',
  /** The finder or lister stopped on an error. check-finder ends the task in FINDER_ERROR with its `error`. */
  finderFailed: 'finder.failed',
  /** One object was copied and verified. Counted as CompletedObjects; `bytes` summed as BytesTransferred. */
  workerCopied: 'worker.copied',
  /** One object failed for good (retries exhausted, or not retryable). Counted as FailedObjects. */
  workerFailed: 'worker.failed',
  /** The worker process itself stopped on an error (no access, bad configuration): not an object, so not counted. */
  workerCrashed: 'worker.crashed',
  /** A task stopped for good aborted the multipart uploads it held open at the destination; `uploads`: how many. */
  uploadsAborted: 'transfer.uploads_aborted',
  /**
   * The destination refused an abort (403, 405, 5xx) or did not answer it: that upload is still open, its parts stored
   * (and billed on AWS). Names the object's `key`, its `destKey` and the `uploadId`, so that it can be aborted by hand.
   */
  uploadNotAborted: 'transfer.upload_not_aborted',
  /** An image was copied and its digest checked at the destination; `bytes`: what the copy moved. */
  imageCopied: 'image.copied',
  /**
   * An image failed in the run: in the hub and the CLI, after its retries; in the cloud, the copy task's attempt
   * (copy log group) or, once the state machine's retries are spent or the listing failed it, the image for good
   * (lister log group, which the ECR plugin's FailedObjects filter reads).
   */
  imageFailed: 'image.failed',
} as const;

export type ContractEventName = (typeof LOG_EVENTS)[keyof typeof LOG_EVENTS];

/** The fields each contract event carries (besides `time`, `level`, `event` and the logger's base fields). */
export interface ContractEventFields {
  /** The pass's counts: S3 — the finder report (scanned, toTransfer, …); images — `images` and `unchanged`. */
  'finder.done': Record<string, unknown>;
  /** `error`: the cause (an Error is logged as `{ name, message }`); `code`: the DthError code, when there is one. */
  'finder.failed': { error: unknown; code?: string };
  'worker.copied': { key: string; bytes: number; method?: string; checksum?: string };
  'worker.failed': { key: string; attempts: number; error: string; code?: string };
  'worker.crashed': { error: unknown; code?: string };
  'transfer.uploads_aborted': { uploads: number };
  /** `reason`: why the caller went on without the upload (absent where the record keeps it). */
  'transfer.upload_not_aborted': { key: string; destKey: string; uploadId: string; error: unknown; reason?: string };
  'image.copied': { image: string; dest: string; digest: string; bytes: number };
  'image.failed': { image: string; error: string };
}

const ERROR_EVENTS: ReadonlySet<ContractEventName> = new Set([
  LOG_EVENTS.finderFailed,
  LOG_EVENTS.workerFailed,
  LOG_EVENTS.workerCrashed,
  LOG_EVENTS.imageFailed,
]);

const WARN_EVENTS: ReadonlySet<ContractEventName> = new Set([LOG_EVENTS.uploadNotAborted]);

/** Logs a contract event with its typed fields: failures at level error, what is left to clean up at warn, the rest at info. */
export function logContractEvent<E extends ContractEventName>(
  logger: Logger,
  event: E,
  fields: ContractEventFields[E],
): void {
  if (ERROR_EVENTS.has(event)) logger.error(event, fields);
  else if (WARN_EVENTS.has(event)) logger.warn(event, fields);
  else logger.info(event, fields);
}

/**
 * The metrics the S3 plugin stack's metric filters derive from worker lines (namespace `<METRICS_NAMESPACE>/<stack
 * name>`, no dimensions), read back by the console's charts (WorkerCrashes: by the worker alarm). `value`: a constant,
 * or the JSON field summed.
 */
export const WORKER_METRICS = {
  completedObjects: { metricName: 'CompletedObjects', event: LOG_EVENTS.workerCopied, value: 1 },
  bytesTransferred: { metricName: 'BytesTransferred', event: LOG_EVENTS.workerCopied, field: 'bytes' },
  failedObjects: { metricName: 'FailedObjects', event: LOG_EVENTS.workerFailed, value: 1 },
  /** Worker processes that stopped on an error (e.g. a failed start-up access check): the task's alarm e-mails it. */
  workerCrashes: { metricName: 'WorkerCrashes', event: LOG_EVENTS.workerCrashed, value: 1 },
} as const satisfies Record<
  string,
  { metricName: string; event: ContractEventName; value?: number; field?: keyof ContractEventFields['worker.copied'] }
>;

/**
 * The same chart metrics for an image task (the ECR plugin stack's filters, same namespace and names, so the console
 * reads both kinds alike): copies from the copy task's log group, failures for good from the lister's.
 */
export const IMAGE_METRICS = {
  completedObjects: { metricName: WORKER_METRICS.completedObjects.metricName, event: LOG_EVENTS.imageCopied, value: 1 },
  bytesTransferred: {
    metricName: WORKER_METRICS.bytesTransferred.metricName,
    event: LOG_EVENTS.imageCopied,
    field: 'bytes',
  },
  failedObjects: { metricName: WORKER_METRICS.failedObjects.metricName, event: LOG_EVENTS.imageFailed, value: 1 },
} as const satisfies Record<
  string,
  { metricName: string; event: ContractEventName; value?: number; field?: keyof ContractEventFields['image.copied'] }
>;

/** A metric derived from a contract log event: its name, the event, and a constant (`value`) or a summed `field`. */
export interface ContractMetric {
  metricName: string;
  event: string;
  value?: number;
  field?: string;
}

/** A metric's value as a CloudWatch metric filter writes it: `"1"`, or `"$.bytes"` for a field. */
export function metricFilterValue(metric: Pick<ContractMetric, 'value' | 'field'>): string {
  return metric.field ? `$.${metric.field}` : String(metric.value ?? 1);
}

/** FilterLogEvents pattern for the finder's outcome lines (either event name as a term). */
export const FINDER_OUTCOME_PATTERN = `?"${LOG_EVENTS.finderDone}" ?"${LOG_EVENTS.finderFailed}"`;

/**
 * Reads a line the finder outcome pattern matched: `failed` with the error's text, or `done`. A JSON line is judged by
 * its `event` field (a line that merely mentions a name is neither); a line that is not JSON, by the name it contains.
 */
export function readFinderOutcome(
  line: string,
): { outcome: 'done' } | { outcome: 'failed'; error: string } | undefined {
  let parsed: { event?: unknown; error?: unknown } | undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (value && typeof value === 'object') parsed = value as { event?: unknown; error?: unknown };
  } catch {
    /* not JSON: judged by its text below */
  }
  if (!parsed) {
    if (line.includes(LOG_EVENTS.finderFailed)) return { outcome: 'failed', error: line };
    return line.includes(LOG_EVENTS.finderDone) ? { outcome: 'done' } : undefined;
  }
  if (parsed.event === LOG_EVENTS.finderDone) return { outcome: 'done' };
  if (parsed.event !== LOG_EVENTS.finderFailed) return undefined;
  const { error } = parsed;
  return { outcome: 'failed', error: error ? (typeof error === 'string' ? error : JSON.stringify(error)) : line };
}
