import { LOG_EVENTS, logContractEvent } from '../../../worker/core/events.js';
import type { Logger } from '../../../worker/core/log.js';
import { destinationRepository, imageKey, ownCopyRepository } from '../../../worker/ecr/image-names.js';
import type { EcrTaskParams, ImageRef } from '../../../worker/ecr/params.js';
import type { Platform } from '../../../worker/ecr/registry-client.js';
import type { TaskRegistries } from '../../../worker/ecr/registries.js';
import { copiesEveryPlatform, destinationHoldsWhole, forEachListedImage } from '../../../worker/ecr/image-session.js';
import type { RegistryCatalog } from '../../../worker/ports/ecr-api.js';
import type { ObjectStore } from '../../../worker/ports/object-store.js';
import type { StatusStore } from '../../../worker/ports/status-store.js';
import { settleUnlistedImages } from '../../../worker/ecr/unlisted-images.js';

export interface ListedImages {
  /** One entry per image, the Map state's items: `image` is `repository:tag` (what `dth ecr copy-one --image` takes). */
  images: { image: string }[];
}

/** Where the lister left the list: the Distributed Map reads its items from this S3 object, not from the state. */
export interface PublishedImageList {
  listBucket: string;
  listKey: string;
  count: number;
}

/**
 * Writes the images to copy as one JSON array object. A state's payload is limited to 256 KB (about 4,000 image
 * names); the Distributed Map's ItemReader takes any number from S3.
 */
export async function publishImageList(
  store: ObjectStore,
  key: string,
  listed: ListedImages,
): Promise<PublishedImageList> {
  const body = Buffer.from(JSON.stringify(listed.images));
  await store.put(key, body, body.length, { contentType: 'application/json' });
  return { listBucket: store.bucket, listKey: key, count: listed.images.length };
}

/** Digest reads in flight at once: two HEADs per image, well within the Lambda's time for thousands of images. */
const DIGEST_CONCURRENCY = 16;

/** Both registries, as the copy tasks will see them. */
export type ListerRegistries = Pick<TaskRegistries, 'sourceFor' | 'dest'>;

/**
 * The source digest when the destination already holds the same manifest; undefined when it must be copied (or cannot
 * be told). With includeUntagged=false the copy task copies one platform's image, so that image's digest is compared.
 */
async function unchangedDigest(
  registries: ListerRegistries,
  params: EcrTaskParams,
  ref: ImageRef,
  logger: Logger,
  platform?: Platform,
): Promise<string | undefined> {
  const everyPlatform = copiesEveryPlatform(params, ref);
  const destRepository = destinationRepository(params, ref);
  const [src, dest] = await Promise.all([
    registries
      .sourceFor(ref)
      .client.manifestDigest(ref.repository, ref.tag, undefined, everyPlatform ? undefined : platform)
      .catch(() => undefined),
    registries.dest.client.manifestDigest(destRepository, ref.tag).catch(() => undefined),
  ]);
  if (src === undefined || src !== dest) return undefined;
  // An index whose child manifest the destination lost is copied again (a read that fails: the copy task decides).
  if (everyPlatform) {
    const whole = await destinationHoldsWhole(registries.dest.client, destRepository, ref.tag, logger).catch(
      () => false,
    );
    if (!whole) return undefined;
  }
  return src;
}

/**
 * The ECR plugin's lister step: expands the task's image list (ALL, ALL_TAGS) from the source catalog and returns the
 * images to copy, recording each PENDING in the task's status table. Given both registries, it
 * leaves out images whose destination manifest digest already equals the source's (recorded SKIPPED, or kept DONE):
 * a scheduled rerun starts no Fargate task for them. A digest that cannot be read counts as changed; the copy task
 * decides. Logs `finder.done` / `finder.failed`, the events the control plane's checkFinder step waits for.
 */
export async function listTaskImages(deps: {
  params: EcrTaskParams;
  /** Where ALL and ALL_TAGS are expanded from (per image registry). */
  catalogFor: (ref?: ImageRef) => RegistryCatalog;
  status: StatusStore;
  logger: Logger;
  /** Given, unchanged images are left out (their digests are read); without, every image is listed. */
  registries?: ListerRegistries;
  /** The copy task's platform (includeUntagged=false copies only its image). */
  platform?: Platform;
}): Promise<ListedImages> {
  const { params, status, registries } = deps;
  const toCopy: { image: string; order: number }[] = [];
  let unchanged = 0;
  let failed = 0;
  const listedKeys = new Set<string>();
  const record = async (ref: ImageRef, position: number, error?: Error) => {
    const key = imageKey(ref);
    listedKeys.add(key);
    if (error) {
      // The entry could not be expanded (no such repository): its own failure, and no copy task.
      failed++;
      logContractEvent(deps.logger, LOG_EVENTS.imageFailed, { image: key, error: error.message });
      await status.put({
        key,
        size: 0,
        status: 'FAILED',
        attempts: 1,
        error: error.message,
        finishedAt: new Date().toISOString(),
      });
      return;
    }
    const [existing, digest] = await Promise.all([
      status.get(key),
      registries ? unchangedDigest(registries, params, ref, deps.logger, deps.platform) : undefined,
    ]);
    if (digest !== undefined) {
      unchanged++;
      if (existing?.status !== 'DONE') {
        await status.put({
          key,
          size: 0,
          status: 'SKIPPED',
          etag: digest,
          checksum: digest,
          verified: true,
          attempts: existing?.attempts ?? 0,
          error: 'unchanged: destination has the same digest',
          finishedAt: new Date().toISOString(),
        });
      }
      return;
    }
    // To be copied (again): PENDING until its copy task says otherwise — also when DONE by an earlier pass, whose copy
    // the destination no longer matches (or whose digest could not be read): the pass is not done while it is not.
    if (existing?.status !== 'PENDING')
      await status.put({ key, size: existing?.size ?? 0, status: 'PENDING', attempts: existing?.attempts ?? 0 });
    toCopy.push({ image: key, order: position });
  };
  try {
    const isOwnCopy =
      registries &&
      ownCopyRepository(params, registries.sourceFor({}).endpoint.registry, registries.dest.endpoint.registry);
    await forEachListedImage(
      params,
      deps.catalogFor,
      { concurrency: DIGEST_CONCURRENCY, logger: deps.logger, isOwnCopy },
      ({ ref, error }, position) => record(ref, position, error),
    );
  } catch (err) {
    logContractEvent(deps.logger, LOG_EVENTS.finderFailed, { error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
  // The task's own table, whose list never changes: what this whole listing no longer names cannot stay unfinished.
  const unlisted = await settleUnlistedImages(status, (key) => listedKeys.has(key), deps.logger);
  const images = toCopy.sort((a, b) => a.order - b.order).map(({ image }) => ({ image }));
  logContractEvent(deps.logger, LOG_EVENTS.finderDone, { images: images.length, unchanged, failed, unlisted });
  return { images };
}
