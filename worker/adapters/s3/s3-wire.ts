/**
 * S3's HTTP form of the object store's types: response headers → ObjectHead, WriteOptions → request headers, and
 * every XML answer → its fields, read strictly. An answer that is not the complete, well-formed document of the kind
 * asked for (cut short, HTML or JSON from a proxy, a listing that says it is truncated but gives no token) throws
 * MalformedS3Answer, never yields an empty or short result; an <Error> document throws S3HttpError.
 */
import type { IncomingHttpHeaders } from 'node:http';
import sax from 'sax';
import type { ObjectHead, ObjectSummary, StoredPart, UploadedPart, WriteOptions } from '../../ports/object-store.js';

/** An S3 error answer, shaped like the SDK's (name = S3 error code, $metadata.httpStatusCode) for the shared error mapping. */
export class S3HttpError extends Error {
  readonly $metadata: { httpStatusCode: number };
  /** The region the bucket is in, when a wrong-region answer says (x-amz-bucket-region, <Region>, <Endpoint>). */
  bucketRegion?: string;
  /**
   * The region of the endpoint the error document says the bucket must be addressed at (<Endpoint>): OSS answers a
   * bucket asked at another region's endpoint with 403 AccessDenied and it, not a redirect.
   */
  endpointRegion?: string;
  /** RequestTimeTooSkewed: the store's clock minus this machine's, as its answer said (requests are now dated by it). */
  clockSkewMs?: number;
  /** The answer carried another service's page (HTML, JSON), not S3's error document: a gateway answered. */
  foreignBody?: boolean;

  constructor(
    status: number,
    code: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message || code);
    this.name = code;
    this.$metadata = { httpStatusCode: status };
  }
}

/** An answer that is not what S3 sends for the request; s3-errors maps it to a retryable MalformedAnswerError. */
export class MalformedS3Answer extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'MalformedS3Answer';
  }
}

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
const DECIMAL = /^\d+$/;

/**
 * What a HEAD or GET answer says of the object (user metadata under lower-case names, as S3 returns them).
 * S3 always sends Content-Length and ETag with an object: without them the size would read as 0 and nothing could be
 * verified, so such an answer (a proxy's page, a cut header block) is malformed.
 */
export function headFromHeaders(key: string, headers: IncomingHttpHeaders): ObjectHead {
  const length = header(headers, 'content-length');
  if (length === undefined || !DECIMAL.test(length))
    throw new MalformedS3Answer(`object answer without a valid Content-Length (${length ?? 'none'})`);
  const etag = header(headers, 'etag');
  if (!etag) throw new MalformedS3Answer('object answer without an ETag');
  const metadata: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    if (name.startsWith(META_PREFIX)) metadata[name.slice(META_PREFIX.length)] = header(headers, name) ?? '';
  }
  const tagCount = header(headers, 'x-amz-tagging-count');
  return {
    key,
    size: Number(length),
    etag,
    lastModified: httpDate(header(headers, 'last-modified')),
    storageClass: header(headers, 'x-amz-storage-class'),
    restore: header(headers, 'x-amz-restore'),
    archiveStatus: header(headers, 'x-amz-archive-status'),
    contentType: header(headers, 'content-type'),
    contentEncoding: header(headers, 'content-encoding'),
    contentLanguage: header(headers, 'content-language'),
    contentDisposition: header(headers, 'content-disposition'),
    cacheControl: header(headers, 'cache-control'),
    // Raw, never parsed: new Date("0") is the year 2000, "3600" the year 3600, "never" no date at all (dropped).
    expires: header(headers, 'expires'),
    metadata,
    tagCount: tagCount === undefined ? undefined : Number(tagCount),
    serverSideEncryption: header(headers, 'x-amz-server-side-encryption'),
  };
}

/**
 * A part HEAD's answer (partNumber): the part's size and the object's part count. Stores that ignore partNumber answer
 * the whole object without x-amz-mp-parts-count: then undefined, as nothing about the parts is known.
 */
export function storedPartFromHeaders(headers: IncomingHttpHeaders): StoredPart | undefined {
  const length = header(headers, 'content-length');
  const count = header(headers, 'x-amz-mp-parts-count');
  if (length === undefined || count === undefined || !DECIMAL.test(length) || !DECIMAL.test(count)) return undefined;
  return {
    size: Number(length),
    partsCount: Number(count),
    serverSideEncryption: header(headers, 'x-amz-server-side-encryption'),
  };
}

/** The encryption a write answer says the store applied (x-amz-server-side-encryption), if any. */
export function encryptionOfWrite(headers: IncomingHttpHeaders): string | undefined {
  return header(headers, 'x-amz-server-side-encryption');
}

