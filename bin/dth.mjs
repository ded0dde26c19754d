#!/usr/bin/env node
// Runs the bundled CLI when it was built (dist/dth.mjs, as shipped to EC2/Fargate), else the TypeScript sources via tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/dth.mjs', import.meta.url));
if (existsSync(bundle) && !process.env.DTH_FROM_SOURCE) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
