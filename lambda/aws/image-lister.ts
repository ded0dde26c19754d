import type { Logger } from '../../worker/core/log.js';
import type { RegistryCatalog } from '../../worker/ecr/catalog.js';
import type { EcrTaskParams } from '../../worker/ecr/params.js';
import { expandImages } from '../../worker/ecr/run-image-sync.js';
import type { StatusStore } from '../../worker/ports/status-store.js';

export interface ListedImages {
  /** One entry per image, the Map state's items: `image` is `repository:tag` (what `dth ecr copy-one --image` takes). */
  images: { image: string }[];
}

/**
 * The ECR plugin's lister step: expands the task's image list (ALL, ALL_TAGS) from the source catalog, records each
 * image PENDING in the task's status table (unless already DONE), and logs `finder.done` / `finder.failed` — the
 * events the control plane's checkFinder step waits for.
 */
export async function listTaskImages(deps: { params: EcrTaskParams; catalog: RegistryCatalog; status: StatusStore; logger: Logger }): Promise<ListedImages> {
  const images: { image: string }[] = [];
  try {
    for await (const ref of expandImages(deps.params, deps.catalog)) {
      const key = `${ref.repository}:${ref.tag}`;
      const existing = await deps.status.get(key);
      if (!existing || existing.status !== 'DONE') await deps.status.put({ key, size: 0, status: 'PENDING', attempts: existing?.attempts ?? 0 });
      images.push({ image: key });
    }
  } catch (err) {
    deps.logger.error('finder.failed', { error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
  deps.logger.info('finder.done', { images: images.length });
  return { images };
}
