/**
 * TASK_PARAMS of a plugin stack deployed on its own (no orchestrator): CloudFormation assembles it with Fn::Join from
 * the individual parameters, and has no function to escape a value. So the text is JSON only in shape — a prefix
 * `logs\new` or `say"hi` is inserted as is — and is read by position instead: it opens with TEMPLATE_BUILT_OPENING, then
 * `,"<name>":"<value>"` per parameter in the template's order, and ends with `"}`. A value ends where the next
 * parameter's `","<name>":"` begins, so only a value holding that exact text could be misread.
 */
import { ECR_PARAMETERS } from './ecr-schema.js';
import { S3_PARAMETERS } from './s3-schema.js';

/** The first entry of the assembled text: says how to read the rest (JSON.parse would misread or refuse it). */
export const TEMPLATE_BUILT_OPENING = '{"#":"values as given to the stack, not JSON-escaped"';

/** The parameters each plugin template declares, in its order (the order of the assembled text). */
const TEMPLATE_ORDERS: readonly (readonly string[])[] = [S3_PARAMETERS, ECR_PARAMETERS].map((schema) =>
  schema.filter((p) => p.template !== false).map((p) => p.name),
);

export function isTemplateBuilt(text: string): boolean {
  return text.startsWith(TEMPLATE_BUILT_OPENING);
}

/**
 * The parameters of an assembled TASK_PARAMS, each value exactly as given to the stack; undefined if it is not one.
 * Entries are read in the template's order: a value ends where the NEXT parameter's `","<name>":"` begins.
 */
export function readTemplateBuilt(text: string): Record<string, string> | undefined {
  if (!isTemplateBuilt(text) || !text.endsWith('"}')) return undefined;
  const body = text.slice(TEMPLATE_BUILT_OPENING.length, -2); // `,"a":"x","b":"y`
  const order = TEMPLATE_ORDERS.find((names) => body.startsWith(`,"${names[0]}":"`));
  if (!order) return undefined;
  const out: Record<string, string> = {};
  let at = 0;
  for (const [i, name] of order.entries()) {
    const opening = `${i ? '"' : ''},"${name}":"`;
    if (!body.startsWith(opening, at)) return undefined;
    const start = at + opening.length;
    const next = order[i + 1];
    const end = next === undefined ? body.length : body.indexOf(`","${next}":"`, start);
    if (end === -1) return undefined;
    out[name] = body.slice(start, end);
    at = end;
  }
  return out;
}
