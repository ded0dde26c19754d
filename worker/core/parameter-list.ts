/**
 * Task parameters in CloudFormation's list form (`[{ ParameterKey, ParameterValue }]`: a CLI params file, the cloud's
 * TASK_PARAMS) as an object of parameters, as the readers take them. A key given twice is refused by name — before,
 * the last value was kept silently — and each key stays an own property, `__proto__` included (an object's
 * assignment set the prototype instead, and the parameter was dropped without a word), so the reader names it.
 */
import { InvalidParameterError } from './errors.js';

/** `field`: what the list came in (named by its errors); `file`: the file it was read from, if any. */
export function parameterListToObject(list: unknown[], field: string, file?: string): Record<string, unknown> {
  const within = file ? `${field} ${JSON.stringify(file)}` : field;
  const values = new Map<string, unknown>();
  list.forEach((entry, i) => {
    const key = (entry as { ParameterKey?: unknown } | null)?.ParameterKey;
    if (typeof key !== 'string') throw new InvalidParameterError(field, `entry ${i} of ${within} has no ParameterKey`);
    if (values.has(key)) throw new InvalidParameterError(key, `is given twice in ${within}`);
    values.set(key, (entry as { ParameterValue?: unknown }).ParameterValue);
  });
  return Object.fromEntries(values);
}
