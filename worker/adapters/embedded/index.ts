export { openSqliteDatabase, type SqliteDatabase } from './sqlite-database.js';
export { SqliteJobQueue } from './sqlite-job-queue.js';
export { SqliteStatusStore } from './sqlite-status-store.js';
export { FileSecretStore } from './file-secret-store.js';
export { lockTaskRun, TaskRunningError } from './sqlite-run-lock.js';
