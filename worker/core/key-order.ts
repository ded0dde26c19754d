/**
 * The order of keys in S3 listings, DynamoDB and SQLite: ascending UTF-8 bytes. It differs from JS string order
 * (UTF-16 units, `<`) for some non-BMP characters.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
