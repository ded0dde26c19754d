/** One queued unit of work: copy (or delete at the destination) one source object. */
export interface TransferJob {
  key: string;
  size: number;
  /** Source ETag seen by the finder (or the event); the worker copies the current version and records what it copied. */
  etag?: string;
  action?: 'copy' | 'delete';
}

/** Maps a source key to its destination key: the destination prefix, then the full source key. */
export function destinationKey(destPrefix: string, sourceKey: string): string {
  if (!destPrefix) return sourceKey;
  return destPrefix.endsWith('/') ? destPrefix + sourceKey : `${destPrefix}/${sourceKey}`;
}

/** The prefix under which destination keys of a source prefix live. */
export function destinationPrefix(destPrefix: string, sourcePrefix: string): string {
  return destinationKey(destPrefix, sourcePrefix);
}
