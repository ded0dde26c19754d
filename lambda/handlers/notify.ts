/** Lifecycle state machine step: see lambda/README.md and `notify` in ../aws/lifecycle-steps.ts. */
import { notify } from '../aws/lifecycle-steps.js';
import { stepHandler } from './runtime.js';

export const handler = stepHandler(notify);
