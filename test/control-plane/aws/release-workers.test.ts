import { describe, expect, it } from 'vitest';
import { workerGroupToRelease } from '../../../control-plane/aws/release-workers-step.js';
import { PLUGIN_WORKER_GROUP_OUTPUT } from '../../../control-plane/core/plugin-contract.js';

// The emulator test (test/cloud/hub-on-emulator.test.ts) runs the step on a deployed stack's group; these are the cases it leaves.
const outputs = [{ OutputKey: PLUGIN_WORKER_GROUP_OUTPUT, OutputValue: 'DTH-S3EC2-0a1b2c3d-Worker-ASG' }];

describe('release-workers step: which finished task gives its workers back', () => {
  it('a one-time task that ended DONE or ERROR releases its group', () => {
    expect(workerGroupToRelease({ scheduleType: 'ONE_TIME', progress: 'DONE', stackOutputs: outputs })).toBe(
      'DTH-S3EC2-0a1b2c3d-Worker-ASG',
    );
    expect(workerGroupToRelease({ scheduleType: 'ONE_TIME', progress: 'ERROR', stackOutputs: outputs })).toBe(
      'DTH-S3EC2-0a1b2c3d-Worker-ASG',
    );
  });

  it('a scheduled task keeps its fleet; a running or stopped task, an image task and a stack never created have nothing to release', () => {
    expect(
      workerGroupToRelease({ scheduleType: 'FIXED_RATE', progress: 'ERROR', stackOutputs: outputs }),
    ).toBeUndefined();
    expect(
      workerGroupToRelease({ scheduleType: 'ONE_TIME', progress: 'IN_PROGRESS', stackOutputs: outputs }),
    ).toBeUndefined();
    expect(
      workerGroupToRelease({ scheduleType: 'ONE_TIME', progress: 'STOPPED', stackOutputs: outputs }),
    ).toBeUndefined();
    expect(workerGroupToRelease({ scheduleType: 'ONE_TIME', progress: 'DONE', stackOutputs: [] })).toBeUndefined();
    expect(workerGroupToRelease({ scheduleType: 'ONE_TIME', progress: 'ERROR' })).toBeUndefined();
  });
});
