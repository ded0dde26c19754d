/**
 * Whether the process a lock names still runs: the hub's data-directory lock and the CLI's per-task run lock both take
 * over a lock whose holder is gone (kill -9, a crash, power loss).
 */
import { readFileSync } from 'node:fs';

/** /proc/<pid>/stat after the command name: field 3 (state) first; undefined where the system has no /proc. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** When a process started (Linux: clock ticks since boot, /proc/<pid>/stat field 22); undefined where unknown. */
export function processStart(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/**
 * A process with this id exists and is not a zombie (EPERM: it exists, owned by someone else) and, when `start` is given and the system
 * tells start times, it is the same process — ids are reused, and a stale lock must not be taken for a live one.
 */
export function processRuns(pid: number, start?: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const fields = statFields(pid);
  // A killed process whose parent has not reaped it yet (a zombie, or one being torn down) still answers signal 0,
  // but holds nothing: a hub killed with -9 under a shell or supervisor that waits late left its lock "in use".
  if (fields && (fields[0] === 'Z' || fields[0] === 'X')) return false;
  if (!start) return true;
  const now = fields?.[19];
  return now === undefined || now === start;
}
