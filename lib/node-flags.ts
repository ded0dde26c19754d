/**
 * The V8 flags every `dth` process starts with: the CLI's first two lines (bin/dth.mjs, run by sh), the EC2 fleet's
 * systemd unit and the task image's ENTRYPOINT (plugins/ecr/Dockerfile) — test/cli/node-flags.test.ts holds the two
 * static files to this list.
 *
 * --no-concurrent-recompilation: TurboFan compiles on the main thread instead of a background one. A sync is short
 * and its hot code is small, so the background thread's hand-offs cost more than they free: 5–10 % less CPU for the
 * same wall time (paired runs of 1,400 × 1–64 KiB and 300 × 1 MiB, README "Benchmark"). V8 reads it only at start-up
 * (a running process cannot switch it), so it has to be on the command line.
 */
export const DTH_NODE_FLAGS = ['--no-concurrent-recompilation'] as const;
