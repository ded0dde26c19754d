/** The lifecycle policy both orchestrators share (control-plane/core/lifecycle.ts): pure, so checked by its truth table. */
import { describe, expect, it } from 'vitest';
import {
  incompleteMessage,
  isStoppedOrFinal,
  needsFirstFailure,
  passOutcome,
  passState,
  progressInfoOf,
} from '../../../control-plane/core/lifecycle.js';
import { emptySummary, type StatusSummary } from '../../../worker/ports/status-store.js';

const counts = (s: Partial<StatusSummary>): StatusSummary => ({ ...emptySummary(), ...s });
const NOW = new Date('2026-11-25T08:00:00.000Z');

describe('task lifecycle policy', () => {
  it('decides a pass by its counts: complete only when everything is done and verified or skipped', () => {
    expect(passState(counts({ total: 3, done: 2, skipped: 1, verified: 2 }))).toBe('COMPLETE');
    expect(passState(counts({}))).toBe('COMPLETE'); // nothing to copy
    expect(passState(counts({ total: 3, done: 2, verified: 2, pending: 1 }))).toBe('RUNNING');
    expect(passState(counts({ total: 3, done: 2, verified: 2, inProgress: 1 }))).toBe('RUNNING');
    expect(passState(counts({ total: 2, done: 1, verified: 1, failed: 1 }))).toBe('INCOMPLETE');
    expect(passState(counts({ total: 2, done: 2, verified: 1 }))).toBe('INCOMPLETE'); // one copy not verified
    // The local engine returned: its pass is over even if a record was left pending.
    expect(passState(counts({ total: 2, done: 1, verified: 1, pending: 1 }), true)).toBe('INCOMPLETE');
  });

  it('names the first failure, or the objects left unverified', () => {
    expect(
      incompleteMessage(counts({ total: 2, done: 1, verified: 1, failed: 1 }), {
        key: 'bad/key',
        error: 'AccessDenied',
      }),
    ).toBe('1 of 2 failed; first: bad/key: AccessDenied');
    expect(incompleteMessage(counts({ total: 2, done: 1, verified: 1, failed: 1 }), { key: 'bad/key' })).toBe(
      '1 of 2 failed; first: bad/key: unknown error',
    );
    expect(incompleteMessage(counts({ total: 3, done: 3, verified: 1 }))).toBe(
      '2 of 3 were not transferred and verified',
    );
    expect(incompleteMessage(counts({ total: 3, done: 1, verified: 1, pending: 2 }))).toBe(
      '2 of 3 were not transferred and verified',
    );
    expect(needsFirstFailure('INCOMPLETE', counts({ failed: 1 }))).toBe(true);
    expect(needsFirstFailure('INCOMPLETE', counts({ done: 1 }))).toBe(false);
    expect(needsFirstFailure('RUNNING', counts({ failed: 1, pending: 1 }))).toBe(false);
  });

  it('ends a ONE_TIME task in DONE or ERROR COMPLETE_CHECK_ERROR; a FIXED_RATE task records the error and keeps going', () => {
    const info = progressInfoOf(counts({ total: 1, done: 1, verified: 1, bytesTotal: 5, bytesDone: 5 }));
    const pass = { progressInfo: info, message: '1 object(s) failed', now: NOW };
    expect(passOutcome({ scheduleType: 'ONE_TIME' }, 'COMPLETE', pass)).toEqual({
      patch: { progress: 'DONE', progressInfo: info, stoppedAt: NOW.toISOString() },
      final: true,
    });
    expect(passOutcome({ scheduleType: 'ONE_TIME' }, 'INCOMPLETE', pass)).toEqual({
      patch: {
        progress: 'ERROR',
        progressInfo: info,
        errorCode: 'COMPLETE_CHECK_ERROR',
        errorMessage: '1 object(s) failed',
        stoppedAt: NOW.toISOString(),
      },
      final: true,
    });
    expect(passOutcome({ scheduleType: 'ONE_TIME' }, 'RUNNING', pass)).toEqual({
      patch: { progressInfo: info },
      final: false,
    });
    expect(passOutcome({ scheduleType: 'FIXED_RATE' }, 'INCOMPLETE', pass)).toEqual({
      patch: { progressInfo: info, errorCode: 'COMPLETE_CHECK_ERROR', errorMessage: '1 object(s) failed' },
      final: false,
    });
    const cleared = passOutcome({ scheduleType: 'FIXED_RATE' }, 'COMPLETE', pass);
    expect(cleared.final).toBe(false);
    expect(Object.keys(cleared.patch).sort()).toEqual(['errorCode', 'errorMessage', 'progressInfo']); // patched to undefined: removed
    expect(cleared.patch.errorCode).toBeUndefined();
  });

  it('maps counts to progressInfo with the measured rate and ETA only when given', () => {
    const s = counts({ total: 4, done: 2, skipped: 1, failed: 1, verified: 2, bytesTotal: 40, bytesDone: 20 });
    expect(progressInfoOf(s)).toEqual({
      total: 4,
      replicated: 2,
      failed: 1,
      skipped: 1,
      verified: 2,
      bytesTotal: 40,
      bytesDone: 20,
    });
    expect(progressInfoOf(s, { rate: 10, etaSeconds: 2 })).toMatchObject({ rate: 10, etaSeconds: 2 });
    expect(['STOPPING', 'STOPPED', 'DONE', 'ERROR'].every((p) => isStoppedOrFinal(p as never))).toBe(true);
    expect(['STARTING', 'IN_PROGRESS'].some((p) => isStoppedOrFinal(p as never))).toBe(false);
  });
});
