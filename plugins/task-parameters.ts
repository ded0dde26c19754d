import { CfnCondition, CfnParameter, Fn, type Stack } from 'aws-cdk-lib';
import { PLUGIN_PARAMETERS } from '../control-plane/core/plugin-contract.js';

export interface TaskParameters {
  taskId: CfnParameter;
  /** TASK_PARAMS for the engine: the orchestrator's TaskParams JSON, or (standalone deploy) one built from the parameters. */
  taskParamsJson: string;
  schedule: CfnParameter;
  hasSchedule: CfnCondition;
  params: Record<string, CfnParameter>;
}

export interface EngineParameter {
  name: string;
  description: string;
  default?: string;
  allowedValues?: string[];
}

/**
 * Declares the engine's task parameters as CfnParameters (the orchestrator passes every task parameter the template
 * declares, plus TaskId, TaskParams and FinderScheduleExpression — control-plane/core/plugin-contract.ts). When TaskParams is
 * empty (the plugin deployed on its own with `cdk deploy --parameters`), TASK_PARAMS is assembled from the individual
 * parameters; values are inserted verbatim, so they must not contain `"` or `\`.
 */
export function declareTaskParameters(stack: Stack, engine: EngineParameter[]): TaskParameters {
  const taskId = new CfnParameter(stack, PLUGIN_PARAMETERS.taskId, {
    type: 'String', default: 'standalone', description: 'Task id (set by the Data Transfer Hub orchestrator)',
    allowedPattern: '^[A-Za-z0-9-]{1,64}$',
  });
  const taskParams = new CfnParameter(stack, PLUGIN_PARAMETERS.taskParams, {
    type: 'String', default: '', description: 'All task parameters as one JSON object (set by the orchestrator); empty: built from the parameters below',
  });
  const schedule = new CfnParameter(stack, PLUGIN_PARAMETERS.schedule, {
    type: 'String', default: 'rate(1 hour)',
    description: 'EventBridge rate/cron expression of the scheduled run; empty: run once at creation only (ONE_TIME)',
  });
  const params: Record<string, CfnParameter> = {};
  for (const p of engine) {
    params[p.name] = new CfnParameter(stack, p.name, {
      type: 'String', default: p.default ?? '', description: p.description, allowedValues: p.allowedValues,
    });
  }
  const hasTaskParams = new CfnCondition(stack, 'HasTaskParams', { expression: Fn.conditionNot(Fn.conditionEquals(taskParams.valueAsString, '')) });
  const hasSchedule = new CfnCondition(stack, 'HasSchedule', { expression: Fn.conditionNot(Fn.conditionEquals(schedule.valueAsString, '')) });
  const parts: string[] = ['{'];
  engine.forEach((p, i) => {
    parts.push(`${i ? ',' : ''}"${p.name}":"`, params[p.name].valueAsString, '"');
  });
  parts.push('}');
  const built = Fn.join('', parts);
  const taskParamsJson = Fn.conditionIf(hasTaskParams.logicalId, taskParams.valueAsString, built).toString();
  return { taskId, taskParamsJson, schedule, hasSchedule, params };
}
