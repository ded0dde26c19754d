/**
 * Runs `each` on the items of an iterable (or an async one), at most `concurrency` at a time, pulling the next item only when a
 * lane is free, so a long (lazily produced) list never becomes an array of promises. The first failure stops the
 * pool: `halt` (handed to every call) is aborted so that the calls still running can end early, no further item is
 * started, and once the running calls have ended the failure is thrown.
 */
export async function forEachBounded<T>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  each: (item: T, halt: AbortSignal) => Promise<void>,
): Promise<void> {
  const iterator: AsyncIterator<T> | Iterator<T> =
    Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  const halt = new AbortController();
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    failure ??= { error };
    halt.abort();
  };
  const lane = async () => {
    while (!failure) {
      let next: IteratorResult<T>;
      try {
        next = await iterator.next();
      } catch (error) {
        fail(error);
        return;
      }
      if (next.done || failure) return;
      try {
        await each(next.value, halt.signal);
      } catch (error) {
        fail(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  if (failure) {
    // Closes the source (a listing stops paging) when it was left mid-way.
    await Promise.resolve(iterator.return?.()).catch(() => {});
    throw failure.error;
  }
}
