import picomatch from 'picomatch';

// Include/exclude globs on object keys, matched by picomatch against the full source key: `*` stays within one path
// segment, `**` crosses them (and a leading `**/` also matches no folder at all: `**/*.tmp` takes a top-level `a.tmp`),
// `?` is one character, `[a-z]` a class, `{jpg,png}` alternatives; keys starting with a dot match like any other.
// Keys are not Windows paths: a backslash is part of the key wherever the engine runs.
const OPTIONS: picomatch.PicomatchOptions = { dot: true, windows: false };

/** One glob as a matcher; a pattern picomatch cannot compile throws (the parameter parser names the field). */
export function compileKeyGlob(glob: string): (key: string) => boolean {
  return picomatch(glob, OPTIONS);
}

/** True when a key should be copied: matches some include (or there are none) and no exclude. Patterns match the full source key. */
export function createKeyFilter(include: string[], exclude: string[]): (key: string) => boolean {
  const inc = include.map(compileKeyGlob);
  const exc = exclude.map(compileKeyGlob);
  if (inc.length === 0 && exc.length === 0) return () => true;
  return (key) => (inc.length === 0 || inc.some((m) => m(key))) && !exc.some((m) => m(key));
}
