/**
 * A task that is stopped for good (the local hub's Stop/Delete: it never resumes) leaves no multipart upload open at
 * the destination: its parts would stay stored (and billed on AWS) with nothing left to complete or abort them. The
 * objects it was copying go back to PENDING. A run that will resume (a hub shutdown, the CLI's Ctrl-C) keeps its
 * uploads, so that it continues from its recorded parts.
 */
import type { Logger } from '../core/log.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ObjectStatus, StatusStore } from '../ports/status-store.js';
import { forgetUpload } from './forget-upload.js';
import { destinationKey } from './transfer-job.js';

/** States whose records may hold an open upload (DONE completed it; SKIPPED and DELETED never had one to keep). */
const UNFINISHED: ObjectStatus[] = ['IN_PROGRESS', 'PENDING', 'FAILED'];
const PAGE = 500;

/** Aborts every upload the task's records hold open; returns how many. */
export async function abortOpenUploads(o: {
  dest: ObjectStore;
  destPrefix: string;
  status: StatusStore;
  logger: Logger;
}): Promise<number> {
  let aborted = 0;
  for (const state of UNFINISHED) {
    let after: string | undefined;
    for (;;) {
      const page = await o.status.list({ status: state, limit: PAGE, after });
      for (const record of page) {
        if (!record.uploadId) continue;
        try {
          await forgetUpload(o, destinationKey(o.destPrefix, record.key), record.key, record.uploadId);
          await o.status.update(record.key, {
            uploadId: undefined,
            status: state === 'IN_PROGRESS' ? 'PENDING' : state,
          });
          aborted++;
        } catch (err) {
          o.logger.warn('transfer.upload_not_aborted', { key: record.key, uploadId: record.uploadId, error: err });
        }
      }
      if (page.length < PAGE) break;
      after = page.at(-1)?.key;
    }
  }
  if (aborted) o.logger.info('transfer.uploads_aborted', { uploads: aborted });
  return aborted;
}
