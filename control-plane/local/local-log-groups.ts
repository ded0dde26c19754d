/**
 * The local hub's stand-ins for a plugin stack's log groups and outputs. A task run writes one stream per run; its
 * lines go to the task's "finder" group (the listing and the run's own events) or its "worker" group (the copies), so
 * the console's Finder Logs / Worker Logs tabs read the same shapes as from CloudWatch.
 */
import { PLUGIN_OUTPUT_DESCRIPTIONS, PLUGIN_OUTPUTS, type TaskLogKind } from '../core/plugin-contract.js';
import type { TaskRecord } from '../core/task.js';

const GROUP = /^\/dth\/local\/([A-Za-z0-9-]{1,64})\/(finder|worker)$/;

export function localLogGroup(taskId: string, kind: TaskLogKind): string {
  return `/dth/local/${taskId}/${kind}`;
}

export function parseLocalLogGroup(name: string): { taskId: string; kind: TaskLogKind } | undefined {
  const m = GROUP.exec(name);
  return m ? { taskId: m[1], kind: m[2] as TaskLogKind } : undefined;
}

/** Lines of the listing (finder.*, image lister) and of the run itself (task.*) are finder logs; the rest, workers'. */
export function logKindOf(line: string): TaskLogKind {
  const event = /"event":"([a-z_]+)\./.exec(line)?.[1];
  return event === 'finder' || event === 'task' ? 'finder' : 'worker';
}

/** A local task's stackOutputs: its two log groups, under the plugin stacks' output keys and descriptions. */
export function localStackOutputs(taskId: string): NonNullable<TaskRecord['stackOutputs']> {
  return [
    {
      OutputKey: PLUGIN_OUTPUTS.finderLogGroup,
      OutputValue: localLogGroup(taskId, 'finder'),
      Description: PLUGIN_OUTPUT_DESCRIPTIONS.FinderLogGroup,
    },
    {
      OutputKey: PLUGIN_OUTPUTS.workerLogGroup,
      OutputValue: localLogGroup(taskId, 'worker'),
      Description: PLUGIN_OUTPUT_DESCRIPTIONS.WorkerLogGroup,
    },
  ];
}
