/**
 * Whether the process a lock names still runs: the hub's data-directory lock and the CLI's per-task run lock both take
 * over a lock whose holder is gone (kill -9, a crash, power loss).
 */
import { readFileSync } from 'node:fs';

/** When a process started (Linux: clock ticks since boot, /proc/<pid>/stat field 22); undefined where unknown. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * A process with this id exists (EPERM: it exists, owned by someone else) and, when `start` is given and the system
 * tells start times, it is the same process — ids are reused, and a stale lock must not be taken for a live one.
 */
export function processRuns(pid: number, start?: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!start) return true;
  const now = processStart(pid);
  return now === undefined || now === start;
}
