/** Lifecycle state machine step: see lambda/README.md and `queryStackStatus` in ../aws/lifecycle-steps.ts. */
import { queryStackStatus } from '../aws/lifecycle-steps.js';
import { stepHandler } from './runtime.js';

export const handler = stepHandler(queryStackStatus);
