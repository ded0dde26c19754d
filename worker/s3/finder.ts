import { warnNothingSelected, warnPrefixIgnored } from './nothing-selected.js';
import { getHeapStatistics } from 'node:v8';
import { LOG_EVENTS, logContractEvent } from '../core/events.js';
import type { Logger } from '../core/log.js';
import type { JobQueue } from '../ports/job-queue.js';
import { forEachBounded } from '../core/bounded-pool.js';
import { compareKeys } from '../core/key-order.js';
import type { ObjectStore, ObjectSummary } from '../ports/object-store.js';
import type { ObjectRecord, StatusStore } from '../ports/status-store.js';
import { diffListings, transferReason } from './compare-listings.js';
import { copyRoute } from './copy-route.js';
import { sameEtag } from './etags.js';
import { forgetUploadOrWarn } from './forget-upload.js';
import { type SourceNotCopyableError, unreadableNow } from './source-readable.js';
import { createKeyFilter, ownCopies } from './key-filter.js';
import type { S3TaskParams } from './params.js';
import { distinctPrefixes, PREFIXES_SORTED_IN_MEMORY, sourcePrefixes } from './prefix-source.js';
import { outOfKeyOrder, type Partition, partitionsOf, partsAtOnce } from './listing-parts.js';
import { destinationKey, destinationPrefix, type TransferJob } from './transfer-job.js';

/** A finder report before anything was listed. */
export function noneFound(): FinderReport {
  return { scanned: 0, toTransfer: 0, bytesToTransfer: 0, skippedArchived: 0, unchanged: 0 };
}

export interface FinderReport {
  /** Source objects looked at (after include/exclude). */
  scanned: number;
  toTransfer: number;
  bytesToTransfer: number;
  /** Archived (Glacier/Deep Archive) objects left out because they are not restored. */
  skippedArchived: number;
  /** Scanned objects already the same at the destination, so not queued (none with srcSkipCompare). */
  unchanged: number;
}

const BATCH = 100;

/** Listings name the storage class; only archived objects need a HEAD to see whether they are restored. */
async function unreadable(source: ObjectStore, o: ObjectSummary): Promise<SourceNotCopyableError | undefined> {
  if (o.storageClass !== 'GLACIER' && o.storageClass !== 'DEEP_ARCHIVE') return undefined;
  return unreadableNow(o.key, await source.head(o.key));
}

/**
 * Records a job as PENDING. A record of the same source version keeps its open multipart upload when the copy will go
 * in parts again, so a worker that crashed or was stopped mid-upload resumes it. Any other upload is aborted here: a
 * new version (or one now copied in one request) starts from scratch, and the record that knew of the upload is
 * replaced — before, its parts stayed stored at the destination for good.
 */
async function markPending(
  o: FinderOptions & { status: StatusStore },
  job: TransferJob,
  listedMissing: boolean,
): Promise<boolean> {
  const { status, params } = o;
  const existing = await status.get(job.key);
  if (listedMissing && (await listedOutOfPlace(o, job, existing))) return false;
  if (existing?.uploadId) {
    const route = copyRoute(job, params, o.source.endpointIdentity === o.dest.endpointIdentity);
    if (existing.etag === job.etag && (route === 'parts' || route === 'source-parts')) {
      await status.update(job.key, { status: 'PENDING', size: job.size, error: undefined });
      return true;
    }
    await forgetUploadOrWarn(
      o,
      destinationKey(params.destPrefix, job.key),
      job.key,
      existing.uploadId,
      'the source object changed, or is now copied another way; its copy starts afresh',
    );
  }
  const record: ObjectRecord = { key: job.key, size: job.size, etag: job.etag, status: 'PENDING', attempts: 0 };
  await status.put(record);
  return true;
}

