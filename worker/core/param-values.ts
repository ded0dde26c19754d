/**
 * Reads task parameters against their schema (worker/params). Values may arrive as strings (CloudFormation
 * parameters, GraphQL ParameterValue, CLI flags) or as JSON values (a params file). Older names are resolved to the
 * schema's, unknown names are refused, defaults applied, and every error names the parameter in human words and by
 * the name the caller used: "Source bucket (srcBucket): is required".
 */
import {
  booleanOf,
  closestParameterName,
  EMAIL_ADDRESS,
  givenValue,
  humanName,
  LIST_KINDS,
  specIndex,
  unsaidSide,
  type ParamSpec,
} from '../params/index.js';
import { InvalidParameterError, refusalOf } from './errors.js';
import { parseSchedule } from './schedule.js';

export type RawParams = Record<string, unknown>;

const MiB = 1024 * 1024;
const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: MiB,
  mb: MiB,
  mib: MiB,
  g: 1024 * MiB,
  gb: 1024 * MiB,
  gib: 1024 * MiB,
  // giantFileThreshold goes up to 5 TiB.
  t: 1024 * 1024 * MiB,
  tb: 1024 * 1024 * MiB,
  tib: 1024 * 1024 * MiB,
};

/** Bytes as an integer or with a binary suffix: 8388608, "8MiB", "8M"; undefined when it is not a size. */
export function byteSize(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value);
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  return m && unit !== undefined ? Math.round(Number(m[1]) * unit) : undefined;
}

function asText(value: unknown, field: string, spec: ParamSpec): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    // A list of one value for a parameter of one value was joined into "a/,b/": a prefix no key has, copied nothing.
    if (!LIST_KINDS.has(spec.kind))
      throw new InvalidParameterError(field, 'takes one value, not a list', spec.label.en, unsaidSide(spec));
    if (value.every((v) => typeof v === 'string')) return value.join(',');
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new InvalidParameterError(field, 'must be a string', spec.label.en, unsaidSide(spec));
  }
  const s = givenValue(spec, String(value));
  return s === '' ? undefined : s;
}

/**
 * One task's parameters, resolved against a schema. `taskWords` names the task type in the unknown-name error
 * ("is not a parameter of S3 tasks").
 */
export class ParamReader {
  private readonly values = new Map<string, string>();
  /** The name each parameter was given under (an older alias, or its own). */
  private readonly givenAs = new Map<string, string>();
  private readonly specs = new Map<string, ParamSpec>();

  /**
   * Problems found without reading one parameter against another: names that are no parameter, values given twice or
   * of the wrong shape, required values missing, and values of a fixed kind (one of a set, true/false, whole numbers,
   * sizes, schedules, email addresses) that are not of it. `allChecked` refuses them together.
   */
  private readonly aloneProblems: InvalidParameterError[] = [];
  /** Some value could not be taken as given (a wrong shape, given twice): the parser would read another set. */
  private valuesAltered = false;

  /**
   * Reads `raw` with `read` (a parser's checks, in the console's order, stopping at the first problem) and refuses
   * everything wrong at once: the parser's first problem, then each parameter wrong on its own — so a params file or a
   * script is mended in one round, not one per bad value. The only way in, so no parser can skip the checks alone.
   */
  static parse<T>(schema: readonly ParamSpec[], raw: RawParams, taskWords: string, read: (r: ParamReader) => T): T {
    const r = new ParamReader(schema, raw, taskWords);
    return r.allChecked(() => read(r));
  }

