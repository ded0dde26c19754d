/** How a command's failure becomes its exit code, the same for every `dth` command. */
import { InvalidParameterError } from '../worker/core/errors.js';

/** 2 for bad input (a parameter, flag or setting, named in the message), 1 for anything else that failed. */
export function failureExitCode(err: unknown): 1 | 2 {
  return err instanceof InvalidParameterError ? 2 : 1;
}
