import { VerificationError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { withRetry } from '../core/retry.js';
import type { SecretStore } from '../ports/secret-store.js';
import type { StatusStore, StatusSummary } from '../ports/status-store.js';
import { ecrCatalog, SdkEcrTokenProvider } from '../adapters/ecr/ecr-registry.js';
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

async function endpoints(o: ImageSyncOptions): Promise<{ src: RegistryEndpoint; dest: RegistryEndpoint }> {
  const { params, secrets } = o;
  const tokens = o.ecrTokens ?? new SdkEcrTokenProvider();
  const srcLogin = params.srcCredential
    ? await loginFromSecret(secrets, params.srcCredential, 'srcCredential')
    : params.sourceType === 'Amazon_ECR' && params.srcRegion ? await tokens.login(params.srcRegion, params.srcAccountId) : undefined;
  const destLogin = params.destCredential
    ? await loginFromSecret(secrets, params.destCredential, 'destCredential')
    : params.destAccountId && params.destRegion ? await tokens.login(params.destRegion, params.destAccountId) : undefined;
  return {
    src: { registry: params.srcRegistry, login: srcLogin, insecure: params.insecure },
    dest: { registry: params.destRegistry, login: destLogin, insecure: params.insecure },
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

/**
 * Copies every image of the task with skopeo (all platforms, digests kept), skipping images whose
 * destination manifest digest already equals the source's; bounded concurrency, retries, per-image status.
 */
export async function runImageSync(o: ImageSyncOptions): Promise<ImageSyncReport> {
  const { params, status, logger, signal } = o;
  const started = Date.now();
  const skopeo = o.skopeo ?? new Skopeo();
  const { src, dest } = await endpoints(o);
  const srcApi = new RegistryClient(src);
  const destApi = new RegistryClient(dest);
  const digest = manifestDigestReader(skopeo, logger, signal);
  const catalog = o.catalog ?? (params.sourceType === 'Amazon_ECR' && !params.insecure
    ? ecrCatalog(params.srcRegion, { registryId: params.srcAccountId, includeUntagged: params.includeUntagged })
    : new RegistryV2Catalog(src));
  const report = async () => o.onProgress?.({ ...(await status.summary()), bytesPerSecond: 0 });

  const syncOne = async (ref: ImageRef) => {
    const key = `${ref.repository}:${ref.tag}`;
    const srcRef = imageReference(ref.repository, ref.tag);
    const destRepository = destinationRepository(params, ref.repository);
    const destRef = imageReference(destRepository, ref.tag);
    const startedAt = new Date().toISOString();
    await status.put({ key, size: 0, status: 'IN_PROGRESS', attempts: 0, startedAt });
    try {
      let attempts = 0;
      const outcome = await withRetry(async () => {
        attempts++;
        // Both digests at once, over HTTP: an unchanged image costs two requests and no process.
        const [srcDigest, destDigest] = await Promise.all([digest(srcApi, ref.repository, ref.tag), digest(destApi, destRepository, ref.tag)]);
        if (!srcDigest) throw new Error(`source image ${params.srcRegistry}/${srcRef} does not exist`);
        if (destDigest === srcDigest) return { state: 'SKIPPED' as const, digest: srcDigest };
        // skopeo reports the digest of the manifest it wrote (the index, for multi-arch images).
        const copied = await skopeo.copy(src, srcRef, dest, destRef, signal);
        if (copied !== srcDigest) throw new VerificationError(destRef, `destination digest ${copied} differs from the source ${srcDigest}`);
        return { state: 'DONE' as const, digest: srcDigest };
      }, {
        attempts: params.maxAttempts,
        signal,
        baseMs: 500,
        isRetryable: (err) => !(err instanceof SkopeoError && (err.isAuth || err.isNotFound)) && !/does not exist/.test(String(err)),
      });
      await status.update(key, {
        status: outcome.state, etag: outcome.digest, checksum: outcome.digest, verified: true, attempts,
        finishedAt: new Date().toISOString(), error: outcome.state === 'SKIPPED' ? 'unchanged: destination has the same digest' : undefined,
      });
      logger.info(outcome.state === 'DONE' ? 'image.copied' : 'image.unchanged', { image: key, dest: destRef, digest: outcome.digest });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      logger.error('image.failed', { image: key, error: message });
      await status.update(key, { status: 'FAILED', error: message, finishedAt: new Date().toISOString(), attempts: params.maxAttempts });
    }
    await report();
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
  const summary = await status.summary();
  return { ...summary, complete: !signal?.aborted && summary.failed === 0 && summary.done + summary.skipped === summary.total, durationMs: Date.now() - started };
}
