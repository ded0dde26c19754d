import type { UploadedPart } from './object-store.js';

export type ObjectStatus = 'PENDING' | 'IN_PROGRESS' | 'DONE' | 'SKIPPED' | 'FAILED' | 'DELETED';

/** What is known about one object (or one image, keyed by reference) of one task. */
export interface ObjectRecord {
  key: string;
  size: number;
  /** Source ETag (objects) or manifest digest (images) the job was created for. */
  etag?: string;
  status: ObjectStatus;
  attempts: number;
  error?: string;
  /** Checksum of the bytes read from the source and written to the destination, e.g. "md5:…". */
  checksum?: string;
  /** The destination's ETag as the copy's write answered: a listing that shows another one means the copy was changed since. */
  destEtag?: string;
  verified?: boolean;
  bytesDone?: number;
  startedAt?: string;
  finishedAt?: string;
  /** Open multipart upload, so a restarted worker resumes instead of re-sending finished parts. */
  uploadId?: string;
  partSize?: number;
}

/** A task's counts, kept up to date as objects change state: reading them costs the same for ten objects or ten million. */
export interface StatusSummary {
  total: number;
  done: number;
  skipped: number;
  failed: number;
  inProgress: number;
  pending: number;
  verified: number;
  bytesTotal: number;
  bytesDone: number;
}

/** The count of StatusSummary each status falls in (one source for both stores' counters). */
export const SUMMARY_CLASS = {
  PENDING: 'pending',
  IN_PROGRESS: 'inProgress',
  DONE: 'done',
  DELETED: 'done',
  SKIPPED: 'skipped',
  FAILED: 'failed',
} as const satisfies Record<ObjectStatus, keyof StatusSummary>;

export type SummaryClass = (typeof SUMMARY_CLASS)[ObjectStatus];

export function emptySummary(): StatusSummary {
  return {
    total: 0,
    done: 0,
    skipped: 0,
    failed: 0,
    inProgress: 0,
    pending: 0,
    verified: 0,
    bytesTotal: 0,
    bytesDone: 0,
  };
}

/**
 * What one record adds to its task's counts: one object in its status's count, its size, its verified flag, and the
 * bytes copied so far (all of them once DONE or DELETED, `bytesDone` while IN_PROGRESS).
 */
export function contributionOf(r: Pick<ObjectRecord, 'status' | 'size' | 'verified' | 'bytesDone'>): StatusSummary {
  const s = emptySummary();
  const cls = SUMMARY_CLASS[r.status] ?? 'pending';
  s.total = 1;
  s[cls] = 1;
  s.verified = r.verified ? 1 : 0;
  s.bytesTotal = r.size;
  s.bytesDone = cls === 'done' ? r.size : cls === 'inProgress' ? (r.bytesDone ?? 0) : 0;
  return s;
}

/**
 * The one completeness rule, read from a task's counts: every object (or image) is DONE and verified, or SKIPPED;
 * nothing failed, pending or in progress. Engines report it; the control plane's lifecycle (control-plane/core/
 * lifecycle.ts) turns it into DONE. It sits with the counts it reads so that both layers share it.
 */
export function isComplete(s: StatusSummary): boolean {
  return (
    s.failed === 0 && s.pending === 0 && s.inProgress === 0 && s.done + s.skipped === s.total && s.verified >= s.done
  );
}

/** What StatusStore.markStarted records as a copy starts (size and etag only for a record it creates). */
export interface CopyStart {
  key: string;
  size: number;
  etag?: string;
  attempts: number;
  startedAt: string;
}

/** Where the parts of one multipart upload stand after StatusStore.recordPart. */
export interface PartTally {
  /** This call recorded the part for the first time (false: a duplicate delivery, or a retry after a crash). */
  added: boolean;
  /** Distinct parts recorded for the upload, this one included; each counts once however often it is recorded. */
  partsDone: number;
  /** Their bytes. */
  bytesDone: number;
}

/** A finished part as the status store keeps it. */
export interface RecordedPart extends UploadedPart {
  /**
   * Whether the destination's answer to its UploadPart showed SSE-KMS: then its ETag is not the MD5 of its bytes, and
   * the parts cannot be held against the source's ETag. Absent where not known (a record written before this was
   * kept): to be read as "cannot compare", never as "not KMS".
   */
  kms?: boolean;
}

/** Fields `updateIf` can compare (undefined = the record has no value). */
export type RecordExpectation = Partial<Pick<ObjectRecord, 'uploadId' | 'etag' | 'partSize' | 'status'>>;

/**
 * Per-task object status: DynamoDB in the cloud, SQLite locally. One instance is scoped to one task.
 *
 * Every write keeps the task's counts (`summary`) exact in the same step: a record changing state moves it from one
 * count to the other once, however many processes write, whatever is delivered twice, and a process killed between
 * two writes leaves no count wrong (SQLite: one transaction; DynamoDB: see dynamo-status-store.ts).
 */
export interface StatusStore {
  get(key: string): Promise<ObjectRecord | undefined>;
  put(record: ObjectRecord): Promise<void>;
  update(key: string, patch: Partial<Omit<ObjectRecord, 'key'>>): Promise<void>;
  /**
   * One write as a copy starts: status IN_PROGRESS with `attempts` and `startedAt`, error cleared. Creates the record
   * from `size`/`etag` when none exists (S3 event jobs have no finder record); otherwise keeps the rest of it (an open
   * multipart upload, the version it belongs to). Replaces a read, an insert and an update per object.
   */
  markStarted(start: CopyStart): Promise<void>;
  /**
   * Applies `patch` only if the record exists and every field named in `expected` holds that value (undefined: has
   * none), atomically against any other writer of the record in any process. Returns whether it applied.
   */
  updateIf(key: string, expected: RecordExpectation, patch: Partial<Omit<ObjectRecord, 'key'>>): Promise<boolean>;
  /** Records a finished part of an open multipart upload (recordPart without its answer). */
  addPart(key: string, uploadId: string, part: RecordedPart): Promise<void>;
  /**
   * Records a finished part (a part recorded again replaces the earlier entry: a retried upload) and counts it among
   * the upload's distinct parts exactly once. The fan-out of giant objects reads the tally to find the last part.
   */
  recordPart(key: string, uploadId: string, part: RecordedPart): Promise<PartTally>;
  getPart(key: string, uploadId: string, partNumber: number): Promise<RecordedPart | undefined>;
  listParts(key: string, uploadId: string): Promise<RecordedPart[]>;
  /**
   * Claims the completion of an upload whose parts are all recorded: true for the first claimant, and again for the
   * same claimant (its queue message redelivered after its worker died); false for anyone else, and once the upload's
   * parts are cleared.
   */
  claimCompletion(key: string, uploadId: string, claimant: string): Promise<boolean>;
  /** Forgets an upload's parts, tally and completion claim. */
  clearParts(key: string, uploadId: string): Promise<void>;
  /** The task's counts, read from counters kept by every write (constant time: never a scan of the records). */
  summary(): Promise<StatusSummary>;
  list(options: { status?: ObjectStatus; limit: number; after?: string }): Promise<ObjectRecord[]>;
}
