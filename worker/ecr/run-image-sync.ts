import { InvalidParameterError, VerificationError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { withRetry } from '../core/retry.js';
import type { EcrApi, RegistryCatalog } from '../ports/ecr-api.js';
import type { SecretStore } from '../ports/secret-store.js';
import type { StatusStore, StatusSummary } from '../ports/status-store.js';
import { Batcher } from './batcher.js';
import { ImageListError, ImageNotFoundError, isRetryable, ManifestRefusedError } from './errors.js';
import {
  destinationParent,
  destinationRepository,
  imageKey,
  imageReference,
  manifestReference,
  ownCopyRepository,
} from './image-names.js';
import type { EcrTaskParams, ImageRef } from './params.js';
import { RegistryHttpError } from './errors.js';
import type { Platform, RegistryClient } from './registry-client.js';
import { resolveRegistries, type RegistrySide } from './registries.js';
import { RunTally } from './run-tally.js';
import { Skopeo, SkopeoError, type PlatformChoice } from './skopeo.js';

export { destinationParent, destinationRepository, imageReference, manifestReference } from './image-names.js';

export interface ImageSyncProgress extends StatusSummary {
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

export interface ImageSyncOptions {
  params: EcrTaskParams;
  status: StatusStore;
  secrets: SecretStore;
  logger: Logger;
  signal?: AbortSignal;
  onProgress?: (p: ImageSyncProgress) => void;
  /** The ECR API (the entry point composes the AWS adapter); needed when a side is Amazon ECR. */
  ecr?: EcrApi;
  skopeo?: Skopeo;
  /** Source catalog for ALL / ALL_TAGS (default: the ECR API for Amazon_ECR, the registry's v2 API otherwise). */
  catalog?: RegistryCatalog;
  /** The platform copied when includeUntagged is false (default: linux on this machine's architecture). */
  platform?: Platform;
}

/** One image the list expansion produced, or the entry that could not be expanded (with its error). */
export interface ListedImage {
  ref: ImageRef;
  error?: Error;
}

/** linux/<this machine's architecture>, in the OCI names (what skopeo copies without --all). */
export function runtimePlatform(arch: string = process.arch): Platform {
  const names: Record<string, Platform> = {
    x64: { os: 'linux', architecture: 'amd64' },
    arm64: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    arm: { os: 'linux', architecture: 'arm', variant: 'v7' },
    ia32: { os: 'linux', architecture: '386' },
    ppc64: { os: 'linux', architecture: 'ppc64le' },
    s390x: { os: 'linux', architecture: 's390x' },
  };
  return names[arch] ?? { os: 'linux', architecture: arch };
}

/** `linux/amd64`, `linux/arm64/v8` → a Platform; the error names the variable that held it. */
export function parsePlatform(text: string, field: string): Platform {
  const [os, architecture, variant, extra] = text.trim().split('/');
  if (!os || !architecture || extra !== undefined)
    throw new InvalidParameterError(field, `"${text}" is not os/architecture[/variant], e.g. linux/amd64`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

/**
 * The images a task names: the list as given, ALL_TAGS expanded, or every repository and tag for ALL. A repository
 * whose tags cannot be listed (it does not exist, or the registry refuses) comes out as one entry with its error, so
 * the rest of the list still runs.
 */
export async function* expandImages(
  params: EcrTaskParams,
  catalogFor: (ref?: ImageRef) => RegistryCatalog,
  logger?: Logger,
  /** ALL: repositories that hold the task's own copies (ownCopyRepository), left out. */
  isOwnCopy?: (repository: string) => boolean,
): AsyncGenerator<ListedImage> {
  const expand = async function* (ref: ImageRef): AsyncGenerator<ListedImage> {
    let tags: string[];
    try {
      tags = await catalogFor(ref).tags(ref.repository);
    } catch (err) {
      yield {
        ref: { ...ref, tag: 'ALL_TAGS' },
        error: new ImageListError(
          ref.registry ?? params.srcRegistry ?? 'ECR',
          ref.repository,
          err instanceof Error ? err.message : String(err),
        ),
      };
      return;
    }
    if (tags.length === 0) logger?.warn('image.no_tags', { repository: ref.repository });
    for (const tag of tags) yield { ref: { ...ref, tag } };
  };
  if (params.srcList === 'ALL') {
    for await (const repository of catalogFor().repositories()) {
      if (isOwnCopy?.(repository)) {
        logger?.info('image.own_copy_left_out', { repository, destPrefix: params.destPrefix });
        continue;
      }
      yield* expand({ repository, tag: 'ALL_TAGS' });
    }
    return;
  }
  for (const ref of params.srcImageList) {
    if (ref.tag !== 'ALL_TAGS') yield { ref };
    else yield* expand(ref);
  }
}

/**
 * Manifest digests over the registry API, so an unchanged image starts no process. Where the API read fails for
 * a reason other than "absent" or a refused login (an auth scheme we do not speak, an odd registry), skopeo inspect
 * reads it instead; logged once per registry. After a refused login no process is started: it would be refused too.
 */
function manifestDigestReader(skopeo: Skopeo, logger: Logger, signal?: AbortSignal) {
  const warned = new Set<string>();
  return async (
    client: RegistryClient,
    repository: string,
    tag: string,
    platform?: Platform,
  ): Promise<string | undefined> => {
    try {
      return await client.manifestDigest(repository, manifestReference(tag), signal, platform);
    } catch (err) {
      if (signal?.aborted || (err instanceof RegistryHttpError && (err.authFailed || err.status === 404)) || platform)
        throw err;
      if (!warned.has(client.registry)) {
        warned.add(client.registry);
        logger.warn('image.digest_fallback', {
          registry: client.registry,
          reason: err instanceof Error ? err.message : String(err),
        });
      }
      return skopeo.digest(client.endpoint, imageReference(repository, tag), signal);
    }
  };
}

/** Parallel skopeo sync processes: a few amortise start-up (~0.15 CPU-s each) and still overlap network waits. */
export function batchSlots(params: Pick<EcrTaskParams, 'concurrency'>): number {
  return Math.min(params.concurrency, 4);
}
/** Images per process while the listing goes on: bounds the wait before copies start and what a failed process sends back to one-by-one copies. */
const MAX_BATCH = 25;

interface ImageJob {
  ref: ImageRef;
  key: string;
  src: RegistrySide;
  srcRef: string;
  destRepository: string;
  destRef: string;
  /** Every platform (includeUntagged, and always for an image addressed by digest), or this machine's. */
  platform: PlatformChoice;
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
  const skopeo = o.skopeo ?? new Skopeo();
  const registries = await resolveRegistries(params, { secrets: o.secrets, ecr: o.ecr, logger, catalog: o.catalog });
  await registries.checkLogins(signal);
  const destApi = registries.dest.client;
  const digest = manifestDigestReader(skopeo, logger, signal);
  const machine = o.platform ?? runtimePlatform();
  const tally = new RunTally();

  const report = () => {
    if (!o.onProgress) return;
    const s = tally.summary();
    const seconds = (Date.now() - started) / 1000;
    const bytesPerSecond = seconds > 0 ? s.bytesDone / seconds : 0;
    const left = s.bytesTotal - s.bytesDone;
    o.onProgress({
      ...s,
      bytesPerSecond,
      etaSeconds: bytesPerSecond > 0 && left > 0 ? left / bytesPerSecond : undefined,
    });
  };
  const retry = <T>(fn: () => Promise<T>) =>
    withRetry(fn, { attempts: params.maxAttempts, signal, baseMs: 500, isRetryable });

  /** Both digests at once, over HTTP: an unchanged image costs two requests and no process. */
  const readDigests = async (
    job: Omit<ImageJob, 'srcDigest' | 'attempts'>,
  ): Promise<{ srcDigest: string; destDigest?: string }> => {
    await registries.renewExpiringLogins();
    const platform = job.platform.all ? undefined : job.platform;
    const [srcDigest, destDigest] = await Promise.all([
      digest(job.src.client, job.ref.repository, job.ref.tag, platform),
      digest(destApi, job.destRepository, job.ref.tag),
    ]);
    if (!srcDigest) throw new ImageNotFoundError(job.src.endpoint.registry, job.srcRef);
    return { srcDigest, destDigest };
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
    logger.info(state === 'DONE' ? 'image.copied' : 'image.unchanged', {
      image: job.key,
      dest: job.destRef,
      digest: imageDigest,
      ...(state === 'DONE' ? { bytes: size } : {}),
    });
    report();
  };

  const failed = async (key: string, err: unknown, attempts: number) => {
    const message = err instanceof Error ? err.message : String(err);
    logger.error('image.failed', { image: key, error: message });
    await status.update(key, { status: 'FAILED', error: message, finishedAt: new Date().toISOString(), attempts });
    tally.set(key, 'FAILED', message);
    report();
  };

  /** One image alone, with retries: digests again, then one skopeo copy whose written digest must be the source's. */
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
          .copy(job.src.endpoint, job.srcRef, registries.dest.endpoint, job.destRef, job.platform, signal)
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
          reference: manifestReference(j.ref.tag),
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
        const written = await digest(destApi, job.destRepository, job.ref.tag).catch(() => undefined);
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

  const syncOne = async ({ ref, error }: ListedImage) => {
    const key = imageKey(ref);
    tally.set(key, 'IN_PROGRESS');
    await status.put({ key, size: 0, status: 'IN_PROGRESS', attempts: 0, startedAt: new Date().toISOString() });
    if (error) {
      await failed(key, error, 0);
      return;
    }
    const destRepository = destinationRepository(params, ref);
    // An image addressed by digest must arrive as that digest: always whole (its index and every platform).
    const platform: PlatformChoice =
      params.includeUntagged || manifestReference(ref.tag) !== ref.tag ? { all: true } : { all: false, ...machine };
    const job = {
      ref,
      key,
      src: registries.sourceFor(ref),
      srcRef: imageReference(ref.repository, ref.tag),
      destRepository,
      destRef: imageReference(destRepository, ref.tag),
      platform,
    };
    let attempts = 0;
    try {
      const { srcDigest, destDigest } = await retry(() => {
        attempts++;
        return readDigests(job);
      });
      if (destDigest === srcDigest) {
        await finished({ ...job, srcDigest, attempts }, 'SKIPPED', srcDigest, attempts);
        return;
      }
      // The bytes the copy moves, as the source's manifests state them (progress and the status record).
      const size = await job.src.client
        .imageSize(ref.repository, manifestReference(ref.tag), signal, platform.all ? undefined : platform)
        .catch(() => undefined);
      if (size !== undefined) tally.size(key, size);
      await registries.ensureDestRepository(destRepository);
      report();
      await batcher.add({ ...job, srcDigest, size, attempts });
    } catch (err) {
      await failed(key, err, attempts);
    }
  };

  // Bounded pool over a lazily expanded list: no unbounded array of promises.
  const inFlight = new Set<Promise<void>>();
  const seen = new Set<string>();
  const isOwnCopy = ownCopyRepository(params, registries.source.endpoint.registry, registries.dest.endpoint.registry);
  for await (const listed of expandImages(params, registries.catalogFor, logger, isOwnCopy)) {
    if (signal?.aborted) break;
    // Named twice (e.g. app:v1 and app:ALL_TAGS): copied once.
    if (seen.has(imageKey(listed.ref))) continue;
    seen.add(imageKey(listed.ref));
    const p = syncOne(listed).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= params.concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await batcher.finish();
  report();
  const summary = tally.summary();
  return {
    ...summary,
    failures: tally.failures,
    durationMs: Date.now() - started,
    complete: !signal?.aborted && summary.failed === 0 && summary.done + summary.skipped === summary.total,
  };
}
