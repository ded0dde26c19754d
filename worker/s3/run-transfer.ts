import type { Logger } from '../core/log.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { BucketPair, ObjectSummary } from '../ports/object-store.js';
import { isComplete, type StatusStore, type StatusSummary } from '../ports/status-store.js';
import { BytesInFlight } from './bytes-in-flight.js';
import { checkBucketAccess } from './check-bucket-access.js';
import { copyRequests } from './copy-route.js';
import { noneFound, runFinder, type FinderReport } from './finder.js';
import { FinderNews } from './finder-news.js';
import { runWorker, type WorkerReport } from './job-worker.js';
import type { S3TaskParams } from './params.js';
import { settleInterrupted } from './settle-interrupted.js';
import type { TransferJob } from './transfer-job.js';
import { type SelectionSlip, selectionNarrowed, selectionSlips } from './nothing-selected.js';

export interface TransferProgress extends StatusSummary {
  /** 'stopped': the run was stopped (signal) before it finished; its counts are where it stopped. */
  phase: 'finding' | 'copying' | 'done' | 'stopped';
  elapsedMs: number;
  bytesPerSecond: number;
  /** Seconds left at the current rate; undefined until there is a rate. */
  etaSeconds?: number;
  /**
   * What this pass's workers have copied (objects, bytes) and failed so far: they only grow, re-copies included,
   * whereas the status counts above fall while a changed object waits to be copied again.
   */
  pass: WorkerReport;
}

export interface TransferReport extends StatusSummary {
  finder: FinderReport;
  /** What this run queued: the finder's differences and records of earlier runs it had to copy again. */
  queued: { objects: number; bytes: number };
  /** What this run's workers copied and verified (the status counts above include earlier runs). */
  copied: { objects: number; bytes: number };
  durationMs: number;
  /** True when every queued object is DONE and verified (nothing failed, pending or in progress). */
  complete: boolean;
}

export interface TransferOptions {
  params: S3TaskParams;
  queue: JobQueue<TransferJob>;
  status: StatusStore;
  logger: Logger;
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
  progressIntervalMs?: number;
  /** The task's source and destination, opened by the caller (tests wrap them to count or inject faults). */
  buckets: BucketPair;
  /** Prefixes from the entry point (the CLI's local list file) instead of srcPrefix / srcPrefixsListFile. */
  prefixes?: () => AsyncIterable<string>;
}

/** Keep-alive sockets per bucket for a copy run: twice its copy concurrency. Entry points open the buckets with it. */
export function transferSockets(params: Pick<S3TaskParams, 'workerConcurrency'>): number {
  return params.workerConcurrency * 2;
}

/** Progress from the status store's summary plus the bytes still streaming (not yet recorded), capped at the total. */
function progressOf(
  recorded: StatusSummary,
  streaming: number,
  phase: TransferProgress['phase'],
  startedAt: number,
  startBytes: number,
  pass: WorkerReport,
): TransferProgress {
  const summary = { ...recorded, bytesDone: Math.min(recorded.bytesTotal, recorded.bytesDone + streaming) };
  const elapsedMs = Date.now() - startedAt;
  // Not below 0: objects copied again smaller lower bytesDone (a rate of -150 KB/s was shown).
  const bytesPerSecond = elapsedMs > 0 ? Math.max(0, ((summary.bytesDone - startBytes) * 1000) / elapsedMs) : 0;
  const left = summary.bytesTotal - summary.bytesDone;
  return {
    ...summary,
    phase,
    elapsedMs,
    bytesPerSecond,
    etaSeconds: bytesPerSecond > 0 ? Math.ceil(left / bytesPerSecond) : undefined,
    pass: { ...pass },
  };
}

/**
 * checkBucketAccess, unless a stop cuts it short (a store that accepts the connection and never answers): false then,
 * and the pass ends before it began. Before, a stop waited for the request's timeouts, minutes.
 */
