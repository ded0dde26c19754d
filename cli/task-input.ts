import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { InvalidParameterError } from '../worker/core/errors.js';
import { parameterListToObject } from '../worker/core/parameter-list.js';
import { LIST_KINDS, specIndex, type ParamSpec } from '../worker/params/index.js';
import { RefusedFlags, readLeniently } from './refused-flags.js';
import { repeatedTopLevelKey } from './repeated-json-key.js';

/**
 * Reads a params file: either a JSON object of parameters, or the CloudFormation/GraphQL form
 * `[{ "ParameterKey": "srcBucket", "ParameterValue": "…" }, …]`. A parameter given twice is refused by name in both.
 */
export function readParamsFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidParameterError(
      '--params',
      `cannot read "${path}" (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidParameterError('--params', `"${path}" is not valid JSON: ${(err as Error).message}`);
  }
  if (Array.isArray(parsed)) return parameterListToObject(parsed, '--params', path);
  if (!parsed || typeof parsed !== 'object')
    throw new InvalidParameterError('--params', `"${path}" must hold a JSON object`);
  const repeated = repeatedTopLevelKey(text);
  if (repeated !== undefined)
    throw new InvalidParameterError(repeated, `is given twice in --params ${JSON.stringify(path)}`);
  return parsed as Record<string, unknown>;
}

/** `destKMSKey` → `dest-kms-key`, `srcPrefixsListFile` → `src-prefixs-list-file`. */
export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

export interface CommandOption {
  type: 'string' | 'boolean';
  /** Shown by --help: `--name VALUE  help`. */
  help: string;
  value?: string;
}

/**
 * Command-line flags of a command: its own options plus one `--<flag> VALUE` per schema parameter that has a CLI flag
 * (also accepted in camelCase, and under older alias names), parsed with node's util.parseArgs (strict). A refused own
 * option (`--params` without a value) is thrown at once, with every other problem of the line; problems of parameter
 * flags alone (an unknown flag, a flag without its value, given twice, a stray word) come back as `refused`, for the
 * caller to report together with the parameters' own problems (`refused.checkedWith`).
 */
export function parseCommandLine(
  argv: string[],
  schema: readonly ParamSpec[],
  own: Record<string, CommandOption>,
): {
  params: Record<string, string>;
  options: Record<string, string | boolean | undefined>;
  refused: RefusedFlags;
} {
  const flagToParam = new Map<string, string>();
  // Flags of list parameters (include, exclude, image lists): given several times, their values add up (as rclone's
  // and aws s3 sync's --include/--exclude); any other flag given twice is an error, not its last value.
  const listFlags = new Set<string>();
  // Flags of true/false parameters, which may be given without a value (bareBooleansAsTrue).
  const booleanFlags = new Set<string>();
  for (const spec of schema) {
    // Parameters without a flag of their own (the original's cloud settings) are still taken under their names, as a
    // params file takes them, so the original's parameter list works as flags too.
    for (const name of [
      spec.cli || kebab(spec.name),
      spec.name,
      ...(spec.aliases ?? []).flatMap((a) => [kebab(a.name), a.name]),
    ]) {
      const target = spec.aliases?.find((a) => a.name === name || kebab(a.name) === name)?.name ?? spec.name;
      flagToParam.set(name, target);
      if (spec.kind === 'boolean') booleanFlags.add(name);
      if (LIST_KINDS.has(spec.kind)) listFlags.add(name);
    }
  }
  const options: Record<string, { type: 'string' | 'boolean'; multiple: true }> = {};
  for (const flag of flagToParam.keys()) options[flag] = { type: 'string', multiple: true };
  for (const [flag, o] of Object.entries(own)) options[flag] = { type: o.type, multiple: true };
  const args = switchesWithoutValues(bareBooleansAsTrue(argv, booleanFlags), own);
  let values: Record<string, (string | boolean)[] | undefined>;
  let problems: InvalidParameterError[] = [];
  try {
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }) as {
      values: Record<string, (string | boolean)[] | undefined>;
    });
  } catch {
    // parseArgs stops at the first problem: the line is read again, leniently, to name them all.
    ({ values, problems } = readLeniently(args, options));
  }
  const params: Record<string, string> = {};
  const givenAs = new Map<string, string>();
  const ownOut: Record<string, string | boolean | undefined> = {};
  for (const [flag, given] of Object.entries(values)) {
    if (given === undefined) continue;
    if (given.length > 1 && !listFlags.has(flag) && !(flag in own && own[flag].type === 'boolean')) {
      problems.push(new InvalidParameterError(`--${flag}`, `is given ${given.length} times; give it once`));
      // A parameter's last value is still read, so that what depends on it is judged as given (a second flag
      // otherwise read as absent: "srcRegion is required" beside the duplicated --src-endpoint); it is refused above.
      if (flag in own || !flagToParam.has(flag)) continue;
    }
    const value = listFlags.has(flag) ? given.join(',') : given[given.length - 1];
    if (flag in own) {
      ownOut[flag] = value;
      continue;
    }
    const name = flagToParam.get(flag);
    if (name === undefined) {
      problems.push(new InvalidParameterError(`--${flag}`, 'is not a flag of this command'));
      continue;
    }
    if (givenAs.has(name)) {
      problems.push(new InvalidParameterError(`--${flag}`, `is the same parameter as --${givenAs.get(name)}`));
      continue;
    }
    givenAs.set(name, flag);
    params[name] = String(value);
  }
  // Without its own options read, the command cannot find its parameters (--params): nothing more is checked.
  const refusedFlags = problems.map((p) => p.field.replace(/^--/, ''));
  if (refusedFlags.some((flag) => flag in own)) new RefusedFlags(problems).throwAny();
  const refusedParams = refusedFlags.map((flag) => flagToParam.get(flag)).filter((n) => n !== undefined);
  return { params, options: ownOut, refused: new RefusedFlags(problems, new Set(refusedParams)) };
}

/**
 * A true/false parameter given alone (`--insecure`, as skopeo's and curl's flags are written) means true: the flag is
 * read as `--insecure=true` when no value follows it. `--insecure false` still says false.
 */
function bareBooleansAsTrue(argv: string[], booleanFlags: ReadonlySet<string>): string[] {
  return argv.map((arg, i) => {
    if (!arg.startsWith('--') || arg.includes('=') || !booleanFlags.has(arg.slice(2))) return arg;
    const next = argv[i + 1];
    return next === undefined || next.startsWith('-') ? `${arg}=true` : arg;
  });
}

/**
 * A command's own switches (--dry-run, --json…) written with a value, as scripts do: `--json=true` is the switch,
 * `--json=false` leaves it off; any other value is an error naming the switch (parseArgs would say "does not take an
 * argument" without which one).
 */
function switchesWithoutValues(argv: string[], own: Record<string, CommandOption>): string[] {
  return argv.flatMap((arg) => {
    const m = /^--([^=]+)=(.*)$/s.exec(arg);
    if (!m || own[m[1]]?.type !== 'boolean') return [arg];
    if (m[2] === 'true') return [`--${m[1]}`];
    if (m[2] === 'false') return [];
    throw new InvalidParameterError(`--${m[1]}`, `is a switch: give it alone, or as --${m[1]}=true / --${m[1]}=false`);
  });
}

/**
 * The --help lines of the parameter flags: flag, what it does, default, allowed values; then the names of the
 * parameters that configure the cloud plugin only (accepted and checked, so the original's lists work as flags).
 */
export function parameterHelp(schema: readonly ParamSpec[]): string {
  const cloudOnly = schema.filter((s) => s.cli === false).map((s) => `--${kebab(s.name)}`);
  const rows = schema
    .filter((s) => s.cli !== false)
    .map((s) => {
      const extra = [
        s.values ? `one of ${s.values.join(', ')}` : '',
        s.default ? `default ${s.default}` : s.required ? 'required' : '',
      ]
        .filter(Boolean)
        .join('; ');
      return [`--${s.cli}`, `${s.description}${extra ? ` (${extra})` : ''}`];
    });
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  const lines = rows.map(([f, d]) => `  ${f.padEnd(width)}${d}`);
  if (cloudOnly.length) {
    lines.push(
      '',
      `  Also accepted, checked, with no effect on a local sync (the cloud plugin's settings, as in the original's`,
      `  parameter lists): ${cloudOnly.join(', ')}`,
    );
  }
  return lines.join('\n');
}

/** The --help lines of a command's own options. */
export function optionHelp(own: Record<string, CommandOption>): string {
  const rows = Object.entries(own).map(([f, o]) => [
    `--${f}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`,
    o.help,
  ]);
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  return rows.map(([f, d]) => `  ${f.padEnd(width)}${d}`).join('\n');
}

/** `base` (a params file) with `overrides` (flags) on top; a flag replaces the file's value under any alias name. */
export function overrideParams(
  schema: readonly ParamSpec[],
  base: Record<string, unknown>,
  overrides: Record<string, string>,
): Record<string, unknown> {
  const index = specIndex(schema);
  const overridden = new Set(Object.keys(overrides).map((k) => index.get(k)?.spec.name ?? k));
  const kept = Object.entries(base).filter(([k]) => !overridden.has(index.get(k)?.spec.name ?? k));
  return { ...Object.fromEntries(kept), ...overrides };
}
