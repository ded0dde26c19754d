/**
 * The wizard's typed field table: for every field, its control, label, description (what it is), constraint (the
 * rule, shown before any error), options and when it shows. A field that is a task parameter takes its label, help
 * text and value set from the parameter schema (worker/params), so a parameter has one human name everywhere: wizard,
 * review, task page, error messages, CLI and templates. Console-only choices (source kind, transfer type) live here.
 */
import {
  ECR_PARAMETERS,
  S3_PARAMETERS,
  specIndex,
  type Localized,
  type ParamSpec,
} from '../../../../worker/params/index.js';
import { type SecretShape, secretShapesTaken } from '../../../../worker/core/secret-shape.js';
import { bucketStoreOf, type BucketStore, type SourceType } from '../../../../worker/s3/params.js';
import type { Lang } from '../../i18n/index.js';
import type { EcrForm, S3Form } from './types.js';

export type { Localized } from '../../../../worker/params/index.js';
export interface FieldOption {
  value: string;
  label: Localized | string;
}

export interface FieldContext {
  /** The hub runs locally (no CloudFormation stack, no alarm e-mail needed). */
  local: boolean;
}

export interface FieldDef<F> {
  key: keyof F & string;
  control: 'input' | 'textarea' | 'select' | 'radio' | 'toggle' | 'secret' | 'region';
  label: Localized;
  description?: Localized;
  /** The rule, shown before any error; a function when the rule follows other choices (a bucket's store). */
  constraint?: Localized | ((form: F) => Localized);
  placeholder?: string;
  options?: readonly FieldOption[];
  /** Shown (and sent) only when this holds. */
  when?: (form: F, ctx: FieldContext) => boolean;
  /** Options offered before `options` while this form holds them (e.g. "the store's default" for an endpoint). */
  extraOptions?: (form: F) => readonly FieldOption[];
  /** A credential field: the kinds of secret its side reads (others are offered disabled, saying why). */
  takesSecrets?: (form: F) => readonly SecretShape[];
}

export type FieldTable<F> = { [K in keyof F & string]?: FieldDef<F> & { key: K } };

/** Whether the wizard shows (and sends) `def` for these choices: the one test the wizard, its checks and the task page use. */
export function isShown<F>(def: FieldDef<F>, form: F, ctx: FieldContext): boolean {
  return !def.when || def.when(form, ctx);
}

export function text(value: Localized | string, lang: Lang): string {
  return typeof value === 'string' ? value : value[lang];
}

const YES_NO: readonly FieldOption[] = [
  { value: 'true', label: { en: 'Yes', zh: '是' } },
  { value: 'false', label: { en: 'No', zh: '否' } },
];

function specOf(list: readonly ParamSpec[], name: string): ParamSpec {
  const spec = list.find((p) => p.name === name);
  if (!spec) throw new Error(`the parameter schema has no ${name}`);
  return spec;
}

/** A field that edits the task parameter of the same name: label, help and options from the schema. */
function fromSchema<F, K extends keyof F & string>(
  list: readonly ParamSpec[],
  key: K,
  control: FieldDef<F>['control'],
  extra: Partial<Omit<FieldDef<F>, 'key' | 'control'>> = {},
): FieldDef<F> & { key: K } {
  const spec = specOf(list, key);
  const options =
    spec.kind === 'boolean'
      ? YES_NO
      : spec.values?.map((value) => ({ value, label: spec.valueLabels?.[value] ?? value }));
  return { key, control, label: spec.label, description: spec.help, options, ...extra };
}

/** What the wizard pre-fills: the schema's console default, else its default. */
export function schemaDefault(type: 'S3EC2' | 'ECR', name: string): string {
  const spec = specOf(type === 'S3EC2' ? S3_PARAMETERS : ECR_PARAMETERS, name);
  return spec.consoleDefault ?? spec.default ?? '';
}

const s3 = <K extends keyof S3Form & string>(
  key: K,
  control: FieldDef<S3Form>['control'],
  extra?: Partial<Omit<FieldDef<S3Form>, 'key' | 'control'>>,
) => fromSchema<S3Form, K>(S3_PARAMETERS, key, control, extra);
const ecr = <K extends keyof EcrForm & string>(
  key: K,
  control: FieldDef<EcrForm>['control'],
  extra?: Partial<Omit<FieldDef<EcrForm>, 'key' | 'control'>>,
) => fromSchema<EcrForm, K>(ECR_PARAMETERS, key, control, extra);

