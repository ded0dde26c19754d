/** Lifecycle state machine step: see control-plane/README.md and `stopStack` in ../lifecycle-steps.ts. */
import { stopStack } from '../lifecycle-steps.js';
import { stepHandler } from './runtime.js';

export const handler = stepHandler(stopStack);
