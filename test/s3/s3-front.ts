/**
 * A recording, policy-enforcing front for a local s3rver, standing in for the AWS behaviours s3rver lacks:
 * - `requireSse`: a bucket policy that denies PutObject / CreateMultipartUpload / CopyObject without the
 *   x-amz-server-side-encryption header (and, with `requireKmsKeyId`, without that key id) — 403 AccessDenied as AWS answers;
 * - `kms`: an SSE-KMS bucket — every ETag it answers (headers, listings, multipart and copy results) is a stable
 *   per-version value that is not the MD5 of the content, and object answers say `x-amz-server-side-encryption: aws:kms`
 *   (If-Match is translated back, so conditional reads still work);
 * - `upperCaseEtags`: an OSS-like store that answers MD5 ETags in upper-case hex;
 * - `multipartEtags`: AWS's ETag for an object completed by CompleteMultipartUpload — the MD5 of its parts' MD5s and
 *   "-N", in every answer (s3rver answers the whole object's MD5, which would let a plain ETag comparison see it);
 *   If-Match with it is translated back, and a HEAD with `partNumber` answers as AWS does for such an object: 206,
 *   that part's Content-Length and Content-Range, and `x-amz-mp-parts-count` (416 past the last part; s3rver ignores
 *   partNumber, answering the whole object without a part count — the answer of a store that does not describe parts);
 * - `refuseSigned`: a public bucket seen with keys of another partition — any signed request is 403 InvalidAccessKeyId;
 * - `refuseUnsigned`: a bucket that is not public — any unsigned request is 403 AccessDenied;
 * - `aclsDisabled`: a bucket with Object Ownership "bucket owner enforced" (the default since 2023) — a write that sets an
 *   ACL other than bucket-owner-full-control is 400 AccessControlListNotSupported;
 * - `wrongRegion`: the bucket lives in another region — every request is answered as S3 answers one sent to the wrong
 *   region: 301 PermanentRedirect with `x-amz-bucket-region` and the bucket's endpoint in the error (`redirect`), or
 *   400 AuthorizationHeaderMalformed naming the expected region in <Region> (`authorization`, a request signed for the
 *   wrong region); or, as Alibaba OSS answers a bucket asked at another region's endpoint (`oss`), 403 AccessDenied
 *   naming the bucket's endpoint (`oss-<region>.aliyuncs.com`) in <Endpoint>;
 * - `archived`: keys in an archive tier of S3 Intelligent-Tiering, not restored — a GET is 403 InvalidObjectState,
 *   a HEAD says `x-amz-storage-class: INTELLIGENT_TIERING` and `x-amz-archive-status: ARCHIVE_ACCESS`, as AWS answers
 *   (listings name only INTELLIGENT_TIERING, so nothing before the read can tell);
 * - `objectLock`: a bucket with Object Lock and a default retention — a PutObject or UploadPart without Content-MD5 (or
 *   an x-amz-checksum-* header) is 400 InvalidRequest, and one whose Content-MD5 differs from the body is 400 BadDigest;
 * - `requesterPays`: a requester-pays bucket seen from another account — a request without
 *   `x-amz-request-payer: requester` is 403 AccessDenied "Access Denied";
 * - `ignoreStartAfter`: a store that ignores `start-after` — listings start at the first key whatever they ask;
 * - `denyListing`: a bucket policy that grants writes and reads but not s3:ListBucket — a listing is 403 AccessDenied,
 *   and so is a HEAD or GET of a key that does not exist (AWS answers 403 instead of 404 without that permission).
 * - `gcsTranscoding`: GCS's decompressive transcoding — an object stored with Content-Encoding gzip is served to a GET
 *   that does not accept gzip decompressed, whole (any Range ignored), without Content-Length or Content-Encoding, with
 *   `x-goog-stored-content-encoding: gzip`; a GET with `Accept-Encoding: gzip` gets the stored bytes.
 * - `copySourceIfMatch`: S3's conditional copy — a CopyObject with `x-amz-copy-source-if-match` whose source now has
 *   another ETag is 412 PreconditionFailed, nothing copied (s3rver ignores the header and copies what is there).
 * Every request is recorded (operation, headers), so tests check what was sent, e.g. that nothing was signed.
 */
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classifyS3Request, type S3Operation } from '../support/fault-proxy.js';