/** The console's source choices: the schema's source types, with "S3 compatible" (Amazon_S3 + an endpoint) on its own. */
export const S3_SOURCE_KINDS: readonly FieldOption[] = [
  { value: 'Amazon_S3', label: 'Amazon S3' },
  { value: 'Amazon_S3_Compatible', label: { en: 'Amazon S3 compatible storage', zh: 'Amazon S3 兼容存储' } },
  ...(specOf(S3_PARAMETERS, 'srcType').values ?? [])
    .filter((v) => v !== 'Amazon_S3')
    .map((value) => ({ value, label: specOf(S3_PARAMETERS, 'srcType').valueLabels?.[value] ?? value })),
];

/** The original console lists the default ACL first. */
const ACL_FIRST = 'bucket-owner-full-control';

/** A bucket name's rule by its store: the rule the wizard checks (bucketNameProblem), in words. */
const BUCKET_RULES: Record<BucketStore, Localized> = {
  s3: {
    en: '3–63 characters: lowercase letters, digits, dots and hyphens (older buckets: up to 255, capitals and underscores too).',
    zh: '3–63 个字符：小写字母、数字、点和连字符（较早的存储桶：最多 255 个字符，也可含大写字母和下划线）。',
  },
  gcs: {
    en: '3–222 characters: lowercase letters, digits, dots, hyphens and underscores.',
    zh: '3–222 个字符：小写字母、数字、点、连字符和下划线。',
  },
  strict: {
    en: '3–63 characters: lowercase letters, digits, dots and hyphens.',
    zh: '3–63 个字符：小写字母、数字、点和连字符。',
  },
  other: {
    en: '3–255 characters: letters, digits, dots, hyphens and underscores.',
    zh: '3–255 个字符：字母、数字、点、连字符和下划线。',
  },
};

/**
 * The store whose naming rule the source bucket follows (an S3-compatible store's is the loosest). The endpoint counts
 * only for that kind: one typed before switching to another kind is not sent.
 */
export const srcBucketStore = (f: S3Form): BucketStore =>
  f.sourceKind === 'Amazon_S3_Compatible'
    ? bucketStoreOf('Amazon_S3', !!f.srcEndpoint.trim())
    : bucketStoreOf(f.sourceKind as SourceType, false);
/** The destination bucket's: Amazon S3's, or the store's that destEndpoint names. */
export const destBucketStore = (f: S3Form): BucketStore => bucketStoreOf('Amazon_S3', !!f.destEndpoint.trim());
const REGION_RULE: Localized = {
  en: 'A region name, e.g. us-west-2, cn-north-1, cn-hangzhou.',
  zh: '区域名称，例如 us-west-2、cn-north-1、cn-hangzhou。',
};
const WHOLE: Localized = { en: 'Whole number.', zh: '整数。' };
const ENDPOINT_RULE: Localized = {
  en: 'Starts with https:// (or http:// for a store on your network); the address alone, no path.',
  zh: '以 https:// 开头（内网存储可用 http://）；仅填写地址，不含路径。',
};

const isAmazonS3 = (f: S3Form) => f.sourceKind === 'Amazon_S3';
/** With a destination endpoint, storage class and ACL may be left to the store (nothing sent). */
const storeDefault = (f: S3Form): readonly FieldOption[] =>
  f.destEndpoint.trim()
    ? [{ value: '', label: { en: "The store's default (none sent)", zh: '存储的默认值（不发送）' } }]
    : [];
const srcInAccount = (f: S3Form) => isAmazonS3(f) && f.srcInCurrentAccount === 'true';
const srcNeedsSecret = (f: S3Form) => !srcInAccount(f);
/**
 * Whether the destination is in this account, as the original's console decides: with the source in this account,
 * the destination is in another (its choice hidden, "No", a secret asked for); otherwise the user's choice.
 */
