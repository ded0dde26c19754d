import { InvalidParameterError } from '../../worker/core/errors.js';
import { parseEcrTaskParams, type EcrTaskParams } from '../../worker/ecr/params.js';
import { parseS3TaskParams, type S3TaskParams } from '../../worker/s3/params.js';
import type { ScheduleType, TaskParameter, TaskType } from './task.js';

export interface CreateTaskInput {
  type?: unknown;
  description?: unknown;
  scheduleType?: unknown;
  parameters?: unknown;
}

export interface ValidTask {
  type: TaskType;
  description: string;
  scheduleType: ScheduleType;
  parameters: TaskParameter[];
  engine: { type: 'S3EC2'; params: S3TaskParams } | { type: 'ECR'; params: EcrTaskParams };
  /** Seconds between runs for FIXED_RATE tasks. */
  intervalSec?: number;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_SEC: Record<string, number> = { minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86400, days: 86400 };

/** EventBridge rate expression → seconds (cron expressions are accepted in the cloud; locally, rate only). */
export function parseSchedule(expr: string): number {
  const m = RATE.exec(expr.trim());
  if (!m) throw new InvalidParameterError('scheduleExpression', `"${expr}" is not a rate expression like rate(1 hour) or rate(30 minutes)`);
  const n = Number(m[1]);
  const singular = m[2].endsWith('s') ? m[2].slice(0, -1) : m[2];
  if (n < 1) throw new InvalidParameterError('scheduleExpression', 'must be at least 1');
  if ((n === 1) !== (m[2] === singular)) throw new InvalidParameterError('scheduleExpression', `use "${n} ${n === 1 ? singular : singular + 's'}"`);
  return n * UNIT_SEC[m[2]];
}

/** Checks a createTask input strictly; throws InvalidParameterError naming the field. Nothing is stored before this passes. */
export function validateCreateTask(input: CreateTaskInput): ValidTask {
  if (input.type !== 'S3EC2' && input.type !== 'ECR') throw new InvalidParameterError('type', 'must be S3EC2 or ECR');
  if (input.scheduleType !== 'ONE_TIME' && input.scheduleType !== 'FIXED_RATE') {
    throw new InvalidParameterError('scheduleType', 'must be ONE_TIME or FIXED_RATE');
  }
  const description = input.description === undefined || input.description === null ? '' : String(input.description);
  if (description.length > 256) throw new InvalidParameterError('description', 'is longer than 256 characters');
  if (!Array.isArray(input.parameters)) throw new InvalidParameterError('parameters', 'must be a list of {ParameterKey, ParameterValue}');
  const parameters: TaskParameter[] = [];
  const seen = new Set<string>();
  for (const p of input.parameters as unknown[]) {
    const key = (p as { ParameterKey?: unknown })?.ParameterKey;
    if (typeof key !== 'string' || key === '') throw new InvalidParameterError('parameters', 'every entry needs a ParameterKey');
    if (seen.has(key)) throw new InvalidParameterError(key, 'is given twice');
    seen.add(key);
    const value = (p as { ParameterValue?: unknown }).ParameterValue;
    parameters.push({ ParameterKey: key, ParameterValue: value === undefined || value === null ? '' : String(value) });
  }
  const raw = Object.fromEntries(parameters.map((p) => [p.ParameterKey, p.ParameterValue]));
  const engine = input.type === 'S3EC2'
    ? { type: 'S3EC2' as const, params: parseS3TaskParams(raw) }
    : { type: 'ECR' as const, params: parseEcrTaskParams(raw) };
  let intervalSec: number | undefined;
  if (input.scheduleType === 'FIXED_RATE') intervalSec = parseSchedule(raw.scheduleExpression || 'rate(1 hour)');
  return { type: input.type, description, scheduleType: input.scheduleType, parameters, engine, intervalSec };
}
