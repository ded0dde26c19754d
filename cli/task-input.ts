import { readFileSync } from 'node:fs';
import { InvalidParameterError } from '../worker/core/errors.js';

/**
 * Reads a params file: either a JSON object of parameters, or the CloudFormation/GraphQL form
 * `[{ "ParameterKey": "srcBucket", "ParameterValue": "…" }, …]`.
 */
export function readParamsFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidParameterError('--params', `cannot read "${path}" (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidParameterError('--params', `"${path}" is not valid JSON: ${(err as Error).message}`);
  }
  if (Array.isArray(parsed)) {
    const out: Record<string, unknown> = {};
    parsed.forEach((p, i) => {
      if (!p || typeof p !== 'object' || typeof (p as { ParameterKey?: unknown }).ParameterKey !== 'string') {
        throw new InvalidParameterError('--params', `entry ${i} of "${path}" has no ParameterKey`);
      }
      const { ParameterKey, ParameterValue } = p as { ParameterKey: string; ParameterValue?: unknown };
      out[ParameterKey] = ParameterValue;
    });
    return out;
  }
  if (!parsed || typeof parsed !== 'object') throw new InvalidParameterError('--params', `"${path}" must hold a JSON object`);
  return parsed as Record<string, unknown>;
}

export interface ParsedArgs {
  /** --flag value pairs, keyed by the flag without dashes (as typed). */
  flags: Map<string, string>;
  switches: Set<string>;
}

/** `--name value`, `--name=value` and bare `--switch` (listed in `switchNames`). */
export function parseArgs(argv: string[], switchNames: string[]): ParsedArgs {
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new InvalidParameterError(a, 'unexpected argument (options start with --)');
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (switchNames.includes(name)) { switches.add(name); continue; }
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new InvalidParameterError(`--${name}`, 'needs a value');
    flags.set(name, value);
  }
  return { flags, switches };
}

/** Maps `--src-bucket` / `--srcBucket` / `--dest-sse` to the parameter names the engines use. */
export function paramsFromFlags(flags: Map<string, string>, names: readonly string[], reserved: string[]): Record<string, string> {
  const byLower = new Map(names.map((n) => [n.toLowerCase(), n]));
  const out: Record<string, string> = {};
  for (const [flag, value] of flags) {
    if (reserved.includes(flag)) continue;
    const name = byLower.get(flag.replace(/-/g, '').toLowerCase());
    if (!name) throw new InvalidParameterError(`--${flag}`, 'is not a known option');
    out[name] = value;
  }
  return out;
}
