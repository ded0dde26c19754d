/**
 * The original API's URL-encoding contract, seen from the console: createTask (and estimateTask) take description,
 * srcPrefix and destPrefix encodeURIComponent-encoded; getTask answers them form-encoded; other answers carry them raw.
 */
import { formDecode, URL_ENCODED_PARAMETERS } from '../../../worker/params/index.js';
import type { Task, TaskParameter } from './types.js';

const encoded = (key: string) => URL_ENCODED_PARAMETERS.has(key);

export function encodeParameters(parameters: TaskParameter[]): TaskParameter[] {
  return parameters.map((p) =>
    encoded(p.ParameterKey) ? { ...p, ParameterValue: encodeURIComponent(p.ParameterValue) } : p,
  );
}

export function encodeDescription(description: string): string {
  return encodeURIComponent(description);
}

/** A getTask answer with its encoded fields decoded (a malformed escape is left as it is rather than lost). */
export function decodeGetTask(task: Task): Task {
  const decode = (v: string) => formDecode(v) ?? v;
  return {
    ...task,
    description: task.description ? decode(task.description) : task.description,
    parameters: task.parameters?.map((p) =>
      encoded(p.ParameterKey) ? { ...p, ParameterValue: decode(p.ParameterValue ?? '') } : p,
    ),
  };
}