async function accessCheckedUnlessStopped(
  options: Pick<TransferOptions, 'buckets' | 'params' | 'logger' | 'signal'>,
): Promise<boolean> {
  try {
    await checkBucketAccess(options.buckets, options.params, options.logger, options.signal);
    return true;
  } catch (err) {
    if (options.signal?.aborted) return false;
    throw err;
  }
}

/** One full pass: check access, find what differs, copy it all, report. The same function runs locally and in the hub. */
export async function runS3Transfer(options: TransferOptions): Promise<TransferReport> {
  const { params, queue, status, logger, signal } = options;
  const startedAt = Date.now();
  const { source, dest } = options.buckets;
  if (!(await accessCheckedUnlessStopped(options)))
    return {
      ...(await status.summary()),
      finder: noneFound(),
      queued: { objects: 0, bytes: 0 },
      copied: { objects: 0, bytes: 0 },
      durationMs: Date.now() - startedAt,
      complete: false,
    };
  const startBytes = (await status.summary()).bytesDone;
  let phase: TransferProgress['phase'] = 'finding';
  const bytesInFlight = new BytesInFlight();
  const tally: WorkerReport = { copied: 0, failed: 0, bytes: 0 };
  const report = async () =>
    options.onProgress?.(progressOf(await status.summary(), bytesInFlight.total, phase, startedAt, startBytes, tally));
  const ticker = options.onProgress
    ? setInterval(() => void report().catch(() => {}), options.progressIntervalMs ?? 1000)
    : undefined;
  // What the settle passes and the worker runs of this pass share.
  const parts = { params, source, dest, queue, status, logger, tally };
  try {
    const queued = { objects: 0, bytes: 0 };
    const requeued = (settled: { queued: number; queuedBytes: number }) => {
      queued.objects += settled.queued;
      queued.bytes += settled.queuedBytes;
      return settled;
    };
    // Records a killed run left IN_PROGRESS are settled first, before this run's workers start marking theirs.
    requeued(await settleInterrupted(parts));
    // Workers start on the first queued batch instead of waiting for the whole listing.
    const stopWorkers = new AbortController();
    const onAbort = () => stopWorkers.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const finderNews = new FinderNews();
    const workers = runWorker({
      ...parts,
      signal: stopWorkers.signal,
      exitWhenDrained: true,
      finder: finderNews,
      bytesInFlight,
    });
    let finder: FinderReport;
    /** The listing ran to its end: a stop that comes later (all copied, the summary being made) leaves the run whole. */
    let listedToTheEnd = false;
    try {
      finder = await runFinder({
        params,
        source,
        dest,
        prefixListBucket: options.buckets.prefixListBucket,
        prefixes: options.prefixes,
        queue,
        status,
        logger,
        signal,
        onQueued: () => finderNews.queued(),
      });
      listedToTheEnd = !signal?.aborted;
    } catch (err) {
      stopWorkers.abort(err);
      await workers.catch(() => {});
      throw err;
    } finally {
      finderNews.ended();
      phase = 'copying';
    }
    const copied = { objects: 0, bytes: 0 };
    const add = (r: WorkerReport) => {
      copied.objects += r.copied;
      copied.bytes += r.bytes;
    };
    add(await workers);
    queued.objects += finder.toTransfer;
    queued.bytes += finder.bytesToTransfer;
    // Leftovers of earlier runs the finder did not queue (their destination already matches, or the source is gone);
    // those whose match cannot be proven are queued and copied once more.
    if (!signal?.aborted) {
      const leftovers = await settleInterrupted({
        ...parts,
        statuses: ['PENDING', 'FAILED'],
      }).catch((err: unknown) => {
        // The records stay PENDING or FAILED, so the run reports itself incomplete; its summary still counts.
        logger.warn('transfer.settle_failed', { error: err });
        return undefined;
      });
      if (leftovers) requeued(leftovers);
      if (leftovers && leftovers.queued > 0)
        add(await runWorker({ ...parts, signal: stopWorkers.signal, exitWhenDrained: true, bytesInFlight }));
    }
    signal?.removeEventListener('abort', onAbort);
    // Complete: listed to the end and every record DONE (or skipped), whenever a stop came: a Ctrl-C after the last
    // copy, while the summary is made, stops nothing (before: such a run said complete: false, exit 1 in scripts).
    const summary = await status.summary();
    const complete = listedToTheEnd && isComplete(summary);
    phase = complete || !signal?.aborted ? 'done' : 'stopped';
    await report();
    return { ...summary, finder, queued, copied, durationMs: Date.now() - startedAt, complete };
  } finally {
    if (ticker) clearInterval(ticker);
  }
}

