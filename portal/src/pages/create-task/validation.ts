/**
 * The wizard's validation table, keyed by field: each rule returns a message key (translated, naming the field by its
 * label) or nothing. A step checks only its own visible fields, on Next. Grammar shared with the engines (image
 * references) comes from their parser; the API checks everything again at Create.
 */
import { MAX_DESCRIPTION } from '../../../../control-plane/core/validate-task.js';
import type { ParameterProblem } from '../../../../worker/core/errors.js';
import { byteSize } from '../../../../worker/core/param-values.js';
import { closestRuns, parseSchedule, type Schedule } from '../../../../worker/core/schedule.js';
import { imageListEntries, parseImageList } from '../../../../worker/ecr/params.js';
import { bucketNameProblem, type BucketStore, pastedLocation } from '../../../../worker/s3/params.js';
import {
  AWS_ACCOUNT_ID,
  AWS_REGION,
  EMAIL_ADDRESS,
  ENDPOINT_HOST,
  endpointExtra,
  REGISTRY_HOST,
  REPOSITORY_PATH,
  repositoryPrefix,
  S3_PARAMETERS,
  STORE_REGION,
} from '../../../../worker/params/index.js';
import { STRINGS, translate, type Lang, type StringKey } from '../../i18n/index.js';
import {
  COMMON_TEXT,
  destBucketStore,
  ECR_FIELDS,
  isShown,
  labelOf,
  S3_FIELDS,
  srcBucketStore,
  text,
  type FieldContext,
  type FieldDef,
  type Localized,
} from './fields.js';
import {
  locate,
  ECR_DESTINATION_KEYS,
  ECR_SOURCE_KEYS,
  S3_DESTINATION_KEYS,
  S3_ENGINE_KEYS,
  S3_FILTER_KEYS,
  S3_SOURCE_KEYS,
  STEP,
} from './layout.js';
import { cronOf, EVERY_MAX } from './parameters.js';
import type { EcrForm, FieldErrors, S3Form, ScheduleForm, WizardState } from './types.js';

/** A value of a message: a number, a string as written, or words in both languages (a label, a unit). */
type Var = string | number | Localized;
type Problem = { key: StringKey; vars?: Record<string, Var> } | undefined;
type Rule<F> = (value: string, form: F, ctx: FieldContext) => Problem;
/**
 * A field's problem as a message key and its values, worded only when shown: a language switch rewords the errors
 * on screen. An error the API gave at Create keeps its text and field, worded by humanApiMessage.
 */
export type FieldProblem =
  | { key: StringKey; vars?: Record<string, Var> }
  | { api: { type: 'S3EC2' | 'ECR'; field: string; message: string } };
export type FieldProblems = Record<string, FieldProblem | undefined>;

/** A problem in the console's language. */
export function problemText(problem: FieldProblem, lang: Lang): string {
  if ('api' in problem) return humanApiMessage(problem.api.type, problem.api.field, problem.api.message, lang);
  const vars = Object.fromEntries(
    Object.entries(problem.vars ?? {}).map(([k, v]) => [k, typeof v === 'object' ? text(v, lang) : v]),
  );
  return translate(lang, problem.key, vars);
}

/** The problems shown, in the console's language (no entry for a field without one). */
export function problemTexts(problems: FieldProblems, lang: Lang): FieldErrors {
  const out: FieldErrors = {};
  for (const [field, problem] of Object.entries(problems)) if (problem) out[field] = problemText(problem, lang);
  return out;
}

const required = (v: string): Problem => (v.trim() ? undefined : { key: 'vRequired' });
/** S3 keys and prefixes are limited in UTF-8 bytes, as the engine checks them (400 × 日 is 1,200 bytes). */
const maxBytes =
  (max: number) =>
  (v: string): Problem => {
    const length = new TextEncoder().encode(v).length;
    return length > max ? { key: 'vTooManyBytes', vars: { length, max } } : undefined;
  };
const matches =
  (re: RegExp, key: StringKey) =>
  (v: string): Problem =>
    v.trim() && !re.test(v.trim()) ? { key } : undefined;
/**
 * The engine's naming rules of the bucket's store, worded for that store; a location pasted whole (s3://bucket/path)
 * is answered with the split meant: the bucket alone, the path in that side's prefix field.
 */
