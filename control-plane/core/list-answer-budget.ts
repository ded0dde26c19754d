/**
 * A task list must reach the console whole. A task may hold 256 KiB of parameters (long include lists, image lists),
 * so 1,000 tasks, the page the console asks for, can make an answer far over the 6 MB a Lambda may return: the list
 * then failed for every user. The answer is kept under a budget by leaving out the longest parameter values first
 * (answered null; getTask has them); lists that fit, which are all lists of tasks the original could hold (its
 * parameters were CloudFormation's, 4 KiB each at most), are answered whole.
 */
import type { TaskRecord } from './task.js';

/** Bytes of the items a list answer may carry: Lambda's 6 MB less room for the envelope and progress fields. */
export const LIST_ANSWER_BUDGET_BYTES = 5 * 1024 * 1024;

/** Values this short stay even in an answer over budget: the ones the list shows (buckets, prefixes, registries). */
const KEPT_VALUE_BYTES = 256;

export type ListedTask = Omit<TaskRecord, 'parameters'> & {
  parameters: { ParameterKey: string; ParameterValue: string | null }[];
};

export function fitListAnswer(items: TaskRecord[], budget = LIST_ANSWER_BUDGET_BYTES): ListedTask[] {
  let size = Buffer.byteLength(JSON.stringify(items));
  if (size <= budget) return items;
  const listed: ListedTask[] = items.map((task) => ({ ...task, parameters: task.parameters.map((p) => ({ ...p })) }));
  const long = listed
    .flatMap((task) => task.parameters)
    .map((p) => ({ p, bytes: Buffer.byteLength(JSON.stringify(p.ParameterValue)) }))
    .filter(({ bytes }) => bytes > KEPT_VALUE_BYTES)
    .sort((a, b) => b.bytes - a.bytes);
  for (const { p, bytes } of long) {
    if (size <= budget) break;
    p.ParameterValue = null;
    size -= bytes - 'null'.length;
  }
  return listed;
}
