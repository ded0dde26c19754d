/**
 * Listing pages as S3 sends them. With encoding-type=url, AWS form-encodes keys (measured on AWS: "a b" → "a+b",
 * "a+b" → "a%2Bb"); servers that ignore the request answer raw keys and no <EncodingType>. No local server encodes,
 * so the encoded form is checked here on AWS-shaped answers, and the raw form end to end by the copy suites.
 */
import { describe, expect, it } from 'vitest';
import { parseListPage } from '../../../worker/adapters/s3/s3-wire.js';

function page(contents: string[], extra: string): string {
  const entries = contents.map((k) => `<Contents><Key>${k}</Key><LastModified>2026-11-25T10:00:00.000Z</LastModified><ETag>&quot;9dd4e461268c8034f5c8564e155c67a6&quot;</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><KeyCount>${contents.length}</KeyCount><MaxKeys>1000</MaxKeys>${extra}${entries.join('')}</ListBucketResult>`;
}

describe('parseListPage', () => {
  it('decodes url-encoded keys: space, plus, percent, CR, a control character and UTF-8', () => {
    const xml = page(['a+b.txt', 'a%2Bb.txt', '100%25.csv', 'car%0Dret', 'ctl%01', '%ED%95%9C%EA%B8%80/x.txt'], '<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>');
    expect(parseListPage(xml).objects.map((o) => o.key)).toEqual(['a b.txt', 'a+b.txt', '100%.csv', 'car\rret', 'ctl\u0001', '한글/x.txt']);
  });

  it('takes keys literally (entities decoded) when the server did not encode them', () => {
    const xml = page(['a+b%2B &amp; &lt;c&gt;', 'car\rret', 'x&#13;y'], '<IsTruncated>false</IsTruncated>');
    expect(parseListPage(xml).objects.map((o) => o.key)).toEqual(['a+b%2B & <c>', 'car\rret', 'x\ry']);
  });

  it('reads size, ETag, date and storage class, and the continuation token only while truncated', () => {
    const truncated = parseListPage(page(['k'], '<IsTruncated>true</IsTruncated><NextContinuationToken>1/2+3==</NextContinuationToken>'));
    expect(truncated.objects[0]).toEqual({ key: 'k', size: 1, etag: '"9dd4e461268c8034f5c8564e155c67a6"', lastModified: new Date('2026-11-25T10:00:00.000Z'), storageClass: 'STANDARD' });
    expect(truncated.nextToken).toBe('1/2+3==');
    // The token may also follow the entries; a finished listing has none.
    const tokenAfter = `${page(['k'], '<IsTruncated>true</IsTruncated>').replace('</ListBucketResult>', '')}<NextContinuationToken>t2</NextContinuationToken></ListBucketResult>`;
    expect(parseListPage(tokenAfter).nextToken).toBe('t2');
    expect(parseListPage(page([], '<IsTruncated>false</IsTruncated><NextContinuationToken>stale</NextContinuationToken>')).nextToken).toBeUndefined();
  });
});
