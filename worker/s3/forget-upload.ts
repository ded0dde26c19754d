import type { ObjectStore } from '../ports/object-store.js';
import type { StatusStore } from '../ports/status-store.js';

/**
 * Aborts a multipart upload that no copy will complete and drops its recorded parts. Best effort at the destination
 * (some stores lack Abort; on AWS a lifecycle rule ends stale uploads): the parts it holds would stay stored, and
 * billed, with nothing left that knows of them. The caller removes the upload from the object's record.
 */
export async function forgetUpload(
  o: { dest: ObjectStore; status: StatusStore },
  destKey: string,
  key: string,
  uploadId: string,
): Promise<void> {
  await o.dest.abortMultipart(destKey, uploadId).catch(() => {});
  await o.status.clearParts(key, uploadId);
}
