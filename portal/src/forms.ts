/**
 * The wizard's field table and form state → task parameters. Fields, labels, help, options and defaults come from
 * the parameter schema (worker/params), and validation uses the very parsers the API and the engines use, so an
 * error shows inline on the field the API would name. Values are sent as the original's console sent them:
 * description, srcPrefix and destPrefix URL-encoded (encodeURIComponent), the API decodes them.
 */
import { InvalidParameterError } from '../../worker/core/errors.js';
import { parseEcrTaskParams } from '../../worker/ecr/params.js';
import { formDecode, parametersOf, URL_ENCODED_PARAMETERS, type ParamSpec } from '../../worker/params/index.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { taskSchedule } from '../../control-plane/core/validate-task.js';
import type { Lang } from './i18n.js';

export type TaskKind = 'S3EC2' | 'ECR';
/** Form state: parameter name → value as the API takes it ('true'/'false' for switches). */
export type FormValues = Record<string, string>;
export type Parameters = { ParameterKey: string; ParameterValue: string }[];

/** Wizard steps: 1 source, 2 destination, 3 settings. */
export type Step = 1 | 2 | 3;

export interface FieldDef {
  name: string;
  step: Step;
  /** secret: a dropdown of the secret store's names; textarea: several lines. Default: by the schema kind. */
  control?: 'secret' | 'textarea';
  /** Shown (and sent) only when this holds. */
  when?: (v: FormValues) => boolean;
}

const isTrue = (v: string | undefined) => v === 'true';

/** The S3 wizard, in the original console's order. */
export const S3_FIELDS: FieldDef[] = [
  { name: 'srcType', step: 1 },
  { name: 'srcEndpoint', step: 1, when: (v) => v.srcType === 'Amazon_S3' },
  { name: 'srcBucket', step: 1 },
  { name: 'srcPrefix', step: 1 },
  { name: 'srcPrefixsListFile', step: 1 },
  { name: 'srcPrefixListBucket', step: 1, when: (v) => Boolean(v.srcPrefixsListFile) },
  { name: 'srcRegion', step: 1 },
  { name: 'srcInCurrentAccount', step: 1, when: (v) => v.srcType === 'Amazon_S3' && !v.srcEndpoint },
  { name: 'srcCredentials', step: 1, control: 'secret', when: (v) => !isTrue(v.srcInCurrentAccount) || v.srcType !== 'Amazon_S3' || Boolean(v.srcEndpoint) },
  { name: 'isPayerRequest', step: 1, when: (v) => !isTrue(v.srcInCurrentAccount) && Boolean(v.srcCredentials) },
  { name: 'srcEvent', step: 1, when: (v) => v.srcType === 'Amazon_S3' && !v.srcEndpoint && isTrue(v.srcInCurrentAccount) },
  { name: 'srcSkipCompare', step: 1 },
  { name: 'include', step: 1 },
  { name: 'exclude', step: 1 },
  { name: 'destBucket', step: 2 },
  { name: 'destPrefix', step: 2 },
  { name: 'destRegion', step: 2 },
  { name: 'destEndpoint', step: 2 },
  { name: 'destInCurrentAccount', step: 2 },
  { name: 'destCredentials', step: 2, control: 'secret', when: (v) => !isTrue(v.destInCurrentAccount) },
  { name: 'destStorageClass', step: 2 },
  { name: 'destAcl', step: 2 },
  { name: 'destPutObjectSSEType', step: 2 },
  { name: 'destPutObjectSSEKmsKeyId', step: 2, when: (v) => v.destPutObjectSSEType === 'AWS_KMS' },
  { name: 'includeMetadata', step: 2 },
  { name: 'alarmEmail', step: 3 },
  { name: 'workerNumber', step: 3 },
  { name: 'minCapacity', step: 3 },
  { name: 'desiredCapacity', step: 3 },
  { name: 'maxCapacity', step: 3 },
];

/** The image wizard. */
export const ECR_FIELDS: FieldDef[] = [
  { name: 'sourceType', step: 1 },
  { name: 'srcList', step: 1, when: (v) => v.sourceType === 'Amazon_ECR' },
  { name: 'srcImageList', step: 1, control: 'textarea', when: (v) => v.sourceType !== 'Amazon_ECR' || v.srcList === 'SELECTED' },
  { name: 'srcRegion', step: 1, when: (v) => v.sourceType === 'Amazon_ECR' },
  { name: 'srcAccountId', step: 1, when: (v) => v.sourceType === 'Amazon_ECR' },
  { name: 'srcRegistry', step: 1 },
  { name: 'srcCredential', step: 1, control: 'secret' },
  { name: 'insecure', step: 1 },
  { name: 'destRegion', step: 2 },
  { name: 'destAccountId', step: 2 },
  { name: 'destRegistry', step: 2 },
  { name: 'destPrefix', step: 2 },
  { name: 'destCredential', step: 2, control: 'secret' },
  { name: 'includeUntagged', step: 2 },
  { name: 'alarmEmail', step: 3 },
];

