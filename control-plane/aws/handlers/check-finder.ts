/** Lifecycle state machine step: see control-plane/README.md and `checkFinder` in ../lifecycle-steps.ts. */
import { checkFinder } from '../lifecycle-steps.js';
import { stepHandler } from './runtime.js';

export const handler = stepHandler(checkFinder);
