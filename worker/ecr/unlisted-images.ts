import type { Logger } from '../core/log.js';
import type { ObjectStatus, StatusStore } from '../ports/status-store.js';

/** Statuses that leave a pass unfinished: a record in one of them that no pass lists again would keep it so for good. */
const UNRESOLVED: readonly ObjectStatus[] = ['FAILED', 'PENDING', 'IN_PROGRESS'];

const PAGE = 500;

export const UNLISTED_REASON = 'no longer listed at the source: nothing to copy';

/** `name:` of an image key (`name:tag`, `name:ALL_TAGS`): the name may hold a registry port, never after its last `/`. */
function namePrefix(key: string): string {
  return key.slice(0, key.indexOf(':', key.lastIndexOf('/') + 1) + 1);
}

/**
 * After a pass that listed the task's whole image list, the unresolved records of images it did not list — a tag
 * deleted or a repository removed at the source since, or an `ALL_TAGS` entry that failed to expand and now expands
 * to its tags — become SKIPPED with the reason. A task's list never changes, so such a record can never be copied or
 * cleared again; before, one stale FAILED record kept every later pass of a scheduled task incomplete. Images copied
 * before (DONE) stay counted: their copies stay at the destination, as the original leaves them. Not for the CLI,
 * whose state file may hold the records of other lists. `listed` holds the keys the pass listed; a repository whose
 * tags could not be listed (its `name:ALL_TAGS` key) keeps its records as they are, to be tried on the next pass.
 */
export async function settleUnlistedImages(
  status: StatusStore,
  listed: (key: string) => boolean,
  logger: Logger,
): Promise<number> {
  let settled = 0;
  for (const state of UNRESOLVED) {
    let after: string | undefined;
    for (;;) {
      const page = await status.list({ status: state, limit: PAGE, after });
      for (const record of page) {
        if (listed(record.key) || listed(`${namePrefix(record.key)}ALL_TAGS`)) continue;
        await status.update(record.key, {
          status: 'SKIPPED',
          error: UNLISTED_REASON,
          size: 0,
          bytesDone: 0,
          finishedAt: new Date().toISOString(),
        });
        logger.info('image.unlisted', { image: record.key, was: state });
        settled++;
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1].key;
    }
  }
  return settled;
}
