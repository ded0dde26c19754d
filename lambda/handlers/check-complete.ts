/** Lifecycle state machine step: see lambda/README.md and `checkComplete` in ../aws/lifecycle-steps.ts. */
import { checkComplete } from '../aws/lifecycle-steps.js';
import { stepHandler } from './runtime.js';

export const handler = stepHandler(checkComplete);
