/** How check-finder reads the finder's outcome line (worker/core/events.ts): by its event field, not by any mention. */
import { describe, expect, it } from 'vitest';
import { FINDER_OUTCOME_PATTERN, LOG_EVENTS, readFinderOutcome } from '../../worker/core/events.js';

describe('finder outcome lines', () => {
  it('reads done and failed lines, with the error as text', () => {
    expect(readFinderOutcome(JSON.stringify({ event: LOG_EVENTS.finderDone, scanned: 3 }))).toEqual({
      outcome: 'done',
    });
    expect(
      readFinderOutcome(
        JSON.stringify({ event: LOG_EVENTS.finderFailed, error: 'srcBucket: bucket "x" does not exist' }),
      ),
    ).toEqual({ outcome: 'failed', error: 'srcBucket: bucket "x" does not exist' });
    expect(
      readFinderOutcome(
        JSON.stringify({ event: LOG_EVENTS.finderFailed, error: { name: 'DthError', message: 'denied' } }),
      ),
    ).toEqual({ outcome: 'failed', error: '{"name":"DthError","message":"denied"}' });
  });

  it('ignores a JSON line that only mentions an outcome name, and reads a plain-text line by its words', () => {
    expect(
      readFinderOutcome(JSON.stringify({ event: 'finder.queued', key: 'logs/finder.failed.txt' })),
    ).toBeUndefined();
    expect(readFinderOutcome('finder.failed: out of memory')).toEqual({
      outcome: 'failed',
      error: 'finder.failed: out of memory',
    });
    expect(readFinderOutcome('something finder.done')).toEqual({ outcome: 'done' });
    expect(FINDER_OUTCOME_PATTERN).toBe('?"finder.done" ?"finder.failed"');
  });
});
