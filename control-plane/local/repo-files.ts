import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Finds a file or folder of the checkout (e.g. `control-plane/api/schema.graphql`, `portal/dist`) by walking up from this
 * module, so it is found both from the sources (control-plane/local/) and from the bundle (dist/dth.mjs).
 */
export function findRepoPath(relative: string, from = fileURLToPath(import.meta.url)): string | undefined {
  let dir = dirname(from);
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
