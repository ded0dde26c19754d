/** Lifecycle state machine step: see control-plane/README.md and `checkQueueEmpty` in ../lifecycle-steps.ts. */
import { checkQueueEmpty } from '../lifecycle-steps.js';
import { stepHandler } from './runtime.js';

export const handler = stepHandler(checkQueueEmpty);
