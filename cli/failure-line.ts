/**
 * A sync command that fails before its summary (bad input, a bucket or registry that cannot be listed) still ends
 * its JSON-lines output with one line a script can read: `{"event":"error",…}` with the exit code, the error's code
 * and the field it names. Before, such a run printed nothing on stdout, and a script reading the last line as the
 * summary failed to parse it. The message goes to stderr as well, for a person.
 */
import { DthError, errorDetails } from '../worker/core/errors.js';
import { failureExitCode } from './exit-code.js';

/** JSON lines are the output, as the sync commands decide: `--json` (its last `--json[=true|false]`), or stdout not a terminal. */
export function writesJsonLines(argv: readonly string[]): boolean {
  const last = argv.filter((a) => a === '--json' || a.startsWith('--json=')).at(-1);
  return last === '--json' || last === '--json=true' || !process.stdout.isTTY;
}

/** Reports `err` on stderr (and as a JSON line on stdout when that is the output); returns the exit code. */
export function reportFailure(command: string, argv: readonly string[], err: unknown): number {
  const message = err instanceof Error ? err.message : String(err);
  const exitCode = failureExitCode(err);
  process.stderr.write(`${command}: ${message}\n`);
  if (writesJsonLines(argv)) {
    const known = err instanceof DthError ? errorDetails(err) : {};
    process.stdout.write(`${JSON.stringify({ event: 'error', exitCode, ...known, message })}\n`);
  }
  return exitCode;
}
