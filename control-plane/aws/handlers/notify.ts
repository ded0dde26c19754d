/** Lifecycle state machine step: see control-plane/README.md and ../notify-step.ts. */
import { notify } from '../notify-step.js';
import { stepHandler } from './runtime.js';

export const handler = stepHandler(notify);
