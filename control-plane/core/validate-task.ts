/**
 * createTask input → a task the orchestrators can run, checked against the parameter schema (worker/params): every
 * parameter known (older aliases accepted), every value valid, the schedule parsed, and — in the cloud — every
 * parameter declared by the plugin template, so the start step never has to drop one. The original's URL-encoding
 * contract is applied here: description, srcPrefix and destPrefix arrive form-encoded and are stored decoded.
 */
import { InvalidParameterError } from '../../worker/core/errors.js';
import { parseSchedule, type Schedule } from '../../worker/core/schedule.js';
import { parseEcrTaskParams, type EcrTaskParams } from '../../worker/ecr/params.js';
import {
  canonicalParameters,
  formDecode,
  parametersOf,
  specIndex,
  URL_ENCODED_PARAMETERS,
  type TaskTypeName,
} from '../../worker/params/index.js';
import { parseS3TaskParams, refuseUnreachableEvents, type S3TaskParams } from '../../worker/s3/params.js';
import type { ScheduleType, TaskParameter, TaskRecord, TaskType } from './task.js';

export { parseSchedule } from '../../worker/core/schedule.js';

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
  /** FIXED_RATE: when the finder / image copy runs again; undefined for ONE_TIME. */
  schedule?: Schedule;
}

export interface ValidateOptions {
  /**
   * The parameters each plugin template declares (the cloud). Undefined: the local hub, whose engines take every
   * schema parameter.
   */
  templateDeclares?: (type: TaskType) => ReadonlySet<string>;
  /** Apply the original's URL decoding of description/srcPrefix/destPrefix (the API); false for stored tasks. */
  urlDecode?: boolean;
  /** S3 event notifications reach this deployment's tasks (the cloud); without them srcEvent must be No. */
  s3EventNotifications?: boolean;
  /** The region tasks run in (the cloud's): what a blank srcRegion/destRegion means there (S3ParseOptions). */
  homeRegion?: string;
}

/** The original's limit (its AppSync template refused longer descriptions). */
export const MAX_DESCRIPTION = 250;

/** When a FIXED_RATE task runs again when it names no expression: the original's template defaults. */
export const DEFAULT_SCHEDULE: Record<TaskType, string> = { S3EC2: '0/60 * * * ? *', ECR: 'rate(1 day)' };

function decoded(field: string, value: string, label: string): string {
  const v = formDecode(value);
  if (v === null)
    throw new InvalidParameterError(field, 'has a malformed %-escape (the API takes it URL-encoded)', label);
  return v;
}

/**
 * The schedule of a task: ONE_TIME → none; FIXED_RATE → ec2CronExpression (or our older scheduleExpression), the
 * original's default when absent. A ONE_TIME task naming a schedule, or a FIXED_RATE task with a blank one, is an error.
 */
export function taskSchedule(
  type: TaskType,
  scheduleType: ScheduleType,
  parameters: readonly TaskParameter[],
): Schedule | undefined {
  const index = specIndex(parametersOf(type));
  const given = parameters.find((p) => index.get(p.ParameterKey)?.spec.name === 'ec2CronExpression');
  const value = given?.ParameterValue.trim();
  const field = given?.ParameterKey ?? 'ec2CronExpression';
  if (scheduleType === 'ONE_TIME') {
    if (value)
      throw new InvalidParameterError(
        field,
        `"${value}" is a schedule, but scheduleType is ONE_TIME: leave it blank or use FIXED_RATE`,
        'Schedule (cron expression)',
      );
    return undefined;
  }
  if (given && !value)
    throw new InvalidParameterError(
      field,
      'is blank, but scheduleType is FIXED_RATE: give a cron or rate expression, or use ONE_TIME',
      'Schedule (cron expression)',
    );
  return parseSchedule(value ?? DEFAULT_SCHEDULE[type], field);
}

/**
 * What one task's parameters may hold together (UTF-8 bytes of names and values). The cloud's task record is one
 * DynamoDB item (400 KB at most, with the task's other fields): a larger set failed there as an unnamed InternalError,
 * and the local hub took it. Both refuse it, naming the largest parameter.
 */
export const MAX_PARAMETERS_BYTES = 256 * 1024;

