/** Lifecycle state machine step: see lambda/README.md and `checkFinder` in ../aws/lifecycle-steps.ts. */
import { checkFinder } from '../aws/lifecycle-steps.js';
import { stepHandler } from './runtime.js';

export const handler = stepHandler(checkFinder);