/**
 * The merge-join of the listings takes S3's key order (UTF-8 bytes) on both sides; a store listing in another order
 * (s3rver lists "p/x" before "p%x", "p-x" and "p") makes it pass a key the other side holds and call it missing. A
 * missing key this task's record shows copied (the current source version) is looked up at the destination — one
 * HEAD, for such keys only; the record is the one markPending reads anyway — instead of being copied again on every
 * pass. A copy deleted since is copied again.
 */
async function listedOutOfPlace(
  o: FinderOptions,
  job: TransferJob,
  record: ObjectRecord | undefined,
): Promise<boolean> {
  if (!(record?.status === 'DONE' && record.verified === true && sameEtag(record.etag, job.etag))) return false;
  const there = await o.dest.head(destinationKey(o.params.destPrefix, job.key));
  const compareEtags = destinationEtagsComparable(o.params);
  return there !== undefined && transferReason(job, there, { compareEtags }) === undefined;
}

/** Destination ETags are MD5s of the content unless the copies are written with SSE-KMS. */
export function destinationEtagsComparable(params: Pick<S3TaskParams, 'sse'>): boolean {
  return params.sse?.type !== 'aws:kms';
}

/** This task's record of a copied and verified current source version (same ETag), if it has one. */
async function recordOfCopy(status: StatusStore | undefined, object: ObjectSummary) {
  const record = await status?.get(object.key);
  return record?.status === 'DONE' && record.verified === true && sameEtag(record.etag, object.etag)
    ? record
    : undefined;
}

/**
 * The listing says the copy differs only by ETag or age: when this task's record shows the current source version
 * was copied and verified, and the destination still has the ETag that copy's write answered, the destination is
 * ours and nothing changed. ETags that are not MD5s of the content (an SSE-KMS source or destination by bucket
 * default, which a listing does not show) would otherwise make every pass copy everything again. A destination
 * object changed since (another ETag) is copied again. Records written before the destination ETag was kept are
 * trusted as before.
 */
async function copiedAlready(
  status: StatusStore | undefined,
  object: ObjectSummary,
  dest: ObjectSummary | undefined,
): Promise<boolean> {
  const record = await recordOfCopy(status, object);
  return record !== undefined && (record.destEtag === undefined || sameEtag(record.destEtag, dest?.etag));
}

/**
 * A pair the listing cannot tell apart (same size and age, a multipart ETag on one side) was written over at the
 * destination since this task copied it: the record of its copy holds another destination ETag than the listing shows.
 */
async function changedSinceCopied(
  status: StatusStore | undefined,
  object: ObjectSummary,
  dest: ObjectSummary | undefined,
): Promise<boolean> {
  const destEtag = dest && (await recordOfCopy(status, object))?.destEtag;
  return destEtag !== undefined && !sameEtag(destEtag, dest?.etag);
}

export interface FinderOptions {
  params: S3TaskParams;
  source: ObjectStore;
  dest: ObjectStore;
  /** The bucket named by srcPrefixListBucket, opened with this account's role (only when the task names one). */
  prefixListBucket?: ObjectStore;
  /**
   * Prefixes handed over by the entry point instead of srcPrefix / srcPrefixsListFile: the CLI's local list file
   * (`dth s3 sync --local-prefix-list`). No task parameter leads here, so the API can never make a server read a file.
   */
  prefixes?: () => AsyncIterable<string>;
  queue?: JobQueue<TransferJob>;
  status?: StatusStore;
  logger: Logger;
  signal?: AbortSignal;
  dryRun?: boolean;
  /** Called with each object the run would copy (a dry run's request count). */
  onCopy?: (object: ObjectSummary) => void;
  /**
   * Called when a listing of the source ends, with the keys it listed (filtered ones included): a dry run's LIST
   * requests. `withDest`: the destination was listed alongside (a part compared, not a folder level walked).
   */
  onListed?: (keys: number, withDest: boolean) => void;
  /** Called once each batch is on the queue (workers in this process need not poll for it). */
  onQueued?: () => void;
}