function bucketProblem(v: string, store: BucketStore, prefixField?: 'srcPrefix' | 'destPrefix'): Problem {
  const name = v.trim();
  if (!name || !bucketNameProblem(name, store)) return undefined;
  const pasted = prefixField && pastedLocation(name, store, prefixField);
  if (pasted)
    return pasted.path
      ? {
          key: 'vBucketPasted',
          vars: { bucket: pasted.bucket, path: pasted.path, prefix: S3_FIELDS[prefixField]?.label ?? prefixField },
        }
      : { key: 'vBucketAlone', vars: { bucket: pasted.bucket } };
  return { key: store === 'gcs' ? 'vBucketGcs' : store === 'other' ? 'vBucketOther' : 'vBucket' };
}
/** Bounds of an integer parameter, from the schema. */
function bounds(name: string): [number, number] {
  const spec = S3_PARAMETERS.find((p) => p.name === name) as { min?: number; max?: number } | undefined;
  return [spec?.min ?? 0, spec?.max ?? Number.MAX_SAFE_INTEGER];
}
const wholeParam = (name: string) => whole(...bounds(name));
const whole =
  (min: number, max: number) =>
  (v: string): Problem => {
    if (!/^\d+$/.test(v.trim())) return { key: 'vWhole' };
    const n = Number(v);
    return n < min || n > max ? { key: 'vRange', vars: { min, max } } : undefined;
  };

/** A size (bytes, or e.g. 50MiB) within the parameter's bounds, read as the API reads it; blank: not given. */
const sizeParam =
  (name: string) =>
  (v: string): Problem => {
    if (!v.trim()) return undefined;
    const [min, max] = bounds(name);
    const n = byteSize(v.trim());
    if (n === undefined) return { key: 'vSize' };
    return n < min || n > max ? { key: 'vRange', vars: { min, max } } : undefined;
  };

/**
 * An endpoint must say its scheme (without one, a TLS client talking to a plain-HTTP port reports an OpenSSL error),
 * and be the store's address alone, without credentials, as the API checks.
 */
export function endpointProblem(v: string, isRequired: boolean): Problem {
  const value = v.trim();
  if (!value) return isRequired ? { key: 'vRequired' } : undefined;
  if (!/^https?:\/\//i.test(value)) return { key: 'vEndpointScheme' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { key: 'vEndpoint' };
  }
  if (!ENDPOINT_HOST.test(url.hostname)) return { key: 'vEndpoint' };
  if (url.username || url.password) return { key: 'vEndpointCredentials' };
  return endpointExtra(url) === undefined ? undefined : { key: 'vEndpointPath', vars: { address: url.origin } };
}

/** Each line read as the API reads it: a Public source's images may name their registry, port included. */
function imageListProblem(v: string, form: EcrForm): Problem {
  const entries = imageListEntries(v);
  for (const { line, text } of entries) {
    try {
      parseImageList(text, 'srcImageList', { registries: form.sourceType === 'Public' });
    } catch {
      return { key: 'vImageLine', vars: { line, text: text.length > 60 ? `${text.slice(0, 57)}…` : text } };
    }
  }
  return entries.length ? undefined : { key: 'vImageNone' };
}

const S3_RULES: { [K in keyof S3Form]?: Rule<S3Form>[] } = {
  srcBucket: [required, (v, f) => bucketProblem(v, srcBucketStore(f), 'srcPrefix')],
  srcPrefix: [maxBytes(1024)],
  srcPrefixsListFile: [required, maxBytes(1024)],
  // A bucket of this account (read with its role): Amazon S3's naming rule.
  srcPrefixListBucket: [(v) => bucketProblem(v, 's3')],
  srcEndpoint: [(v) => endpointProblem(v, true)],
  srcRegion: [required, matches(STORE_REGION, 'vRegion')],
  destBucket: [required, (v, f) => bucketProblem(v, destBucketStore(f), 'destPrefix')],
  destPrefix: [maxBytes(1024), (v) => (v.endsWith('/') ? { key: 'vPrefixSlash' } : undefined)],
  // A destination given by its endpoint needs no region (the API signs with the source's, or us-east-1).
  destRegion: [(v, f) => (f.destEndpoint.trim() ? undefined : required(v)), matches(STORE_REGION, 'vRegion')],
  destEndpoint: [(v) => endpointProblem(v, false)],
  destCredentials: [required],
  destPutObjectSSEKmsKeyId: [required],
  maxCapacity: [
    wholeParam('maxCapacity'),
    (v, f) => (Number(v) < Number(f.minCapacity) ? { key: 'vMinMax' } : undefined),
  ],
  minCapacity: [wholeParam('minCapacity')],
  desiredCapacity: [
    wholeParam('desiredCapacity'),
    (v, f) =>
      Number(v) < Number(f.minCapacity) || Number(v) > Number(f.maxCapacity) ? { key: 'vDesired' } : undefined,
  ],
  workerNumber: [wholeParam('workerNumber')],
  bandwidthLimit: [sizeParam('bandwidthLimit')],
  finderDepth: [wholeParam('finderDepth')],
  finderNumber: [wholeParam('finderNumber')],
};

