import { LOG_EVENTS, logContractEvent } from '../../../worker/core/events.js';
import type { Logger } from '../../../worker/core/log.js';
import type { RegistryCatalog } from '../../../worker/ecr/catalog.js';
import type { EcrTaskParams, ImageRef } from '../../../worker/ecr/params.js';
import type { RegistryClient } from '../../../worker/ecr/registry-client.js';
import { destinationRepository, expandImages, manifestReference } from '../../../worker/ecr/run-image-sync.js';
import type { ObjectStore } from '../../../worker/ports/object-store.js';
import type { StatusStore } from '../../../worker/ports/status-store.js';

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
export async function publishImageList(store: ObjectStore, key: string, listed: ListedImages): Promise<PublishedImageList> {
  const body = Buffer.from(JSON.stringify(listed.images));
  await store.put(key, body, body.length, { contentType: 'application/json' });
  return { listBucket: store.bucket, listKey: key, count: listed.images.length };
}

/** Digest reads in flight at once: two HEADs per image, well within the Lambda's time for thousands of images. */
const DIGEST_CONCURRENCY = 16;

/** The source digest when the destination already holds the same manifest; undefined when it must be copied (or cannot be told). */
async function unchangedDigest(registries: { source: RegistryClient; dest: RegistryClient }, params: EcrTaskParams, ref: ImageRef): Promise<string | undefined> {
  const reference = manifestReference(ref.tag);
  const [src, dest] = await Promise.all([
    registries.source.manifestDigest(ref.repository, reference).catch(() => undefined),
    registries.dest.manifestDigest(destinationRepository(params, ref.repository), reference).catch(() => undefined),
  ]);
  return src !== undefined && src === dest ? src : undefined;
}

/**
 * The ECR plugin's lister step: expands the task's image list (ALL, ALL_TAGS) from the source catalog and returns the
 * images to copy, recording each PENDING in the task's status table (unless already DONE). Given both registries, it
 * leaves out images whose destination manifest digest already equals the source's (recorded SKIPPED, or kept DONE):
 * a scheduled rerun starts no Fargate task for them. A digest that cannot be read counts as changed; the copy task
 * decides. Logs `finder.done` / `finder.failed`, the events the control plane's checkFinder step waits for.
 */
export async function listTaskImages(deps: {
  params: EcrTaskParams;
  catalog: RegistryCatalog;
  status: StatusStore;
  logger: Logger;
  registries?: { source: RegistryClient; dest: RegistryClient };
}): Promise<ListedImages> {
  const { params, status, registries } = deps;
  const toCopy: { image: string; order: number }[] = [];
  let unchanged = 0;
  let order = 0;
  const record = async (ref: ImageRef, position: number) => {
    const key = `${ref.repository}:${ref.tag}`;
    const [existing, digest] = await Promise.all([status.get(key), registries ? unchangedDigest(registries, params, ref) : undefined]);
    if (digest !== undefined) {
      unchanged++;
      if (existing?.status !== 'DONE') {
        await status.put({
          key, size: 0, status: 'SKIPPED', etag: digest, checksum: digest, verified: true, attempts: existing?.attempts ?? 0,
          error: 'unchanged: destination has the same digest', finishedAt: new Date().toISOString(),
        });
      }
      return;
    }
    if (!existing || existing.status !== 'DONE') await status.put({ key, size: 0, status: 'PENDING', attempts: existing?.attempts ?? 0 });
    toCopy.push({ image: key, order: position });
  };
  try {
    const inFlight = new Set<Promise<void>>();
    for await (const ref of expandImages(params, deps.catalog)) {
      const p = record(ref, order++).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= DIGEST_CONCURRENCY) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } catch (err) {
    logContractEvent(deps.logger, LOG_EVENTS.finderFailed, { error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
  const images = toCopy.sort((a, b) => a.order - b.order).map(({ image }) => ({ image }));
  logContractEvent(deps.logger, LOG_EVENTS.finderDone, { images: images.length, unchanged });
  return { images };
}
