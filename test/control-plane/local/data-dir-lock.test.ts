/**
 * The hub's data-directory lock is taken over when its holder is gone, including the two ways a dead holder still
 * looks alive to `kill(pid, 0)`: a hub killed with -9 whose parent has not reaped it yet (a zombie: a restart right
 * after the kill was refused as "another hub is using"), and a pid reused by another process after a reboot (the
 * lock now records the holder's start time). A live holder still refuses the second hub.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir } from '../../../control-plane/local/data-dir-lock.js';
import { processStart } from '../../../worker/core/process-liveness.js';

const newDir = () => mkdtempSync(join(tmpdir(), 'dth-lock-'));
const procState = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.[0];

describe('hub data-directory lock', () => {
  it('refuses while the holder runs, records its start time, and is free again once released', () => {
    const dir = newDir();
    const lock = lockDataDir(dir);
    expect(readFileSync(join(dir, 'hub.lock'), 'utf8')).toBe(`${process.pid} ${processStart(process.pid)}`);
    // A live holder (another process) refuses, as before.
    const sleeper = spawn('sleep', ['30']);
    try {
      writeFileSync(join(dir, 'hub.lock'), `${sleeper.pid} ${processStart(sleeper.pid!)}`);
      expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
      writeFileSync(join(dir, 'hub.lock'), `${sleeper.pid}`); // an older lock: the pid alone
      expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    } finally {
      sleeper.kill('SIGKILL');
    }
    lock.release();
  });

  it('takes over a lock whose holder was killed but not yet reaped (a zombie)', () => {
    const dir = newDir();
    // A parent that never waits for its child: once killed, the child stays a zombie until the parent ends, as a hub
    // killed with -9 under a parent that reaps late. (Not `bash -c 'sleep & exec sleep'`: bash reaps the child itself
    // when the kill lands before its exec, which made this test flaky.)
    const orphanParent = spawn(
      'python3',
      ['-c', "import subprocess,time; c=subprocess.Popen(['sleep','120']); print(c.pid, flush=True); time.sleep(120)"],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return new Promise<void>((resolve, reject) => {
      orphanParent.stdout!.once('data', (d: Buffer) => {
        try {
          const pid = Number.parseInt(d.toString(), 10);
          writeFileSync(join(dir, 'hub.lock'), `${pid} ${processStart(pid)}`);
          expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
          process.kill(pid, 'SIGKILL');
          for (let i = 0; i < 100 && procState(pid) !== 'Z'; i++) spawnSync('sleep', ['0.02']);
          expect(procState(pid)).toBe('Z'); // still there: signal 0 alone took it for a live hub
          const lock = lockDataDir(dir);
          expect(readFileSync(join(dir, 'hub.lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
          lock.release();
          resolve();
        } catch (err) {
          reject(err);
        } finally {
          orphanParent.kill('SIGKILL');
        }
      });
    });
  });

  it('takes over a lock naming a live process that started after the holder (its id reused after a reboot)', () => {
    const dir = newDir();
    const other = spawn('sleep', ['30']);
    try {
      const start = Number(processStart(other.pid!));
      writeFileSync(join(dir, 'hub.lock'), `${other.pid} ${start - 1000}`);
      const lock = lockDataDir(dir);
      lock.release();
    } finally {
      other.kill('SIGKILL');
    }
  });
});
