import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { ContainerImage, CpuArchitecture } from 'aws-cdk-lib/aws-ecs';
import { buildWorker } from '../scripts/build-worker.mjs';
import { IMAGE_DOCKERFILE, repoPath, WORKER_BUNDLE } from './paths.js';

/**
 * The task image's CPU architecture, one value for the image build and every task definition that runs it.
 * X86_64: `cdk deploy` builds the image on the deployer's machine, and most deploy hosts (CI runners, Cloud9,
 * x86 laptops) cannot run an ARM64 build's RUN steps without QEMU; Apple-silicon Docker Desktop emulates x86 out of
 * the box. (The JobWorkers, which move the bytes, are Graviton instances; the finder and copy tasks are short.)
 */
export const TASK_IMAGE_ARCHITECTURE = { cpu: CpuArchitecture.X86_64, platform: Platform.LINUX_AMD64 } as const;

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
 * The task container image (plugins/ecr/Dockerfile: Node 22 + skopeo + dth.mjs) as a Docker image asset, built for
 * TASK_IMAGE_ARCHITECTURE whatever the deployer's CPU. The build context is staged in dist/task-image so that the
 * asset hashes two files, not the repository. `cdk synth` only writes the asset manifest; Docker runs at
 * `cdk deploy` (asset publishing).
 */
export function taskImage(): ContainerImage {
  const dir = repoPath('dist', 'task-image');
  mkdirSync(dir, { recursive: true });
  copyAtomically(IMAGE_DOCKERFILE, join(dir, 'Dockerfile'));
  copyAtomically(ensureWorkerBundle(), join(dir, 'dth.mjs'));
  return ContainerImage.fromAsset(dir, { platform: TASK_IMAGE_ARCHITECTURE.platform });
}
