/** Lifecycle state machine step: see lambda/README.md and `checkQueueEmpty` in ../aws/lifecycle-steps.ts. */
import { checkQueueEmpty } from '../aws/lifecycle-steps.js';
import { stepHandler } from './runtime.js';

export const handler = stepHandler(checkQueueEmpty);
