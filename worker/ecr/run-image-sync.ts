import { VerificationError } from '../core/errors.js';
import { LOG_EVENTS, logContractEvent } from '../core/events.js';
import type { StatusStore, StatusSummary } from '../ports/status-store.js';
import { Batcher } from './batcher.js';
import { ManifestRefusedError } from './errors.js';
import { destinationParent, imageKey } from './image-names.js';
import { openImageSession, type ImageSessionOptions, type ImageTarget, type ListedImage } from './image-session.js';
import type { EcrTaskParams } from './params.js';
import { RunTally } from './run-tally.js';
import { settleUnlistedImages } from './unlisted-images.js';
import { SkopeoError } from './skopeo.js';

export { destinationParent, destinationRepository, imageReference } from './image-names.js';

export interface ImageSyncProgress extends StatusSummary {
  /** As dth s3 sync's progress says it: images are listed and copied in one pipeline, so no separate listing phase. */
  phase: 'copying' | 'done' | 'stopped';
  bytesPerSecond: number;
  etaSeconds?: number;
}

/** Counts of the images this run was asked for (not of everything the status store holds). */
export interface ImageSyncReport extends StatusSummary {
  complete: boolean;
  durationMs: number;
  /** This run's failures (the first 50): image key and error. */
  failures: { image: string; error: string }[];
}

export interface ImageSyncOptions extends ImageSessionOptions {
  status: StatusStore;
  onProgress?: (p: ImageSyncProgress) => void;
  /**
   * When this pass began, if before this run (a pass the hub resumed after dying under it): an image its record shows
   * copied since then is counted copied by this pass, not unchanged.
   */
  copiedSince?: Date;
  /**
   * The status store is the task's own, whose list never changes (the hub): after a whole listing, unresolved records of
   * images it no longer lists are settled (unlisted-images.ts). Not for a CLI state file, which may hold other lists.
   */
  settleUnlisted?: boolean;
}

/** Parallel skopeo sync processes: a few amortise start-up (~0.15 CPU-s each) and still overlap network waits. */
export function batchSlots(params: Pick<EcrTaskParams, 'concurrency'>): number {
  return Math.min(params.concurrency, 4);
}
/** Images per process while the listing goes on: bounds the wait before copies start and what a failed process sends back to one-by-one copies. */
const MAX_BATCH = 25;

/**
 * A stop kills the batch process, not what it already wrote: those images are still checked at the destination (one
 * manifest read each, this long at most, the run's own signal being aborted) so the stop counts them copied.
 */
const CHECK_AFTER_STOP_MS = 10_000;

interface ImageJob extends ImageTarget {
  srcDigest: string;
  size?: number;
  /** Attempts spent so far (digest reads, the batch). */
  attempts: number;
}

/**
 * Copies every image of the task with skopeo (digests kept), skipping images whose destination manifest digest
 * already equals the source's. Images to copy go in batches to a few parallel `skopeo sync` processes, then each is
 * verified over HTTP; one that did not arrive intact is copied again alone with `skopeo copy` (retried), so its
 * failure carries its own error. Per-image status throughout; the verdict and counts are this run's.
 */
