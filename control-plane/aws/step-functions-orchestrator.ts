import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { StatusStore } from '../../worker/ports/status-store.js';
import { progressInfoOf } from '../core/lifecycle.js';
import { PLUGIN_OUTPUTS, pluginStackName, stackOutput } from '../core/plugin-contract.js';
import type { Orchestrator } from '../core/ports.js';
import type { ProgressInfo, TaskRecord, TaskType } from '../core/task.js';

/**
 * The cloud orchestrator as the resolvers see it: createTask / stopTask start the lifecycle state machine
 * (`{ taskId, action }`), whose steps create or delete the task's plugin stack and watch it.
 */
export class StepFunctionsOrchestrator implements Orchestrator {
  constructor(
    private readonly deps: {
      sfn: SFNClient;
      stateMachineArn: string;
      templates: Partial<Record<TaskType, string>>;
      stackPrefix: string;
      statusFor: (tableName: string) => StatusStore;
      now?: () => Date;
    },
  ) {}

  async start(task: TaskRecord): Promise<Partial<TaskRecord>> {
    const templateUrl = this.deps.templates[task.type];
    if (!templateUrl) throw new Error(`no plugin template is configured for ${task.type} tasks`);
    const out = await this.deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: this.deps.stateMachineArn,
        name: `start-${task.id}`,
        input: JSON.stringify({ taskId: task.id, action: 'START' }),
      }),
    );
    return {
      progress: 'STARTING',
      executionArn: out.executionArn,
      templateUrl,
      stackName: pluginStackName(this.deps.stackPrefix, task.type, task.id),
    };
  }

  async stop(task: TaskRecord): Promise<Partial<TaskRecord>> {
    const out = await this.deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: this.deps.stateMachineArn,
        name: `stop-${task.id}-${(this.deps.now?.() ?? new Date()).getTime()}`,
        input: JSON.stringify({ taskId: task.id, action: 'STOP' }),
      }),
    );
    // As the original: the task's executionArn is now the stop's.
    return { progress: 'STOPPING', executionArn: out.executionArn };
  }

  /** Live counts from the task's status table (a stack output), with rate and ETA over the run so far. */
  async progress(task: TaskRecord): Promise<ProgressInfo | undefined> {
    const table = stackOutput(task.stackOutputs, PLUGIN_OUTPUTS.statusTable);
    if (!table) return undefined;
    const summary = await this.deps.statusFor(table).summary();
    const seconds = ((this.deps.now?.() ?? new Date()).getTime() - Date.parse(task.createdAt)) / 1000;
    if (!(seconds > 0 && summary.bytesDone > 0)) return progressInfoOf(summary);
    const rate = Math.round(summary.bytesDone / seconds);
    return progressInfoOf(summary, {
      rate,
      etaSeconds: Math.round(Math.max(0, summary.bytesTotal - summary.bytesDone) / rate),
    });
  }
}
