/** Errors of the task API a caller can act on (the engines' own family is worker/core/errors.ts). */
import { DthError } from '../../worker/core/errors.js';

export class TaskNotFoundError extends DthError {
  override readonly field = 'id';

  constructor(id: string) {
    super('TASK_NOT_FOUND', `id: task "${id}" does not exist`);
  }
}

/** The log group (or stream) asked for does not exist, or is not one of a task's log groups. */
export class LogGroupNotFoundError extends DthError {
  override readonly field = 'logGroupName';

  constructor(
    readonly logGroupName: string,
    detail = 'is not a log group of a task of this hub',
  ) {
    super('LOG_GROUP_NOT_FOUND', `logGroupName: "${logGroupName}" ${detail}`);
  }
}

/** The log group is a task's, the stream asked for is not in it (as in CloudWatch, a stream exists once it has events). */
export class LogStreamNotFoundError extends DthError {
  override readonly field = 'logStreamName';

  constructor(logGroupName: string, logStreamName: string) {
    super(
      'LOG_STREAM_NOT_FOUND',
      `logStreamName: "${logStreamName}" is not a stream of log group "${logGroupName}" (or has no events yet)`,
    );
  }
}