export async function runImageSync(o: ImageSyncOptions): Promise<ImageSyncReport> {
  const { params, status, logger, signal } = o;
  const started = Date.now();
  const session = await openImageSession(o);
  const { registries, skopeo, digest, readDigests, retry } = session;
  const destApi = registries.dest.client;
  const tally = new RunTally();
  let phase: ImageSyncProgress['phase'] = 'copying';

  const report = () => {
    if (!o.onProgress) return;
    const s = tally.summary();
    const seconds = (Date.now() - started) / 1000;
    const bytesPerSecond = seconds > 0 ? s.bytesDone / seconds : 0;
    const left = s.bytesTotal - s.bytesDone;
    o.onProgress({
      ...s,
      phase,
      bytesPerSecond,
      etaSeconds: bytesPerSecond > 0 && left > 0 ? left / bytesPerSecond : undefined,
    });
  };
  const finished = async (job: ImageJob, state: 'DONE' | 'SKIPPED', imageDigest: string, attempts: number) => {
    const size = state === 'DONE' ? (job.size ?? 0) : 0;
    await status.update(job.key, {
      status: state,
      etag: imageDigest,
      checksum: imageDigest,
      verified: true,
      attempts,
      size,
      bytesDone: size,
      finishedAt: new Date().toISOString(),
      error: state === 'SKIPPED' ? 'unchanged: destination has the same digest' : undefined,
    });
    tally.set(job.key, state);
    if (state === 'DONE')
      logContractEvent(logger, LOG_EVENTS.imageCopied, {
        image: job.key,
        dest: job.destRef,
        digest: imageDigest,
        bytes: size,
      });
    else logger.info('image.unchanged', { image: job.key, dest: job.destRef, digest: imageDigest });
    report();
  };

  const failed = async (key: string, err: unknown, attempts: number) => {
    // Stopped (Ctrl-C, a stopped task): the image did not fail; it is left for the next run.
    if (signal?.aborted) {
      await status.update(key, { status: 'PENDING', error: undefined, attempts });
      tally.set(key, 'PENDING');
      report();
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    logContractEvent(logger, LOG_EVENTS.imageFailed, { image: key, error: message });
    await status.update(key, { status: 'FAILED', error: message, finishedAt: new Date().toISOString(), attempts });
    tally.set(key, 'FAILED', message);
    report();
  };

  /**
   * One image alone, with retries: digests again, then one skopeo copy whose written digest, read back from the
   * destination, must be the source's.
   */
  const copyAlone = async (job: ImageJob) => {
    let attempts = job.attempts;
    try {
      const copied = await retry(async () => {
        attempts++;
        const { srcDigest, destDigest } = await readDigests(job);
        // Already there: the batch wrote it after all (its verification read failed), or someone else did.
        if (destDigest === srcDigest) return srcDigest;
        await registries.ensureDestRepository(job.destRepository);
        // skopeo reports the digest of the manifest it wrote (the index, for a multi-arch image copied whole).
        const written = await skopeo
          .copy(job.src.endpoint, job.srcRef, registries.dest.endpoint, job.destRef, job.platform, job.size, signal)
          .catch((err: unknown) => {
            // skopeo's own words hide why: a tag the registry will not move reads as a manifest type it refused.
            if (err instanceof SkopeoError && err.isManifestRefused)
              throw new ManifestRefusedError(
                `${registries.dest.endpoint.registry}/${job.destRef}`,
                destDigest,
                err.message,
              );
            throw err;
          });
        if (written !== srcDigest)
          throw new VerificationError(
            job.destRef,
            `destination digest ${written} differs from the source ${srcDigest}`,
          );
        // skopeo's digest file names what it sent, not what the registry kept: read back. A registry (or a proxy
        // before it) that answers a manifest PUT without storing it, or stores other bytes, had the image DONE.
        const stored = await digest(destApi, job.destRepository, job.ref.tag);
        if (stored !== srcDigest)
          throw new VerificationError(
            job.destRef,
            stored
              ? `the destination registry holds digest ${stored} after the copy, the source ${srcDigest}`
              : `the destination registry does not hold the manifest skopeo wrote (${srcDigest})`,
          );
        return srcDigest;
      });
      await finished(job, 'DONE', copied, attempts);
    } catch (err) {
      await failed(job.key, err, attempts);
    }
  };

  /** One skopeo sync for images of one destination parent, then each verified against the source digest read before. */
  const copyBatch = async (_key: string, jobs: ImageJob[]) => {
    try {
      await registries.renewExpiringLogins();
      await skopeo.sync(
        jobs.map((j) => ({
          src: j.src.endpoint,
          repository: j.ref.repository,
          reference: j.ref.tag,
          bytes: j.size,
        })),
        registries.dest.endpoint,
        destinationParent(jobs[0].destRepository),
        jobs[0].platform,
        signal,
      );
    } catch (err) {
      // With --keep-going the others were still copied; verification tells which images need another go.
      logger.warn('image.batch_failed', {
        images: jobs.length,
        dest: `${registries.dest.endpoint.registry}/${destinationParent(jobs[0].destRepository)}`,
        error: err instanceof Error ? err.message : String(err),
      });
    }
    const again: ImageJob[] = [];
    await Promise.all(
      jobs.map(async (job) => {
        const written = await (signal?.aborted
          ? destApi.manifestDigest(job.destRepository, job.ref.tag, AbortSignal.timeout(CHECK_AFTER_STOP_MS))
          : digest(destApi, job.destRepository, job.ref.tag)
        ).catch(() => undefined);
        if (written === job.srcDigest) await finished(job, 'DONE', written, job.attempts);
        else again.push(job);
      }),
    );
    // One by one, so that a failure is attributed to its image with skopeo's own error.
    for (const job of again) await copyAlone(job);
  };

  const batcher = new Batcher<ImageJob>({
    slots: batchSlots(params),
    maxBatch: MAX_BATCH,
    run: copyBatch,
    pilot: true,
    // skopeo sync writes under one destination path, and copies every platform or one per process.
    key: (job) => `${destinationParent(job.destRepository)}\n${job.platform.all}`,
  });

  /** A record's time falls in this pass, which began before this run (the hub resumed it): see `copiedSince`. */
  const sinceThisPass = (at: string | undefined) =>
    o.copiedSince !== undefined && at !== undefined && Date.parse(at) >= o.copiedSince.getTime();

  const syncOne = async ({ ref, error }: ListedImage) => {
    const key = imageKey(ref);
    // This task's own earlier copy (a run the hub or a stop cut short): found unchanged, it stays a copy in the record.
    const before = await status.get(key);
    tally.set(key, 'IN_PROGRESS');
    await status.put({ key, size: 0, status: 'IN_PROGRESS', attempts: 0, startedAt: new Date().toISOString() });
    if (error) {
      await failed(key, error, 0);
      return;
    }
    const job = session.targetFor(ref);
    let attempts = 0;
    try {
      const { srcDigest, destDigest } = await retry(() => {
        attempts++;
        return readDigests(job);
      });
      if (destDigest === srcDigest) {
        if (before?.status === 'DONE' && before.checksum === srcDigest) {
          // Before, it became "SKIPPED: unchanged" with size 0: a resumed task under-counted what it had copied.
          await status.put(before);
          if (sinceThisPass(before.finishedAt)) {
            // Copied by this pass before the hub died under it: its totals agree with its records.
            tally.size(key, before.size);
            tally.set(key, 'DONE');
          } else {
            tally.set(key, 'SKIPPED');
            logger.info('image.unchanged', { image: key, dest: job.destRef, digest: srcDigest });
          }
          report();
          return;
        }
        if (before?.status === 'IN_PROGRESS' && sinceThisPass(before.startedAt)) {
          // This pass began it, and the hub died before its DONE was written: the copy there is this pass's.
          const size = await session.sizeOf(job);
          if (size !== undefined) tally.size(key, size);
          await finished({ ...job, srcDigest, size, attempts }, 'DONE', srcDigest, attempts);
          return;
        }
        await finished({ ...job, srcDigest, attempts }, 'SKIPPED', srcDigest, attempts);
        return;
      }
      // The bytes the copy moves, as the source's manifests state them (progress and the status record).
      const size = await session.sizeOf(job);
      if (size !== undefined) {
        tally.size(key, size);
        // In the record too: a run stopped before the copy still counts it among the bytes to copy (before: size 0,
        // and a stopped task with most images pending read 100 % by bytes).
        await status.update(key, { size });
      }
      await registries.ensureDestRepository(job.destRepository);
      report();
      await batcher.add({ ...job, srcDigest, size, attempts });
    } catch (err) {
      await failed(key, err, attempts);
    }
  };

  await session.forEachImage(syncOne);
  // Listed to the end (and, where asked, earlier images settled): a stop that comes after the last copy leaves the
  // run whole (before: complete: false, exit 1 in scripts, for a Ctrl-C while the summary was made).
  let whole = !signal?.aborted;
  await batcher.finish();
  if (o.settleUnlisted) {
    whole &&= !signal?.aborted;
    if (whole) await settleUnlistedImages(status, (key) => tally.has(key), logger);
  }
  const summary = tally.summary();
  const complete = whole && summary.failed === 0 && summary.done + summary.skipped === summary.total;
  phase = complete || !signal?.aborted ? 'done' : 'stopped';
  report();
  // A stop that was asked for is an outcome, not a warning: at info, a terminal shows the summary's words instead.
  if (signal?.aborted && !complete)
    logger.info('image.sync_stopped', { copied: summary.done, leftPending: summary.pending });
  return { ...summary, failures: tally.failures, durationMs: Date.now() - started, complete };
}
