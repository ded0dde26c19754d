/** S3's HTTP form of the object store's types: response headers → ObjectHead, WriteOptions → request headers, listing XML → summaries. */
import type { IncomingHttpHeaders } from 'node:http';
import type { ObjectHead, ObjectSummary, WriteOptions } from '../../ports/object-store.js';
import { xmlTag } from './s3-http.js';

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function httpDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const META_PREFIX = 'x-amz-meta-';

/** What a HEAD or GET answer says of the object (user metadata under lower-case names, as S3 returns them). */
export function headFromHeaders(key: string, headers: IncomingHttpHeaders): ObjectHead {
  const metadata: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    if (name.startsWith(META_PREFIX)) metadata[name.slice(META_PREFIX.length)] = header(headers, name) ?? '';
  }
  const tagCount = header(headers, 'x-amz-tagging-count');
  return {
    key,
    size: Number(header(headers, 'content-length') ?? 0),
    etag: header(headers, 'etag'),
    lastModified: httpDate(header(headers, 'last-modified')),
    storageClass: header(headers, 'x-amz-storage-class'),
    restore: header(headers, 'x-amz-restore'),
    contentType: header(headers, 'content-type'),
    contentEncoding: header(headers, 'content-encoding'),
    contentLanguage: header(headers, 'content-language'),
    contentDisposition: header(headers, 'content-disposition'),
    cacheControl: header(headers, 'cache-control'),
    expires: httpDate(header(headers, 'expires')),
    metadata,
    tagCount: tagCount === undefined ? undefined : Number(tagCount),
  };
}

/** The headers of a PUT (or a multipart start) that carry the attributes and destination choices. */
export function writeHeaders(o: WriteOptions): Record<string, string> {
  const h: Record<string, string> = {};
  const set = (name: string, value: string | undefined) => { if (value !== undefined && value !== '') h[name] = value; };
  set('content-type', o.contentType);
  set('content-encoding', o.contentEncoding);
  set('content-language', o.contentLanguage);
  set('content-disposition', o.contentDisposition);
  set('cache-control', o.cacheControl);
  set('expires', o.expires?.toUTCString());
  for (const [k, v] of Object.entries(o.metadata ?? {})) h[`${META_PREFIX}${k.toLowerCase()}`] = v;
  set('x-amz-storage-class', o.storageClass);
  set('x-amz-acl', o.acl);
  set('x-amz-server-side-encryption', o.sse);
  set('x-amz-server-side-encryption-aws-kms-key-id', o.kmsKeyId);
  if (o.tags && Object.keys(o.tags).length) h['x-amz-tagging'] = new URLSearchParams(o.tags).toString();
  return h;
}

export interface ListPage {
  objects: ObjectSummary[];
  /** Continuation token of the next page; undefined on the last page. */
  nextToken?: string;
}

/**
 * A key from a listing asked for with encoding-type=url: S3 form-encodes it (a space is "+", a "+" is "%2B").
 * Without the encoding, keys with a CR or characters XML 1.0 cannot carry do not survive the listing.
 */
export function decodeListedKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/**
 * One ListObjectsV2 answer. Keys come entity-escaped in XML text, so splitting on the element tags is safe; they are
 * URL-decoded when the answer says <EncodingType>url</EncodingType> (servers that ignore the request send them raw).
 */
export function parseListPage(xml: string): ListPage {
  const objects: ObjectSummary[] = [];
  const blocks = xml.split('<Contents>');
  const last = blocks[blocks.length - 1];
  // Everything outside the <Contents> elements: the page's own fields, before or after the entries.
  const outside = blocks.length > 1 ? blocks[0] + last.slice(last.lastIndexOf('</Contents>')) : blocks[0];
  const urlEncoded = xmlTag(outside, 'EncodingType') === 'url';
  for (let i = 1; i < blocks.length; i++) {
    const b = blocks[i];
    const listed = xmlTag(b, 'Key');
    if (listed === undefined) continue;
    const key = urlEncoded ? decodeListedKey(listed) : listed;
    const modified = xmlTag(b, 'LastModified');
    objects.push({
      key, size: Number(xmlTag(b, 'Size') ?? 0), etag: xmlTag(b, 'ETag'),
      lastModified: modified ? new Date(modified) : undefined, storageClass: xmlTag(b, 'StorageClass'),
    });
  }
  const truncated = xmlTag(outside, 'IsTruncated') === 'true';
  const token = xmlTag(outside, 'NextContinuationToken');
  return { objects, nextToken: truncated && token ? token : undefined };
}
