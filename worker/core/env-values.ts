import { InvalidParameterError } from './errors.js';

/** Reading configuration from environment variables at the edge; errors name the variable. */
export type Env = Record<string, string | undefined>;

/** The trimmed value, or undefined when unset or blank. */
export function envValue(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** An optional http(s) URL (e.g. a local endpoint override). */
export function envUrl(env: Env, name: string): string | undefined {
  const v = envValue(env, name);
  if (v === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new InvalidParameterError(name, `"${v}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new InvalidParameterError(name, 'must be an http(s) URL');
  return v;
}
