/**
 * Micro-benchmark: reading a 1,000-key ListObjectsV2 page with the strict reader (sax in strict mode, then the
 * listing's checks; worker/adapters/s3/s3-wire.ts) against the hand-written tag splitter it replaced (kept below, as it
 * was, only for this comparison). fast-xml-parser 5.12.1 (validate + parse) was measured too: about 25–35 ms a page,
 * 7–10× the splitter, so it was not taken. Run: npx tsx bench/list-parse.ts
 */
import { performance } from 'node:perf_hooks';
import { parseListPage } from '../worker/adapters/s3/s3-wire.js';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function decodeXmlText(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e[0] === '#'
      ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
      : ENTITIES[e],
  );
}
function xmlTag(xml: string, tag: string): string | undefined {
  const open = xml.indexOf(`<${tag}>`);
  if (open < 0) return undefined;
  const start = open + tag.length + 2;
  const end = xml.indexOf(`</${tag}>`, start);
  return end < 0 ? undefined : decodeXmlText(xml.slice(start, end));
}
/** The former hand-written parser (lenient: a page cut after an entry passed as complete). */
function handWritten(xml: string) {
  const objects: { key: string; size: number; etag?: string; lastModified?: Date; storageClass?: string }[] = [];
  const blocks = xml.split('<Contents>');
  const last = blocks[blocks.length - 1];
  const outside = blocks.length > 1 ? blocks[0] + last.slice(last.lastIndexOf('</Contents>')) : blocks[0];
  const urlEncoded = xmlTag(outside, 'EncodingType') === 'url';
  for (let i = 1; i < blocks.length; i++) {
    const b = blocks[i];
    const listed = xmlTag(b, 'Key');
    if (listed === undefined) continue;
    const modified = xmlTag(b, 'LastModified');
    objects.push({
      key: urlEncoded ? decodeURIComponent(listed.replace(/\+/g, ' ')) : listed,
      size: Number(xmlTag(b, 'Size') ?? 0),
      etag: xmlTag(b, 'ETag'),
      lastModified: modified ? new Date(modified) : undefined,
      storageClass: xmlTag(b, 'StorageClass'),
    });
  }
  return {
    objects,
    nextToken: xmlTag(outside, 'IsTruncated') === 'true' ? xmlTag(outside, 'NextContinuationToken') : undefined,
  };
}

/** An AWS-shaped page: 1,000 url-encoded keys of `keyLength` characters. */
function page(keyLength: number): string {
  const entries = Array.from({ length: 1000 }, (_, i) => {
    const key = encodeURIComponent(`data/${String(i).padStart(6, '0')}/${'x'.repeat(Math.max(0, keyLength - 20))}.bin`);
    return `<Contents><Key>${key}</Key><LastModified>2026-11-25T10:00:00.000Z</LastModified><ETag>&quot;9dd4e461268c8034f5c8564e155c67a6&quot;</ETag><Size>${i * 37}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken><KeyCount>1000</KeyCount><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>${entries.join('')}</ListBucketResult>`;
}

function measure(name: string, fn: () => unknown, rounds: number): number {
  for (let i = 0; i < 20; i++) fn();
  const started = performance.now();
  for (let i = 0; i < rounds; i++) fn();
  const ms = (performance.now() - started) / rounds;
  console.log(`${name.padEnd(44)} ${ms.toFixed(2)} ms/page`);
  return ms;
}

for (const keyLength of [40, 200]) {
  const xml = page(keyLength);
  if (parseListPage(xml).objects.length !== 1000 || handWritten(xml).objects.length !== 1000)
    throw new Error('parsers disagree');
  console.log(`1,000 keys of ${keyLength} characters (${(xml.length / 1024).toFixed(0)} KiB page):`);
  const strict = measure('  sax 1.6.1 strict (parseListPage)', () => parseListPage(xml, 'b'), 200);
  const old = measure('  hand-written splitter (lenient)', () => handWritten(xml), 200);
  console.log(
    `  strict costs ${(strict - old).toFixed(2)} ms more per page = ${(((strict - old) / 1000) * 1000).toFixed(1)} µs per listed key`,
  );
}
