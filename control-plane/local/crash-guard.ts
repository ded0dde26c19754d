import type { Logger } from '../../worker/core/log.js';
import type { LocalOrchestrator } from './local-orchestrator.js';
import { taskRunOfCurrentContext } from './task-runs.js';

/**
 * The hub process's last line: an exception nobody caught (thrown in a timer or a stream handler) or a rejected
 * promise nobody awaited. When it belongs to a task's run — Node keeps the async context of the throw for these
 * listeners — that task goes to ERROR and the hub serves on; the run's state is abandoned with it. Anything else is
 * the hub's own bug: logged, and the process exits 1 as Node would (the run ledger then keeps a task that does this at
 * every start from crash-looping the hub). Returns the function that removes the listeners.
 */
export function guardProcess(orchestrator: LocalOrchestrator, logger: Logger): () => void {
  const onError = (kind: string) => (err: unknown) => {
    if (orchestrator.failRun(taskRunOfCurrentContext(), err)) return;
    logger.error('hub.crashed', { kind, error: err });
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  };
  const uncaught = onError('uncaughtException');
  const unhandled = onError('unhandledRejection');
  process.on('uncaughtException', uncaught);
  process.on('unhandledRejection', unhandled);
  return () => {
    process.off('uncaughtException', uncaught);
    process.off('unhandledRejection', unhandled);
  };
}
