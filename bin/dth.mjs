#!/bin/sh
':' //; exec node --no-concurrent-recompilation "$0" "$@"
// Lines 1-2 are read by sh as a no-op and an exec of node with its flags (lib/node-flags.ts; V8 reads them only at
// start-up), by Node as a string and a comment. Not `env -S`, which busybox's env (Alpine) lacks. The formatter leaves
// this file alone (biome.json): the `;` it would add after ':' makes sh run `//`.
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
