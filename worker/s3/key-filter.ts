import picomatch from 'picomatch';
import { destinationPrefix } from './transfer-job.js';

// Include/exclude globs on object keys, matched by picomatch against the full source key: `*` stays within one path
// segment, `**` crosses them (and a leading `**/` also matches no folder at all: `**/*.tmp` takes a top-level `a.tmp`),
// `?` is one character, `[a-z]` a class, `{jpg,png}` alternatives; keys starting with a dot match like any other.
// Keys are not Windows paths: a backslash is part of the key wherever the engine runs.
const OPTIONS: picomatch.PicomatchOptions = { dot: true, windows: false };

// A key segment that is exactly "." or ".." is an ordinary name in S3, but picomatch never lets `*` or `**` match it
// (path semantics, `dot` or not): `**/*.txt` missed `./a.txt`, so an exclude let such keys through. Both the key and
// the glob's own literal "."/".." segments are matched with those segments renamed to private-use characters.
const DOT_SEGMENT = /(^|\/)\.\.?(\/|$)/;
const SEGMENT_NAMES: Record<string, string> = { '.': '\uE000', '..': '\uE001' };
function plainSegments(path: string): string {
  if (!DOT_SEGMENT.test(path)) return path;
  return path
    .split('/')
    .map((segment) => SEGMENT_NAMES[segment] ?? segment)
    .join('/');
}

/** A glob as a matcher of keys whose "."/".." segments are already renamed (plainSegments). */
function compilePlain(glob: string): (plainKey: string) => boolean {
  return picomatch(plainSegments(glob), OPTIONS);
}

/** One glob as a matcher; a pattern picomatch cannot compile throws (the parameter parser names the field). */
export function compileKeyGlob(glob: string): (key: string) => boolean {
  const matches = compilePlain(glob);
  return (key) => matches(plainSegments(key));
}

/** True when a key should be copied: matches some include (or there are none) and no exclude. Patterns match the full source key. */
export function createKeyFilter(include: string[], exclude: string[]): (key: string) => boolean {
  const inc = include.map(compilePlain);
  const exc = exclude.map(compilePlain);
  if (inc.length === 0 && exc.length === 0) return () => true;
  // Each key's segments are renamed once, not once per glob.
  return (key) => {
    const plain = plainSegments(key);
    return (inc.length === 0 || inc.some((m) => m(plain))) && !exc.some((m) => m(plain));
  };
}

/**
 * When the destination is a prefix of the source bucket itself (same endpoint and bucket, destPrefix set), some
 * source keys are this task's own copies: listed as source objects they would be copied again one level deeper on
 * every run (backup/backup/…) and, with S3 events, without end. A key is one when it is `<destPrefix>/<k>` for a key
 * `k` the task copies from the same listing prefix (under `sourcePrefix`, kept by the task's own `keep` filter).
 * Undefined when the destination is elsewhere.
 */
export function ownCopies(
  destPrefix: string,
  keep: (key: string) => boolean,
  source: { location: string },
  dest: { location: string },
): ((key: string, sourcePrefix: string) => boolean) | undefined {
  const under = destinationPrefix(destPrefix, '');
  if (source.location !== dest.location || under === '') return undefined;
  return (key, sourcePrefix) => {
    if (!key.startsWith(under)) return false;
    const original = key.slice(under.length);
    return original.startsWith(sourcePrefix) && keep(original);
  };
}
