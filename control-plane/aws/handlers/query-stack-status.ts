/** Lifecycle state machine step: see control-plane/README.md and `queryStackStatus` in ../lifecycle-steps.ts. */
import { queryStackStatus } from '../lifecycle-steps.js';
import { stepHandler } from './runtime.js';

export const handler = stepHandler(queryStackStatus);