/** The ETag a PUT or UploadPart answer must carry: the proof of what the store wrote. */
export function etagOfWrite(headers: IncomingHttpHeaders): string {
  const etag = header(headers, 'etag');
  if (!etag) throw new MalformedS3Answer('write answered 2xx without an ETag');
  return etag;
}

/** The headers of a PUT (or a multipart start) that carry the attributes and destination choices. */
export function writeHeaders(o: WriteOptions): Record<string, string> {
  const h: Record<string, string> = {};
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== '') h[name] = value;
  };
  set('content-type', o.contentType);
  set('content-encoding', o.contentEncoding);
  set('content-language', o.contentLanguage);
  set('content-disposition', o.contentDisposition);
  set('cache-control', o.cacheControl);
  set('expires', o.expires);
  for (const [k, v] of Object.entries(o.metadata ?? {})) h[`${META_PREFIX}${k.toLowerCase()}`] = v;
  set('x-amz-storage-class', o.storageClass);
  set('x-amz-acl', o.acl);
  set('x-amz-server-side-encryption', o.sse);
  set('x-amz-server-side-encryption-aws-kms-key-id', o.kmsKeyId);
  if (o.tags && Object.keys(o.tags).length) h['x-amz-tagging'] = new URLSearchParams(o.tags).toString();
  return h;
}

/** A content type no S3 XML answer has: a captive portal, a web server or an API gateway answered instead. */
export function implausibleXmlType(contentType: string | undefined): boolean {
  return contentType !== undefined && /html|json|javascript/i.test(contentType);
}

type XmlNode = Record<string, unknown>;

/** Elements that may repeat and are always read as lists. */
const REPEATED = new Set(['Contents', 'CommonPrefixes', 'Tag', 'Part', 'Upload']);

/**
 * A complete XML document as nested objects: an element with child elements is an object of them (REPEATED ones
 * as arrays), a leaf is its text — kept exactly as sent (no trimming, no end-of-line normalisation, so a raw CR in a
 * key survives; character references decoded). sax in strict mode rejects mismatched or unclosed tags and text
 * outside the root; an empty document, a second root or a cut one is rejected here.
 */
function readXml(text: string): { root: string; node: unknown } {
  const parser = sax.parser(true, { trim: false, normalize: false, position: true });
  interface Open {
    name: string;
    children?: XmlNode;
    text: string;
  }
  const stack: Open[] = [];
  let root: { root: string; node: unknown } | undefined;
  let roots = 0;
  parser.onopentag = (tag) => {
    if (stack.length === 0) roots++;
    stack.push({ name: tag.name, text: '' });
  };
  parser.ontext = (t) => {
    if (stack.length) stack[stack.length - 1].text += t;
  };
  parser.oncdata = parser.ontext;
  parser.onclosetag = () => {
    const done = stack.pop();
    if (!done) throw new MalformedS3Answer('a closing tag without its opening tag');
    const value: unknown = done.children ?? done.text;
    const parent = stack[stack.length - 1];
    if (!parent) {
      root = { root: done.name, node: value };
      return;
    }
    const siblings = parent.children ?? {};
    parent.children = siblings;
    if (REPEATED.has(done.name)) {
      const repeated = (siblings[done.name] ?? []) as unknown[];
      siblings[done.name] = repeated;
      repeated.push(value);
    } else if (done.name in siblings) throw new MalformedS3Answer(`<${done.name}> appears twice in <${parent.name}>`);
    else siblings[done.name] = value;
  };
  try {
    parser.write(text).close();
  } catch (err) {
    if (err instanceof MalformedS3Answer) throw err;
    const start = JSON.stringify(text.slice(0, 40));
    throw new MalformedS3Answer(
      `not a complete XML document: ${(err as Error).message.split('\n')[0]} (starts ${start})`,
    );
  }
  if (!root || stack.length)
    throw new MalformedS3Answer(
      `not a complete XML document: no closed root element (starts ${JSON.stringify(text.slice(0, 40))})`,
    );
  if (roots !== 1) throw new MalformedS3Answer(`not one XML document: ${roots} root elements`);
  return root;
}

/** Status of an <Error> document that came with a 2xx answer, from its code (unknown codes: 500, as S3 advises a retry). */
const ERROR_STATUS: Record<string, number> = {
  AccessDenied: 403,
  InvalidAccessKeyId: 403,
  SignatureDoesNotMatch: 403,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  EntityTooSmall: 400,
  SlowDown: 503,
};