  private constructor(schema: readonly ParamSpec[], raw: RawParams, taskWords: string) {
    const index = specIndex(schema);
    for (const spec of schema) this.specs.set(spec.name, spec);
    for (const [key, value] of Object.entries(raw)) {
      const hit = index.get(key);
      if (!hit) {
        const meant = closestParameterName(schema, key);
        this.aloneProblems.push(
          new InvalidParameterError(
            key,
            `is not a parameter of ${taskWords}${meant ? `; did you mean ${meant}?` : ''}`,
          ),
        );
        continue;
      }
      const { spec, alias } = hit;
      try {
        const text = asText(value, key, spec);
        const earlier = this.givenAs.get(spec.name);
        if (earlier !== undefined && (text !== undefined || this.values.has(spec.name))) {
          throw new InvalidParameterError(
            key,
            `is given twice (as ${earlier} and ${key}); keep ${spec.name}`,
            spec.label.en,
            unsaidSide(spec),
          );
        }
        if (text === undefined) continue;
        this.givenAs.set(spec.name, key);
        this.values.set(spec.name, alias?.values?.[text] ?? text);
      } catch (err) {
        if (!(err instanceof InvalidParameterError)) throw err;
        this.aloneProblems.push(err);
        this.valuesAltered = true;
      }
    }
    const refused = new Set(this.aloneProblems.map((p) => p.field));
    for (const spec of schema) {
      if (refused.has(this.keyOf(spec.name))) continue;
      try {
        this.checkAlone(spec);
      } catch (err) {
        if (!(err instanceof InvalidParameterError)) throw err;
        this.aloneProblems.push(err);
      }
    }
  }

  /**
   * The parser's result, or every problem: its first and the ones found alone. The parser runs only on the values as
   * given: with one taken out (a list where one value goes), what it said of the others could be wrong.
   */
  private allChecked<T>(parse: () => T): T {
    const problems = [...this.aloneProblems];
    if (!this.valuesAltered) {
      try {
        const parsed = parse();
        if (problems.length === 0) return parsed;
      } catch (err) {
        if (!(err instanceof InvalidParameterError) || problems.length === 0) throw err;
        if (!problems.some((p) => p.field === err.field)) problems.unshift(err);
      }
    }
    const [first, ...others] = problems;
    throw refusalOf(first, others);
  }

  /** Checks what a parameter's value can be checked for alone (see the constructor); throws its problem. */
  private checkAlone(spec: ParamSpec): void {
    const name = spec.name;
    if (this.given(name) === undefined) {
      if (spec.required) this.text(name);
      return;
    }
    if (spec.kind === 'enum') this.oneOf(name);
    else if (spec.kind === 'boolean') this.bool(name);
    else if (spec.kind === 'integer') this.int(name);
    else if (spec.kind === 'bytes') this.bytes(name);
    else if (spec.kind === 'schedule') this.schedule(name);
    else if (spec.kind === 'email') this.shaped(name, EMAIL_ADDRESS, 'an email address');
  }

  spec(name: string): ParamSpec {
    const s = this.specs.get(name);
    if (!s) throw new Error(`no parameter "${name}" in this schema`);
    return s;
  }

  /** An error naming the parameter as the caller gave it, with its human label. */
  error(name: string, message: string): InvalidParameterError {
    const spec = this.spec(name);
    return new InvalidParameterError(this.keyOf(name), message, spec.label.en, unsaidSide(spec));
  }

  /** The name the parameter was given under (an alias, e.g. scheduleExpression). */
  private keyOf(name: string): string {
    return this.givenAs.get(name) ?? name;
  }

  /** "Source bucket (srcBucket)". */
  words(name: string): string {
    return humanName(this.spec(name));
  }

  /** The value as given (trimmed, aliases resolved); undefined when absent or blank. */
  given(name: string): string | undefined {
    this.spec(name);
    return this.values.get(name);
  }

  /** The value as given, else the schema default (undefined when it has none or it is blank). */
  text(name: string): string | undefined {
    const v = this.given(name) ?? this.spec(name).default;
    if (v === undefined || v === '') {
      if (this.spec(name).required) throw this.error(name, 'is required');
      return undefined;
    }
    return v;
  }

  /** The value (or default), checked as a schedule expression (cron or rate); the error names it as given. */
  schedule(name: string): string | undefined {
    const v = this.text(name);
    if (v !== undefined) parseSchedule(v, this.keyOf(name));
    return v;
  }

