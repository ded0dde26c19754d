import type { Logger } from '../core/log.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { ObjectHead, ObjectStore } from '../ports/object-store.js';
import type { ObjectRecord, StatusStore } from '../ports/status-store.js';
import { transferReason } from './compare-listings.js';
import { contentMd5, isKmsEncryption, sameEtag } from './etags.js';
import { destinationEtagsComparable } from './finder.js';
import { abortUnrecordedUploads, forgetUploadOrWarn } from './forget-upload.js';
import type { S3TaskParams } from './params.js';
import { destinationKey, type TransferJob } from './transfer-job.js';

const PAGE = 200;
/** Records settled at once: their HEADs overlap (a run whose objects all failed settles each of them). */
const SETTLE_CONCURRENCY = 16;

/** The destination holds the source's version: same size and ETag, both content hashes (no SSE-KMS on either side). */
function provenCopy(params: S3TaskParams, src: ObjectHead, dst: ObjectHead | undefined): boolean {
  return (
    dst !== undefined &&
    src.size === dst.size &&
    sameEtag(src.etag, dst.etag) &&
    destinationEtagsComparable(params) &&
    !isKmsEncryption(src.serverSideEncryption) &&
    !isKmsEncryption(dst.serverSideEncryption)
  );
}

/**
 * One-shot runs (CLI, hub), before this run's workers start: a record still IN_PROGRESS was left by a worker
 * that died mid-copy. The finder does not queue an object again when the destination already matches (the
 * copy finished, the DONE update did not), so such a record would stay IN_PROGRESS forever and the task could
 * never complete. Settle each one:
 *
 * | source | destination | → |
 * |---|---|---|
 * | gone | – | SKIPPED |
 * | present | same size and ETag, both content hashes | DONE, verified |
 * | present | differs by the finder's rule | PENDING: the finder queues it (queuing it here as well would make two workers upload the same parts) |
 * | present | matches by the finder's rule but cannot be proven (SSE-KMS or multipart ETags) | queued here (the finder would not), PENDING |
 *
 * An open multipart upload is kept on the record, so a queued copy resumes it; one that will not be completed (source
 * gone, copy proven) is aborted.
 */
export async function settleInterrupted(options: {
  params: S3TaskParams;
  source: ObjectStore;
  dest: ObjectStore;
  status: StatusStore;
  logger: Logger;
  /** Where unprovable copies are queued again; without it they stay as they are (counted `pending`). */
  queue?: JobQueue<TransferJob>;
  /**
   * Which records to settle (default IN_PROGRESS, before the workers start). After the queue drained, PENDING
   * and FAILED records are settled too: a killed worker's retry, an earlier failure whose destination is now right,
   * and this run's own failures whose copy landed all the same (a failure after the write, such as its record's).
   */
  statuses?: readonly ('IN_PROGRESS' | 'PENDING' | 'FAILED')[];
}): Promise<{ done: number; pending: number; skipped: number; queued: number; queuedBytes: number }> {
  const { params, source, dest, status, logger, queue } = options;
  const out = { done: 0, pending: 0, skipped: 0, queued: 0, queuedBytes: 0 };
  const requeue: TransferJob[] = [];
  for (const stale of options.statuses ?? ['IN_PROGRESS']) {
    let after: string | undefined;
    for (;;) {
      const page = await status.list({ status: stale, limit: PAGE, after });
      if (page.length === 0) break;
      after = page[page.length - 1].key;
      const settle = async (record: ObjectRecord) => {
        const destKey = destinationKey(params.destPrefix, record.key);
        const [src, dst] = await Promise.all([source.head(record.key), dest.head(destKey)]);
        const proven = src !== undefined && provenCopy(params, src, dst);
        if (stale === 'IN_PROGRESS' && !record.uploadId && src && src.size > params.multipartThreshold)
          // A worker killed between the destination's answer to CreateMultipartUpload and the record of its uploadId
          // (or whose create's answer was lost, and which created another) left that upload open and known to nobody.
          await abortUnrecordedUploads(
            { dest, status, logger },
            destKey,
            record.key,
            'begun by an attempt that died before recording it',
          );
        // Settled either way, an upload the record holds will not be completed: its source is gone, or its copy landed.
        if (record.uploadId && (!src || proven))
          await forgetUploadOrWarn(
            { dest, status, logger },
            destKey,
            record.key,
            record.uploadId,
            src ? 'the copy is in place' : 'the source object no longer exists',
          );
        if (!src) {
          await status.update(record.key, {
            status: 'SKIPPED',
            error: 'source object no longer exists',
            finishedAt: new Date().toISOString(),
            uploadId: undefined,
            partSize: undefined,
          });
          out.skipped++;
        } else if (proven) {
          const md5 = contentMd5(src);
          await status.update(record.key, {
            status: 'DONE',
            verified: true,
            checksum: md5 ? `md5:${md5}` : `etag:${(src.etag ?? '').replace(/"/g, '')}`,
            etag: src.etag,
            size: src.size,
            bytesDone: src.size,
            uploadId: undefined,
            partSize: undefined,
            finishedAt: new Date().toISOString(),
            error: undefined,
          });
          out.done++;
        } else if (
          queue &&
          !params.skipCompare &&
          transferReason(src, dst, { compareEtags: destinationEtagsComparable(params) }) === undefined
        ) {
          // The finder's rule says the destination matches, so it will not queue it; nothing proves it either.
          if (stale === 'IN_PROGRESS') await status.update(record.key, { status: 'PENDING' });
          requeue.push({ key: record.key, size: src.size, etag: src.etag, action: 'copy' });
          out.queued++;
          out.queuedBytes += src.size;
        } else {
          // Differs: the finder queues it (again). A FAILED record keeps its error until a worker retries it.
          if (stale === 'IN_PROGRESS') await status.update(record.key, { status: 'PENDING' });
          out.pending++;
        }
      };
      for (let i = 0; i < page.length; i += SETTLE_CONCURRENCY)
        await Promise.all(page.slice(i, i + SETTLE_CONCURRENCY).map(settle));
    }
  }
  if (queue) for (let i = 0; i < requeue.length; i += PAGE) await queue.sendBatch(requeue.slice(i, i + PAGE));
  if (out.done + out.pending + out.skipped + out.queued > 0) logger.info('transfer.settled_interrupted', { ...out });
  return out;
}
