/**
 * How a local sync is stopped: the first SIGINT or SIGTERM aborts the run (it ends as the engine says, exit 130), and
 * `announce` tells the user at once what happens to the work under way. A second Ctrl-C ends the process there and
 * then: the handler is gone, so Node's default for the signal applies (the next run redoes what that cut).
 */
export function stopOnSignals(abort: AbortController, announce: (signal: NodeJS.Signals) => void): void {
  const stop = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) return;
    announce(signal);
    abort.abort(new Error(signal));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/** The words a terminal shows on the first stop signal; `underWay` says what becomes of the work in progress. */
export function stoppingLine(signal: NodeJS.Signals, underWay: string): string {
  const again = signal === 'SIGINT' ? ' Ctrl-C again quits at once; the next run redoes what that cuts.' : '';
  return `Stopping (${signal}): ${underWay}.${again}`;
}
