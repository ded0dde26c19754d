import { LOG_EVENTS, logContractEvent } from '../core/events.js';
import { isRetryableError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { StatusStore } from '../ports/status-store.js';

/**
 * Aborts a multipart upload that no copy will complete and drops its recorded parts. Rejects, with the parts kept,
 * when the destination refused the abort or did not answer it (ObjectStore.abortMultipart): the upload is still open
 * there, its parts stored (and billed on AWS), so the caller must not forget it as if it were gone. The caller removes
 * the upload from the object's record once this resolves.
 */
export async function forgetUpload(
  o: { dest: ObjectStore; status: StatusStore },
  destKey: string,
  key: string,
  uploadId: string,
): Promise<void> {
  await o.dest.abortMultipart(destKey, uploadId);
  await o.status.clearParts(key, uploadId);
}

/**
 * forgetUpload for a caller that goes on without the upload whatever the destination answers: the object's record
 * gets a new upload, or is settled (copy proven in place, source gone), and has no room to keep the old one. A refused
 * abort is logged as upload_not_aborted with the key, destination key and uploadId (so that it can be aborted by hand;
 * on AWS a lifecycle rule that ends stale uploads also does), never counted as aborted; the parts' records go either
 * way, as the record moves on. `reason`: why the caller goes on, as the log line says it.
 */
export async function forgetUploadOrWarn(
  o: { dest: ObjectStore; status: StatusStore; logger: Logger },
  destKey: string,
  key: string,
  uploadId: string,
  reason: string,
): Promise<void> {
  try {
    await o.dest.abortMultipart(destKey, uploadId);
  } catch (error) {
    logContractEvent(o.logger, LOG_EVENTS.uploadNotAborted, { key, destKey, uploadId, error, reason });
  }
  await o.status.clearParts(key, uploadId);
}

/** Destinations that refused to list uploads for good (s3rver's 501, no s3:ListBucketMultipartUploads). */
const cannotListUploads = new WeakSet<ObjectStore>();

/**
 * Aborts every multipart upload open for `destKey`, which the caller knows no copy of this task holds (no record names
 * one), as the original's worker looked uploads up by key before each multipart copy: left by an attempt that died
 * before recording it, or by a run whose state is lost (another state file, another task id). A copy of the same key
 * another writer has under way meets NoSuchUpload and starts again. Returns false when the destination could not list
 * them (s3rver: 501; keys without s3:ListBucketMultipartUploads): said in the log, and the caller goes on.
 */
export async function abortUnrecordedUploads(
  o: { dest: ObjectStore; status: StatusStore; logger: Logger },
  destKey: string,
  key: string,
  reason: string,
): Promise<boolean> {
  if (cannotListUploads.has(o.dest)) return false;
  let uploads: { uploadId: string }[];
  try {
    uploads = await o.dest.listUploads(destKey);
  } catch (error) {
    // A refusal that will not change (no such operation, no permission) is said once and not asked again.
    const lasting = !isRetryableError(error);
    if (lasting) cannotListUploads.add(o.dest);
    o.logger.warn('transfer.upload_lookup_failed', { key, destKey, error, ...(lasting ? { askedAgain: false } : {}) });
    return false;
  }
  for (const u of uploads) await forgetUploadOrWarn(o, destKey, key, u.uploadId, reason);
  return true;
}
