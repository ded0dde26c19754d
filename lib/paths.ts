import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (lib/ sits one level below it). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoPath = (...parts: string[]): string => join(REPO_ROOT, ...parts);

export const LOCK_FILE = repoPath('package-lock.json');
export const SCHEMA_FILE = repoPath('control-plane', 'api', 'schema.graphql');
export const PORTAL_DIST = repoPath('portal', 'dist');
export const WORKER_BUNDLE = repoPath('dist', 'dth.mjs');
export const IMAGE_DOCKERFILE = repoPath('plugins', 'ecr', 'Dockerfile');

/** True when the console has been built (`npm run build:portal`). */
export function portalBuilt(dir = PORTAL_DIST): boolean {
  return existsSync(join(dir, 'index.html'));
}