/** The source objects of one partition that pass include/exclude, counted as scanned. */
async function* scanned(
  options: FinderOptions,
  part: Partition,
  keep: (key: string, prefix: string) => boolean,
  report: FinderReport,
  halt: AbortSignal,
): AsyncGenerator<ObjectSummary> {
  const cut = part.after !== undefined || part.upTo !== undefined;
  let previous: string | undefined;
  let listed = 0;
  try {
    for await (const o of options.source.list(part.root, part.after, options.signal)) {
      listed++;
      // Stopping ends the source side, so the merge-join stops too, even where nothing differs.
      if (options.signal?.aborted || halt.aborted) return;
      // A part ends at the first key past its last folder: only a listing in key order (S3's UTF-8 byte order) holds
      // no key of the part after that one.
      if (cut && previous !== undefined && compareKeys(o.key, previous) <= 0) throw outOfKeyOrder(o.key, previous);
      previous = o.key;
      if (part.upTo !== undefined && compareKeys(o.key, part.upTo) > 0) return;
      if (!keep(o.key, part.root)) continue;
      report.scanned++;
      yield o;
    }
  } finally {
    options.onListed?.(listed, !options.params.skipCompare);
  }
}

/**
 * What to copy in one partition. srcSkipCompare=true is the original's direct send: every source object, without
 * listing the destination. Otherwise both sides are listed and merge-joined (transferReason).
 */
async function* toCopy(
  options: FinderOptions,
  part: Partition,
  keep: (key: string, prefix: string) => boolean,
  report: FinderReport,
  halt: AbortSignal,
): AsyncGenerator<{ object: ObjectSummary; reason: string }> {
  const { params } = options;
  const source = scanned(options, part, keep, report, halt);
  if (params.skipCompare) {
    for await (const object of source) yield { object, reason: 'skipCompare' };
    return;
  }
  const strip = params.destPrefix ? destinationPrefix(params.destPrefix, '') : '';
  const dest = options.dest.list(
    destinationPrefix(params.destPrefix, part.root),
    part.after === undefined ? undefined : destinationKey(params.destPrefix, part.after),
    options.signal,
  );
  const diff = diffListings(source, dest, {
    compareEtags: destinationEtagsComparable(params),
    destKeyToSourceKey: (k) => (k.startsWith(strip) ? k.slice(strip.length) : undefined),
    unproven: options.status !== undefined,
  });
  for await (const d of diff) {
    if (d.reason === 'unproven') {
      if (await changedSinceCopied(options.status, d.object, d.dest)) yield { object: d.object, reason: 'changed' };
      continue;
    }
    if ((d.reason === 'etag' || d.reason === 'newer') && (await copiedAlready(options.status, d.object, d.dest)))
      continue;
    yield d;
  }
}

/**
 * Lists the source under each prefix (and the destination, unless srcSkipCompare), and queues one job per object to
 * copy (recording it PENDING). With `dryRun` it only counts. Memory stays constant in the number of keys and prefixes.
 * finderNumber partitions are compared at once: the folders at finderDepth (partitionsOf), or the prefixes of the list.
 */
