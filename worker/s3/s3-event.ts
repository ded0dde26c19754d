import { MAX_OBJECT_SIZE } from './params.js';
import type { PartJob, TransferJob } from './transfer-job.js';

/** The parts of an S3 event notification record (delivered through SQS) the worker reads. */
interface S3EventRecord {
  eventSource?: string;
  eventName?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number; eTag?: string } };
}

/** What the task copies: the source bucket, srcPrefix and include/exclude (the finder's own scope). */
export interface EventScope {
  srcBucket: string;
  srcPrefix: string;
  /** include/exclude (createKeyFilter). */
  keep: (key: string) => boolean;
  /** When the destination is a prefix of the source bucket: whether a key is one of the task's own copies (ownCopies). */
  ownCopy?: (key: string) => boolean;
  /** srcEvent=CreateAndDelete: ObjectRemoved deletes the copy. */
  propagateDeletes: boolean;
}

/** A queue message, read: jobs to run, S3's test event, or something no worker can act on. */
export type QueueMessage =
  | { kind: 'jobs'; jobs: TransferJob[]; ignored: { key: string; reason: string }[] }
  | { kind: 'testEvent' }
  | { kind: 'invalid'; reason: string };

/** S3 URL-encodes event keys with '+' for spaces. */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** A byte count of an S3 object: a whole number from 0 to 5 TiB (S3's largest object). */
function isSize(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_OBJECT_SIZE;
}

const NO_DELETES = 'deletions are not propagated (srcEvent is not CreateAndDelete)';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why an event's key is outside the task, or undefined when the task copies it. */
function outOfScope(key: string, scope: EventScope): string | undefined {
  if (!key.startsWith(scope.srcPrefix)) return `outside srcPrefix "${scope.srcPrefix}"`;
  if (scope.ownCopy?.(key)) return 'a copy made by this task (its destPrefix is in the source bucket)';
  if (!scope.keep(key)) return 'excluded by include/exclude';
  return undefined;
}

/**
 * ObjectCreated → copy; ObjectRemoved → delete at the destination with srcEvent=CreateAndDelete, otherwise nothing.
 * Records of another bucket or service, outside srcPrefix or filtered out by include/exclude are ignored (named).
 */
function jobsFromRecords(records: unknown[], scope: EventScope): QueueMessage {
  if (records.length === 0) return { kind: 'invalid', reason: 'an S3 event notification without records' };
  const jobs: TransferJob[] = [];
  const ignored: { key: string; reason: string }[] = [];
  for (const raw of records) {
    if (!isRecord(raw)) return { kind: 'invalid', reason: 'an S3 event record is not an object' };
    const r = raw as S3EventRecord;
    const rawKey = r.s3?.object?.key;
    if (typeof rawKey !== 'string' || typeof r.eventName !== 'string')
      return { kind: 'invalid', reason: 'an S3 event record has no eventName or object key' };
    let key: string;
    try {
      key = decodeEventKey(rawKey);
    } catch {
      return { kind: 'invalid', reason: `S3 event key "${rawKey}" is not URL-encoded text` };
    }
    if (key === '') return { kind: 'invalid', reason: 'an S3 event record with an empty object key' };
    const size = r.s3?.object?.size;
    if (size !== undefined && !isSize(size))
      return { kind: 'invalid', reason: `S3 event size of "${key}" is not a byte count: ${JSON.stringify(size)}` };
    const bucket = r.s3?.bucket?.name;
    const notFor =
      r.eventSource !== undefined && r.eventSource !== 'aws:s3'
        ? `event source ${r.eventSource}`
        : bucket !== undefined && bucket !== scope.srcBucket
          ? `event of bucket ${bucket}, not the source bucket`
          : outOfScope(key, scope);
    if (notFor) {
      ignored.push({ key, reason: notFor });
      continue;
    }
    if (r.eventName.startsWith('ObjectCreated')) {
      jobs.push({ key, size: size ?? 0, etag: r.s3?.object?.eTag, action: 'copy', fromEvent: true });
    } else if (r.eventName.startsWith('ObjectRemoved')) {
      if (scope.propagateDeletes) jobs.push({ key, size: 0, action: 'delete', fromEvent: true });
      else ignored.push({ key, reason: NO_DELETES });
    } else {
      ignored.push({ key, reason: `event ${r.eventName}` });
    }
  }
  return { kind: 'jobs', jobs, ignored };
}

/**
 * Reads a queue message: a finder job `{key, size, etag?, action?}`, an S3 event notification `{Records: [...]}`, or
 * S3's `s3:TestEvent` (sent once when a notification is configured: nothing to do, not a failure).
 */
function readPartJob(v: unknown): PartJob | undefined {
  if (!isRecord(v) || typeof v.uploadId !== 'string' || !v.uploadId) return undefined;
  const n = (x: unknown) => (typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : undefined);
  const [partNumber, partCount, start, end] = [n(v.partNumber), n(v.partCount), n(v.start), n(v.end)];
  if (partNumber === undefined || partCount === undefined || start === undefined || end === undefined) return undefined;
  if (partNumber < 1 || partNumber > partCount || end < start) return undefined;
  return { uploadId: v.uploadId, partNumber, partCount, start, end };
}

/** What a message body that is no JSON object is, in words: text (not JSON), null, an array, a number… */
function jsonKind(body: unknown): string {
  if (typeof body === 'string') return 'text';
  if (body === null) return 'null';
  return Array.isArray(body) ? 'an array' : typeof body;
}

export function readQueueMessage(body: unknown, scope: EventScope): QueueMessage {
  if (!isRecord(body))
    return {
      kind: 'invalid',
      reason: `not a JSON object (${jsonKind(body)})`,
    };
  if (body.Event === 's3:TestEvent') return { kind: 'testEvent' };
  if (Array.isArray(body.Records)) return jobsFromRecords(body.Records, scope);
  if (typeof body.key === 'string' && typeof body.size === 'number') {
    // Read as a job, it must be one: a blank key or a size that is no byte count would be copied wrongly, not failed.
    if (body.key === '') return { kind: 'invalid', reason: 'a transfer job with an empty key' };
    if (!isSize(body.size))
      return { kind: 'invalid', reason: `a transfer job whose size is not a byte count: ${JSON.stringify(body.size)}` };
    if (body.action !== undefined && body.action !== 'copy' && body.action !== 'delete')
      return { kind: 'invalid', reason: `a transfer job with an unknown action: ${JSON.stringify(body.action)}` };
    const action = body.action === 'delete' ? 'delete' : 'copy';
    // A deletion obeys srcEvent whichever form brings it: no copy is deleted unless the task propagates deletions.
    if (action === 'delete' && !scope.propagateDeletes)
      return { kind: 'jobs', jobs: [], ignored: [{ key: body.key, reason: NO_DELETES }] };
    const job: TransferJob = {
      key: body.key,
      size: body.size,
      etag: typeof body.etag === 'string' ? body.etag : undefined,
      action,
    };
    // A part of a giant object (fan-out.ts), and how often its object was started again.
    if (body.part !== undefined) {
      const part = readPartJob(body.part);
      if (!part)
        return {
          kind: 'invalid',
          reason: 'a part job whose part is not {uploadId, partNumber, partCount, start, end}',
        };
      job.part = part;
    }
    if (typeof body.restarts === 'number' && Number.isInteger(body.restarts) && body.restarts > 0)
      job.restarts = body.restarts;
    // The parts and restarts of an event's giant object (fan-out.ts) stay an event's copy.
    if (body.fromEvent === true) job.fromEvent = true;
    return { kind: 'jobs', jobs: [job], ignored: [] };
  }
  return { kind: 'invalid', reason: 'neither a transfer job ({key, size}) nor an S3 event notification ({Records})' };
}
