/**
 * A task's parameter list under the schema's own names and values: older aliases (destSSE, destKMSKey,
 * scheduleExpression, workerConcurrency) and older values (srcType=S3_Compatible, destSSE=KMS) resolved, so what
 * reaches a plugin template is what it declares.
 */
import { ECR_PARAMETERS } from './ecr-schema.js';
import { S3_PARAMETERS } from './s3-schema.js';
import { givenValue, specIndex, type ParamSpec } from './spec.js';
import { booleanOf, type TaskTypeName } from './values.js';

export interface ParameterEntry {
  ParameterKey: string;
  ParameterValue: string;
}

/** A yes/no value in the template's words (its AllowedValues are true and false; the engines also read yes/no/1/0). */
function canonicalValue(spec: ParamSpec, value: string): string {
  if (spec.kind !== 'boolean') return value;
  const yes = booleanOf(value);
  return yes === undefined ? value : String(yes);
}

export function canonicalParameters(
  type: TaskTypeName,
  parameters: readonly ParameterEntry[],
): { parameters: ParameterEntry[]; unknown: string[] } {
  const index = specIndex(type === 'S3EC2' ? S3_PARAMETERS : ECR_PARAMETERS);
  const out = new Map<string, string>();
  const unknown: string[] = [];
  for (const { ParameterKey, ParameterValue } of parameters) {
    const hit = index.get(ParameterKey);
    if (!hit) {
      unknown.push(ParameterKey);
      continue;
    }
    const value = givenValue(hit.spec, ParameterValue);
    const mapped = hit.alias?.values?.[value] ?? value;
    const canonical = canonicalValue(hit.spec, hit.spec.valueAliases?.[mapped] ?? mapped);
    // An alias given blank next to the canonical name must not blank it out.
    if (out.has(hit.spec.name) && canonical === '') continue;
    out.set(hit.spec.name, canonical);
  }
  return { parameters: [...out].map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })), unknown };
}
