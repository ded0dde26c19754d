import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processRuns } from '../core/process-liveness.js';

/** What a skopeo run keeps in a temporary directory: registry logins, a sync's image list, a copy's digest file. */
export type TempDirUse = 'auth' | 'sync' | 'copy';

/** `dth-<use>-<pid>-<random>`: the pid tells a later process whether the directory's owner is still running. */
const OWNED_NAME = /^dth-(?:auth|sync|copy)-(\d+)-/;

let swept: Promise<unknown> | undefined;

/**
 * A new 0700 directory under the system's temporary directory. A process killed with SIGKILL (OOM killer, `kill -9`,
 * a host shutting down) never runs its `finally`, and its auth file — registry passwords — stayed in /tmp for good;
 * the first directory a later process asks for removes those of processes no longer running.
 */
export async function privateTempDir(use: TempDirUse): Promise<string> {
  swept ??= sweepOrphanedTempDirs().catch(() => undefined);
  await swept;
  return mkdtemp(join(tmpdir(), `dth-${use}-${process.pid}-`));
}

/** Removes this user's `dth-<use>-<pid>-…` directories whose process has ended. */
export async function sweepOrphanedTempDirs(dir = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    const pid = Number(OWNED_NAME.exec(name)?.[1]);
    if (!pid || pid === process.pid || processRuns(pid)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    // Another user's directory is theirs to clean (and rm would fail on it anyway).
    if (!info?.isDirectory() || info.uid !== process.getuid?.()) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}