export const destInAccountOf = (f: S3Form): S3Form['destInCurrentAccount'] =>
  srcInAccount(f) ? 'false' : f.destInCurrentAccount;

export const S3_FIELDS: FieldTable<S3Form> = {
  sourceKind: {
    key: 'sourceKind',
    control: 'select',
    options: S3_SOURCE_KINDS,
    label: specOf(S3_PARAMETERS, 'srcType').label,
    description: { en: 'Where the objects are now.', zh: '对象当前所在的存储。' },
  },
  srcBucket: s3('srcBucket', 'input', { constraint: (f) => BUCKET_RULES[srcBucketStore(f)] }),
  transferType: {
    key: 'transferType',
    control: 'radio',
    label: { en: 'What to transfer', zh: '传输内容' },
    options: [
      { value: 'FullBucket', label: { en: 'Full bucket', zh: '整个存储桶' } },
      { value: 'SinglePrefix', label: { en: 'Objects with a specific prefix', zh: '指定前缀的对象' } },
      {
        value: 'MultiplePrefix',
        label: { en: 'Objects with different prefixes (prefix list file)', zh: '多个前缀的对象（前缀列表文件）' },
      },
    ],
  },
  srcPrefix: s3('srcPrefix', 'input', {
    when: (f) => f.transferType === 'SinglePrefix',
    constraint: { en: 'Up to 1024 bytes (UTF-8), e.g. logs/2024/', zh: '最多 1024 字节（UTF-8），例如 logs/2024/' },
  }),
  srcPrefixsListFile: s3('srcPrefixsListFile', 'input', {
    when: (f) => f.transferType === 'MultiplePrefix',
    constraint: {
      en: 'An object key such as my_prefix_list.txt, not a local file.',
      zh: '对象键，如 my_prefix_list.txt，而不是本地文件。',
    },
  }),
  srcPrefixListBucket: s3('srcPrefixListBucket', 'input', {
    when: (f) => f.transferType === 'MultiplePrefix',
    constraint: BUCKET_RULES.s3,
  }),
  srcEndpoint: s3('srcEndpoint', 'input', {
    when: (f) => f.sourceKind === 'Amazon_S3_Compatible',
    placeholder: 'https://s3.example.com',
    constraint: ENDPOINT_RULE,
  }),
  srcRegion: s3('srcRegion', 'region', {
    when: (f) => f.sourceKind !== 'Google_GCS' && f.sourceKind !== 'Amazon_S3_Compatible',
    constraint: REGION_RULE,
  }),
  srcInCurrentAccount: s3('srcInCurrentAccount', 'radio', { when: isAmazonS3 }),
  srcCredentials: s3('srcCredentials', 'secret', {
    when: srcNeedsSecret,
    takesSecrets: () => secretShapesTaken('srcCredentials', false),
  }),
  isPayerRequest: s3('isPayerRequest', 'toggle', { when: (f) => srcNeedsSecret(f) && f.srcCredentials !== '' }),
  // Events reach only the cloud deployment, from an Amazon S3 bucket of its account.
  srcEvent: s3('srcEvent', 'select', {
    when: (f, ctx) => !ctx.local && srcInAccount(f),
  }),
  srcSkipCompare: s3('srcSkipCompare', 'toggle'),
  destBucket: s3('destBucket', 'input', { constraint: (f) => BUCKET_RULES[destBucketStore(f)] }),
  destPrefix: s3('destPrefix', 'input', {
    constraint: { en: 'Optional. Do not end it with /.', zh: '可选。不要以 / 结尾。' },
  }),
  destRegion: s3('destRegion', 'region', { constraint: REGION_RULE }),
  destEndpoint: s3('destEndpoint', 'input', {
    placeholder: 'https://s3.example.com',
    constraint: {
      en: 'Optional. Starts with https:// or http://; the address alone, no path.',
      zh: '可选。以 https:// 或 http:// 开头；仅填写地址，不含路径。',
    },
  }),
  destInCurrentAccount: s3('destInCurrentAccount', 'radio', { when: (f) => !srcInAccount(f) }),
  destCredentials: s3('destCredentials', 'secret', {
    when: (f) => destInAccountOf(f) === 'false',
    takesSecrets: () => secretShapesTaken('destCredentials', false),
  }),
  destStorageClass: s3('destStorageClass', 'select', { extraOptions: storeDefault }),
  destAcl: (() => {
    const field = s3('destAcl', 'select', { extraOptions: storeDefault });
    return {
      ...field,
      options: [...(field.options ?? [])].sort((a, b) => Number(b.value === ACL_FIRST) - Number(a.value === ACL_FIRST)),
    };
  })(),
  destPutObjectSSEType: s3('destPutObjectSSEType', 'select'),
  destPutObjectSSEKmsKeyId: s3('destPutObjectSSEKmsKeyId', 'input', {
    when: (f) => f.destPutObjectSSEType === 'AWS_KMS',
    constraint: { en: 'Key ID, alias or ARN.', zh: '密钥 ID、别名或 ARN。' },
  }),
  includeMetadata: s3('includeMetadata', 'radio'),
  include: s3('include', 'input', { placeholder: '*.parquet, data/**' }),
  exclude: s3('exclude', 'input', { placeholder: 'tmp/**, *.log' }),
  maxCapacity: s3('maxCapacity', 'input', {
    constraint: { en: 'Whole number, at least the minimum.', zh: '整数，不小于最小值。' },
  }),
  minCapacity: s3('minCapacity', 'input', { constraint: WHOLE }),
  desiredCapacity: s3('desiredCapacity', 'input', {
    constraint: { en: 'Whole number between the minimum and the maximum.', zh: '介于最小值和最大值之间的整数。' },
  }),
  workerNumber: s3('workerNumber', 'input', {
    constraint: { en: 'Whole number from 1 to 512.', zh: '1 到 512 的整数。' },
  }),
  bandwidthLimit: s3('bandwidthLimit', 'input', {
    placeholder: '50MiB',
    constraint: {
      en: 'A size, e.g. 50MiB, at least 64KiB. Blank: no limit.',
      zh: '大小，例如 50MiB，至少 64KiB。留空：不限制。',
    },
  }),
  finderDepth: s3('finderDepth', 'input', { constraint: WHOLE }),
  finderNumber: s3('finderNumber', 'input', { constraint: WHOLE }),
  finderEc2Memory: s3('finderEc2Memory', 'select'),
};

