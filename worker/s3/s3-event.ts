import type { TransferJob } from './transfer-job.js';

/** The parts of an S3 event notification (delivered through SQS) the worker needs. */
interface S3EventRecord {
  eventName?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number; eTag?: string } };
}

export function isS3EventMessage(body: unknown): body is { Records: S3EventRecord[] } {
  return typeof body === 'object' && body !== null && Array.isArray((body as { Records?: unknown }).Records);
}

/** S3 URL-encodes event keys with '+' for spaces. */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * Turns an S3 event message into jobs: ObjectCreated → copy; ObjectRemoved → delete at the destination
 * when deletions are propagated (srcEvent=CreateAndDelete), otherwise nothing. Other events (and s3:TestEvent) are ignored.
 */
export function jobsFromS3Event(body: { Records: S3EventRecord[] }, propagateDeletes: boolean): TransferJob[] {
  const jobs: TransferJob[] = [];
  for (const r of body.Records) {
    const rawKey = r.s3?.object?.key;
    if (!rawKey || !r.eventName) continue;
    const key = decodeEventKey(rawKey);
    if (r.eventName.startsWith('ObjectCreated')) {
      jobs.push({ key, size: r.s3?.object?.size ?? 0, etag: r.s3?.object?.eTag, action: 'copy' });
    } else if (r.eventName.startsWith('ObjectRemoved') && propagateDeletes) {
      jobs.push({ key, size: 0, action: 'delete' });
    }
  }
  return jobs;
}
