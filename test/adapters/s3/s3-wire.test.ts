/**
 * Listing pages as S3 sends them. With encoding-type=url, AWS form-encodes keys (measured on AWS: "a b" → "a+b",
 * "a+b" → "a%2Bb"); servers that ignore the request answer raw keys and no <EncodingType>. No local server encodes,
 * so the encoded form is checked here on AWS-shaped answers, and the raw form end to end by the copy suites.
 */
import { describe, expect, it } from 'vitest';
import {
  completeMultipartBody,
  headFromHeaders,
  MalformedS3Answer,
  parseCompleteMultipart,
  parseCopyObject,
  parseInitiateMultipart,
  parseErrorDocument,
  parseListPage,
  parseTagging,
  S3HttpError,
} from '../../../worker/adapters/s3/s3-wire.js';

function page(contents: string[], extra: string): string {
  const entries = contents.map(
    (k) =>
      `<Contents><Key>${k}</Key><LastModified>2026-11-25T10:00:00.000Z</LastModified><ETag>&quot;9dd4e461268c8034f5c8564e155c67a6&quot;</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><KeyCount>${contents.length}</KeyCount><MaxKeys>1000</MaxKeys>${extra}${entries.join('')}</ListBucketResult>`;
}

describe('parseListPage', () => {
  it('decodes url-encoded keys: space, plus, percent, CR, a control character and UTF-8', () => {
    const xml = page(
      ['a+b.txt', 'a%2Bb.txt', '100%25.csv', 'car%0Dret', 'ctl%01', '%ED%95%9C%EA%B8%80/x.txt'],
      '<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>',
    );
    expect(parseListPage(xml).objects.map((o) => o.key)).toEqual([
      'a b.txt',
      'a+b.txt',
      '100%.csv',
      'car\rret',
      'ctl\u0001',
      '한글/x.txt',
    ]);
  });

  it('takes keys literally (entities decoded) when the server did not encode them', () => {
    const xml = page(['a+b%2B &amp; &lt;c&gt;', 'car\rret', 'x&#13;y'], '<IsTruncated>false</IsTruncated>');
    expect(parseListPage(xml).objects.map((o) => o.key)).toEqual(['a+b%2B & <c>', 'car\rret', 'x\ry']);
  });

  it('reads size, ETag, date and storage class, and the continuation token only while truncated', () => {
    const truncated = parseListPage(
      page(['k'], '<IsTruncated>true</IsTruncated><NextContinuationToken>1/2+3==</NextContinuationToken>'),
    );
    expect(truncated.objects[0]).toEqual({
      key: 'k',
      size: 1,
      etag: '"9dd4e461268c8034f5c8564e155c67a6"',
      lastModified: new Date('2026-11-25T10:00:00.000Z'),
      storageClass: 'STANDARD',
    });
    expect(truncated.nextToken).toBe('1/2+3==');
    // The token may also follow the entries; a finished listing has none.
    const tokenAfter = `${page(['k'], '<IsTruncated>true</IsTruncated>').replace('</ListBucketResult>', '')}<NextContinuationToken>t2</NextContinuationToken></ListBucketResult>`;
    expect(parseListPage(tokenAfter).nextToken).toBe('t2');
    expect(
      parseListPage(page([], '<IsTruncated>false</IsTruncated><NextContinuationToken>stale</NextContinuationToken>'))
        .nextToken,
    ).toBeUndefined();
  });
});

/** What a parser throws for `xml`, or undefined. */
function failure(parse: () => unknown): unknown {
  try {
    parse();
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('parseListPage is strict', () => {
  const full = page(['a', 'b', 'c', 'd'], '<IsTruncated>false</IsTruncated>');

  it('a page cut cleanly after an entry (no closing tag) is malformed, not a short last page', () => {
    const cut = full.slice(0, full.indexOf('</Contents>', full.indexOf('<Key>b</Key>')) + '</Contents>'.length);
    expect(failure(() => parseListPage(cut))).toBeInstanceOf(MalformedS3Answer);
    // The same with the token before the entries (as s3rver sends it): the rest of the page is not skipped either.
    const withToken = page(
      ['a', 'b', 'c'],
      '<NextContinuationToken>t</NextContinuationToken><IsTruncated>true</IsTruncated>',
    );
    expect(failure(() => parseListPage(withToken.slice(0, withToken.indexOf('<Key>c</Key>'))))).toBeInstanceOf(
      MalformedS3Answer,
    );
    expect(parseListPage(full).objects.map((o) => o.key)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a truncated page without a continuation token is malformed; one with V1 markers says the store lacks ListObjectsV2', () => {
    const bare = failure(() => parseListPage(page(['a'], '<IsTruncated>true</IsTruncated>')));
    expect((bare as Error).message).toMatch(/truncated but gives no <NextContinuationToken>$/);
    const v1 = failure(() =>
      parseListPage(page(['a'], '<Marker></Marker><NextMarker>a</NextMarker><IsTruncated>true</IsTruncated>')),
    );
    expect(v1).toBeInstanceOf(MalformedS3Answer);
    expect((v1 as Error).message).toMatch(
      /ListObjects \(V1\) page, with markers; the endpoint does not support ListObjectsV2$/,
    );
  });

  it('HTML, JSON, empty and other documents are malformed', () => {
    for (const body of [
      '<!DOCTYPE html><html><body>Sign in</body></html>',
      '<html><body>x</body></html>',
      '{"Contents":[]}',
      '',
      'OK',
      '<?xml version="1.0"?><InitiateMultipartUploadResult><UploadId>u</UploadId></InitiateMultipartUploadResult>',
    ]) {
      expect(
        failure(() => parseListPage(body)),
        body,
      ).toBeInstanceOf(MalformedS3Answer);
    }
  });

  it('truncated without a token, IsTruncated missing or odd, KeyCount disagreeing, another bucket: malformed', () => {
    expect(failure(() => parseListPage(page(['a'], '<IsTruncated>true</IsTruncated>')))).toBeInstanceOf(
      MalformedS3Answer,
    );
    expect(failure(() => parseListPage(page(['a'], '')))).toBeInstanceOf(MalformedS3Answer);
    expect(failure(() => parseListPage(page(['a'], '<IsTruncated>yes</IsTruncated>')))).toBeInstanceOf(
      MalformedS3Answer,
    );
    expect(
      failure(() =>
        parseListPage(
          page(['a', 'b'], '<IsTruncated>false</IsTruncated>').replace(
            '<KeyCount>2</KeyCount>',
            '<KeyCount>3</KeyCount>',
          ),
        ),
      ),
    ).toBeInstanceOf(MalformedS3Answer);
    expect(failure(() => parseListPage(full, 'other-bucket'))).toBeInstanceOf(MalformedS3Answer);
    expect(parseListPage(full, 'b').objects).toHaveLength(4);
  });

  it('reads the folders of a listing with a delimiter, URL-decoded; KeyCount counts them, or (s3rver) the objects alone', () => {
    const folders =
      '<CommonPrefixes><Prefix>a+b/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>%ED%95%9C/</Prefix></CommonPrefixes>';
    const xml = page(['top.txt'], `<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>${folders}`);
    const withFolders = xml.replace('<KeyCount>1</KeyCount>', '<KeyCount>3</KeyCount>');
    expect(parseListPage(withFolders).folders).toEqual(['a b/', '한/']);
    expect(parseListPage(withFolders).objects.map((o) => o.key)).toEqual(['top.txt']);
    expect(parseListPage(xml).folders).toEqual(['a b/', '한/']);
    expect(
      failure(() => parseListPage(xml.replace('<KeyCount>1</KeyCount>', '<KeyCount>4</KeyCount>'))),
    ).toBeInstanceOf(MalformedS3Answer);
    expect(failure(() => parseListPage(xml.replace('<Prefix>a+b/</Prefix>', '')))).toBeInstanceOf(MalformedS3Answer);
  });

  it('entries without a key or a byte count are malformed', () => {
    expect(failure(() => parseListPage(full.replace('<Key>a</Key>', '')))).toBeInstanceOf(MalformedS3Answer);
    expect(failure(() => parseListPage(full.replace('<Size>1</Size>', '<Size>-1</Size>')))).toBeInstanceOf(
      MalformedS3Answer,
    );
    expect(failure(() => parseListPage(full.replace('<Size>1</Size>', '')))).toBeInstanceOf(MalformedS3Answer);
  });

  it('an <Error> document sent with 200 becomes the S3 error it names', () => {
    const err = failure(() =>
      parseListPage('<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>Reduce</Message></Error>'),
    );
    expect(err).toBeInstanceOf(S3HttpError);
    expect(err).toMatchObject({ name: 'SlowDown', message: 'Reduce', $metadata: { httpStatusCode: 503 } });
  });

  it('keeps keys raw: a CR (which XML would make an LF), leading and trailing spaces, numeric references', () => {
    const xml = page(['car\rret', ' spaced ', 'crlf\r\nkey', 'x&#13;y'], '<IsTruncated>false</IsTruncated>');
    expect(parseListPage(xml).objects.map((o) => o.key)).toEqual(['car\rret', ' spaced ', 'crlf\r\nkey', 'x\ry']);
  });
});

describe('the other S3 documents', () => {
  it('multipart start, completion, CopyObject and tagging answers give their fields; anything else is malformed or the error it names', () => {
    expect(
      parseInitiateMultipart(
        '<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>u-1</UploadId></InitiateMultipartUploadResult>',
      ),
    ).toBe('u-1');
    expect(
      parseCompleteMultipart(
        '<?xml version="1.0"?>\n<CompleteMultipartUploadResult><Location>l</Location><ETag>&quot;e-2&quot;</ETag></CompleteMultipartUploadResult>',
      ),
    ).toBe('"e-2"');
    // moto 5.2.1's root name for the same answer (the SDKs read either): taken, not malformed.
    expect(
      parseCompleteMultipart(
        '<CompleteMultipartUploadResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01"><Location>l</Location><Bucket>b</Bucket><Key>k</Key><ETag>"e-3"</ETag></CompleteMultipartUploadResponse>',
      ),
    ).toBe('"e-3"');
    expect(() => parseCompleteMultipart('<ListBucketResult><ETag>"e"</ETag></ListBucketResult>')).toThrow(
      /expected <CompleteMultipartUploadResult>, got <ListBucketResult>/,
    );
    expect(
      parseCopyObject(
        '<CopyObjectResult><LastModified>2026-01-01T00:00:00Z</LastModified><ETag>"e"</ETag></CopyObjectResult>',
      ),
    ).toBe('"e"');
    expect(
      parseTagging(
        '<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b &amp; c</Key><Value></Value></Tag></TagSet></Tagging>',
      ),
    ).toEqual({ a: '1', 'b & c': '' });
    expect(parseTagging('<Tagging><TagSet></TagSet></Tagging>')).toEqual({});
    expect(
      failure(() =>
        parseInitiateMultipart('<InitiateMultipartUploadResult><UploadId></UploadId></InitiateMultipartUploadResult>'),
      ),
    ).toBeInstanceOf(MalformedS3Answer);
    expect(
      failure(() => parseCompleteMultipart('<CompleteMultipartUploadResult><Location>l</Location>')),
    ).toBeInstanceOf(MalformedS3Answer);
    expect(failure(() => parseCopyObject('<html><body>Copied</body></html>'))).toBeInstanceOf(MalformedS3Answer);
    expect(
      failure(() => parseCopyObject('<Error><Code>InternalError</Code><Message>m</Message></Error>')),
    ).toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    expect(
      failure(() => parseTagging('<Tagging><TagSet><Tag><Value>1</Value></Tag></TagSet></Tagging>')),
    ).toBeInstanceOf(MalformedS3Answer);
  });

  it('the completion body lists the parts in order with escaped ETags', () => {
    const body = completeMultipartBody([
      { partNumber: 2, etag: '"b"', size: 1 },
      { partNumber: 1, etag: '"a"', size: 1 },
    ]);
    expect(body).toContain(
      '<Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;</ETag></Part><Part><PartNumber>2</PartNumber>',
    );
  });

  it('an object answer needs a Content-Length and an ETag (else its size would read as 0)', () => {
    expect(headFromHeaders('k', { 'content-length': '5', etag: '"e"' })).toMatchObject({ size: 5, etag: '"e"' });
    expect(failure(() => headFromHeaders('k', { etag: '"e"' }))).toBeInstanceOf(MalformedS3Answer);
    expect(failure(() => headFromHeaders('k', { 'content-length': 'x', etag: '"e"' }))).toBeInstanceOf(
      MalformedS3Answer,
    );
    expect(failure(() => headFromHeaders('k', { 'content-length': '5' }))).toBeInstanceOf(MalformedS3Answer);
  });
});

describe('parseErrorDocument', () => {
  const error = (inner: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${inner}<RequestId>r</RequestId></Error>`;
  it("reads the bucket's region from <Region>, or from the endpoint a PermanentRedirect names", () => {
    expect(
      parseErrorDocument(
        error('<Code>AuthorizationHeaderMalformed</Code><Message>m</Message><Region>eu-west-1</Region>'),
      ),
    ).toEqual({
      code: 'AuthorizationHeaderMalformed',
      message: 'm',
      region: 'eu-west-1',
    });
    for (const [endpoint, region] of [
      ['b.s3.ap-southeast-2.amazonaws.com', 'ap-southeast-2'],
      ['b.s3-us-west-2.amazonaws.com', 'us-west-2'],
      ['b.s3.cn-northwest-1.amazonaws.com.cn', 'cn-northwest-1'],
      ['b.s3.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
      ['b.s3.amazonaws.com', undefined],
    ] as const) {
      expect(
        parseErrorDocument(error(`<Code>PermanentRedirect</Code><Endpoint>${endpoint}</Endpoint>`)).region,
        endpoint,
      ).toBe(region);
    }
  });
});
