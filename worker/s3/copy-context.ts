/**
 * What a copy of one object works with (the two stores, the task's parameters, the status store) and what it returns;
 * and when the destination's ETags are MD5s of what was sent, which every way of copying asks before comparing them.
 */
import type { ObjectStore, WriteResult } from '../ports/object-store.js';
import type { RecordedPart, StatusStore } from '../ports/status-store.js';
import { isKmsEncryption } from './etags.js';
import type { S3TaskParams } from './params.js';
import type { SendContext } from './send-body.js';

export interface CopyContext extends SendContext {
  dest: ObjectStore;
  params: S3TaskParams;
  status: StatusStore;
  signal?: AbortSignal;
}

export interface CopyResult {
  method: 'put' | 'multipart' | 'server-side';
  bytes: number;
  /** What was verified, e.g. "md5:…" (single part) or "md5-parts:…-N" (multipart). */
  checksum: string;
  /** Source ETag of the version copied. */
  sourceEtag?: string;
  /** The destination's ETag as the write answered (recorded, so a later pass can tell the copy was changed since). */
  destEtag?: string;
  /** Parts uploaded by this attempt (resumed parts are not counted). */
  partsUploaded: number;
  /** Verified by ETags alone (single request each way); otherwise HEADs of both sides confirm the result. */
  proven?: boolean;
  /**
   * Not `proven`, but the destination is: the write's answer shows it holds exactly the bytes sent (a multipart
   * completion whose ETag is the MD5 of the parts, each part's MD5 checked). Only the source's HEAD confirms the result.
   */
  destinationProven?: boolean;
}

/**
 * A destination ETag is comparable to an MD5 only without SSE-KMS (KMS ETags are not content hashes): asked for by
 * the task (destPutObjectSSEType=AWS_KMS), or applied by the bucket's default encryption, which the answer says.
 */
export function destEtagIsMd5(ctx: CopyContext, written?: WriteResult): boolean {
  return ctx.params.sse?.type !== 'aws:kms' && !isKmsEncryption(written?.serverSideEncryption);
}

/**
 * A multipart upload's ETags (its parts', its completion's) are MD5s of what was sent: no SSE-KMS asked for, none
 * shown by the completion's answer (a bucket default), none by a part's answer (`kmsParts`).
 */
export function partEtagsAreMd5s(ctx: CopyContext, completed: WriteResult, kmsParts: boolean): boolean {
  return !kmsParts && destEtagIsMd5(ctx, completed);
}

/**
 * Before a completion (no answer of it yet): the recorded parts' ETags are MD5s of what was sent only when no SSE-KMS
 * is asked for and every part's own answer is known to have shown none — a part recorded before that was kept is
 * not known, so the parts are not compared (comparing KMS ETags would refuse every good copy).
 */
export function recordedPartsAreMd5s(ctx: CopyContext, parts: readonly RecordedPart[]): boolean {
  return destEtagIsMd5(ctx) && parts.every((p) => p.kms === false);
}

/** A recorded part's answer showed SSE-KMS: its ETag, and the completion's, are no MD5s whatever the completion says. */
export function someRecordedPartKms(parts: readonly RecordedPart[]): boolean {
  return parts.some((p) => p.kms === true);
}
