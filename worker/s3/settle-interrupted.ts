import type { Logger } from '../core/log.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { StatusStore } from '../ports/status-store.js';
import { md5FromEtag } from './hashing-stream.js';
import type { S3TaskParams } from './params.js';
import { destinationKey } from './transfer-job.js';

const PAGE = 200;

/**
 * One-shot runs (CLI, hub), before this run's workers start: a record still IN_PROGRESS was left by a worker
 * that died mid-copy. The finder does not queue an object again when the destination already matches (the
 * copy finished, the DONE update did not), so such a record would stay IN_PROGRESS forever and the task could
 * never complete. Settle each one: DONE when the destination holds the source's version (same size and ETag, a
 * content hash on both sides); SKIPPED when the source is gone; otherwise PENDING (keeping its open multipart
 * upload), and the finder queues it again because the destination differs. Queuing it here as well would make
 * two workers upload the same parts.
 */
export async function settleInterrupted(options: {
  params: S3TaskParams;
  source: ObjectStore;
  dest: ObjectStore;
  status: StatusStore;
  logger: Logger;
  /**
   * Which records to settle (default IN_PROGRESS, before the workers start). After the queue drained, PENDING
   * and FAILED records that this run did not queue are stale too (a killed worker's retry, an earlier failure
   * whose destination is now right); only the finder's unqueued leftovers remain then, so the HEADs are few.
   */
  statuses?: readonly ('IN_PROGRESS' | 'PENDING' | 'FAILED')[];
}): Promise<{ done: number; pending: number; skipped: number }> {
  const { params, source, dest, status, logger } = options;
  const out = { done: 0, pending: 0, skipped: 0 };
  for (const stale of options.statuses ?? ['IN_PROGRESS']) {
    let after: string | undefined;
    for (;;) {
      const page = await status.list({ status: stale, limit: PAGE, after });
      if (page.length === 0) break;
      after = page[page.length - 1]!.key;
      for (const record of page) {
        const [src, dst] = await Promise.all([source.head(record.key), dest.head(destinationKey(params.destPrefix, record.key))]);
        if (!src) {
          await status.update(record.key, { status: 'SKIPPED', error: 'source object no longer exists', finishedAt: new Date().toISOString() });
          out.skipped++;
        } else if (dst && src.size === dst.size && src.etag !== undefined && src.etag === dst.etag && params.sse?.type !== 'aws:kms') {
          const md5 = md5FromEtag(src.etag);
          await status.update(record.key, {
            status: 'DONE', verified: true, checksum: md5 ? `md5:${md5}` : `etag:${src.etag.replace(/"/g, '')}`, etag: src.etag,
            size: src.size, bytesDone: src.size, uploadId: undefined, partSize: undefined, finishedAt: new Date().toISOString(), error: undefined,
          });
          out.done++;
        } else {
          // Differs: the finder queues it (again). A FAILED record keeps its error until a worker retries it.
          if (stale === 'IN_PROGRESS') await status.update(record.key, { status: 'PENDING' });
          out.pending++;
        }
      }
    }
  }
  if (out.done + out.pending + out.skipped > 0) logger.info('transfer.settled_interrupted', { ...out });
  return out;
}