  /** The value (or default) when it has the shape `pattern` gives; else an error saying it is not `what`. */
  shaped(name: string, pattern: RegExp, what: string): string | undefined {
    const v = this.text(name);
    if (v !== undefined && !pattern.test(v)) throw this.error(name, `"${v}" is not ${what}`);
    return v;
  }

  required(name: string): string {
    const v = this.text(name);
    if (v === undefined) throw this.error(name, 'is required');
    return v;
  }

  oneOf<T extends string>(name: string): T {
    const spec = this.spec(name);
    const v = this.text(name);
    const allowed = spec.values ?? [];
    if (v === undefined) throw this.error(name, `is required (one of ${allowed.join(', ')})`);
    const resolved = spec.valueAliases?.[v] ?? v;
    if (!allowed.includes(resolved)) {
      // Values are case-sensitive, as the original template's AllowedValues; say which one a mis-cased value meant.
      const meant = allowed.find((a) => a.toLowerCase() === v.toLowerCase());
      throw this.error(name, `"${v}" is not one of ${allowed.join(', ')}${meant ? `; did you mean ${meant}?` : ''}`);
    }
    return resolved as T;
  }

  bool(name: string): boolean {
    const v = this.text(name);
    if (v === undefined) throw this.error(name, 'is required (true or false)');
    const yes = booleanOf(v);
    if (yes === undefined) throw this.error(name, `"${v}" is not true or false`);
    return yes;
  }

  int(name: string): number {
    const spec = this.spec(name);
    const v = this.text(name);
    if (v === undefined) throw this.error(name, 'is required');
    if (!/^\d+$/.test(v)) throw this.error(name, `"${v}" is not a whole number`);
    const n = Number(v);
    if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
      // Quoted as given: 99999999999999999999999 reads as such, not as 1e+23.
      throw this.error(
        name,
        `must be between ${spec.min ?? 0} and ${spec.max ?? Number.MAX_SAFE_INTEGER} (got ${v.replace(/^0+(?=\d)/, '')})`,
      );
    }
    return n;
  }

  bytes(name: string): number {
    const spec = this.spec(name);
    const v = this.text(name);
    if (v === undefined) throw this.error(name, 'is required');
    const n = byteSize(v);
    if (n === undefined) throw this.error(name, `"${v}" is not a size (e.g. 8388608 or 8MiB)`);
    if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
      throw this.error(name, `must be between ${spec.min ?? 0} and ${spec.max} bytes (got ${n})`);
    }
    return n;
  }

  /** Comma- or line-separated list, blanks dropped. */
  list(name: string): string[] {
    return (this.text(name) ?? '')
      .split(/[\n,]/)
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /**
   * Comma- or line-separated globs, blanks dropped; a comma inside braces belongs to the glob (`*.{jpg,png}`), and
   * each glob must pass `check` (which throws with the reason).
   */
  patterns(name: string, check: (glob: string) => unknown): string[] {
    const globs: string[] = [];
    let current = '';
    let depth = 0;
    for (const c of this.text(name) ?? '') {
      if (c === '{') depth++;
      else if (c === '}' && depth > 0) depth--;
      if (c === '\n' || (c === ',' && depth === 0)) {
        globs.push(current);
        current = '';
      } else current += c;
    }
    globs.push(current);
    const out = globs.map((g) => g.trim()).filter(Boolean);
    for (const glob of out) {
      try {
        check(glob);
      } catch (err) {
        const shown = glob.length > 80 ? `${glob.slice(0, 80)}…` : glob;
        throw this.error(name, `"${shown}" is not a glob we can read (${err instanceof Error ? err.message : err})`);
      }
    }
    return out;
  }

  /** Parameters given that the schema marks as accepted-but-unused, name → value. */
  unused(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of this.values) if (this.spec(name).unused) out[name] = value;
    return out;
  }
}
