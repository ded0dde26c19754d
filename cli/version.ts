import { createRequire } from 'node:module';

/** Set by the bundler (scripts/build-worker.mjs) from package.json; absent when the CLI runs from its sources. */
declare const __DTH_VERSION__: string | undefined;

/** This build's version: the bundles carry it (the cloud's dist/dth.mjs travels without package.json). */
export function dthVersion(): string {
  if (typeof __DTH_VERSION__ === 'string') return __DTH_VERSION__;
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}