const ECR_RULES: { [K in keyof EcrForm]?: Rule<EcrForm>[] } = {
  srcRegion: [required, matches(AWS_REGION, 'vRegion')],
  srcAccountId: [required, matches(AWS_ACCOUNT_ID, 'vAccount')],
  srcRegistry: [matches(REGISTRY_HOST, 'vRegistry')],
  srcList: [(v, f) => (v === 'ALL' && f.sourceType !== 'Amazon_ECR' ? { key: 'vAllNeedsEcr' } : undefined)],
  // No length cap (the original's 4,096 was its CloudFormation parameter's): long sets travel through SSM.
  srcImageList: [required, (v, f) => imageListProblem(v, f)],
  destRegion: [required, matches(AWS_REGION, 'vRegion')],
  destAccountId: [required, matches(AWS_ACCOUNT_ID, 'vAccount')],
  destRegistry: [required, matches(REGISTRY_HOST, 'vRegistry')],
  // As the engine reads it: slashes at either end dropped.
  destPrefix: [(v) => matches(REPOSITORY_PATH, 'vRepoPrefix')(repositoryPrefix(v))],
};

function check<F>(
  form: F,
  keys: readonly (keyof F & string)[],
  table: { [K in keyof F]?: FieldDef<F> },
  rules: { [K in keyof F]?: Rule<F>[] },
  ctx: FieldContext,
): FieldProblems {
  const errors: FieldProblems = {};
  for (const key of keys) {
    const def = table[key];
    if (def && !isShown(def, form, ctx)) continue;
    for (const rule of rules[key] ?? []) {
      const problem = rule(String(form[key] ?? ''), form, ctx);
      if (problem) {
        errors[key] = { key: problem.key, vars: { label: def ? def.label : key, ...problem.vars } };
        break;
      }
    }
  }
  return errors;
}

export function validateS3(form: S3Form, keys: readonly (keyof S3Form & string)[], ctx: FieldContext): FieldProblems {
  return check(form, keys, S3_FIELDS, S3_RULES, ctx);
}

export function validateEcr(
  form: EcrForm,
  keys: readonly (keyof EcrForm & string)[],
  ctx: FieldContext,
): FieldProblems {
  return check(form, keys, ECR_FIELDS, ECR_RULES, ctx);
}

/** The original console's shortest time between two runs of a schedule. */
const MIN_RUN_GAP_SECONDS = 120;
const UNIT_WORDS: Record<ScheduleForm['unit'], Localized> = {
  minutes: { en: 'minutes', zh: '分钟' },
  hours: { en: 'hours', zh: '小时' },
  days: { en: 'days', zh: '天' },
};

function fixedRateProblem(schedule: ScheduleForm): Problem {
  const every = schedule.every.trim();
  if (!/^\d+$/.test(every) || Number(every) < 1) return { key: 'vEvery' };
  if (schedule.unit === 'minutes' && Number(every) < 2) return { key: 'vMinutesAtLeast' };
  const max = EVERY_MAX[schedule.unit];
  if (Number(every) > max) return { key: 'vEveryMax', vars: { max, unit: UNIT_WORDS[schedule.unit] } };
  // What the hub will run: the same parser refuses here what it would refuse at Create.
  return cronProblem(cronOf(schedule), COMMON_TEXT.schedule.label);
}

/** The cron field's name in messages, as the schedule panel labels it. */
const CRON_LABEL = { en: STRINGS.en.scheduleCron, zh: STRINGS.zh.scheduleCron };

/** `label`: the field the user wrote it in (the cron field, or the schedule a fixed rate makes). */
function cronProblem(cron: string, label: { en: string; zh: string } = CRON_LABEL): Problem {
  if (!cron.trim()) return { key: 'vRequired', vars: { label } };
  // The hub's and EventBridge's own parser: what passes here runs there.
  let schedule: Schedule;
  try {
    schedule = parseSchedule(cron);
  } catch (err) {
    return { key: 'vCron', vars: { label, detail: (err as Error).message.replace(/^[^:]*:\s*/, '') } };
  }
  // As the original's console: runs at least 2 minutes apart — in any part of a cron's cycle, not only `*\/1`.
  const closest = closestRuns(schedule, new Date());
  if (closest && closest.seconds < MIN_RUN_GAP_SECONDS)
    return {
      key: 'vRunsTooClose',
      vars: { label, at: `${closest.at.toISOString().slice(0, 16).replace('T', ' ')} UTC` },
    };
  return undefined;
}

