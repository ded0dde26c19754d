/** Lifecycle state machine step: see control-plane/README.md and `notify` in ../lifecycle-steps.ts. */
import { notify } from '../lifecycle-steps.js';
import { stepHandler } from './runtime.js';

export const handler = stepHandler(notify);
