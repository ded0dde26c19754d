import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import { buildWorker } from '../scripts/build-worker.mjs';
import { IMAGE_DOCKERFILE, repoPath, WORKER_BUNDLE } from './paths.js';

/** Builds dist/dth.mjs unless it exists (CI and `npm start` build it first; a synth on a fresh checkout builds it here). */
export function ensureWorkerBundle(): string {
  if (!existsSync(WORKER_BUNDLE)) {
    // Build beside it and rename: parallel synths (tests) never see a half-written bundle.
    const tmp = `${WORKER_BUNDLE}.${process.pid}.tmp`;
    buildWorker({ outfile: tmp });
    renameSync(tmp, WORKER_BUNDLE);
  }
  return WORKER_BUNDLE;
}

/** Copies a file so that readers see the old or the new content, never a partial one (temp file outside the build context). */
function copyAtomically(from: string, to: string): void {
  const tmp = repoPath('dist', `.${basename(to)}.${process.pid}.tmp`);
  copyFileSync(from, tmp);
  renameSync(tmp, to);
}

/**
 * The task container image (plugins/ecr/Dockerfile: Node 20 + skopeo + dth.mjs) as a Docker image asset.
 * The build context is staged in dist/task-image so that the asset hashes two files, not the repository.
 * `cdk synth` only writes the asset manifest; Docker runs at `cdk deploy` (asset publishing).
 */
export function taskImage(): ContainerImage {
  const dir = repoPath('dist', 'task-image');
  mkdirSync(dir, { recursive: true });
  copyAtomically(IMAGE_DOCKERFILE, join(dir, 'Dockerfile'));
  copyAtomically(ensureWorkerBundle(), join(dir, 'dth.mjs'));
  return ContainerImage.fromAsset(dir);
}