/** The root element of a complete, well-formed XML document, checked to be `expected` (an <Error> root throws its S3HttpError). */
export function parseS3Document(text: string, expected: string, alsoNamed: readonly string[] = []): XmlNode {
  if (text.length === 0) throw new MalformedS3Answer(`empty body where <${expected}> was expected`);
  const { root, node } = readXml(text);
  if (root === 'Error' && expected !== 'Error') {
    const e = (typeof node === 'object' && node !== null ? node : {}) as XmlNode;
    const code = text1(e.Code) ?? 'InternalError';
    throw new S3HttpError(ERROR_STATUS[code] ?? 500, code, text1(e.Message) ?? code);
  }
  if (root !== expected && !alsoNamed.includes(root))
    throw new MalformedS3Answer(`expected <${expected}>, got <${root}>`);
  return typeof node === 'object' && node !== null ? (node as XmlNode) : {};
}

/** A leaf element's text (undefined when absent; a leaf that has children is malformed). */
function text1(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  throw new MalformedS3Answer('an element expected to hold text holds elements');
}

function required(node: XmlNode, field: string, where: string): string {
  const v = text1(node[field]);
  if (v === undefined || v === '') throw new MalformedS3Answer(`<${where}> without <${field}>`);
  return v;
}

/** An error answer's body that is not an S3 error document, described for a message: content type and first words. */
export function describeForeignBody(contentType: string | undefined, text: string): string {
  // A page's words, not its markup; control characters and runs of white space become single spaces (one log line).
  const words = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/[\s\p{Cc}]+/gu, ' ')
    .trim();
  const start = words.length > 80 ? `${words.slice(0, 80)}…` : words;
  return `${contentType ? contentType.split(';')[0] : 'a body'} ${JSON.stringify(start)}`;
}

/** Code and message of an error answer, when it is a readable <Error> document (error answers need not be XML). */
export function parseErrorDocument(text: string): {
  code?: string;
  message?: string;
  region?: string;
  endpointRegion?: string;
} {
  try {
    const e = parseS3Document(text, 'Error');
    // AuthorizationHeaderMalformed names the bucket's region in <Region>; PermanentRedirect its endpoint in <Endpoint>.
    const endpoint = text1(e.Endpoint);
    const endpointRegion = endpoint ? regionOfEndpoint(endpoint) : undefined;
    return {
      code: text1(e.Code),
      message: text1(e.Message),
      region: text1(e.Region) ?? endpointRegion,
      endpointRegion,
    };
  } catch {
    return {};
  }
}

/** The region in a store's endpoint host: S3 `s3.<r>.` / `s3-<r>.`, OSS `oss-<r>.aliyuncs.com`, COS `cos.<r>.myqcloud.com`. */
function regionOfEndpoint(endpoint: string): string | undefined {
  return (
    /\bs3[.-]([a-z]{2}(?:-[a-z]+)+-\d)\./.exec(endpoint)?.[1] ??
    /\boss-([a-z]{2}-[a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com/.exec(endpoint)?.[1] ??
    /\bcos\.([a-z]{2}-[a-z0-9-]+)\.myqcloud\.com/.exec(endpoint)?.[1]
  );
}

export interface ListPage {
  objects: ObjectSummary[];
  /** The sub-prefixes a listing with a delimiter rolled up (<CommonPrefixes>), each ending with the delimiter. */
  folders: string[];
  /** Continuation token of the next page; undefined on the last page. */
  nextToken?: string;
}

/**
 * A key from a listing asked for with encoding-type=url: S3 form-encodes it (a space is "+", a "+" is "%2B").
 * Without the encoding, keys with a CR or characters XML 1.0 cannot carry do not survive the listing.
 */
export function decodeListedKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    throw new MalformedS3Answer(`listed key ${JSON.stringify(encoded.slice(0, 80))} is not valid URL encoding`);
  }
}

/**
 * One ListObjectsV2 answer: a complete <ListBucketResult> whose IsTruncated says whether more follows (a truncated
 * page must name its continuation token), whose KeyCount, when sent, counts its entries, and whose Name, when sent, is
 * the bucket asked for. Keys are URL-decoded when the answer says <EncodingType>url</EncodingType> (servers that
 * ignore the request send them raw, and they are kept as sent).
 */
