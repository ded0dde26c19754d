/**
 * The worker fleet of a finished one-time task is scaled to zero (desired and minimum), as the original's monitor did
 * after DONE or ERROR: otherwise its `minCapacity` instances run, idle and billed, until the task is deleted. A
 * scheduled task keeps its fleet (its next pass needs it); a task without a worker group (image tasks, a stack that
 * was never created) and a task stopped meanwhile are left as they are. Runs before notify on every way out of the
 * monitor.
 */
import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { PLUGIN_WORKER_GROUP_OUTPUT, stackOutput } from '../core/plugin-contract.js';
import type { TaskRecord } from '../core/task.js';
import { mustGet, type StepDeps, type StepEvent, type StepOutput } from './lifecycle-steps.js';

/** The worker group to release, or undefined when the task keeps (or has) none. */
export function workerGroupToRelease(
  task: Pick<TaskRecord, 'progress' | 'scheduleType' | 'stackOutputs'>,
): string | undefined {
  if (task.scheduleType !== 'ONE_TIME') return undefined;
  if (task.progress !== 'DONE' && task.progress !== 'ERROR') return undefined;
  return stackOutput(task.stackOutputs, PLUGIN_WORKER_GROUP_OUTPUT);
}

export async function releaseWorkers(deps: StepDeps, event: StepEvent): Promise<StepOutput> {
  const task = await mustGet(deps, event.taskId);
  const group = workerGroupToRelease(task);
  if (!group) return { ...event, workersReleased: false, result: 'NEXT' };
  if (!deps.autoScaling) throw new Error('Auto Scaling is not configured for this step');
  await deps.autoScaling.send(
    new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: group, MinSize: 0, DesiredCapacity: 0 }),
  );
  return { ...event, workersReleased: group, result: 'NEXT' };
}
