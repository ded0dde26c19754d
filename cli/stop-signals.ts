import type { Logger } from '../worker/core/log.js';
import type { TerminalProgress } from './progress-view.js';

export interface StopNotice {
  /** What becomes of the work in progress, in words for a terminal. */
  underWay: string;
  /** The progress bar on a terminal: the stop is said there in words; without one, it is the `sync.stopping` event. */
  terminal: TerminalProgress | undefined;
  logger: Logger;
}

/**
 * How a local sync is stopped: the first SIGINT or SIGTERM aborts the run (it ends as the engine says, exit 130), and
 * the user is told at once what happens to the work under way. A second Ctrl-C ends the process there and then: the
 * handler is gone, so Node's default for the signal applies (the next run redoes what that cut).
 */
export function stopOnSignals(abort: AbortController, notice: StopNotice): void {
  const stop = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) return;
    if (notice.terminal) notice.terminal.log(stoppingLine(signal, notice.underWay));
    else notice.logger.warn('sync.stopping', { signal });
    abort.abort(new Error(signal));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/** The words a terminal shows on the first stop signal. */
function stoppingLine(signal: NodeJS.Signals, underWay: string): string {
  const again = signal === 'SIGINT' ? ' Ctrl-C again quits at once; the next run redoes what that cuts.' : '';
  return `Stopping (${signal}): ${underWay}.${again}`;
}