function refuseOversizedParameters(parameters: TaskParameter[]): void {
  const encoder = new TextEncoder();
  let total = 0;
  let largest = { key: '', bytes: -1 };
  for (const p of parameters) {
    const bytes = encoder.encode(p.ParameterValue).length;
    total += encoder.encode(p.ParameterKey).length + bytes;
    if (bytes > largest.bytes) largest = { key: p.ParameterKey, bytes };
  }
  if (total > MAX_PARAMETERS_BYTES)
    throw new InvalidParameterError(
      largest.key,
      `is ${Math.ceil(largest.bytes / 1024)} KiB, making the task's parameters ${Math.ceil(total / 1024)} KiB together, over the ${MAX_PARAMETERS_BYTES / 1024} KiB a task holds`,
    );
}

/** Checks a createTask input strictly; throws InvalidParameterError naming the field. Nothing is stored before this passes. */
export function validateCreateTask(input: CreateTaskInput, options: ValidateOptions = {}): ValidTask {
  const urlDecode = options.urlDecode ?? true;
  if (input.type !== 'S3EC2' && input.type !== 'ECR') throw new InvalidParameterError('type', 'must be S3EC2 or ECR');
  const type: TaskTypeName = input.type;
  if (input.scheduleType !== 'ONE_TIME' && input.scheduleType !== 'FIXED_RATE') {
    throw new InvalidParameterError('scheduleType', 'must be ONE_TIME or FIXED_RATE');
  }
  const rawDescription = input.description === undefined || input.description === null ? '' : String(input.description);
  const description = urlDecode ? decoded('description', rawDescription, 'Description') : rawDescription;
  if (description.length > MAX_DESCRIPTION)
    throw new InvalidParameterError('description', `is longer than ${MAX_DESCRIPTION} characters`, 'Description');
  if (!Array.isArray(input.parameters))
    throw new InvalidParameterError('parameters', 'must be a list of {ParameterKey, ParameterValue}');
  const parameters: TaskParameter[] = [];
  const seen = new Set<string>();
  for (const p of input.parameters as unknown[]) {
    const key = (p as { ParameterKey?: unknown })?.ParameterKey;
    if (typeof key !== 'string' || key === '')
      throw new InvalidParameterError('parameters', 'every entry needs a ParameterKey');
    if (seen.has(key)) throw new InvalidParameterError(key, 'is given twice');
    seen.add(key);
    const raw = (p as { ParameterValue?: unknown }).ParameterValue;
    let value = raw === undefined || raw === null ? '' : String(raw);
    if (urlDecode && URL_ENCODED_PARAMETERS.has(key))
      value = decoded(key, value, key === 'srcPrefix' ? 'Source prefix' : 'Destination prefix');
    parameters.push({ ParameterKey: key, ParameterValue: value });
  }
  refuseOversizedParameters(parameters);
  const raw = Object.fromEntries(parameters.map((p) => [p.ParameterKey, p.ParameterValue]));
  const engine =
    type === 'S3EC2'
      ? { type: 'S3EC2' as const, params: parseS3TaskParams(raw, { homeRegion: options.homeRegion }) }
      : { type: 'ECR' as const, params: parseEcrTaskParams(raw) };
  if (engine.type === 'S3EC2')
    refuseUnreachableEvents(engine.params, options.s3EventNotifications ?? false, options.homeRegion);
  const declared = options.templateDeclares?.(type);
  if (declared) {
    for (const p of canonicalParameters(type, parameters).parameters) {
      if (!declared.has(p.ParameterKey)) {
        throw new InvalidParameterError(
          p.ParameterKey,
          `is not declared by the ${type === 'S3EC2' ? 'S3' : 'ECR'} plugin template (it works with the local hub only)`,
        );
      }
    }
  }
  const schedule = taskSchedule(type, input.scheduleType, parameters);
  return { type, description, scheduleType: input.scheduleType, parameters, engine, schedule };
}

/** The schedule of a stored task (already validated and decoded). */
export function storedTaskSchedule(
  task: Pick<TaskRecord, 'type' | 'scheduleType' | 'parameters'>,
): Schedule | undefined {
  return taskSchedule(task.type, task.scheduleType, task.parameters);
}
