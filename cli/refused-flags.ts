/**
 * A command line's problems all at once. node's util.parseArgs (strict) stops at the first; a line it refuses is read
 * again token by token here, and what the parameter flags got wrong is said together with the parameters' own
 * problems, so a mistyped script is mended in one round, as a params file is.
 */
import { parseArgs } from 'node:util';
import {
  InvalidParameterError,
  InvalidParametersError,
  type ParameterProblem,
  refusalOf,
} from '../worker/core/errors.js';
import { closestName } from '../worker/params/index.js';

type OptionTypes = Record<string, { type: 'string' | 'boolean' }>;

/** The problems of a command line's parameter flags, and the parameters they were about. */
export class RefusedFlags {
  constructor(
    readonly problems: readonly InvalidParameterError[],
    /** Parameters whose flag was refused: that they are then missing is no news. */
    private readonly parameters: ReadonlySet<string> = new Set(),
  ) {}

  /** Throws the problems: one alone, several in one InvalidParametersError; nothing when there are none. */
  throwAny(): void {
    const [first, ...others] = this.problems;
    if (first) throw refusalOf(first, others);
  }

  /** `parse()`'s result when no flag was refused; else one error with these problems and those `parse` finds. */
  checkedWith<T>(parse: () => T): T {
    const [first, ...others] = this.problems;
    if (!first) return parse();
    const problems: ParameterProblem[] = [...others];
    try {
      parse();
    } catch (err) {
      if (!(err instanceof InvalidParameterError)) throw err;
      const found = err instanceof InvalidParametersError ? err.problems : [err];
      const named = new Set([first, ...problems].map((p) => p.field));
      problems.push(...found.filter((p) => !this.parameters.has(p.field) && !named.has(p.field)));
    }
    throw refusalOf(first, problems);
  }
}

/**
 * A line parseArgs refused, read token by token: every problem in it, and the values of the flags given well (so the
 * parameters they give are checked too).
 */
export function readLeniently(
  args: readonly string[],
  options: OptionTypes,
): { values: Record<string, (string | boolean)[]>; problems: InvalidParameterError[] } {
  const values: Record<string, (string | boolean)[]> = {};
  const problems: InvalidParameterError[] = [];
  let rest = [...args];
  reading: for (;;) {
    const { tokens } = parseArgs({ args: rest, options, strict: false, allowPositionals: true, tokens: true });
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      if (token.kind === 'option-terminator') continue;
      if (token.kind === 'positional') {
        problems.push(new InvalidParameterError(`"${token.value}"`, 'unexpected argument (options start with --)'));
        continue;
      }
      const flag = token.rawName;
      const option = options[token.name];
      if (!option || !flag.startsWith('--')) {
        problems.push(unknownFlag(flag, token.name, options));
        // `--unknown value`: the word after it is its value, not a stray argument of its own.
        const next = tokens[i + 1];
        if (token.value === undefined && next?.kind === 'positional' && next.index === token.index + 1) i++;
        continue;
      }
      if (option.type === 'boolean') {
        given(values, token.name, true);
        continue;
      }
      if (token.value === undefined) {
        problems.push(new InvalidParameterError(flag, 'needs a value'));
        continue;
      }
      if (!token.inlineValue && token.value.startsWith('--')) {
        // The next flag, taken as this one's value: this one has none, and the line is read on from that flag.
        problems.push(new InvalidParameterError(flag, 'needs a value'));
        rest = rest.slice(token.index + 1);
        continue reading;
      }
      if (!token.inlineValue && token.value.startsWith('-')) {
        problems.push(
          new InvalidParameterError(flag, `needs a value; one starting with "-" is written ${flag}=${token.value}`),
        );
        continue;
      }
      given(values, token.name, token.value);
    }
    break;
  }
  // parseArgs refused the line, so something is wrong in it; never answer as if nothing were.
  if (problems.length === 0) problems.push(new InvalidParameterError('arguments', 'cannot be read (see --help)'));
  return { values, problems };
}

function given(values: Record<string, (string | boolean)[]>, name: string, value: string | boolean): void {
  values[name] = [...(values[name] ?? []), value];
}

function unknownFlag(flag: string, name: string, options: OptionTypes): InvalidParameterError {
  const meant = closestName(Object.keys(options), name);
  return new InvalidParameterError(
    flag,
    `is not a known option (${meant ? `did you mean --${meant}? ` : ''}see --help)`,
  );
}
