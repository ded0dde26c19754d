/**
 * What `dth finder` and `dth worker` (the S3 plugin's cloud roles) share: configuration from the environment, the
 * role's queue, status table and secrets, a graceful stop on SIGTERM/SIGINT, and one exit code per outcome (0 done,
 * 1 failed, 2 bad configuration or parameters), the failure logged as the role's contract event.
 */
import { type CloudRoleConfig, loadCloudRoleConfig, openCloudRole } from '../worker/adapters/aws/cloud-role.js';
import { DthError } from '../worker/core/errors.js';
import { failureExitCode } from './exit-code.js';
import { LOG_EVENTS, logContractEvent } from '../worker/core/events.js';
import { createLogger, type Logger } from '../worker/core/log.js';

export interface CloudRoleRun {
  config: CloudRoleConfig;
  role: ReturnType<typeof openCloudRole>;
  logger: Logger;
  /** Aborted by the first SIGTERM or SIGINT (later ones are ignored: the stop is already under way). */
  signal: AbortSignal;
}

/** Where a role's configuration comes from, and the command line its errors are printed under. */
export interface CloudRoleSource {
  /** Default: the cloud's environment (TASK_PARAMS, QUEUE_URL, STATUS_TABLE, …). */
  load?: () => Promise<CloudRoleConfig>;
  /** Default: `dth finder` / `dth worker`. */
  command?: string;
}

export async function runCloudRole(
  name: 'finder' | 'worker',
  work: (run: CloudRoleRun) => Promise<number>,
  source: CloudRoleSource = {},
): Promise<number> {
  let config: CloudRoleConfig;
  try {
    config = await (source.load ?? (() => loadCloudRoleConfig(process.env)))();
  } catch (err) {
    process.stderr.write(`${source.command ?? `dth ${name}`}: ${err instanceof Error ? err.message : String(err)}\n`);
    // Also as the role's contract event: the worker crash alarm counts it, and check-finder ends the task on it
    // (a parameter deleted from SSM, SSM out of reach, a bad TASK_PARAMS) instead of waiting for an outcome.
    logRoleFailure(createLogger({ role: name }), name, err);
    return failureExitCode(err);
  }
  const { params } = config;
  const logger = createLogger(
    { role: name, srcBucket: params.srcBucket, destBucket: params.destBucket },
    { level: config.logLevel },
  );
  const role = openCloudRole(config);
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal.aborted) return;
    logger.warn(`${name}.stopping`, { signal: sig });
    abort.abort(new Error(sig));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    return await work({ config, role, logger, signal: abort.signal });
  } catch (err) {
    logRoleFailure(logger, name, err);
    return failureExitCode(err);
  } finally {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    role.close();
  }
}

/** The process stops, not an object: the role's own event, so the dashboard's FailedObjects counts objects only. */
function logRoleFailure(logger: Logger, name: 'finder' | 'worker', err: unknown): void {
  logContractEvent(logger, name === 'finder' ? LOG_EVENTS.finderFailed : LOG_EVENTS.workerCrashed, {
    error: err,
    code: err instanceof DthError ? err.code : undefined,
  });
}
