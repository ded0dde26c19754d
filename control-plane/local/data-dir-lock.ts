/**
 * One hub per data directory. Two hubs on one hub.db (a second `npm start` with another --port) both resumed its
 * running tasks and copied the same objects side by side, each judging the task by counts the other was changing.
 * `DATA/hub.lock` holds the owner's pid and start time; a lock whose process is gone (kill -9, a crash, power loss — a
 * zombie left unreaped, an id reused after a reboot) is taken over.
 */
import {
  closeSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { DthError } from '../../worker/core/errors.js';
import { processRuns, processStart } from '../../worker/core/process-liveness.js';

export class DataDirInUseError extends DthError {
  constructor(dataDir: string, pid: number) {
    super(
      'DATA_DIR_IN_USE',
      `another hub (pid ${pid}) is using ${dataDir}: stop it, or give this one its own --data ` +
        `(if no hub runs, delete ${join(dataDir, 'hub.lock')})`,
    );
  }
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, 'hub.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // "<pid> <start>": the start time tells the holder from a process that got its id after a reboot (power loss
      // left the lock; an older lock holds the pid alone).
      const [pidText, start] = readFileSync(path, 'utf8').trim().split(/\s+/);
      const pid = Number.parseInt(pidText ?? '', 10);
      // Our own pid: an earlier hub of this process that was not closed (embedded use); nothing else can hold it.
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processRuns(pid, start))
        throw new DataDirInUseError(dataDir, pid);
      unlinkSync(path);
      continue;
    }
    const holder = [process.pid, processStart(process.pid)].filter((v) => v !== undefined).join(' ');
    writeSync(fd, holder);
    closeSync(fd);
    const release = () => {
      try {
        if (readFileSync(path, 'utf8') === holder) unlinkSync(path);
      } catch {
        // Already gone: nothing to release.
      }
    };
    // A hub of a build from before the lock file writes none, yet has hub.db open: it is as much in use.
    const other = processHolding(join(dataDir, 'hub.db'));
    if (other !== undefined) {
      release();
      throw new DataDirInUseError(dataDir, other);
    }
    return { release };
  }
  throw new DthError('DATA_DIR_IN_USE', `could not take ${path}: another hub is starting on ${dataDir}`);
}

/** Another process that has `file` open (Linux's /proc; where it cannot be read, none is seen). */
function processHolding(file: string): number | undefined {
  let target: string;
  let pids: string[];
  try {
    target = realpathSync(file);
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  } catch {
    return undefined; // no hub.db yet, or no /proc
  }
  const holds = (pid: string) => {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      return false; // gone, or another user's (whose hub could not open this private directory anyway)
    }
    return fds.some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === target;
      } catch {
        return false;
      }
    });
  };
  const holder = pids.find(holds);
  return holder === undefined ? undefined : Number(holder);
}
