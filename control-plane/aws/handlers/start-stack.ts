/** Lifecycle state machine step: see control-plane/README.md and `startStack` in ../lifecycle-steps.ts. */
import { startStack } from '../lifecycle-steps.js';
import { stepHandler } from './runtime.js';

export const handler = stepHandler(startStack, { templates: true });
