#!/usr/bin/env -S node --no-concurrent-recompilation
// Node's flags on the first line: lib/node-flags.ts (env -S splits them; V8 reads them only at start-up).
// Runs the built CLI when there is one, else the TypeScript sources via tsx. dist/cli/ is the CLI split per command
// (a command parses only its own code); dist/dth.mjs, the one-file bundle the cloud runs, serves when only it exists.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = ['../dist/cli/main.mjs', '../dist/dth.mjs']
  .map((p) => fileURLToPath(new URL(p, import.meta.url)))
  .find((p) => existsSync(p));
if (built && !process.env.DTH_FROM_SOURCE) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
