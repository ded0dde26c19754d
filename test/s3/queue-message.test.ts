/** How a worker reads a queue message that is no job and no S3 event: dead-lettered with a reason that says what it is. */
import { describe, expect, it } from 'vitest';
import { readQueueMessage, type EventScope } from '../../worker/s3/s3-event.js';

const scope: EventScope = { srcBucket: 'src', srcPrefix: '', keep: () => true, propagateDeletes: false };

describe('a queue message that is no JSON object', () => {
  it.each([
    ['hello, not JSON', 'text'],
    [null, 'null'],
    [[1, 2], 'an array'],
    [42, 'number'],
  ])('%j is invalid: "not a JSON object (%s)"', (body, kind) => {
    expect(readQueueMessage(body, scope)).toEqual({ kind: 'invalid', reason: `not a JSON object (${kind})` });
  });
});
