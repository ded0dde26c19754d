/**
 * The task-parameter schema: one record per parameter of each task type (names, values, defaults, wording, side,
 * template declaration, CLI flag), the value sets, and the parsed types the engines consume. At the bottom of the
 * import graph: the engines, the control plane, the plugin stacks, the console and the CLI import it.
 */
import { ECR_PARAMETERS } from './ecr-schema.js';
import { S3_PARAMETERS } from './s3-schema.js';
import type { ParamSpec } from './spec.js';
import type { TaskTypeName } from './values.js';

export * from './spec.js';
export * from './values.js';
export * from './parsed.js';
export * from './s3-schema.js';
export * from './ecr-schema.js';
export * from './url-encoding.js';
export * from './canonical.js';
export * from './patterns.js';
export * from './template-built.js';
export * from './ssm-layout.js';

/** The schema of a task type. */
export function parametersOf(type: TaskTypeName): readonly ParamSpec[] {
  return type === 'S3EC2' ? S3_PARAMETERS : ECR_PARAMETERS;
}

/** Names the plugin template of a task type declares (createTask in the cloud refuses any other). */
export function templateParameterNames(type: TaskTypeName): ReadonlySet<string> {
  return new Set(
    parametersOf(type)
      .filter((p) => p.template !== false)
      .map((p) => p.name),
  );
}
