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
  verified?: boolean;
  bytesDone?: number;
  startedAt?: string;
  finishedAt?: string;
  /** Open multipart upload, so a restarted worker resumes instead of re-sending finished parts. */
  uploadId?: string;
  partSize?: number;
}

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

/**
 * The one completeness rule, read from a task's counts: every object (or image) is DONE and verified, or SKIPPED;
 * nothing failed, pending or in progress. Engines report it; the control plane's lifecycle (control-plane/core/
 * lifecycle.ts) turns it into DONE. It sits with the counts it reads so that both layers share it.
 */
export function isComplete(s: StatusSummary): boolean {
  return s.failed === 0 && s.pending === 0 && s.inProgress === 0 && s.done + s.skipped === s.total && s.verified >= s.done;
}

/** What StatusStore.markStarted records as a copy starts (size and etag only for a record it creates). */
export interface CopyStart {
  key: string;
  size: number;
  etag?: string;
  attempts: number;
  startedAt: string;
}

/** Per-task object status: DynamoDB in the cloud, SQLite locally. One instance is scoped to one task. */
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
  /** Records a finished part of an open multipart upload. */
  addPart(key: string, uploadId: string, part: UploadedPart): Promise<void>;
  listParts(key: string, uploadId: string): Promise<UploadedPart[]>;
  clearParts(key: string, uploadId: string): Promise<void>;
  summary(): Promise<StatusSummary>;
  list(options: { status?: ObjectStatus; limit: number; after?: string }): Promise<ObjectRecord[]>;
}