export function parseListPage(xml: string, bucket?: string): ListPage {
  const page = parseS3Document(xml, 'ListBucketResult');
  const name = text1(page.Name);
  if (bucket !== undefined && name !== undefined && name !== bucket)
    throw new MalformedS3Answer(`listing of bucket "${name}", not "${bucket}"`);
  const truncated = text1(page.IsTruncated);
  if (truncated !== 'true' && truncated !== 'false')
    throw new MalformedS3Answer(`<IsTruncated> is ${JSON.stringify(truncated ?? null)}, not true or false`);
  const token = text1(page.NextContinuationToken);
  if (truncated === 'true' && !token)
    throw new MalformedS3Answer(
      text1(page.NextMarker) !== undefined || text1(page.Marker) !== undefined
        ? 'the listing says it is truncated but gives no <NextContinuationToken>: the store answered a ListObjects (V1) page, with markers; the endpoint does not support ListObjectsV2'
        : 'the listing says it is truncated but gives no <NextContinuationToken>',
    );
  const urlEncoded = text1(page.EncodingType) === 'url';
  const entries = (page.Contents ?? []) as XmlNode[];
  const objects: ObjectSummary[] = entries.map((entry) => {
    if (entry === null || typeof entry !== 'object') throw new MalformedS3Answer('an empty <Contents> entry');
    const listed = required(entry, 'Key', 'Contents');
    const size = required(entry, 'Size', 'Contents');
    if (!DECIMAL.test(size)) throw new MalformedS3Answer(`<Size> ${JSON.stringify(size)} is not a byte count`);
    const modified = text1(entry.LastModified);
    return {
      key: urlEncoded ? decodeListedKey(listed) : listed,
      size: Number(size),
      etag: text1(entry.ETag),
      lastModified: modified ? new Date(modified) : undefined,
      storageClass: text1(entry.StorageClass),
    };
  });
  const folders = ((page.CommonPrefixes ?? []) as XmlNode[]).map((entry) => {
    if (entry === null || typeof entry !== 'object') throw new MalformedS3Answer('an empty <CommonPrefixes> entry');
    const listed = required(entry, 'Prefix', 'CommonPrefixes');
    return urlEncoded ? decodeListedKey(listed) : listed;
  });
  const keyCount = text1(page.KeyCount);
  // S3 counts objects and folders; s3rver counts the objects alone. Either way a page cut short counts more.
  const counted = Number(keyCount);
  if (keyCount !== undefined && counted !== objects.length + folders.length && counted !== objects.length) {
    throw new MalformedS3Answer(
      `<KeyCount> says ${keyCount} entries, the page holds ${objects.length + folders.length}`,
    );
  }
  return { objects, folders, nextToken: truncated === 'true' ? token : undefined };
}

/** CreateMultipartUpload's answer: its UploadId. */
export function parseInitiateMultipart(xml: string): string {
  return required(parseS3Document(xml, 'InitiateMultipartUploadResult'), 'UploadId', 'InitiateMultipartUploadResult');
}

/** ListMultipartUploads' answer: each upload's key, id and start (a page; `prefix` asked the key). */
export function parseListUploads(xml: string): { key: string; uploadId: string; initiated?: Date }[] {
  const result = parseS3Document(xml, 'ListMultipartUploadsResult');
  return ((result.Upload ?? []) as XmlNode[]).map((entry) => {
    if (entry === null || typeof entry !== 'object') throw new MalformedS3Answer('an empty <Upload> entry');
    const initiated = text1(entry.Initiated);
    const date = initiated ? new Date(initiated) : undefined;
    return {
      key: required(entry, 'Key', 'Upload'),
      uploadId: required(entry, 'UploadId', 'Upload'),
      initiated: date && !Number.isNaN(date.getTime()) ? date : undefined,
    };
  });
}

/**
 * CompleteMultipartUpload's answer (which may be an <Error> after a 200 status line): the object's ETag. Some stores
 * name the root <CompleteMultipartUploadResponse> (moto 5.2.1 does; the SDKs read either): the same answer, taken.
 */
export function parseCompleteMultipart(xml: string): string {
  const result = parseS3Document(xml, 'CompleteMultipartUploadResult', ['CompleteMultipartUploadResponse']);
  return required(result, 'ETag', 'CompleteMultipartUploadResult');
}

/** CopyObject's answer (which may be an <Error> after a 200 status line): the new object's ETag. */
export function parseCopyObject(xml: string): string {
  return required(parseS3Document(xml, 'CopyObjectResult'), 'ETag', 'CopyObjectResult');
}

/** GetObjectTagging's answer: the tag set. */
export function parseTagging(xml: string): Record<string, string> {
  const tagging = parseS3Document(xml, 'Tagging');
  const set = tagging.TagSet;
  if (set === undefined || set === '') return {};
  if (typeof set !== 'object' || set === null) throw new MalformedS3Answer('<TagSet> holds text, not tags');
  const tags: Record<string, string> = {};
  for (const t of ((set as XmlNode).Tag ?? []) as XmlNode[]) {
    tags[required(t, 'Key', 'Tag')] = text1(t.Value) ?? '';
  }
  return tags;
}

function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' } as Record<string, string>)[c]};`,
  );
}

/** The body of CompleteMultipartUpload: the parts in ascending order with their ETags. */
export function completeMultipartBody(parts: UploadedPart[]): string {
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  return `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${sorted
    .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`)
    .join('')}</CompleteMultipartUpload>`;
}
