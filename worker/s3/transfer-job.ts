/** One part of a giant object's multipart upload, queued as a job of its own (fan-out, see fan-out.ts). */
export interface PartJob {
  uploadId: string;
  partNumber: number;
  /** Parts of the upload in all: the job whose part completes the tally completes the upload. */
  partCount: number;
  /** Inclusive byte range of the source object. */
  start: number;
  end: number;
}

/** One queued unit of work: copy (or delete at the destination) one source object, or one part of a giant one. */
export interface TransferJob {
  key: string;
  size: number;
  /** Source ETag seen by the finder (or the event); the worker copies the current version and records what it copied. */
  etag?: string;
  action?: 'copy' | 'delete';
  /** Part jobs only: copy this range of the version `etag` names into the open upload. */
  part?: PartJob;
  /** Giant objects: how often their upload was abandoned and the object queued again (bounded by maxAttempts). */
  restarts?: number;
  /** From an S3 event: its copy is checked against the source once it landed (events arrive in any order). */
  fromEvent?: boolean;
}

/** Maps a source key to its destination key: the destination prefix, then the full source key. */
export function destinationKey(destPrefix: string, sourceKey: string): string {
  if (!destPrefix) return sourceKey;
  return destPrefix.endsWith('/') ? destPrefix + sourceKey : `${destPrefix}/${sourceKey}`;
}

/** The prefix under which destination keys of a source prefix live. */
export function destinationPrefix(destPrefix: string, sourcePrefix: string): string {
  return destinationKey(destPrefix, sourcePrefix);
}