/** Description, alarm e-mail and the schedule (the settings step). */
export function validateCommon(state: WizardState, ctx: FieldContext): FieldProblems {
  const errors: FieldProblems = {};
  const { description, alarmEmail, schedule } = state.common;
  if (description.length > MAX_DESCRIPTION) {
    errors.description = {
      key: 'vTooLong',
      vars: { label: COMMON_TEXT.description.label, length: description.length, max: MAX_DESCRIPTION },
    };
  }
  const email = alarmEmail.trim();
  if (!email && !ctx.local) errors.alarmEmail = { key: 'vRequired', vars: { label: COMMON_TEXT.alarmEmail.label } };
  else if (email && !EMAIL_ADDRESS.test(email))
    errors.alarmEmail = { key: 'vEmail', vars: { label: COMMON_TEXT.alarmEmail.label } };
  if (schedule.kind === 'FIXED_RATE' && state.type === 'S3EC2') errors.schedule = fixedRateProblem(schedule);
  if (schedule.kind === 'CRON') errors.schedule = cronProblem(schedule.cron);
  return errors;
}

/** The problems of one step's visible fields (only fields with one). */
export function stepProblems(state: WizardState, step: number, ctx: FieldContext): FieldProblems {
  const s3 = state.type === 'S3EC2';
  let problems: FieldProblems;
  switch (step) {
    case STEP.source:
      problems = s3 ? validateS3(state.s3, S3_SOURCE_KEYS, ctx) : validateEcr(state.ecr, ECR_SOURCE_KEYS, ctx);
      break;
    case STEP.destination:
      problems = s3
        ? validateS3(state.s3, S3_DESTINATION_KEYS, ctx)
        : validateEcr(state.ecr, ECR_DESTINATION_KEYS, ctx);
      break;
    case STEP.settings:
      problems = {
        ...validateCommon(state, ctx),
        ...(s3 ? validateS3(state.s3, [...S3_ENGINE_KEYS, ...S3_FILTER_KEYS], ctx) : {}),
      };
      break;
    default:
      problems = {};
  }
  return Object.fromEntries(Object.entries(problems).filter(([, p]) => p));
}

/** A step's problems in words. */
export function stepErrors(state: WizardState, step: number, ctx: FieldContext, lang: Lang): FieldErrors {
  return problemTexts(stepProblems(state, step, ctx), lang);
}

/** An API error in the console's words: the field's label instead of its key. */
export function humanApiMessage(type: 'S3EC2' | 'ECR', field: string, message: string, lang: Lang): string {
  const label = labelOf(type, field, lang);
  // Strip "srcBucket: ", "Source bucket (srcBucket): " or "Storage class (destStorageClass, destination side): " that
  // the API puts in front (the field is shown on its panel, which says the side). A label may hold parentheses of its
  // own ("Schedule (cron expression) (ec2CronExpression): "), so the prefix is anything up to the field's, colons aside.
  const name = field.replace(/[^\w]/g, '\\$&');
  const rest = message.replace(new RegExp(`^(?:[^:]*?\\(${name}(?:, [a-z]+ side)?\\)|${name})\\s*:\\s*`), '');
  if (rest === 'is required') return translate(lang, 'vRequired', { label });
  // An English sentence after the label reads as one only in English; in Chinese the API's words follow a colon.
  if (lang === 'en' && /^(is|are|must|names|has|was)\b/.test(rest)) return `${label} ${rest}`;
  return translate(lang, 'vApi', { label, message: rest });
}

/** Fields of the settings step every task shows (its panels, not the field tables). */
const COMMON_FIELDS: ReadonlySet<string> = new Set(['description', 'alarmEmail', 'schedule']);

/** Whether the wizard shows `field` for this task (in its table and not hidden by other choices): an error there is seen. */
function fieldShown(state: WizardState, field: string, ctx: FieldContext): boolean {
  if (COMMON_FIELDS.has(field)) return true;
  if (state.type === 'S3EC2') {
    const def = S3_FIELDS[field as keyof S3Form];
    return def !== undefined && isShown(def, state.s3, ctx);
  }
  const def = ECR_FIELDS[field as keyof EcrForm];
  return def !== undefined && isShown(def, state.ecr, ctx);
}

/**
 * What the API refused at Create, on the wizard: each parameter's message on its field, the step of the first shown
 * one to open on, and those no field shows (said on the review step instead of leaving only "fix the errors").
 */
export function apiRefusal(
  state: WizardState,
  refused: readonly ParameterProblem[],
  ctx: FieldContext,
): { problems: FieldProblems; step?: number; unshown: ParameterProblem[] } {
  const problems: FieldProblems = {};
  const unshown: ParameterProblem[] = [];
  let step: number | undefined;
  for (const { field, message } of refused) {
    const where = locate(state.type, field);
    if (!fieldShown(state, where.field, ctx)) {
      unshown.push({ field, message });
      continue;
    }
    problems[where.field] = { api: { type: state.type, field, message } };
    step ??= where.step;
  }
  return { problems, step, unshown };
}
