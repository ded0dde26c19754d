/**
 * Output whose reader went away (`dth s3 sync --json | head -1`, a pager quit early) must not end a transfer: Node
 * does not die of SIGPIPE as a C or Go tool would, it gets EPIPE on the next write, and an unheard 'error' crashed the
 * run with a stack trace — mid-copy, or after a complete one with exit 1. Output to the closed stream stops; the
 * transfer goes on and exits with its own code (state and logs elsewhere are untouched).
 */
const READER_GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

export function keepRunningWhenOutputCloses(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (!READER_GONE.has(err.code ?? '')) throw err;
    });
  }
}
