/**
 * The hub's run ledger keeps when a task's pass began across a hub that died under it: the resumed run's engine is
 * told that earlier start, so what the same pass copied before the crash counts as its copies (an image task resumed
 * after `kill -9` said "3 transferred, 1 unchanged" while its four records were copies of that pass). The next pass
 * of a FIXED_RATE task begins afresh, and when it is due outlives the hub. A real SQLite file, opened again as a restarted hub does.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RunLedger } from '../../../control-plane/local/task-runs.js';
import { openSqliteDatabase } from '../../../worker/adapters/embedded/index.js';

describe('the start of a pass in the run ledger', () => {
  it('survives a restart of the hub, and is new for the next pass', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dth-ledger-')), 'hub.db');
    const first = openSqliteDatabase(file);
    const before = Date.now();
    new RunLedger(first).started('t1', 0);
    const began = new RunLedger(first).passStartedAt('t1');
    expect(began?.getTime()).toBeGreaterThanOrEqual(before);
    first.close(); // the hub dies: the row stays

    await sleep(20);
    const restarted = openSqliteDatabase(file);
    const ledger = new RunLedger(restarted);
    expect(ledger.countInterruption('t1', 0)).toBe(1);
    ledger.started('t1', 0); // the resumed run
    expect(ledger.passStartedAt('t1')).toEqual(began);

    ledger.passCompleted('t1', 4);
    const due = new Date(Date.now() + 3_600_000);
    ledger.betweenPasses('t1', due);
    expect(ledger.passStartedAt('t1')).toBeUndefined();
    restarted.close(); // the hub stops while the task waits: when its next pass is due outlives it
    const again = openSqliteDatabase(file);
    const third = new RunLedger(again);
    expect(third.countInterruption('t1', 4)).toBe(0);
    expect(third.nextPassAt('t1')).toEqual(due);
    await sleep(20);
    third.started('t1', 4); // the next pass
    expect(third.passStartedAt('t1')!.getTime()).toBeGreaterThan(began!.getTime());
    expect(third.nextPassAt('t1')).toBeUndefined();
    third.betweenPasses('t1', due);
    third.forgetNextPass('t1'); // stopped for good
    expect(third.nextPassAt('t1')).toBeUndefined();
    again.close();
  });
});
