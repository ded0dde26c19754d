/**
 * The wizard's validation table, keyed by field: each rule returns a message key (translated, naming the field by its
 * label) or nothing. A step checks only its own visible fields, on Next. Grammar shared with the engines (image
 * references) comes from their parser; the API checks everything again at Create.
 */
import { MAX_DESCRIPTION } from '../../../../control-plane/core/validate-task.js';
import { parseSchedule } from '../../../../worker/core/schedule.js';
import { imageListEntries, parseImageList } from '../../../../worker/ecr/params.js';
import { bucketNameProblem, type BucketStore } from '../../../../worker/s3/params.js';
import {
  AWS_ACCOUNT_ID,
  AWS_REGION,
  EMAIL_ADDRESS,
  endpointExtra,
  REGISTRY_HOST,
  REPOSITORY_PATH,
  repositoryPrefix,
  S3_PARAMETERS,
  STORE_REGION,
} from '../../../../worker/params/index.js';
import { translate, type Lang, type StringKey } from '../../i18n/index.js';
import {
  COMMON_TEXT,
  destBucketStore,
  ECR_FIELDS,
  labelOf,
  S3_FIELDS,
  srcBucketStore,
  text,
  type FieldContext,
  type FieldDef,
} from './fields.js';
import {
  ECR_DESTINATION_KEYS,
  ECR_SOURCE_KEYS,
  S3_DESTINATION_KEYS,
  S3_ENGINE_KEYS,
  S3_FILTER_KEYS,
  S3_SOURCE_KEYS,
  STEP,
} from './layout.js';
import type { EcrForm, FieldErrors, S3Form, WizardState } from './types.js';

type Problem = { key: StringKey; vars?: Record<string, string | number> } | undefined;
type Rule<F> = (value: string, form: F, ctx: FieldContext) => Problem;

const required = (v: string): Problem => (v.trim() ? undefined : { key: 'vRequired' });
const maxLength =
  (max: number) =>
  (v: string): Problem =>
    v.length > max ? { key: 'vTooLong', vars: { length: v.length, max } } : undefined;
const matches =
  (re: RegExp, key: StringKey) =>
  (v: string): Problem =>
    v.trim() && !re.test(v.trim()) ? { key } : undefined;