export async function runFinder(options: FinderOptions): Promise<FinderReport> {
  const { params, source, queue, status, logger, signal } = options;
  const filter = createKeyFilter(params.include, params.exclude);
  const copyOf = ownCopies(params.destPrefix, filter, options.source, options.dest);
  const keep = copyOf ? (key: string, prefix: string) => filter(key) && !copyOf(key, prefix) : filter;
  const report = noneFound();
  let batch: { object: ObjectSummary; job: TransferJob; reason: string }[] = [];
  // Unchanged = scanned, less those the comparison found to copy, plus those then found in place after all.
  let foundToCopy = 0;
  let foundInPlace = 0;
  // A dry run reads records only where there can be copies to find (a first pass has none): summary() is O(1).
  const mayHaveCopies = options.dryRun && status !== undefined && (await status.summary()).done > 0;
  /** Whether a found object is to be copied: recorded PENDING (a dry run only reads), unless in place after all. */
  const stillToCopy = async ({ job, reason }: (typeof batch)[number]): Promise<boolean> => {
    const listedMissing = reason === 'missing';
    if (!status) return true;
    if (!options.dryRun) return markPending({ ...options, status }, job, listedMissing);
    return !(mayHaveCopies && listedMissing && (await listedOutOfPlace(options, job, await status.get(job.key))));
  };
  const flush = async () => {
    const found = batch;
    batch = [];
    const copy = await Promise.all(found.map(stillToCopy));
    const jobs = found.filter((_, i) => copy[i]);
    foundInPlace += found.length - jobs.length;
    for (const { object, reason } of jobs) {
      report.toTransfer++;
      report.bytesToTransfer += object.size;
      options.onCopy?.(object);
      logger.debug('finder.queued', { key: object.key, reason });
    }
    if (jobs.length && !options.dryRun && queue) {
      await queue.sendBatch(jobs.map(({ job }) => job));
      options.onQueued?.();
    }
  };

  warnPrefixIgnored(params, logger);
  const prefixes = distinctPrefixes(
    options.prefixes?.() ??
      sourcePrefixes(params.srcPrefix, params.prefixList, { source, listBucket: options.prefixListBucket }),
    () =>
      logger.warn('finder.prefix_list_unsorted', {
        reason: `the prefix list has more than ${PREFIXES_SORTED_IN_MEMORY} lines and is not sorted: a prefix covered by one that is not just before it lists its keys twice (sort the list to avoid it)`,
      }),
  );
  async function* partitions(): AsyncGenerator<Partition> {
    for await (const prefix of prefixes) {
      for await (const part of partitionsOf(
        source,
        prefix,
        params.finderDepth,
        (entries) => options.onListed?.(entries, false),
        signal,
      )) {
        // Once stopped, no further part starts (each would list a page before it saw the stop).
        if (signal?.aborted) return;
        yield part;
      }
    }
  }
  const heapLimit = getHeapStatistics().heap_size_limit;
  const lanes = partsAtOnce(params.finderNumber, heapLimit);
  if (lanes < params.finderNumber)
    logger.warn('finder.number_capped', {
      finderNumber: params.finderNumber,
      partsAtOnce: lanes,
      reason: `${params.finderNumber} parts' listing pages would not fit the heap (${Math.round(heapLimit / 2 ** 20)} MiB); raise it with NODE_OPTIONS=--max-old-space-size to compare more at once`,
    });
  const compared = forEachBounded(partitions(), lanes, async (part, halt) => {
    for await (const { object, reason } of toCopy(options, part, keep, report, halt)) {
      if (signal?.aborted || halt.aborted) break;
      foundToCopy++;
      const notNow = await unreadable(source, object);
      if (notNow) {
        if (!notNow.gone) report.skippedArchived++;
        // Not silent: SKIPPED with its reason, so the summary and the console name it (a restore makes it copyable).
        logger.warn('finder.source_not_copyable', { key: object.key, reason: notNow.message });
        if (!options.dryRun)
          await status?.put({
            key: object.key,
            size: object.size,
            etag: object.etag,
            status: 'SKIPPED',
            attempts: 0,
            error: notNow.message,
            finishedAt: new Date().toISOString(),
          });
        continue;
      }
      const job: TransferJob = { key: object.key, size: object.size, etag: object.etag, action: 'copy' };
      batch.push({ object, job, reason });
      if (batch.length >= BATCH) await flush();
    }
  });
  try {
    await compared;
  } catch (err) {
    // A stop cuts the listing page being waited for (a store that never answers): the pass ends with what it found,
    // as a stop between two keys ends it.
    if (!signal?.aborted) throw err;
  }
  await flush();
  if (!signal?.aborted && report.scanned === 0) warnNothingSelected(params, logger);
  report.unchanged = Math.max(0, report.scanned - foundToCopy + foundInPlace);
  logContractEvent(logger, LOG_EVENTS.finderDone, { ...report });
  return report;
}
