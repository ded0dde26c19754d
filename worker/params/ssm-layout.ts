/**
 * How a task's parameter set is laid out in SSM Parameter Store under its path: chunks `<path>/0000`, `<path>/0001`, …
 * and `<path>/count`, written last. The control plane writes this layout (worker/adapters/aws/ssm-task-params.ts), a
 * plugin template deployed on its own creates it, and the cloud roles read it.
 */
export function taskParamsChunkName(path: string, index: number): string {
  return `${path}/${String(index).padStart(4, '0')}`;
}

export function taskParamsCountName(path: string): string {
  return `${path}/count`;
}