export interface S3FrontOptions {
  target: string;
  requireSse?: 'AES256' | 'aws:kms';
  requireKmsKeyId?: string;
  kms?: boolean;
  upperCaseEtags?: boolean;
  multipartEtags?: boolean;
  refuseSigned?: boolean;
  refuseUnsigned?: boolean;
  archived?: string[];
  aclsDisabled?: boolean;
  wrongRegion?: { region: string; answer: 'redirect' | 'authorization' | 'oss' };
  objectLock?: boolean;
  /** true: every request; bucket names: requests to those buckets and copies out of them (CopyObject, UploadPartCopy). */
  requesterPays?: boolean | string[];
  /** A store that ignores `start-after` on listings: the query parameter is dropped on the way (s3rver checks no signature). */
  ignoreStartAfter?: boolean;
  denyListing?: boolean;
  gcsTranscoding?: boolean;
  copySourceIfMatch?: boolean;
}

export interface RecordedRequest {
  op: S3Operation;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface S3Front {
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  /** Recorded requests of these operations. */
  of(...ops: S3Operation[]): RecordedRequest[];
  /** Access key ids of the signed requests, in order (Credential=<id>/…). */
  keyIds(): string[];
  close(): Promise<void>;
}

const WRITES = new Set<S3Operation>(['PutObject', 'CreateMultipartUpload', 'CopyObject']);
const BODY_WRITES = new Set<S3Operation>(['PutObject', 'UploadPart']);
const OBJECT_ANSWERS = new Set<S3Operation>([
  'HeadObject',
  'GetObject',
  'PutObject',
  'UploadPart',
  'CompleteMultipartUpload',
  'CopyObject',
  'CreateMultipartUpload',
]);
const XML_WITH_ETAGS = new Set<S3Operation>(['ListObjects', 'CompleteMultipartUpload', 'CopyObject']);

/** Whether the request reads a requester-pays bucket: addressed to it (path style), or copying out of it. */
function paysRequester(req: IncomingMessage, requesterPays: S3FrontOptions['requesterPays']): boolean {
  if (requesterPays === undefined || requesterPays === false) return false;
  if (requesterPays === true) return true;
  const bucket = decodeURIComponent((req.url ?? '/').split('?')[0].split('/')[1] ?? '');
  const copySource = decodeURIComponent(String(req.headers['x-amz-copy-source'] ?? '')).replace(/^\//, '');
  return requesterPays.some((b) => b === bucket || copySource.startsWith(`${b}/`));
}

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>s3-front</RequestId></Error>`;
}

export async function startS3Front(options: S3FrontOptions): Promise<S3Front> {
  const target = new URL(options.target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const requests: RecordedRequest[] = [];
  /** KMS-style ETag → the store's own, for If-Match. */
  const original = new Map<string, string>();

  /** The store's whole-object MD5 of an object completed from parts → AWS's "md5-of-part-md5s-N". */
  const multipartEtag = new Map<string, string>();
  /** AWS's multipart ETag of the CompleteMultipartUpload being forwarded, by upload id. */
  const completing = new Map<string, string>();
  /** AWS's multipart ETag → the store's own, for If-Match. */
  const storeEtagOf = new Map<string, string>();
  /** Sizes of the parts sent, by upload id and part number; of the parts completed, by the store's whole-object MD5. */
  const uploadedSizes = new Map<string, Map<number, number>>();
  const completingSizes = new Map<string, number[]>();
  const partSizes = new Map<string, number[]>();

  const rewriteHex = (hex: string): string => {
    if (options.multipartEtags) return multipartEtag.get(hex.toLowerCase()) ?? hex;
    if (options.kms) {
      const kms = createHash('sha256').update(`kms:${hex.toLowerCase()}`).digest('hex').slice(0, 32);
      original.set(kms, hex);
      return kms;
    }
    return options.upperCaseEtags ? hex.toUpperCase() : hex;
  };
  const rewriteEtag = (etag: string) => etag.replace(/[0-9a-fA-F]{32}/, rewriteHex);
  const rewriting = options.kms || options.upperCaseEtags || options.multipartEtags;

  /** Answers once the request body is drained: an answer sent while an upload is still arriving resets it. */
  const reply = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    headers: Record<string, string | number>,
    body?: string,
  ) => {
    const answer = () => {
      res.writeHead(status, headers);
      res.end(body);
    };
    if (req.readableEnded) answer();
    else {
      req.on('end', answer);
      req.resume();
    }
  };

  const deny = (req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string) => {
    const body = errorXml(code, message);
    reply(req, res, status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }, body);
  };

  const wrongRegion = (req: IncomingMessage, res: ServerResponse, w: NonNullable<S3FrontOptions['wrongRegion']>) => {
    const bucket = new URL(req.url ?? '/', 'http://x').pathname.split('/')[1] ?? '';
    const [status, body] =
      w.answer === 'oss'
        ? [
            403,
            `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.</Message><RequestId>s3-front</RequestId><Bucket>${bucket}</Bucket><Endpoint>oss-${w.region}.aliyuncs.com</Endpoint></Error>`,
          ]
        : w.answer === 'redirect'
          ? [
              301,
              `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.</Message><Endpoint>${bucket}.s3.${w.region}.amazonaws.com</Endpoint><Bucket>${bucket}</Bucket><RequestId>s3-front</RequestId></Error>`,
            ]
          : [
              400,
              `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; the region 'us-east-1' is wrong; expecting '${w.region}'</Message><Region>${w.region}</Region><RequestId>s3-front</RequestId></Error>`,
            ];
    const head = req.method === 'HEAD';
    const headers = {
      'content-type': 'application/xml',
      ...(w.answer === 'redirect' ? { 'x-amz-bucket-region': w.region } : {}),
      ...(head ? {} : { 'content-length': Buffer.byteLength(body) }),
    };
    reply(req, res, status, headers, head ? undefined : body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const op = classifyS3Request(method, url, req.headers);
    requests.push({ op, method, url, headers: { ...req.headers } });

    if (options.refuseSigned && req.headers.authorization) {
      return deny(
        req,
        res,
        403,
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
      );
    }
    if (options.refuseUnsigned && !req.headers.authorization)
      return deny(req, res, 403, 'AccessDenied', 'Access Denied');
    if (paysRequester(req, options.requesterPays) && req.headers['x-amz-request-payer'] !== 'requester')
      return deny(req, res, 403, 'AccessDenied', 'Access Denied');
    if (options.requireSse && WRITES.has(op)) {
      const sse = req.headers['x-amz-server-side-encryption'];
      const keyId = req.headers['x-amz-server-side-encryption-aws-kms-key-id'];
      if (sse !== options.requireSse || (options.requireKmsKeyId !== undefined && keyId !== options.requireKmsKeyId)) {
        return deny(req, res, 403, 'AccessDenied', 'Access Denied (bucket policy requires server-side encryption)');
      }
    }

    if (options.wrongRegion) return wrongRegion(req, res, options.wrongRegion);
    if (options.denyListing && op === 'ListObjects') return deny(req, res, 403, 'AccessDenied', 'Access Denied');
    const acl = req.headers['x-amz-acl'];
    if (options.aclsDisabled && WRITES.has(op) && acl !== undefined && acl !== 'bucket-owner-full-control')
      return deny(req, res, 400, 'AccessControlListNotSupported', 'The bucket does not allow ACLs');
    const archived = options.archived?.includes(
      decodeURIComponent(new URL(url, 'http://x').pathname.split('/').slice(2).join('/')),
    );
    if (archived && op === 'GetObject')
      return deny(req, res, 403, 'InvalidObjectState', "The operation is not valid for the object's access tier");

    const headers = { ...req.headers };
    delete headers.connection;
    const ifMatch = headers['if-match'];
    if (ifMatch && options.kms) headers['if-match'] = ifMatch.replace(/[0-9a-f]{32}/, (h) => original.get(h) ?? h);
    if (ifMatch && options.multipartEtags)
      headers['if-match'] = ifMatch.replace(/[0-9a-f]{32}-\d+/, (h) => storeEtagOf.get(h) ?? h);
    const query = new URL(url, 'http://x').searchParams;
    if (options.multipartEtags && op === 'UploadPart') {
      const sizes = uploadedSizes.get(query.get('uploadId') ?? '') ?? new Map<number, number>();
      uploadedSizes.set(query.get('uploadId') ?? '', sizes);
      sizes.set(Number(query.get('partNumber')), Number(req.headers['content-length']));
    }

    const path = options.ignoreStartAfter ? url.replace(/([?&])start-after=[^&]*&?/, '$1').replace(/[?&]$/, '') : url;
    const request = () => {
      const upstream = http.request(
        { host: target.hostname, port: target.port, method, path, headers, agent },
        (up) => {
          const status = up.statusCode ?? 502;
          const out = { ...up.headers };
          delete out.connection;
          delete out['keep-alive'];
          const ok = status >= 200 && status < 300;
          if (status === 404 && options.denyListing && (op === 'HeadObject' || op === 'GetObject')) {
            up.resume();
            return deny(req, res, 403, 'AccessDenied', 'Access Denied');
          }
          const sizes = partSizes.get(/[0-9a-f]{32}/i.exec(String(out.etag ?? ''))?.[0].toLowerCase() ?? '');
          if (ok && op === 'HeadObject' && query.has('partNumber') && sizes) {
            const n = Number(query.get('partNumber'));
            if (!(n >= 1 && n <= sizes.length)) {
              res.writeHead(416, { 'content-length': 0 });
              up.resume();
              return res.end();
            }
            const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
            const total = sizes.reduce((a, b) => a + b, 0);
            Object.assign(out, {
              'content-length': String(sizes[n - 1]),
              'content-range': `bytes ${start}-${start + sizes[n - 1] - 1}/${total}`,
              'x-amz-mp-parts-count': String(sizes.length),
              etag: typeof out.etag === 'string' ? rewriteEtag(out.etag) : out.etag,
            });
            res.writeHead(206, out);
            up.resume();
            return res.end();
          }
          if (ok && rewriting && typeof out.etag === 'string') out.etag = rewriteEtag(out.etag);
          if (ok && options.kms && OBJECT_ANSWERS.has(op)) out['x-amz-server-side-encryption'] = 'aws:kms';
          if (ok && archived && op === 'HeadObject') {
            out['x-amz-storage-class'] = 'INTELLIGENT_TIERING';
            out['x-amz-archive-status'] = 'ARCHIVE_ACCESS';
          }
          if (ok && rewriting && XML_WITH_ETAGS.has(op)) {
            const chunks: Buffer[] = [];
            up.on('data', (c: Buffer) => chunks.push(c));
            up.on('end', () => {
              const answer = Buffer.concat(chunks).toString('utf8');
              const uploadId = new URL(url, 'http://x').searchParams.get('uploadId') ?? '';
              const whole = /<ETag>(?:"|&quot;)?([0-9a-fA-F]{32})/.exec(answer)?.[1];
              const aws = completing.get(uploadId);
              if (op === 'CompleteMultipartUpload' && whole && aws) {
                multipartEtag.set(whole.toLowerCase(), aws);
                storeEtagOf.set(aws, whole.toLowerCase());
                partSizes.set(whole.toLowerCase(), completingSizes.get(uploadId) ?? []);
              }
              const text = answer.replace(
                /<ETag>([^<]*)<\/ETag>/g,
                (_m, inner: string) => `<ETag>${rewriteEtag(inner)}</ETag>`,
              );
              out['content-length'] = String(Buffer.byteLength(text));
              delete out['transfer-encoding'];
              res.writeHead(status, out);
              res.end(text);
            });
            up.on('error', () => res.destroy());
            return;
          }
          const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
          if (
            ok &&
            options.gcsTranscoding &&
            op === 'GetObject' &&
            out['content-encoding'] === 'gzip' &&
            !acceptsGzip
          ) {
            for (const h of ['content-length', 'content-encoding', 'content-range', 'etag']) delete out[h];
            out['x-goog-stored-content-encoding'] = 'gzip';
            res.writeHead(200, out);
            up.pipe(createGunzip()).pipe(res);
            up.on('error', () => res.destroy());
            return;
          }
          res.writeHead(status, out);
          up.pipe(res);
          up.on('error', () => res.destroy());
        },
      );
      upstream.on('error', () => res.destroy());
      return upstream;
    };
    const forward = (body?: Buffer) => {
      if (body) {
        headers['content-length'] = String(body.length);
        delete headers['transfer-encoding'];
      }
      const upstream = request();
      if (body) upstream.end(body);
      else req.pipe(upstream);
    };
    const copyIfMatch = headers['x-amz-copy-source-if-match'];
    if (options.copySourceIfMatch && op === 'CopyObject' && typeof copyIfMatch === 'string') {
      const source = `/${String(headers['x-amz-copy-source']).replace(/^\//, '')}`;
      const check = http.request({ host: target.hostname, port: target.port, method: 'HEAD', path: source, agent });
      check.on('response', (now) => {
        now.resume();
        if (now.statusCode === 200 && now.headers.etag === copyIfMatch) return forward();
        deny(req, res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      });
      check.on('error', () => res.destroy());
      check.end();
      return;
    }
    if (options.multipartEtags && op === 'CompleteMultipartUpload') {
      // The parts' ETags (their MD5s, as the client sends them back) make AWS's ETag of the whole.
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const parts = [...body.toString('utf8').matchAll(/<ETag>(?:"|&quot;)?([0-9a-fA-F]{32})/g)].map((m) => m[1]);
        const digest = createHash('md5');
        for (const part of parts) digest.update(Buffer.from(part, 'hex'));
        const uploadId = new URL(url, 'http://x').searchParams.get('uploadId') ?? '';
        completing.set(uploadId, `${digest.digest('hex')}-${parts.length}`);
        const numbers = [...body.toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) =>
          Number(m[1]),
        );
        completingSizes.set(
          uploadId,
          numbers.map((n) => uploadedSizes.get(uploadId)?.get(n) ?? 0),
        );
        forward(body);
      });
      return;
    }
    if (options.objectLock && BODY_WRITES.has(op)) {
      const sentMd5 = req.headers['content-md5'];
      const checksum = Object.keys(req.headers).some((h) => h.startsWith('x-amz-checksum-'));
      if (sentMd5 === undefined && !checksum) {
        const message =
          'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters';
        return deny(req, res, 400, 'InvalidRequest', message);
      }
      if (sentMd5 !== undefined) {
        // S3 stores nothing whose bytes differ from the Content-MD5 sent (s3rver does not check it).
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          if (createHash('md5').update(body).digest('base64') !== sentMd5) {
            const message = 'The Content-MD5 you specified did not match what we received.';
            return deny(req, res, 400, 'BadDigest', message);
          }
          forward(body);
        });
        return;
      }
    }
    forward();
  };

  const server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    of: (...ops) => requests.filter((r) => ops.includes(r.op)),
    keyIds: () =>
      requests
        .map((r) => /Credential=([^/]+)\//.exec(String(r.headers.authorization ?? ''))?.[1])
        .filter((k): k is string => k !== undefined),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
