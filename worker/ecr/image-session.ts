/**
 * What a run and a dry run of an image task share: the registries logged in, the images the task names (expanded,
 * each once), where each goes and how, and both manifest digests read over HTTP.
 */
import { forEachBounded } from '../core/bounded-pool.js';
import { InvalidParameterError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { withRetry } from '../core/retry.js';
import type { EcrApi, RegistryCatalog } from '../ports/ecr-api.js';
import type { SecretStore } from '../ports/secret-store.js';
import { DestinationClashError, ImageListError, ImageNotFoundError, isRetryable, RegistryHttpError } from './errors.js';
import {
  destinationRepository,
  imageKey,
  imageReference,
  isDigestReference,
  ownCopyRepository,
} from './image-names.js';
import type { EcrTaskParams, ImageRef } from './params.js';
import type { Platform, RegistryClient } from './registry-client.js';
import { resolveRegistries, type RegistrySide, type TaskRegistries } from './registries.js';
import { Skopeo, type PlatformChoice } from './skopeo.js';

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
async function* expandImages(
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
 * Whether a copy of the image takes every platform and the index (includeUntagged, the original's multi-arch choice)
 * or one platform's image. An image addressed by digest must arrive as that digest: always whole.
 */
export function copiesEveryPlatform(params: Pick<EcrTaskParams, 'includeUntagged'>, ref: ImageRef): boolean {
  return params.includeUntagged || isDigestReference(ref.tag);
}

/**
 * Runs `fn` for every image the task names (expandImages), each once — an image named twice (app:v1 and app:ALL_TAGS)
 * once — at most `concurrency` at a time, started in listing order (`position`); none starts once `signal` is aborted.
 * A bounded pool over the lazily expanded list: no unbounded array of promises.
 */
export async function forEachListedImage(
  params: EcrTaskParams,
  catalogFor: (ref?: ImageRef) => RegistryCatalog,
  options: { concurrency: number; logger?: Logger; isOwnCopy?: (repository: string) => boolean; signal?: AbortSignal },
  fn: (listed: ListedImage, position: number) => Promise<void>,
): Promise<void> {
  const seen = new Set<string>();
  async function* distinct(): AsyncGenerator<{ listed: ListedImage; position: number }> {
    for await (const listed of expandImages(params, catalogFor, options.logger, options.isOwnCopy)) {
      if (options.signal?.aborted) return;
      if (seen.has(imageKey(listed.ref))) continue;
      seen.add(imageKey(listed.ref));
      yield { listed, position: seen.size - 1 };
    }
  }
  await forEachBounded(distinct(), options.concurrency, ({ listed, position }) => fn(listed, position));
}

/**
 * Manifest digests over the registry API, so an unchanged image starts no process. Where the API read fails for
 * a reason other than "absent" or a refused login (an auth scheme we do not speak, an odd registry), skopeo inspect
 * reads it instead; logged once per registry. After a refused login no process is started: it would be refused too.
 * A registry that throttles (429) or fails for a while (5xx) is asked again by the caller's retry, after its
 * Retry-After: skopeo would meet the same answer, with GETs that count against pull limits where HEADs do not.
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
      return await client.manifestDigest(repository, tag, signal, platform);
    } catch (err) {
      // No answer at all (a registry gone down mid-run): skopeo could not reach it either, and would only bury our
      // words under its own ("Error parsing image name …: pinging container registry").
      if (
        signal?.aborted ||
        (err instanceof RegistryHttpError && (err.authFailed || err.status === 404 || isRetryable(err))) ||
        platform
      )
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

/**
 * Whether the destination's image under `tag` holds every child manifest its index names. The same index digest on
 * both sides says nothing of the children: one deleted at the destination (an ECR lifecycle rule expiring untagged
 * images) leaves an image that pulls on no such platform, so it is copied again rather than found unchanged.
 */
export async function destinationHoldsWhole(
  client: RegistryClient,
  repository: string,
  tag: string,
  logger: Logger,
  signal?: AbortSignal,
): Promise<boolean> {
  const missing = await client.missingChildren(repository, tag, signal);
  if (missing.length === 0) return true;
  logger.warn('image.dest_incomplete', { image: imageReference(repository, tag), missing });
  return false;
}

export interface ImageSessionOptions {
  params: EcrTaskParams;
  secrets: SecretStore;
  logger: Logger;
  signal?: AbortSignal;
  /** The ECR API (the entry point composes the AWS adapter); needed when a side is Amazon ECR. */
  ecr?: EcrApi;
  skopeo?: Skopeo;
  /** Source catalog for ALL / ALL_TAGS (default: the ECR API for Amazon_ECR, the registry's v2 API otherwise). */
  catalog?: RegistryCatalog;
  /** The platform copied when includeUntagged is false (default: linux on this machine's architecture). */
  platform?: Platform;
}

/** One image of the task: where it comes from and goes, and what of it is copied. */
export interface ImageTarget {
  ref: ImageRef;
  key: string;
  src: RegistrySide;
  srcRef: string;
  destRepository: string;
  destRef: string;
  /** Every platform (includeUntagged, and always for an image addressed by digest), or this machine's. */
  platform: PlatformChoice;
}

export interface ImageSession {
  registries: TaskRegistries;
  skopeo: Skopeo;
  /** Manifest digest over HTTP (skopeo inspect where the API read fails); undefined when the image does not exist. */
  digest: ReturnType<typeof manifestDigestReader>;
  targetFor(ref: ImageRef): ImageTarget;
  /** Both digests at once, over HTTP: an unchanged image costs two requests and no process. */
  readDigests(target: ImageTarget): Promise<{ srcDigest: string; destDigest?: string }>;
  /** The bytes a copy of the image moves, as the source's manifests state them; undefined when they cannot be read. */
  sizeOf(target: ImageTarget): Promise<number | undefined>;
  retry<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` for every image the task names, each once, at most `concurrency` at a time, in listing order. */
  forEachImage(fn: (listed: ListedImage, position: number) => Promise<void>): Promise<void>;
}

/** Resolves both registries and checks their logins (a refused one stops here, before any image). */
export async function openImageSession(o: ImageSessionOptions): Promise<ImageSession> {
  const { params, logger, signal } = o;
  const skopeo = o.skopeo ?? new Skopeo();
  const registries = await resolveRegistries(params, { secrets: o.secrets, ecr: o.ecr, logger, catalog: o.catalog });
  await registries.checkLogins(signal);
  const digest = manifestDigestReader(skopeo, logger, signal);
  const machine = o.platform ?? runtimePlatform();
  const retry = <T>(fn: () => Promise<T>) =>
    withRetry(fn, { attempts: params.maxAttempts, signal, baseMs: 500, isRetryable });

  const targetFor = (ref: ImageRef): ImageTarget => {
    const destRepository = destinationRepository(params, ref);
    const platform: PlatformChoice = copiesEveryPlatform(params, ref) ? { all: true } : { all: false, ...machine };
    return {
      ref,
      key: imageKey(ref),
      src: registries.sourceFor(ref),
      srcRef: imageReference(ref.repository, ref.tag),
      destRepository,
      destRef: imageReference(destRepository, ref.tag),
      platform,
    };
  };

  const readDigests = async (target: ImageTarget) => {
    await registries.renewExpiringLogins();
    const platform = target.platform.all ? undefined : target.platform;
    // A registry that does not answer is named by its side and parameter, as at the start of the run.
    const named = (side: RegistrySide) => (err: unknown) => {
      throw err instanceof RegistryHttpError && err.status === undefined ? registries.namedSide(err, side) : err;
    };
    const [srcDigest, destDigest] = await Promise.all([
      digest(target.src.client, target.ref.repository, target.ref.tag, platform).catch(named(target.src)),
      digest(registries.dest.client, target.destRepository, target.ref.tag).catch(named(registries.dest)),
    ]);
    if (!srcDigest) throw new ImageNotFoundError(target.src.endpoint.registry, target.srcRef);
    if (destDigest === srcDigest && !platform) {
      const whole = await destinationHoldsWhole(
        registries.dest.client,
        target.destRepository,
        target.ref.tag,
        logger,
        signal,
      ).catch(named(registries.dest));
      if (!whole) return { srcDigest, destDigest: undefined };
    }
    return { srcDigest, destDigest };
  };

  const sizeOf = (target: ImageTarget) =>
    target.src.client
      .imageSize(target.ref.repository, target.ref.tag, signal, target.platform.all ? undefined : target.platform)
      .catch(() => undefined);

  // Which image goes to each destination reference, the first one listed keeping it (DestinationClashError).
  const destinations = new Map<string, string>();
  const withoutClash = (listed: ListedImage): ListedImage => {
    if (listed.error) return listed;
    const target = targetFor(listed.ref);
    const first = destinations.get(target.destRef);
    if (first === undefined) destinations.set(target.destRef, target.key);
    if (first === undefined || first === target.key) return listed;
    const where = `${registries.dest.endpoint.registry}/${target.destRef}`;
    return { ...listed, error: new DestinationClashError(target.key, where, first) };
  };
  const forEachImage = (fn: (listed: ListedImage, position: number) => Promise<void>) =>
    forEachListedImage(
      params,
      registries.catalogFor,
      {
        concurrency: params.concurrency,
        logger,
        isOwnCopy: ownCopyRepository(params, registries.source.endpoint.registry, registries.dest.endpoint.registry),
        signal,
      },
      (listed, position) => fn(withoutClash(listed), position),
    );

  return { registries, skopeo, digest, targetFor, readDigests, sizeOf, retry, forEachImage };
}
