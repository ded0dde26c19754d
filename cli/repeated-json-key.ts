/**
 * The first name a JSON object's text gives twice at its top level, if any. JSON.parse keeps the last value of a
 * repeated name without a word, so a params file saying destBucket twice would copy to whichever came last; it is
 * refused instead, as the list form refuses a repeated ParameterKey. Only called on text JSON.parse accepted, so it
 * needs to follow strings and nesting only (no JSON library at hand reports repeated names).
 */
export function repeatedTopLevelKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  let atKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (atKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
        atKey = false;
      }
      i = end;
    } else if (c === '{' || c === '[') {
      depth++;
      atKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) atKey = true;
  }
  return undefined;
}
