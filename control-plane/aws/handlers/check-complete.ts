/** Lifecycle state machine step: see control-plane/README.md and `checkComplete` in ../lifecycle-steps.ts. */
import { checkComplete } from '../lifecycle-steps.js';
import { stepHandler } from './runtime.js';

export const handler = stepHandler(checkComplete);
