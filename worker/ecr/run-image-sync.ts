import { InvalidParameterError, VerificationError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { withRetry } from '../core/retry.js';
import type { SecretStore } from '../ports/secret-store.js';
import type { StatusStore, StatusSummary } from '../ports/status-store.js';
import { Batcher } from './batcher.js';
import { RegistryV2Catalog, type RegistryCatalog } from './catalog.js';
import type { EcrTaskParams, ImageRef } from './params.js';
import { RegistryClient } from './registry-client.js';
import { loginFromSecret, type EcrTokenProvider } from './registry-credentials.js';
import { Skopeo, SkopeoError, type RegistryEndpoint } from './skopeo.js';

export interface ImageSyncProgress extends StatusSummary {
  bytesPerSecond: number;
}

export interface ImageSyncReport extends StatusSummary {
  complete: boolean;
  durationMs: number;
}

export interface ImageSyncOptions {
  params: EcrTaskParams;
  status: StatusStore;
  secrets: SecretStore;
  logger: Logger;
  signal?: AbortSignal;
  onProgress?: (p: ImageSyncProgress) => void;
  skopeo?: Skopeo;
  ecrTokens?: EcrTokenProvider;
  /** Source catalog for ALL / ALL_TAGS (default: ECR for Amazon_ECR, registry v2 API otherwise). */
  catalog?: RegistryCatalog;
}

/** The tag, or `sha256:<hex>` for an untagged image listed as tag `sha256-<hex>` (includeUntagged). */
export function manifestReference(tag: string): string {
  const untagged = /^sha256-([0-9a-f]{64})$/.exec(tag);
  return untagged ? `sha256:${untagged[1]}` : tag;
}

/** `repo:tag`, or `repo@sha256:<hex>` for an untagged image. */
export function imageReference(repository: string, tag: string): string {
  const reference = manifestReference(tag);
  return reference === tag ? `${repository}:${tag}` : `${repository}@${reference}`;
}

/** Where an image lands: destPrefix (if any), then the source repository path, same tag. */
export function destinationRepository(params: Pick<EcrTaskParams, 'destPrefix'>, repository: string): string {
  return params.destPrefix ? `${params.destPrefix}/${repository}` : repository;
}

/**
 * The ECR adapter (and its SDK, ~0.2 CPU-s to evaluate) is loaded only when a task touches ECR:
 * syncs between other registries never pay for it.
 */
const ecrAdapter = () => import('../adapters/ecr/ecr-registry.js');

const sdkEcrTokens: EcrTokenProvider = {
  login: async (region, accountId) => new (await ecrAdapter()).SdkEcrTokenProvider().login(region, accountId),
};

/** Both registries with their logins: a named secret, else an ECR token for ECR (the role's credentials), else anonymous. */
export async function registryEndpoints(params: EcrTaskParams, secrets: SecretStore, ecrTokens?: EcrTokenProvider): Promise<{ src: RegistryEndpoint; dest: RegistryEndpoint }> {
  const tokens = ecrTokens ?? sdkEcrTokens;
  const srcLogin = params.srcCredential
    ? await loginFromSecret(secrets, params.srcCredential, 'srcCredential')
    : params.sourceType === 'Amazon_ECR' && params.srcRegion ? await tokens.login(params.srcRegion, params.srcAccountId) : undefined;
  const destLogin = params.destCredential
    ? await loginFromSecret(secrets, params.destCredential, 'destCredential')
    : params.destAccountId && params.destRegion ? await tokens.login(params.destRegion, params.destAccountId) : undefined;
  // A blank account id means this account's ECR (the original's default); its host comes from the role at run time.
  const registry = (host: string | undefined, field: string) => {
    if (!host) throw new InvalidParameterError(field, 'is blank (this account): give the 12-digit account id — finding this account\'s registry is not supported yet');
    return host;
  };
  return {
    src: { registry: registry(params.srcRegistry, 'srcAccountId'), login: srcLogin, insecure: params.insecure },
    dest: { registry: registry(params.destRegistry, 'destAccountId'), login: destLogin, insecure: params.insecure },
  };
}

/** The images a task names: the list as given, ALL_TAGS expanded, or every repository and tag for ALL. */
export async function* expandImages(params: EcrTaskParams, catalog: RegistryCatalog): AsyncGenerator<ImageRef> {
  if (params.srcList === 'ALL') {
    for await (const repository of catalog.repositories()) {
      for (const tag of await catalog.tags(repository)) yield { repository, tag };
    }
    return;
  }
  for (const ref of params.srcImageList) {
    if (ref.tag !== 'ALL_TAGS') yield ref;
    else for (const tag of await catalog.tags(ref.repository)) yield { repository: ref.repository, tag };
  }
}

/**
 * Manifest digests over the registry API, so an unchanged image starts no process. Where the API read fails for
 * any reason but "absent" (an auth scheme we do not speak, an odd registry), skopeo inspect reads it instead;
 * logged once per registry.
 */
function manifestDigestReader(skopeo: Skopeo, logger: Logger, signal?: AbortSignal) {
  const warned = new Set<string>();
  return async (client: RegistryClient, repository: string, tag: string): Promise<string | undefined> => {
    try {
      return await client.manifestDigest(repository, manifestReference(tag), signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      if (!warned.has(client.registry)) {
        warned.add(client.registry);
        logger.warn('image.digest_fallback', { registry: client.registry, reason: err instanceof Error ? err.message : String(err) });
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

/** The path skopeo sync is given as destination for a repository: everything before its last element. */
export function destinationParent(destRepository: string): string {
  return destRepository.includes('/') ? destRepository.slice(0, destRepository.lastIndexOf('/')) : '';
}

interface ImageJob {
  ref: ImageRef;
  key: string;
  srcRef: string;
  destRepository: string;
  destRef: string;
  srcDigest: string;
  /** Attempts spent so far (digest reads, the batch). */
  attempts: number;
}

/**
 * Copies every image of the task with skopeo (all platforms, digests kept), skipping images whose destination
 * manifest digest already equals the source's. Images to copy go in batches to a few parallel `skopeo sync`
 * processes, then each is verified over HTTP; one that did not arrive intact is copied again alone with
 * `skopeo copy` (retried), so its failure carries its own error. Per-image status throughout.
 */
export async function runImageSync(o: ImageSyncOptions): Promise<ImageSyncReport> {
  const { params, status, logger, signal } = o;
  const started = Date.now();
  const skopeo = o.skopeo ?? new Skopeo();
  const { src, dest } = await registryEndpoints(params, o.secrets, o.ecrTokens);
  const srcApi = new RegistryClient(src);
  const destApi = new RegistryClient(dest);
  const digest = manifestDigestReader(skopeo, logger, signal);
  const catalog = o.catalog ?? (params.sourceType === 'Amazon_ECR' && !params.insecure
    ? (await ecrAdapter()).ecrCatalog(params.srcRegion, { registryId: params.srcAccountId, includeUntagged: params.includeUntagged })
    : new RegistryV2Catalog(src));
  const report = async () => o.onProgress?.({ ...(await status.summary()), bytesPerSecond: 0 });
  const retry = <T>(fn: () => Promise<T>) => withRetry(fn, {
    attempts: params.maxAttempts,
    signal,
    baseMs: 500,
    isRetryable: (err) => !(err instanceof SkopeoError && (err.isAuth || err.isNotFound)) && !/does not exist/.test(String(err)),
  });

  /** Both digests at once, over HTTP: an unchanged image costs two requests and no process. */
  const readDigests = async (job: Omit<ImageJob, 'srcDigest' | 'attempts'>): Promise<{ srcDigest: string; destDigest?: string }> => {
    const [srcDigest, destDigest] = await Promise.all([digest(srcApi, job.ref.repository, job.ref.tag), digest(destApi, job.destRepository, job.ref.tag)]);
    if (!srcDigest) throw new Error(`source image ${params.srcRegistry}/${job.srcRef} does not exist`);
    return { srcDigest, destDigest };
  };

  const finished = async (job: ImageJob, state: 'DONE' | 'SKIPPED', imageDigest: string, attempts: number) => {
    await status.update(job.key, {
      status: state, etag: imageDigest, checksum: imageDigest, verified: true, attempts,
      finishedAt: new Date().toISOString(), error: state === 'SKIPPED' ? 'unchanged: destination has the same digest' : undefined,
    });
    logger.info(state === 'DONE' ? 'image.copied' : 'image.unchanged', { image: job.key, dest: job.destRef, digest: imageDigest });
    await report();
  };

  const failed = async (key: string, err: unknown, attempts: number) => {
    const message = err instanceof Error ? err.message : String(err);
    logger.error('image.failed', { image: key, error: message });
    await status.update(key, { status: 'FAILED', error: message, finishedAt: new Date().toISOString(), attempts });
    await report();
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
        // skopeo reports the digest of the manifest it wrote (the index, for multi-arch images).
        const written = await skopeo.copy(src, job.srcRef, dest, job.destRef, signal);
        if (written !== srcDigest) throw new VerificationError(job.destRef, `destination digest ${written} differs from the source ${srcDigest}`);
        return srcDigest;
      });
      await finished(job, 'DONE', copied, attempts);
    } catch (err) {
      await failed(job.key, err, attempts);
    }
  };

  /** One skopeo sync for images of one destination parent, then each verified against the source digest read before. */
  const copyBatch = async (destPath: string, jobs: ImageJob[]) => {
    try {
      await skopeo.sync(src, jobs.map((j) => ({ repository: j.ref.repository, reference: manifestReference(j.ref.tag) })), dest, destPath, signal);
    } catch (err) {
      // With --keep-going the others were still copied; verification tells which images need another go.
      logger.warn('image.batch_failed', { images: jobs.length, dest: `${params.destRegistry}/${destPath}`, error: err instanceof Error ? err.message : String(err) });
    }
    const again: ImageJob[] = [];
    await Promise.all(jobs.map(async (job) => {
      const written = await digest(destApi, job.destRepository, job.ref.tag).catch(() => undefined);
      if (written === job.srcDigest) await finished(job, 'DONE', written, job.attempts);
      else again.push(job);
    }));
    // One by one, so that a failure is attributed to its image with skopeo's own error.
    for (const job of again) await copyAlone(job);
  };

  const batcher = new Batcher<ImageJob>({
    slots: batchSlots(params), maxBatch: MAX_BATCH, key: (job) => destinationParent(job.destRepository), run: copyBatch, pilot: true,
  });

  const syncOne = async (ref: ImageRef) => {
    const destRepository = destinationRepository(params, ref.repository);
    const job = { ref, key: `${ref.repository}:${ref.tag}`, srcRef: imageReference(ref.repository, ref.tag), destRepository, destRef: imageReference(destRepository, ref.tag) };
    await status.put({ key: job.key, size: 0, status: 'IN_PROGRESS', attempts: 0, startedAt: new Date().toISOString() });
    let attempts = 0;
    try {
      const { srcDigest, destDigest } = await retry(() => { attempts++; return readDigests(job); });
      if (destDigest === srcDigest) await finished({ ...job, srcDigest, attempts }, 'SKIPPED', srcDigest, attempts);
      else await batcher.add({ ...job, srcDigest, attempts });
    } catch (err) {
      await failed(job.key, err, attempts);
    }
  };

  // Bounded pool over a lazily expanded list: no unbounded array of promises.
  const inFlight = new Set<Promise<void>>();
  for await (const ref of expandImages(params, catalog)) {
    if (signal?.aborted) break;
    const p = syncOne(ref).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= params.concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await batcher.finish();
  const summary = await status.summary();
  return { ...summary, complete: !signal?.aborted && summary.failed === 0 && summary.done + summary.skipped === summary.total, durationMs: Date.now() - started };
}