const ecrSource = (f: EcrForm) => f.sourceType === 'Amazon_ECR';
const ecrDest = (f: EcrForm) => f.destKind === 'Amazon_ECR';
const REGISTRY_RULE: Localized = {
  en: 'host or host:port, without https://.',
  zh: 'host 或 host:port，不带 https://。',
};

export const ECR_FIELDS: FieldTable<EcrForm> = {
  sourceType: ecr('sourceType', 'radio'),
  srcRegistry: ecr('srcRegistry', 'input', {
    when: (f) => !ecrSource(f),
    placeholder: 'docker.io',
    constraint: { en: `Optional. ${REGISTRY_RULE.en}`, zh: `可选。${REGISTRY_RULE.zh}` },
  }),
  srcRegion: ecr('srcRegion', 'region', { when: ecrSource, constraint: REGION_RULE }),
  srcInCurrentAccount: {
    key: 'srcInCurrentAccount',
    control: 'radio',
    options: YES_NO,
    when: ecrSource,
    label: { en: 'Is the source in this account?', zh: '源是否在本账号中？' },
  },
  srcAccountId: ecr('srcAccountId', 'input', {
    when: (f) => ecrSource(f) && f.srcInCurrentAccount === 'false',
    constraint: { en: '12 digits.', zh: '12 位数字。' },
  }),
  srcCredential: ecr('srcCredential', 'secret', {
    when: (f) => !ecrSource(f) || f.srcInCurrentAccount === 'false',
    takesSecrets: () => secretShapesTaken('srcCredential', false),
  }),
  srcList: ecr('srcList', 'radio', {
    constraint: {
      en: 'All images is possible for an Amazon ECR source only.',
      zh: '只有 Amazon ECR 源可以选择全部镜像。',
    },
  }),
  srcImageList: ecr('srcImageList', 'textarea', {
    when: (f) => f.srcList === 'SELECTED',
    placeholder: 'ubuntu:24.04\nmysql\npublic.ecr.aws/amazonlinux/amazonlinux:latest\nmy-ecr-repo:ALL_TAGS',
    constraint: { en: 'No tag means latest. Any number of images.', zh: '不写标签表示 latest。镜像数量不限。' },
  }),
  includeUntagged: ecr('includeUntagged', 'toggle'),
  insecure: ecr('insecure', 'toggle'),
  destKind: {
    key: 'destKind',
    control: 'radio',
    label: { en: 'Destination type', zh: '目标类型' },
    options: [
      { value: 'Amazon_ECR', label: 'Amazon ECR' },
      { value: 'Registry', label: { en: 'Another registry', zh: '其他镜像仓库' } },
    ],
  },
  destRegion: ecr('destRegion', 'region', { when: ecrDest, constraint: REGION_RULE }),
  destInCurrentAccount: {
    key: 'destInCurrentAccount',
    control: 'radio',
    options: YES_NO,
    when: ecrDest,
    label: { en: 'Is the destination in this account?', zh: '目标是否在本账号中？' },
  },
  destAccountId: ecr('destAccountId', 'input', {
    when: (f) => ecrDest(f) && f.destInCurrentAccount === 'false',
    constraint: { en: '12 digits.', zh: '12 位数字。' },
  }),
  destRegistry: ecr('destRegistry', 'input', {
    when: (f) => !ecrDest(f),
    placeholder: 'registry.example.com:5000',
    constraint: REGISTRY_RULE,
  }),
  destCredential: ecr('destCredential', 'secret', {
    when: (f) => !ecrDest(f) || f.destInCurrentAccount === 'false',
    takesSecrets: (f) => secretShapesTaken('destCredential', ecrDest(f)),
  }),
  destPrefix: ecr('destPrefix', 'input', {
    constraint: { en: 'Optional. Lowercase path, e.g. mirror/team-a.', zh: '可选。小写路径，例如 mirror/team-a。' },
  }),
};

