/**
 * A task that is stopped for good (the local hub's Stop/Delete: it never resumes) leaves no multipart upload open at
 * the destination: its parts would stay stored (and billed on AWS) with nothing left to complete or abort them. The
 * objects it was copying go back to PENDING. A run that will resume (a hub shutdown, the CLI's Ctrl-C) keeps its
 * uploads, so that it continues from its recorded parts.
 *
 * An abort the destination refuses (403, 405, 5xx) or does not answer is not counted: it is logged as
 * upload_not_aborted with the key and uploadId, and the record keeps the upload, so that the hub still knows of it.
 */
import { LOG_EVENTS, logContractEvent } from '../core/events.js';
import type { Logger } from '../core/log.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ObjectRecord, ObjectStatus, StatusStore } from '../ports/status-store.js';
import { forgetUpload } from './forget-upload.js';
import { destinationKey } from './transfer-job.js';

/**
 * States whose records may hold an open upload (DONE completed it; SKIPPED and DELETED never had one to keep).
 * IN_PROGRESS last: its records become PENDING, and the PENDING pass is over by then (none is tried twice).
 */
const UNFINISHED: ObjectStatus[] = ['PENDING', 'FAILED', 'IN_PROGRESS'];
const PAGE = 500;
const ABORT_CONCURRENCY = 16;

/** Aborts every upload the task's records hold open and puts IN_PROGRESS records back to PENDING; returns how many it aborted. */
export async function abortOpenUploads(o: {
  dest: ObjectStore;
  destPrefix: string;
  status: StatusStore;
  logger: Logger;
}): Promise<number> {
  let aborted = 0;
  for (const state of UNFINISHED) {
    const back = state === 'IN_PROGRESS' ? { status: 'PENDING' as const } : {};
    let after: string | undefined;
    for (;;) {
      const page = await o.status.list({ status: state, limit: PAGE, after });
      const settle = async (record: ObjectRecord) => {
        if (!record.uploadId) {
          if (state === 'IN_PROGRESS') await o.status.update(record.key, back);
          return;
        }
        const destKey = destinationKey(o.destPrefix, record.key);
        try {
          await forgetUpload(o, destKey, record.key, record.uploadId);
        } catch (error) {
          // Still open at the destination: the record keeps its uploadId (and parts), so the hub still knows of it.
          logContractEvent(o.logger, LOG_EVENTS.uploadNotAborted, {
            key: record.key,
            destKey,
            uploadId: record.uploadId,
            error,
          });
          if (state === 'IN_PROGRESS') await o.status.update(record.key, back);
          return;
        }
        await o.status.update(record.key, { ...back, uploadId: undefined });
        aborted++;
      };
      // A few at a time: a slow destination's aborts would otherwise add up past the stop's clean-up deadline.
      for (let i = 0; i < page.length; i += ABORT_CONCURRENCY)
        await Promise.all(page.slice(i, i + ABORT_CONCURRENCY).map(settle));
      if (page.length < PAGE) break;
      after = page.at(-1)?.key;
    }
  }
  if (aborted) logContractEvent(o.logger, LOG_EVENTS.uploadsAborted, { uploads: aborted });
  return aborted;
}
