/** Lifecycle state machine step: see lambda/README.md and `startStack` in ../aws/lifecycle-steps.ts. */
import { startStack } from '../aws/lifecycle-steps.js';
import { stepHandler } from './runtime.js';

export const handler = stepHandler(startStack, { templates: true });
