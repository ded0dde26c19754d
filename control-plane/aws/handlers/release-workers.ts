/** Lifecycle state machine step: see control-plane/README.md and ../release-workers-step.ts. */
import { releaseWorkers } from '../release-workers-step.js';
import { stepHandler } from './runtime.js';

export const handler = stepHandler(releaseWorkers);
