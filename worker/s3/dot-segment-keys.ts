/**
 * Keys with `.` or `..` path segments (`a/../y`, `dots/./x`). S3 keeps such a key as sent, but a store or proxy that
 * normalises the request path (s3rver, anything behind a URL parser: RFC 3986 §5.2.4 also reads `%2e` as a dot) writes
 * `a/../y` as `y` — over another object — and answers the PUT as if the key were kept. Such a key is written only to
 * a destination seen to keep dot segments (keepsDotSegments), asked before the first write, never found out after it.
 */
import { DthError } from '../core/errors.js';
import type { ObjectStore } from '../ports/object-store.js';

/** `.` and `..` path segments, percent-encoded dots included, as a URL parser reads them. */
const SINGLE_DOT = /^(?:\.|%2e)$/i;
const DOUBLE_DOT = /^(?:\.|%2e){2}$/i;

/** Whether some `/`-separated segment of the key is `.` or `..` (or their percent-encoded forms). */
export function hasDotSegment(key: string): boolean {
  return key.split('/').some((segment) => SINGLE_DOT.test(segment) || DOUBLE_DOT.test(segment));
}

/**
 * The key a path-normalising store makes of it (dot segments removed, as a URL parser does), and whether a `..` climbs
 * above the key's first segment (under a path-style URL it then names another bucket).
 */
export function normalisedKey(key: string): { key: string; climbs: boolean } {
  const out: string[] = [];
  let climbs = false;
  const segments = key.split('/');
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (SINGLE_DOT.test(segment)) {
      if (last) out.push('');
    } else if (DOUBLE_DOT.test(segment)) {
      if (out.pop() === undefined) climbs = true;
      if (last) out.push('');
    } else out.push(segment);
  });
  return { key: out.join('/'), climbs };
}

/** The destination does not keep such keys as sent: refused before anything is written. */
export class KeyNormalisedError extends DthError {
  constructor(key: string, detail: string, retryable = false) {
    super(
      'KEY_NORMALISED',
      `destination key "${key}" has a "." or ".." path segment: ${detail}; such keys need a store that keeps keys as sent (Amazon S3 does)`,
      { retry: { retryable } },
    );
  }
}

/** Whether the listing holds exactly this key (the first key of a listing by prefix K is K itself when it exists). */
export async function holdsExactly(store: ObjectStore, key: string): Promise<boolean> {
  for await (const object of store.list(key)) return object.key === key;
  return false;
}

const verdicts = new WeakMap<ObjectStore, boolean>();

/**
 * Whether the store keeps dot segments, told without writing: an object it holds, asked for under a `./` spelling of
 * its key, is found only by a store that normalises (a keeping one has no such key). Undefined while the store holds
 * no object under the prefix to ask with. Listings travel the prefix in the query, never normalised.
 */
export async function keepsDotSegments(store: ObjectStore, prefix: string): Promise<boolean | undefined> {
  const known = verdicts.get(store);
  if (known !== undefined) return known;
  for await (const { key } of store.list(prefix)) {
    let keeps: boolean;
    if (hasDotSegment(key))
      keeps = true; // it lists one as sent
    else {
      const slash = key.lastIndexOf('/');
      const probe = slash < 0 ? `./${key}` : `${key.slice(0, slash)}/./${key.slice(slash + 1)}`;
      keeps = (await store.head(probe)) === undefined;
    }
    verdicts.set(store, keeps);
    return keeps;
  }
  return undefined;
}

/** Refuses a dot-segment key before it is written to a destination not seen to keep such keys. */
export async function checkDotSegmentKey(dest: ObjectStore, destPrefix: string, key: string): Promise<void> {
  if (!hasDotSegment(key)) return;
  const keeps = await keepsDotSegments(dest, destPrefix);
  if (keeps === true) return;
  const landed = normalisedKey(key);
  if (keeps === false)
    throw new KeyNormalisedError(
      key,
      `the destination normalises request paths and would store it as "${landed.key}"${landed.climbs ? ' (or in another bucket)' : ''}, over any object there; not written`,
    );
  // Nothing to ask with yet: retried, by when objects copied meanwhile can answer.
  throw new KeyNormalisedError(
    key,
    'whether the destination keeps such keys cannot be told while it holds no object under the destination prefix; not written (run again once other objects are copied)',
    true,
  );
}