export interface TransferEstimate extends FinderReport {
  /** False when the signal stopped the listing early: the numbers cover the keys listed until then. */
  complete: boolean;
  /**
   * Request charges, per object as the copy will go (copy-route.ts): LIST pages on both sides, GET and HEAD, PUT
   * (single, CopyObject, or create + parts + complete).
   */
  requests: { list: number; get: number; put: number };
  estimatedRequestCostUsd: number;
  /** Internet/cross-region data transfer out of the source, at the first-tier price (none for server-side copies). */
  estimatedTransferCostUsd: number;
  /**
   * The task narrows its selection and, listed to the end, no source object matched it: with the likely slips (a
   * prefix written /dir/, include globs relative to the prefix), so the user mends it before creating the task.
   */
  nothingSelected?: { slips: SelectionSlip[] };
}

/** Prices used by the estimate (us-east-1 list prices; other regions differ by a few percent). */
export const PRICES = {
  putPer1000: 0.005,
  getPer1000: 0.0004,
  listPer1000: 0.005,
  transferOutPerGiB: 0.09,
};

/** Dry run: what a transfer would copy and roughly what it would cost, without writing anything. */
export async function estimateS3Transfer(
  options: Omit<TransferOptions, 'queue' | 'status'> & {
    /** The task's state, read only: the plan then compares as the run will (copies it verified, changes since). */
    status?: StatusStore;
    /** Each object the run would copy, as the finder finds it (the CLI's dry run names them, as rclone's does). */
    onPlanned?: (object: ObjectSummary) => void;
  },
): Promise<TransferEstimate> {
  const { params, logger, signal } = options;
  const { source, dest } = options.buckets;
  // Stopped during the check: the finder below ends at once, and the estimate says it is not complete.
  await accessCheckedUnlessStopped(options);
  const sameEndpoint = source.endpointIdentity === dest.endpointIdentity;
  const requests = { list: 0, get: 0, put: 0 };
  let bytesOut = 0;
  const finder = await runFinder({
    params,
    source,
    dest,
    prefixListBucket: options.buckets.prefixListBucket,
    prefixes: options.prefixes,
    status: options.status,
    logger,
    signal,
    dryRun: true,
    onCopy: (object) => {
      options.onPlanned?.(object);
      const copy = copyRequests(object, params, sameEndpoint);
      requests.get += copy.getOrHead;
      requests.put += copy.put;
      bytesOut += copy.bytesRead;
    },
    // A listing answers up to 1,000 keys a page, and at least one page; the destination's is taken as long.
    onListed: (keys, withDest) => {
      requests.list += Math.max(1, Math.ceil(keys / 1000)) * (withDest ? 2 : 1);
    },
  });
  const requestCost =
    (requests.put * PRICES.putPer1000 + requests.get * PRICES.getPer1000 + requests.list * PRICES.listPer1000) / 1000;
  const complete = !signal?.aborted;
  return {
    ...finder,
    complete,
    ...(complete && finder.scanned === 0 && selectionNarrowed(params)
      ? { nothingSelected: { slips: selectionSlips(params) } }
      : {}),
    requests,
    estimatedRequestCostUsd: Math.round(requestCost * 10000) / 10000,
    estimatedTransferCostUsd: Math.round((bytesOut / 1024 ** 3) * PRICES.transferOutPerGiB * 10000) / 10000,
  };
}
