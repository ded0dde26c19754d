/** Lifecycle state machine step: see lambda/README.md and `stopStack` in ../aws/lifecycle-steps.ts. */
import { stopStack } from '../aws/lifecycle-steps.js';
import { stepHandler } from './runtime.js';

export const handler = stepHandler(stopStack);