export function fieldsOf(type: TaskKind): FieldDef[] {
  return type === 'S3EC2' ? S3_FIELDS : ECR_FIELDS;
}

export function specOf(type: TaskKind, name: string): ParamSpec {
  const spec = parametersOf(type).find((p) => p.name === name);
  if (!spec) throw new Error(`no ${type} parameter ${name}`);
  return spec;
}

/** Label, help text and options of a field, in the console's language. */
export function fieldText(type: TaskKind, name: string, lang: Lang) {
  const spec = specOf(type, name);
  return {
    label: spec.label[lang],
    help: spec.help[lang],
    options: spec.kind === 'enum' ? (spec.values ?? []).map((value) => ({ value, label: spec.valueLabels?.[value]?.[lang] ?? value })) : undefined,
  };
}

/** The form as it opens: the original console's defaults (consoleDefault), else the template's. */
export function initialValues(type: TaskKind): FormValues {
  return Object.fromEntries(fieldsOf(type).map((f) => {
    const spec = specOf(type, f.name);
    return [f.name, spec.consoleDefault ?? spec.default ?? ''];
  }));
}

export interface CommonForm {
  description: string;
  scheduleType: 'ONE_TIME' | 'FIXED_RATE';
  /** The cron (or rate) expression of a FIXED_RATE task. */
  ec2CronExpression: string;
}

/** The task's parameters (decoded), from the visible fields with a value, and the schedule of a FIXED_RATE task. */
export function formParameters(type: TaskKind, values: FormValues, common: CommonForm): Parameters {
  const out: Parameters = [];
  for (const f of fieldsOf(type)) {
    if (f.when && !f.when(values)) continue;
    const v = (values[f.name] ?? '').trim();
    // A local-only parameter (not in the plugin template) is sent only when set away from its default.
    const spec = specOf(type, f.name);
    if (spec.template === false && v === (spec.default ?? '')) continue;
    if (v !== '') out.push({ ParameterKey: f.name, ParameterValue: v });
  }
  if (common.scheduleType === 'FIXED_RATE') out.push({ ParameterKey: 'ec2CronExpression', ParameterValue: common.ec2CronExpression.trim() });
  else if (type === 'S3EC2') out.push({ ParameterKey: 'ec2CronExpression', ParameterValue: '' });
  return out;
}

/** The createTask input as the original console sent it: description and S3 prefixes URL-encoded. */
export function createTaskInput(type: TaskKind, values: FormValues, common: CommonForm) {
  return {
    type,
    description: encodeURIComponent(common.description),
    scheduleType: common.scheduleType,
    parameters: formParameters(type, values, common).map((p) => (type === 'S3EC2' && URL_ENCODED_PARAMETERS.has(p.ParameterKey)
      ? { ...p, ParameterValue: encodeURIComponent(p.ParameterValue) } : p)),
  };
}

/** The wizard step that shows a field (the settings step for the schedule and anything unknown). */
export function stepOf(type: TaskKind, field: string): Step {
  return fieldsOf(type).find((f) => f.name === field)?.step ?? 3;
}

/** Field → message for the first problem found (the API's own message). */
export function validate(type: TaskKind, params: Parameters, common: Pick<CommonForm, 'scheduleType'>): Record<string, string> {
  const raw = Object.fromEntries(params.map((p) => [p.ParameterKey, p.ParameterValue]));
  const errors: Record<string, string> = {};
  try {
    if (type === 'S3EC2') parseS3TaskParams(raw);
    else parseEcrTaskParams(raw);
    taskSchedule(type, common.scheduleType, params);
  } catch (err) {
    if (err instanceof InvalidParameterError) errors[err.field] = err.message;
    else throw err;
  }
  return errors;
}

/** getTask answers description, srcPrefix and destPrefix form-encoded (as the original's did): decoded for display. */
export function decodedTask<T extends { type?: string; description?: string | null; parameters: { ParameterKey: string; ParameterValue: string }[] }>(task: T): T {
  const decode = (v: string) => formDecode(v) ?? v;
  return {
    ...task,
    description: task.description ? decode(task.description) : task.description,
    parameters: task.parameters.map((p) => (task.type === 'S3EC2' && URL_ENCODED_PARAMETERS.has(p.ParameterKey) ? { ...p, ParameterValue: decode(p.ParameterValue) } : p)),
  };
}