/** Fields shared by both task types (not task parameters except alarmEmail). */
export const COMMON_TEXT = {
  description: {
    label: { en: 'Description', zh: '描述' },
    description: { en: 'A note to recognise the task by.', zh: '用于识别任务的说明。' },
    constraint: { en: 'Optional. Up to 250 characters.', zh: '可选。最多 250 个字符。' },
  },
  alarmEmail: {
    label: specOf(S3_PARAMETERS, 'alarmEmail').label,
    description: {
      en: 'Failures and the result of a one-time task are sent here.',
      zh: '失败和一次性任务的结果会发送到此邮箱。',
    },
    constraintCloud: { en: 'An e-mail address.', zh: '电子邮件地址。' },
    constraintLocal: {
      en: 'Optional on the local hub (events show in the console).',
      zh: '本地中心可选（事件显示在控制台中）。',
    },
  },
  schedule: {
    label: { en: 'Task scheduling', zh: '任务调度' },
    description: {
      en: 'Run once, or again and again to copy what changed since the last run.',
      zh: '运行一次，或定期运行以复制自上次运行以来的变化。',
    },
  },
} satisfies Record<string, Record<string, Localized>>;

/** A parameter's human name (task detail, review, error messages): the field's label, else the schema's (older alias
 * names too), else the key itself. */
export function labelOf(type: 'S3EC2' | 'ECR', key: string, lang: Lang): string {
  if (key === 'ec2CronExpression' || key === 'scheduleExpression' || key === 'schedule')
    return text(COMMON_TEXT.schedule.label, lang);
  if (key === 'description') return text(COMMON_TEXT.description.label, lang);
  const table = (type === 'S3EC2' ? S3_FIELDS : ECR_FIELDS) as Record<string, FieldDef<unknown> | undefined>;
  const def = table[key];
  if (def) return text(def.label, lang);
  const spec = specIndex(type === 'S3EC2' ? S3_PARAMETERS : ECR_PARAMETERS).get(key)?.spec;
  return spec ? text(spec.label, lang) : key;
}

export function optionLabel(def: FieldDef<unknown> | undefined, value: string, lang: Lang): string {
  const option = def?.options?.find((o) => o.value === value);
  return option ? text(option.label, lang) : value;
}
