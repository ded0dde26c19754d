/**
 * How one object is copied, decided from what a listing says of it (size, ETag): copyObject starts on it, and dry
 * runs (`--dry-run`, estimateTask) count the requests a copy will make from it, so the estimate follows the engine.
 */
import { contentMd5, inSeveralParts, partsInEtag } from './etags.js';
import type { S3TaskParams } from './params.js';
import { choosePartSize } from './part-plan.js';
import { partsFitS3 } from './source-parts.js';

export const MAX_SERVER_SIDE_COPY = 5 * 1024 * 1024 * 1024;

export type CopyRoute =
  /** CopyObject within one endpoint: no byte passes through this machine. */
  | 'server-side'
  /** One GET, one PUT. */
  | 'single'
  /** A multipart source across endpoints, copied in its own parts (source-parts.ts). */
  | 'source-parts'
  /** A multipart upload cut by `chunkSize`. */
  | 'parts';

export function copyRoute(
  object: { size: number; etag?: string },
  params: Pick<S3TaskParams, 'multipartThreshold'>,
  sameEndpoint: boolean,
): CopyRoute {
  if (sameEndpoint && object.size <= MAX_SERVER_SIDE_COPY) return 'server-side';
  if (!sameEndpoint && inSeveralParts(object.etag) && partsFitS3(object.size, partsInEtag(object.etag) ?? 0))
    return 'source-parts';
  return object.size <= params.multipartThreshold ? 'single' : 'parts';
}

/** Requests by price class (S3 bills HEAD as GET; create, parts and complete as PUT) and bytes read from the source. */
export interface CopyRequests {
  getOrHead: number;
  put: number;
  bytesRead: number;
}

/** A HEAD of each side after a copy its ETags do not prove (copy-object.ts, `confirmCopy`). */
const CONFIRMING_HEADS = 2;
/** The source's HEAD alone, after a copy whose write's answer proves the destination (`destinationProven`). */
const SOURCE_HEAD = 1;

/**
 * What copying one object costs in requests, for a dry run. Taken as they usually go: a multipart source's store
 * describes its parts, and an MD5 ETag of the source proves a single PUT (with SSE-KMS, as the Content-MD5 the store
 * accepted) and a server-side copy (not with SSE-KMS); retries and a destination bucket's default KMS encryption add
 * requests no listing foretells.
 */
export function copyRequests(
  object: { size: number; etag?: string },
  params: Pick<S3TaskParams, 'multipartThreshold' | 'chunkSize' | 'sse'>,
  sameEndpoint: boolean,
): CopyRequests {
  const route = copyRoute(object, params, sameEndpoint);
  const kms = params.sse?.type === 'aws:kms';
  // The source's HEAD, except for a single PUT: its GET's headers stand for it.
  if (route === 'server-side') {
    const proven = !kms && contentMd5(object) !== undefined;
    return { getOrHead: 1 + (proven ? 0 : CONFIRMING_HEADS), put: 1, bytesRead: 0 };
  }
  if (route === 'single') {
    // Without the source's MD5 the destination's ETag still proves what it holds (not under SSE-KMS): the source's HEAD.
    const confirming = contentMd5(object) !== undefined ? 0 : kms ? CONFIRMING_HEADS : SOURCE_HEAD;
    return { getOrHead: 1 + confirming, put: 1, bytesRead: object.size };
  }
  if (route === 'parts') {
    // The count planParts would cut, without making up to 10,000 ranges per object of a dry run.
    const parts = Math.ceil(object.size / choosePartSize(object.size, params.chunkSize));
    return { getOrHead: 1 + parts + (kms ? CONFIRMING_HEADS : SOURCE_HEAD), put: parts + 2, bytesRead: object.size };
  }
  const parts = partsInEtag(object.etag) ?? 1;
  // Its cut is read with part 1's HEAD, and part N's when there are three parts or more; cut so, the ETags prove it.
  const partHeads = Math.min(parts - 1, 2);
  return {
    getOrHead: 1 + partHeads + parts + (kms ? CONFIRMING_HEADS : 0),
    put: parts + 2,
    bytesRead: object.size,
  };
}