/** The engine's naming rules of the bucket's store, worded for that store. */
function bucketProblem(v: string, store: BucketStore): Problem {
  if (!v.trim() || !bucketNameProblem(v.trim(), store)) return undefined;
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

/**
 * An endpoint must say its scheme (without one, a TLS client talking to a plain-HTTP port reports an OpenSSL error),
 * and be the store's address alone, as the API checks.
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
  return endpointExtra(url) === undefined ? undefined : { key: 'vEndpointPath', vars: { address: url.origin } };
}

function imageListProblem(v: string): Problem {
  const entries = imageListEntries(v);
  for (const { line, text } of entries) {
    try {
      parseImageList(text);
    } catch {
      return { key: 'vImageLine', vars: { line, text: text.length > 60 ? `${text.slice(0, 57)}…` : text } };
    }
  }
  return entries.length ? undefined : { key: 'vImageNone' };
}

const S3_RULES: { [K in keyof S3Form]?: Rule<S3Form>[] } = {
  srcBucket: [required, (v, f) => bucketProblem(v, srcBucketStore(f))],
  srcPrefix: [maxLength(1024)],
  srcPrefixsListFile: [required, maxLength(1024)],
  // A bucket of this account (read with its role): Amazon S3's naming rule.
  srcPrefixListBucket: [(v) => bucketProblem(v, 's3')],
  srcEndpoint: [(v) => endpointProblem(v, true)],
  srcRegion: [required, matches(STORE_REGION, 'vRegion')],
  destBucket: [required, (v, f) => bucketProblem(v, destBucketStore(f))],
  destPrefix: [maxLength(1024), (v) => (v.endsWith('/') ? { key: 'vPrefixSlash' } : undefined)],
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
  finderDepth: [wholeParam('finderDepth')],
  finderNumber: [wholeParam('finderNumber')],
};

const ECR_RULES: { [K in keyof EcrForm]?: Rule<EcrForm>[] } = {
  srcRegion: [required, matches(AWS_REGION, 'vRegion')],
  srcAccountId: [required, matches(AWS_ACCOUNT_ID, 'vAccount')],
  srcRegistry: [matches(REGISTRY_HOST, 'vRegistry')],
  srcList: [(v, f) => (v === 'ALL' && f.sourceType !== 'Amazon_ECR' ? { key: 'vAllNeedsEcr' } : undefined)],
  // No length cap (the original's 4,096 was its CloudFormation parameter's): long sets travel through SSM.
  srcImageList: [required, imageListProblem],
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
  lang: Lang,
): FieldErrors {
  const errors: FieldErrors = {};
  for (const key of keys) {
    const def = table[key];
    if (def?.when && !def.when(form, ctx)) continue;
    for (const rule of rules[key] ?? []) {
      const problem = rule(String(form[key] ?? ''), form, ctx);
      if (problem) {
        errors[key] = translate(lang, problem.key, { label: def ? text(def.label, lang) : key, ...problem.vars });
        break;
      }
    }
  }
  return errors;
}

export function validateS3(
  form: S3Form,
  keys: readonly (keyof S3Form & string)[],
  ctx: FieldContext,
  lang: Lang,
): FieldErrors {
  return check(form, keys, S3_FIELDS, S3_RULES, ctx, lang);
}

export function validateEcr(
  form: EcrForm,
  keys: readonly (keyof EcrForm & string)[],
  ctx: FieldContext,
  lang: Lang,
): FieldErrors {
  return check(form, keys, ECR_FIELDS, ECR_RULES, ctx, lang);
}

/** Description, alarm e-mail and the schedule (the settings step). */
export function validateCommon(state: WizardState, ctx: FieldContext, lang: Lang): FieldErrors {
  const errors: FieldErrors = {};
  const { description, alarmEmail, schedule } = state.common;
  const label = (l: { en: string; zh: string }) => text(l, lang);
  if (description.length > MAX_DESCRIPTION) {
    errors.description = translate(lang, 'vTooLong', {
      label: label(COMMON_TEXT.description.label),
      length: description.length,
      max: MAX_DESCRIPTION,
    });
  }
  const email = alarmEmail.trim();
  if (!email && !ctx.local)
    errors.alarmEmail = translate(lang, 'vRequired', { label: label(COMMON_TEXT.alarmEmail.label) });
  else if (email && !EMAIL_ADDRESS.test(email))
    errors.alarmEmail = translate(lang, 'vEmail', { label: label(COMMON_TEXT.alarmEmail.label) });
  if (schedule.kind === 'FIXED_RATE' && state.type === 'S3EC2') {
    if (!/^\d+$/.test(schedule.every.trim()) || Number(schedule.every) < 1) errors.schedule = translate(lang, 'vEvery');
    else if (schedule.unit === 'minutes' && Number(schedule.every) < 2)
      errors.schedule = translate(lang, 'vMinutesAtLeast');
  }
  if (schedule.kind === 'CRON') {
    // The hub's and EventBridge's own parser: what passes here runs there.
    try {
      parseSchedule(schedule.cron);
    } catch (err) {
      const detail = (err as Error).message.replace(/^[^:]*:\s*/, '');
      errors.schedule = translate(lang, 'vCron', { detail });
    }
  }
  return errors;
}

/** The problems of one step's visible fields. */
export function stepErrors(state: WizardState, step: number, ctx: FieldContext, lang: Lang): FieldErrors {
  const s3 = state.type === 'S3EC2';
  switch (step) {
    case STEP.source:
      return s3 ? validateS3(state.s3, S3_SOURCE_KEYS, ctx, lang) : validateEcr(state.ecr, ECR_SOURCE_KEYS, ctx, lang);
    case STEP.destination:
      return s3
        ? validateS3(state.s3, S3_DESTINATION_KEYS, ctx, lang)
        : validateEcr(state.ecr, ECR_DESTINATION_KEYS, ctx, lang);
    case STEP.settings:
      return {
        ...validateCommon(state, ctx, lang),
        ...(s3 ? validateS3(state.s3, [...S3_ENGINE_KEYS, ...S3_FILTER_KEYS], ctx, lang) : {}),
      };
    default:
      return {};
  }
}

/** An API error in the console's words: the field's label instead of its key. */
export function humanApiMessage(type: 'S3EC2' | 'ECR', field: string, message: string, lang: Lang): string {
  const label = labelOf(type, field, lang);
  // Strip "srcBucket: ", "Source bucket (srcBucket): " or "Storage class (destStorageClass, destination side): " that
  // the API puts in front (the field is shown on its panel, which says the side).
  const rest = message.replace(new RegExp(`^(?:[^:(]*\\(${field}(?:, [a-z]+ side)?\\)|${field})\\s*:\\s*`), '');
  if (/^(is|are|must|names|has|was)\b/.test(rest)) return `${label} ${rest}`;
  return translate(lang, 'vApi', { label, message: rest });
}
