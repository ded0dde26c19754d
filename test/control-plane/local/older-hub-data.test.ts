/**
 * A data directory written by an older hub, opened by this one (hub.db has no schema version; each store adds what it
 * lacks, older-hub-records.ts mends values): tasks from before the log groups were named in stackOutputs get them
 * (the console's log tabs, listLogStreams by id), log lines from before the finder/worker split are filed as this hub
 * files them, and a hub of a build from before the lock file — which has hub.db open but wrote no hub.lock — keeps
 * a second hub out, as a current one does.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirInUseError } from '../../../control-plane/local/data-dir-lock.js';
import { startHub } from '../../../control-plane/local/hub.js';
import { openSqliteDatabase } from '../../../worker/adapters/embedded/index.js';
import { createLogger } from '../../../worker/core/log.js';

const quiet = createLogger({}, { write: () => {} });

/** A data directory as a hub of 2026-11-29 left it: a DONE task without stackOutputs, log lines without a kind. */
function olderDataDir(taskId: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'dth-older-')), 'data');
  mkdirSync(dir, { mode: 0o700 });
  const db = openSqliteDatabase(join(dir, 'hub.db'));
  db.exec(`CREATE TABLE tasks (id TEXT PRIMARY KEY, progress TEXT NOT NULL, created_at TEXT NOT NULL, doc TEXT NOT NULL);
    CREATE TABLE task_logs (task_id TEXT NOT NULL, stream TEXT NOT NULL, ts INTEGER NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT, message TEXT NOT NULL);`);
  const createdAt = '2026-11-29T10:00:00.000Z';
  db.prepare('INSERT INTO tasks VALUES (?, ?, ?, ?)').run(
    taskId,
    'DONE',
    createdAt,
    JSON.stringify({
      id: taskId,
      type: 'S3EC2',
      progress: 'DONE',
      createdAt,
      stackName: `local-${taskId}`,
      parameters: [{ ParameterKey: 'srcBucket', ParameterValue: 'src' }],
      progressInfo: { total: 1, replicated: 1 },
    }),
  );
  const line = db.prepare('INSERT INTO task_logs (task_id, stream, ts, message) VALUES (?, ?, ?, ?)');
  line.run(taskId, 'run-1', Date.parse(createdAt), '{"event":"finder.done","scanned":1}');
  line.run(taskId, 'run-1', Date.parse(createdAt) + 1, '{"event":"worker.copied","key":"a","bytes":1}');
  line.run(taskId, 'run-1', Date.parse(createdAt) + 2, '{"event":"task.done"}');
  db.close();
  return dir;
}

describe('a data directory of an older hub', () => {
  it('gives its tasks their log groups and files its log lines as finder or worker lines', async () => {
    const id = 'older-task-1';
    const dir = olderDataDir(id);
    const hub = await startHub({ dataDir: dir, port: 0, token: 't', logger: quiet });
    try {
      const gql = async <T>(query: string): Promise<T> => {
        const res = await fetch(`${hub.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
          body: JSON.stringify({ query }),
        });
        const body = (await res.json()) as { data: T; errors?: unknown };
        expect(body.errors).toBeUndefined();
        return body.data;
      };
      const { getTask } = await gql<{ getTask: { stackOutputs: { OutputValue: string; Description: string }[] } }>(
        `{ getTask(id: "${id}") { stackOutputs { OutputValue Description } } }`,
      );
      expect(getTask.stackOutputs.map((o) => o.OutputValue)).toEqual([
        `/dth/local/${id}/finder`,
        `/dth/local/${id}/worker`,
      ]);
      const events = async (kind: string) => {
        const group = `/dth/local/${id}/${kind}`;
        const { listLogStreams } = await gql<{ listLogStreams: { logStreams: { logStreamName: string }[] } }>(
          `{ listLogStreams(id: "${id}", logGroupName: "${group}") { logStreams { logStreamName } } }`,
        );
        const lines: string[] = [];
        for (const { logStreamName } of listLogStreams.logStreams) {
          const { getLogEvents } = await gql<{ getLogEvents: { logEvents: { message: string }[] } }>(
            `{ getLogEvents(id: "${id}", logGroupName: "${group}", logStreamName: "${logStreamName}", startFromHead: true) { logEvents { message } } }`,
          );
          lines.push(...getLogEvents.logEvents.map((e) => JSON.parse(e.message).event as string));
        }
        return lines;
      };
      expect(await events('finder')).toEqual(['finder.done', 'task.done']);
      expect(await events('worker')).toEqual(['worker.copied']);
    } finally {
      await hub.close();
    }
    // A second start finds nothing left to mend.
    const mended: unknown[] = [];
    const logger = createLogger({}, { write: (l) => mended.push(JSON.parse(l).event) });
    const again = await startHub({ dataDir: dir, port: 0, token: 't', logger });
    await again.close();
    expect(mended).not.toContain('hub.older_records_mended');
  });

  it('refuses to start beside a process that has hub.db open without a lock file (a hub of an older build)', async () => {
    const dir = olderDataDir('older-task-2');
    // Holds hub.db open as an older hub does, and writes no hub.lock.
    const holder = spawn(
      'python3',
      [
        '-c',
        `import time; f = open(${JSON.stringify(join(dir, 'hub.db'))}, 'rb'); print('open', flush=True); time.sleep(60)`,
      ],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    try {
      await new Promise((ok) => holder.stdout!.once('data', ok));
      const refused = await startHub({ dataDir: dir, port: 0, token: 't', logger: quiet }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DataDirInUseError);
      expect(String((refused as Error).message)).toContain(`pid ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
    }
    await new Promise((ok) => holder.once('exit', ok));
    const hub = await startHub({ dataDir: dir, port: 0, token: 't', logger: quiet });
    await hub.close();
  });
});
