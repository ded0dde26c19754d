import { LOG_EVENTS, logContractEvent } from '../core/events.js';
import type { Logger } from '../core/log.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { ObjectStore, ObjectSummary } from '../ports/object-store.js';
import type { ObjectRecord, StatusStore } from '../ports/status-store.js';
import { diffListings } from './compare-listings.js';
import { isReadable } from './copy-object.js';
import { createKeyFilter } from './key-filter.js';
import type { S3TaskParams } from './params.js';
import { sourcePrefixes } from './prefix-source.js';
import { destinationPrefix, type TransferJob } from './transfer-job.js';

export interface FinderReport {
  /** Source objects looked at (after include/exclude). */
  scanned: number;
  toTransfer: number;
  bytesToTransfer: number;
  /** Archived (Glacier/Deep Archive) objects left out because they are not restored. */
  skippedArchived: number;
}

const BATCH = 100;

/** Listings name the storage class; only archived objects need a HEAD to see whether they are restored. */
async function readable(source: ObjectStore, o: ObjectSummary): Promise<boolean> {
  if (o.storageClass !== 'GLACIER' && o.storageClass !== 'DEEP_ARCHIVE') return true;
  const head = await source.head(o.key);
  return head ? isReadable(head) : false;
}

/**
 * Records a job as PENDING. A record of the same source version keeps its open multipart upload,
 * so a worker that crashed mid-upload resumes it; a new version starts from scratch.
 */
async function markPending(status: StatusStore, job: TransferJob): Promise<void> {
  const existing = await status.get(job.key);
  if (existing && existing.etag === job.etag && existing.uploadId) {
    await status.update(job.key, { status: 'PENDING', size: job.size, error: undefined });
    return;
  }
  const record: ObjectRecord = { key: job.key, size: job.size, etag: job.etag, status: 'PENDING', attempts: 0 };
  await status.put(record);
}

/**
 * Lists source and destination under each prefix, merge-joins them, and queues one job per object that
 * differs (recording it PENDING). With `dryRun` it only counts. Memory stays constant in the number of keys.
 */
export async function runFinder(options: {
  params: S3TaskParams;
  source: ObjectStore;
  dest: ObjectStore;
  queue?: JobQueue<TransferJob>;
  status?: StatusStore;
  logger: Logger;
  signal?: AbortSignal;
  dryRun?: boolean;
}): Promise<FinderReport> {
  const { params, source, dest, queue, status, logger, signal } = options;
  const keep = createKeyFilter(params.include, params.exclude);
  const report: FinderReport = { scanned: 0, toTransfer: 0, bytesToTransfer: 0, skippedArchived: 0 };
  let batch: TransferJob[] = [];
  const flush = async () => {
    if (batch.length === 0 || options.dryRun) { batch = []; return; }
    const jobs = batch;
    batch = [];
    if (status) await Promise.all(jobs.map((j) => markPending(status, j)));
    await queue?.sendBatch(jobs);
  };
  const strip = params.destPrefix ? destinationPrefix(params.destPrefix, '') : '';

  for await (const prefix of sourcePrefixes(params.srcPrefix, params.prefixList, source)) {
    const filtered = (async function* () {
      for await (const o of source.list(prefix)) {
        // Stopping ends the source side, so the merge-join stops too, even where nothing differs.
        if (signal?.aborted) return;
        if (!keep(o.key)) continue;
        report.scanned++;
        yield o;
      }
    })();
    const destListing = dest.list(destinationPrefix(params.destPrefix, prefix));
    for await (const { object, reason } of diffListings(filtered, destListing, {
      skipCompare: params.skipCompare,
      destKeyToSourceKey: (k) => (k.startsWith(strip) ? k.slice(strip.length) : undefined),
    })) {
      if (signal?.aborted) break;
      if (!(await readable(source, object))) {
        report.skippedArchived++;
        continue;
      }
      report.toTransfer++;
      report.bytesToTransfer += object.size;
      batch.push({ key: object.key, size: object.size, etag: object.etag, action: 'copy' });
      if (batch.length >= BATCH) await flush();
      logger.debug('finder.queued', { key: object.key, reason });
    }
    if (signal?.aborted) break;
  }
  await flush();
  logContractEvent(logger, LOG_EVENTS.finderDone, { ...report });
  return report;
}
