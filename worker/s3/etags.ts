/**
 * What an ETag says about an object's bytes. S3 ETags are the MD5 of the content for single-part objects written
 * without SSE-KMS (any letter case: OSS answers upper-case hex); multipart ETags ("…-N") and SSE-KMS ETags are not.
 */
import { md5FromEtag, multipartEtag } from './hashing-stream.js';

/** An ETag without quotes, in lower case. */
export function normalizeEtag(etag: string | undefined): string | undefined {
  return etag === undefined ? undefined : etag.replace(/"/g, '').toLowerCase();
}

/** Two ETags name the same object version (quotes and letter case aside). */
export function sameEtag(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && normalizeEtag(a) === normalizeEtag(b);
}

/** x-amz-server-side-encryption values whose ETags are not content hashes (aws:kms, aws:kms:dsse). */
export function isKmsEncryption(sse: string | undefined): boolean {
  return sse !== undefined && /^aws:kms/i.test(sse);
}

/** The content MD5 an object's ETag stands for: undefined for multipart and SSE-KMS objects. */
export function contentMd5(object: { etag?: string; serverSideEncryption?: string }): string | undefined {
  return isKmsEncryption(object.serverSideEncryption) ? undefined : md5FromEtag(object.etag);
}

/** A multipart upload's ETag ("<hex>-<parts>", as AWS, MinIO and Ceph answer one). */
export function isMultipartEtag(etag: string | undefined): boolean {
  // includes() first: the finder asks this of every object that matches, nearly all of them single-part.
  return etag?.includes('-') === true && /^"?[0-9a-fA-F]{32}-\d+"?$/.test(etag);
}

/** How many parts a multipart ETag ("<hex>-<parts>") names; undefined for any other ETag. */
export function partsInEtag(etag: string | undefined): number | undefined {
  return isMultipartEtag(etag) ? Number(/-(\d+)"?$/.exec(etag ?? '')?.[1]) : undefined;
}

/** A multipart ETag naming two parts or more: a source a copy may cut as it was (source-parts.ts). */
export function inSeveralParts(etag: string | undefined): boolean {
  return (partsInEtag(etag) ?? 0) > 1;
}

/**
 * Whether `md5`, of a whole object's bytes, is what the object's ETag stands for: its MD5, or (one part uploaded as a
 * multipart upload) the MD5 of that part's MD5 and "-1". Undefined when the ETag cannot say (more parts, SSE-KMS).
 */
export function etagConfirmsMd5(
  object: { etag?: string; serverSideEncryption?: string },
  md5: string,
): boolean | undefined {
  const whole = contentMd5(object);
  if (whole !== undefined) return whole === md5;
  if (partsInEtag(object.etag) !== 1 || isKmsEncryption(object.serverSideEncryption)) return undefined;
  return normalizeEtag(object.etag) === multipartEtag([md5]);
}
