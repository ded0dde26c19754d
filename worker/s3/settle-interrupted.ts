import type { Logger } from '../core/log.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { StatusStore } from '../ports/status-store.js';
import { md5FromEtag } from './hashing-stream.js';
import type { S3TaskParams } from './params.js';
import { destinationKey, type TransferJob } from './transfer-job.js';

const PAGE = 200;

/**
 * One-shot runs (CLI, hub): finder and worker of the task run in this process, so after the finder pass a record
 * still IN_PROGRESS was left by a worker that died mid-copy. The finder does not queue it again when the
 * destination already matches (the copy finished, the DONE update did not), so it would stay IN_PROGRESS forever
 * and the task could never complete. Settle each one: DONE when the destination now holds the source's version
 * (same size and ETag, a content hash on both sides), otherwise queue it again (a multipart upload resumes).
 */
export async function settleInterrupted(options: {
  params: S3TaskParams;
  source: ObjectStore;
  dest: ObjectStore;
  queue: JobQueue<TransferJob>;
  status: StatusStore;
  logger: Logger;
}): Promise<{ done: number; requeued: number }> {
  const { params, source, dest, queue, status, logger } = options;
  const out = { done: 0, requeued: 0 };
  let after: string | undefined;
  for (;;) {
    const page = await status.list({ status: 'IN_PROGRESS', limit: PAGE, after });
    if (page.length === 0) return out;
    after = page[page.length - 1]!.key;
    const again: TransferJob[] = [];
    for (const record of page) {
      const [src, dst] = await Promise.all([source.head(record.key), dest.head(destinationKey(params.destPrefix, record.key))]);
      const same = src && dst && src.size === dst.size && src.etag !== undefined && src.etag === dst.etag && params.destSSE !== 'aws:kms';
      if (same) {
        const md5 = md5FromEtag(src.etag);
        await status.update(record.key, {
          status: 'DONE', verified: true, checksum: md5 ? `md5:${md5}` : `etag:${src.etag!.replace(/"/g, '')}`, etag: src.etag,
          size: src.size, bytesDone: src.size, uploadId: undefined, partSize: undefined, finishedAt: new Date().toISOString(), error: undefined,
        });
        out.done++;
      } else {
        await status.update(record.key, { status: 'PENDING' });
        again.push({ key: record.key, size: src?.size ?? record.size, etag: src?.etag ?? record.etag, action: 'copy' });
      }
    }
    if (again.length) await queue.sendBatch(again);
    out.requeued += again.length;
    if (out.done + out.requeued > 0) logger.info('transfer.settled_interrupted', { ...out });
  }
}
