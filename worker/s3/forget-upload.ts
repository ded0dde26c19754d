import { LOG_EVENTS, logContractEvent } from '../core/events.js';
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
