/**
 * The local hub's S3 runs without its HTTP front: the real orchestrator, engines and SQLite stores on a fresh data
 * directory, and task records as createTask stores them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runS3Engine, settleStoppedS3Task } from '../../../control-plane/local/engines.js';
import { LocalOrchestrator } from '../../../control-plane/local/local-orchestrator.js';
import { LocalTelemetry } from '../../../control-plane/local/local-telemetry.js';
import { SqliteTaskStore } from '../../../control-plane/local/sqlite-task-store.js';
import { FileSecretStore, openSqliteDatabase } from '../../../worker/adapters/embedded/index.js';
import { createLogger } from '../../../worker/core/log.js';

/** An orchestrator of S3 tasks on its own hub database; `logLines` collects its log when given; `close` ends both. */
export function localS3Hub(secretsPath: string, logLines?: string[]) {
  const db = openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'dth-local-hub-')), 'hub.db'));
  const tasks = new SqliteTaskStore(db);
  const orchestrator = new LocalOrchestrator({
    db,
    tasks,
    secrets: new FileSecretStore(secretsPath),
    telemetry: new LocalTelemetry(db),
    logger: createLogger({ role: 'test' }, { write: (l) => void logLines?.push(l) }),
    engines: { S3EC2: runS3Engine },
    stoppedRunSettlers: { S3EC2: settleStoppedS3Task },
  });
  const close = async () => {
    await orchestrator.shutdown();
    db.close();
  };
  return { db, tasks, orchestrator, close };
}

/** A ONE_TIME S3 task record with these parameters, as createTask stores it. */
export function s3TaskRecord(
  id: string,
  params: Record<string, string>,
  progress: 'STARTING' | 'STOPPING' = 'STARTING',
) {
  return {
    id,
    type: 'S3EC2',
    scheduleType: 'ONE_TIME',
    description: '',
    parameters: Object.entries(params).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
    progress,
    createdAt: new Date().toISOString(),
  } as const;
}
