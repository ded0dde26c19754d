/**
 * How an image is named on each side: its status key, its source reference and where it lands. Pure.
 */
import type { EcrTaskParams, ImageRef } from './params.js';

/**
 * An image by digest: `tag` holds `sha256:<hex>` (a pinned `repo@sha256:…` entry, or an untagged ECR image with
 * includeUntaggedByDigest). No tag can hold a colon, so a tag shaped like a digest (`sha256-<hex>`, the OCI referrers
 * fallback tag under which signatures and SBOMs live) stays a tag. Registries take both as a manifest reference.
 */
export function isDigestReference(tag: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(tag);
}

/** `repo:tag`, or `repo@sha256:<hex>` for an image by digest. */
export function imageReference(repository: string, tag: string): string {
  return `${repository}${isDigestReference(tag) ? '@' : ':'}${tag}`;
}

/** The image's name as the list wrote it: `repo`, or `quay.io/org/img` for an image that names its registry. */
export function sourceName(ref: Pick<ImageRef, 'registry' | 'repository'>): string {
  return ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository;
}

/** The image's key in the status store: `name:tag` or `name@sha256:<hex>`, as written in the list. */
export function imageKey(ref: ImageRef): string {
  return imageReference(sourceName(ref), ref.tag);
}

/**
 * Where an image lands: destPrefix (if any), then the name as written — an image that names its registry keeps it
 * as the first path element, as the original's copy did (`quay.io/org/img` → repository `quay.io/org/img`; a port,
 * which no repository name may hold, becomes `-port`).
 */
export function destinationRepository(
  params: Pick<EcrTaskParams, 'destPrefix'>,
  ref: Pick<ImageRef, 'registry' | 'repository'>,
): string {
  const name = ref.registry ? `${ref.registry.replace(':', '-')}/${ref.repository}` : ref.repository;
  return params.destPrefix ? `${params.destPrefix}/${name}` : name;
}

/**
 * With srcList=ALL into the source registry itself (one registry on both sides, destPrefix set), the source catalog
 * also holds the task's own copies (`<destPrefix>/<repository>`): listed as sources they would be copied again one
 * level deeper on every scheduled run. Returns whether a listed repository is in the copies' namespace; undefined when
 * the destination is another registry.
 */
export function ownCopyRepository(
  params: Pick<EcrTaskParams, 'destPrefix'>,
  sourceRegistry: string,
  destRegistry: string,
): ((repository: string) => boolean) | undefined {
  if (!params.destPrefix || sourceRegistry !== destRegistry) return undefined;
  const under = `${params.destPrefix}/`;
  return (repository) => repository.startsWith(under);
}

/** The path skopeo sync is given as destination for a repository: everything before its last element. */
export function destinationParent(destRepository: string): string {
  return destRepository.includes('/') ? destRepository.slice(0, destRepository.lastIndexOf('/')) : '';
}
