/** Include/exclude glob patterns on object keys: `*` stays within one path segment, `**` crosses them, `?` is one character. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/** True when a key should be copied: matches some include (or there are none) and no exclude. Patterns match the full source key. */
export function createKeyFilter(include: string[], exclude: string[]): (key: string) => boolean {
  const inc = include.map(globToRegExp);
  const exc = exclude.map(globToRegExp);
  if (inc.length === 0 && exc.length === 0) return () => true;
  return (key) => (inc.length === 0 || inc.some((r) => r.test(key))) && !exc.some((r) => r.test(key));
}
