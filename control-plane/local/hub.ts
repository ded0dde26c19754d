import { pruneExpired, RETENTION_DAYS } from './retention.js';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ControlPlaneDeps } from '../core/ports.js';
import { createResolvers } from '../core/resolvers.js';
import { estimatorByType } from '../core/estimator-by-type.js';
import { imageTaskEstimator } from '../core/image-estimator.js';
import { s3TaskEstimator } from '../core/s3-estimator.js';
import { statusStoreObjects } from '../core/task-objects.js';
import { FileSecretStore, SqliteStatusStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { DthError } from '../../worker/core/errors.js';
import { filledFields } from '../../worker/core/secret-shape.js';
import type { Logger } from '../../worker/core/log.js';
import { guardProcess } from './crash-guard.js';
import { lockDataDir } from './data-dir-lock.js';
import { prepareDataDir } from './data-dir.js';
import { DiskReserve } from './disk-space.js';
import { planEcrTask, runEcrEngine, runS3Engine, settleStoppedS3Task } from './engines.js';
import { createGraphQLExecutor, loadSchema } from './graphql-endpoint.js';
import { openHubDatabase } from './hub-database.js';
import { createHubServer } from './http-server.js';
import { LocalOrchestrator, type EngineRunner } from './local-orchestrator.js';
import { LocalTelemetry } from './local-telemetry.js';
import { mendOlderTaskRecords } from './older-hub-records.js';
import { NotifyingTaskStore } from './notifying-task-store.js';

export interface HubOptions {
  dataDir: string;
  port: number;
  host?: string;
  /** Names the hub is reached by besides loopback (behind a reverse proxy); others are refused (DNS rebinding). */
  publicHosts?: string[];
  token?: string;
  secretsFile?: string;
  consoleDir?: string;
  logger: Logger;
  /**
   * The process is the hub's own (dth serve): an exception escaping a task's code ends that task only, anything else
   * exits 1 (crash-guard.ts). Off for a hub embedded in another process, whose listeners stay its own.
   */
  guardProcess?: boolean;
  /** Extra engines (the image engine registers itself here). */
  engines?: Partial<Record<'S3EC2' | 'ECR', EngineRunner>>;
}

export interface RunningHub {
  url: string;
  token: string;
  resumed: number;
  close(): Promise<void>;
}

/** Expired logs, samples and stopped tasks' records are removed at start and this often (retention.ts). */
const PRUNE_EVERY_MS = 6 * 3_600_000;

/** Wires the control plane to embedded adapters and serves it on loopback. */
export async function startHub(options: HubOptions): Promise<RunningHub> {
  const secretsFile = options.secretsFile ?? join(options.dataDir, 'secrets.json');
  prepareDataDir(options.dataDir, secretsFile, options.logger);
  const lock = lockDataDir(options.dataDir);
  let hubDb: ReturnType<typeof openHubDatabase>;
  try {
    hubDb = openHubDatabase(options.dataDir);
  } catch (err) {
    lock.release();
    throw err;
  }
  const db = hubDb.db;
  // The status tables and their counters now, not when a task starts (on a full disk the task then fails, not its creation).
  SqliteStatusStore.prepare(db);
  const tasks = new NotifyingTaskStore(db);
  const mended = mendOlderTaskRecords(db);
  if (mended) options.logger.info('hub.older_records_mended', { tasks: mended, what: 'log groups in stackOutputs' });
  const telemetry = new LocalTelemetry(db, { taskExists: (id) => tasks.has(id) });
  const secrets = new FileSecretStore(secretsFile);
  const prune = () => {
    try {
      const pruned = pruneExpired(db);
      if (pruned.logLines + pruned.samples + pruned.stoppedTasks > 0)
        options.logger.info('hub.pruned', { ...pruned, retentionDays: RETENTION_DAYS });
    } catch (err) {
      options.logger.warn('hub.prune_failed', { error: err });
    }
  };
  prune();
  const pruning = setInterval(prune, PRUNE_EVERY_MS).unref();
  const disk = new DiskReserve(options.dataDir, options.logger);
  disk.start();
  const orchestrator = new LocalOrchestrator({
    db,
    tasks,
    secrets,
    telemetry,
    logger: options.logger,
    engines: { S3EC2: runS3Engine, ECR: runEcrEngine, ...options.engines },
    stoppedRunSettlers: { S3EC2: settleStoppedS3Task },
    disk,
  });
  const unguard = options.guardProcess ? guardProcess(orchestrator, options.logger) : () => {};
  const deps: ControlPlaneDeps = {
    tasks,
    orchestrator,
    metrics: telemetry,
    logs: telemetry,
    liveProgressInLists: true,
    secrets: {
      list: () => secrets.list(),
      fieldsOf: (name) => secrets.get(name).then(filledFields, () => undefined),
    },
    objects: statusStoreObjects((task) => new SqliteStatusStore(db, task.id)),
    estimator: estimatorByType({
      S3EC2: s3TaskEstimator((params) => openTaskBuckets(params, secrets), options.logger),
      ECR: imageTaskEstimator((params, signal) => planEcrTask(params, secrets, options.logger, signal)),
    }),
  };
  const execute = createGraphQLExecutor(loadSchema(), createResolvers(deps));
  const token = options.token ?? randomBytes(24).toString('base64url');
  const server = createHubServer({
    token,
    execute,
    consoleDir: options.consoleDir,
    publicHosts: options.publicHosts,
    logger: options.logger,
  });
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(options.port, host, () => ok());
    });
  } catch (err) {
    // Nothing was started: leave the data directory as it was found.
    clearInterval(pruning);
    unguard();
    disk.close();
    hubDb.close();
    lock.release();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new DthError(
        'PORT_IN_USE',
        `port ${options.port} on ${host} is in use (another hub?): stop it, or choose another with --port`,
      );
    }
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const resumed = await orchestrator.resumeUnfinished();
  return {
    // An IPv6 address is bracketed in a URL (`http://[::1]:8470`); bare, the printed link was no URL at all.
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    token,
    resumed,
    close: async () => {
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeIdleConnections();
      await orchestrator.shutdown();
      server.closeAllConnections();
      await closed;
      clearInterval(pruning);
      unguard();
      disk.close();
      try {
        hubDb.close();
      } catch (err) {
        options.logger.warn('hub.close_failed', { error: err });
      }
      lock.release();
    },
  };
}
