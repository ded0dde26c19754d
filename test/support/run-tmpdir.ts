/**
 * Vitest global set-up: every temporary file of a test run (state databases, secrets files, the 1 M-record SQLite of
 * the scale test, CLI and hub data) goes under one directory, removed when the run ends. Tests made their own
 * directories under the system's and many left them: repeated runs filled the disk (about 0.5 GB a run).
 * DTH_KEEP_TMP=1 keeps the directory (its path is printed) to look at what a failing test left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'dth-test-run-'));
  // The test workers are forked after this, and the CLI and hub processes they start inherit it: os.tmpdir() reads it.
  process.env.TMPDIR = dir;
  return () => {
    if (process.env.DTH_KEEP_TMP === '1') console.log(`test files kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
}
