/**
 * Form ⇄ createTask input. The parameter lists follow the original console's (same keys, same order, same value
 * mapping: Yes/No as "true"/"false", S3-compatible as Amazon_S3 + endpoint, schedule as ec2CronExpression), plus this
 * project's additions only when set. The reverse mapping fills the wizard from an existing task (Clone).
 */
import { sourceKindOf } from '../../lib/task-view.js';
import type { Task, TaskParameter } from '../../api/types.js';
import { booleanOf, ECR_PARAMETERS, S3_PARAMETERS } from '../../../../worker/params/index.js';
import { destInAccountOf, schemaDefault } from './fields.js';
import type { CommonForm, CreateTaskInput, EcrForm, S3Form, ScheduleForm, WizardState, YesNo } from './types.js';

const s3Default = (name: keyof S3Form) => schemaDefault('S3EC2', name);
const ecrDefault = (name: keyof EcrForm) => schemaDefault('ECR', name);

/** The wizard's starting values: the schema's (console) defaults; console-only choices as the original console's. */
export const DEFAULT_S3: S3Form = {
  sourceKind: 'Amazon_S3',
  transferType: 'FullBucket',
  srcBucket: '',
  srcPrefix: '',
  srcPrefixsListFile: '',
  srcPrefixListBucket: '',
  srcRegion: '',
  srcEndpoint: '',
  srcInCurrentAccount: s3Default('srcInCurrentAccount') as YesNo,
  srcCredentials: '',
  srcEvent: s3Default('srcEvent') as S3Form['srcEvent'],
  srcSkipCompare: s3Default('srcSkipCompare') as YesNo,
  isPayerRequest: s3Default('isPayerRequest') as YesNo,
  destBucket: '',
  destPrefix: '',
  destRegion: '',
  destEndpoint: '',
  destInCurrentAccount: s3Default('destInCurrentAccount') as YesNo,
  destCredentials: '',
  destStorageClass: s3Default('destStorageClass'),
  destAcl: s3Default('destAcl'),
  destPutObjectSSEType: s3Default('destPutObjectSSEType') as S3Form['destPutObjectSSEType'],
  destPutObjectSSEKmsKeyId: '',
  includeMetadata: s3Default('includeMetadata') as YesNo,
  include: '',
  exclude: '',
  maxCapacity: s3Default('maxCapacity'),
  minCapacity: s3Default('minCapacity'),
  desiredCapacity: s3Default('desiredCapacity'),
  workerNumber: s3Default('workerNumber'),
  bandwidthLimit: s3Default('bandwidthLimit'),
  finderDepth: s3Default('finderDepth'),
  finderNumber: s3Default('finderNumber'),
  finderEc2Memory: s3Default('finderEc2Memory'),
};

export const DEFAULT_ECR: EcrForm = {
  sourceType: ecrDefault('sourceType') as EcrForm['sourceType'],
  srcRegion: '',
  // The original's image wizard asks "Is source in this account?" with No first, as for the destination.
  srcInCurrentAccount: 'false',
  srcAccountId: '',
  srcCredential: '',
  srcRegistry: '',
  srcList: ecrDefault('srcList') as EcrForm['srcList'],
  srcImageList: '',
  includeUntagged: ecrDefault('includeUntagged') as YesNo,
  // The original's image wizard asks "Is destination in this account?" with No first.
  destKind: 'Amazon_ECR',
  destRegion: '',
  destInCurrentAccount: 'false',
  destAccountId: '',
  destCredential: '',
  destRegistry: '',
  destPrefix: '',
  insecure: ecrDefault('insecure') as YesNo,
};

/** The original's default: fixed rate, every hour. */
export const DEFAULT_SCHEDULE: ScheduleForm = { kind: 'FIXED_RATE', every: '1', unit: 'hours', cron: '' };

export function initialState(): WizardState {
  return {
    type: 'S3EC2',
    s3: { ...DEFAULT_S3 },
    ecr: { ...DEFAULT_ECR },
    common: { description: '', alarmEmail: '', schedule: { ...DEFAULT_SCHEDULE } },
  };
}

/** The schedule as the plugin's ec2CronExpression ("" = run once), in the original console's forms. */
export function cronOf(schedule: ScheduleForm): string {
  const n = schedule.every.trim();
  switch (schedule.kind) {
    case 'ONE_TIME':
      return '';
    case 'CRON':
      return schedule.cron.trim();
    default:
      if (schedule.unit === 'minutes') return `*/${n} * * * ? *`;
      if (schedule.unit === 'hours') return `0 */${n} ? * * *`;
      return `0 0 */${n} * ? *`;
  }
}

/**
 * The builder's "every N" as far as its cron can step: `*\/N` in minutes, hours or day-of-month runs every N units only
 * up to the field's span (60, 24, 31), and the hub's cron parser refuses larger steps.
 */
export const EVERY_MAX: Record<ScheduleForm['unit'], number> = { minutes: 60, hours: 24, days: 31 };

/**
 * Reads a schedule back into the builder: its cron, a rate() in ec2CronExpression (the API takes both; before, a
 * rate there read back as a typed cron, "rate(1 hour)" on the task page) or in the legacy scheduleExpression. A rate
 * the builder cannot step stays as typed.
 */
export function scheduleOf(cron: string | undefined, rate?: string): ScheduleForm {
  const c = (cron ?? '').trim();
  const fixed = (every: string, unit: ScheduleForm['unit']): ScheduleForm => ({
    kind: 'FIXED_RATE',
    every,
    unit,
    cron: '',
  });
  const rateOf = (text: string): ScheduleForm | undefined => {
    const r = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(text);
    if (!r) return undefined;
    const unit = `${r[2]}s` as ScheduleForm['unit'];
    return Number(r[1]) <= EVERY_MAX[unit]
      ? fixed(r[1], unit)
      : { kind: 'CRON', every: '1', unit: 'hours', cron: text };
  };
  if (!c) return rateOf((rate ?? '').trim()) ?? { ...DEFAULT_SCHEDULE, kind: 'ONE_TIME' };
  const asRate = rateOf(c);
  if (asRate) return asRate;
  const minutes = /^\*\/(\d+) \* \* \* \? \*$/.exec(c);
  if (minutes) return fixed(minutes[1], 'minutes');
  const hours = /^0 \*\/(\d+) \? \* \* \*$/.exec(c);
  if (hours) return fixed(hours[1], 'hours');
  const days = /^0 0 \*\/(\d+) \* \? \*$/.exec(c);
  if (days) return fixed(days[1], 'days');
  return { kind: 'CRON', every: '1', unit: 'hours', cron: c };
}

const list = (entries: [string, string][]): TaskParameter[] =>
  entries.map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));

export function s3Parameters(f: S3Form, common: CommonForm): TaskParameter[] {
  const amazon = f.sourceKind === 'Amazon_S3';
  const srcInAccount: YesNo = amazon ? f.srcInCurrentAccount : 'false';
  const needsSrcSecret = !(amazon && srcInAccount === 'true');
  const srcCredentials = needsSrcSecret ? f.srcCredentials : '';
  const destInAccount = destInAccountOf(f);
  const entries: [string, string][] = [
    ['srcType', f.sourceKind === 'Amazon_S3_Compatible' ? 'Amazon_S3' : f.sourceKind],
    ['srcEndpoint', f.sourceKind === 'Amazon_S3_Compatible' ? f.srcEndpoint.trim() : ''],
    ['srcBucket', f.srcBucket.trim()],
    ['srcPrefix', f.transferType === 'SinglePrefix' ? f.srcPrefix : ''],
    ['srcPrefixsListFile', f.transferType === 'MultiplePrefix' ? f.srcPrefixsListFile.trim() : ''],
    ['srcEvent', amazon && srcInAccount === 'true' ? f.srcEvent : 'No'],
    // Region is hidden (so blank) for GCS and for an S3-compatible store, as the original's console.
    ['srcRegion', f.sourceKind === 'Google_GCS' || f.sourceKind === 'Amazon_S3_Compatible' ? '' : f.srcRegion.trim()],
    ['srcInCurrentAccount', srcInAccount],
    ['srcCredentials', srcCredentials],
    ['destBucket', f.destBucket.trim()],
    ['destPrefix', f.destPrefix],
    ['destStorageClass', f.destStorageClass],
    ['destRegion', f.destRegion.trim()],
    ['destInCurrentAccount', destInAccount],
    ['destCredentials', destInAccount === 'false' ? f.destCredentials : ''],
    ['includeMetadata', f.includeMetadata],
    ['isPayerRequest', srcCredentials ? f.isPayerRequest : 'false'],
    ['destPutObjectSSEType', f.destPutObjectSSEType],
    ['destPutObjectSSEKmsKeyId', f.destPutObjectSSEType === 'AWS_KMS' ? f.destPutObjectSSEKmsKeyId.trim() : ''],
    ['destAcl', f.destAcl],
    ['ec2CronExpression', cronOf(common.schedule)],
    ['maxCapacity', f.maxCapacity.trim()],
    ['minCapacity', f.minCapacity.trim()],
    ['desiredCapacity', f.desiredCapacity.trim()],
    ['srcSkipCompare', f.srcSkipCompare],
    ['finderDepth', f.finderDepth.trim()],
    ['finderNumber', f.finderNumber.trim()],
    ['finderEc2Memory', f.finderEc2Memory],
    ['workerNumber', f.workerNumber.trim()],
    ['alarmEmail', common.alarmEmail.trim()],
  ];
  // This project's additions, sent only when used.
  for (const [key, value] of [
    ['srcPrefixListBucket', f.transferType === 'MultiplePrefix' ? f.srcPrefixListBucket.trim() : ''],
    ['destEndpoint', f.destEndpoint.trim()],
    ['include', f.include.trim()],
    ['exclude', f.exclude.trim()],
    ['bandwidthLimit', f.bandwidthLimit.trim()],
  ] as const) {
    if (value) entries.push([key, value]);
  }
  return list(entries);
}

export function ecrParameters(f: EcrForm, common: CommonForm): TaskParameter[] {
  const ecrSource = f.sourceType === 'Amazon_ECR';
  const srcInAccount = ecrSource && f.srcInCurrentAccount === 'true';
  const ecrDest = f.destKind === 'Amazon_ECR';
  const destInAccount = ecrDest && f.destInCurrentAccount === 'true';
  const entries: [string, string][] = [
    ['sourceType', f.sourceType],
    ['srcRegion', ecrSource ? f.srcRegion.trim() : ''],
    ['srcAccountId', ecrSource && !srcInAccount ? f.srcAccountId.trim() : ''],
    ['srcList', f.srcList],
    ['includeUntagged', f.includeUntagged],
    ['srcImageList', f.srcList === 'SELECTED' ? f.srcImageList.trim() : ''],
    ['srcCredential', srcInAccount ? '' : f.srcCredential],
    ['destAccountId', ecrDest && !destInAccount ? f.destAccountId.trim() : ''],
    ['destRegion', ecrDest ? f.destRegion.trim() : ''],
    ['destCredential', destInAccount ? '' : f.destCredential],
    ['destPrefix', f.destPrefix.trim()],
    ['alarmEmail', common.alarmEmail.trim()],
  ];
  if (!ecrSource && f.srcRegistry.trim()) entries.push(['srcRegistry', f.srcRegistry.trim()]);
  // Image tasks run daily when fixed-rate (the plugin's rule); no expression is sent, as the original's console.
  if (!ecrDest) entries.push(['destRegistry', f.destRegistry.trim()]);
  if (f.insecure === 'true') entries.push(['insecure', 'true']);
  return list(entries);
}

export function createInput(state: WizardState): CreateTaskInput {
  const { type, common } = state;
  return {
    type,
    description: common.description,
    scheduleType: common.schedule.kind === 'ONE_TIME' ? 'ONE_TIME' : 'FIXED_RATE',
    parameters: type === 'S3EC2' ? s3Parameters(state.s3, common) : ecrParameters(state.ecr, common),
  };
}

/** A stored yes/no value as the engines read it (true|yes|1, false|no|0, any case: booleanOf). */
const yesNo = (v: string | undefined, fallback: YesNo): YesNo => {
  const yes = booleanOf(v ?? '');
  return yes === undefined ? fallback : yes ? 'true' : 'false';
};

/** What the engine ran when a task omits a parameter: the schema's default (not the console's pre-filled choice). */
const engineDefault = (type: 'S3EC2' | 'ECR', name: string): string =>
  (type === 'S3EC2' ? S3_PARAMETERS : ECR_PARAMETERS).find((x) => x.name === name)?.default ?? '';

/**
 * The value one of the wizard's fields takes, with the fields that follow it. An S3-compatible destination
 * (destEndpoint) gets the store's own storage class and ACL unless the user picks one — many stores refuse
 * INTELLIGENT_TIERING and ACL headers, and the API sends them only when given: giving an endpoint moves untouched
 * AWS defaults to "the store's default" (blank); clearing it brings the AWS defaults back.
 */
export function withS3Field(f: S3Form, key: keyof S3Form, value: string): S3Form {
  const next = { ...f, [key]: value } as S3Form;
  if (key !== 'destEndpoint' || Boolean(f.destEndpoint.trim()) === Boolean(value.trim())) return next;
  if (value.trim()) {
    if (next.destStorageClass === DEFAULT_S3.destStorageClass) next.destStorageClass = '';
    if (next.destAcl === DEFAULT_S3.destAcl) next.destAcl = '';
  } else {
    if (!next.destStorageClass) next.destStorageClass = DEFAULT_S3.destStorageClass;
    if (!next.destAcl) next.destAcl = DEFAULT_S3.destAcl;
  }
  return next;
}

/** The wizard's fields that follow one another when the image source changes: a public registry has no "all images". */
export function withEcrField(f: EcrForm, key: keyof EcrForm, value: string): EcrForm {
  const next = { ...f, [key]: value } as EcrForm;
  if (key === 'sourceType' && value === 'Public' && next.srcList === 'ALL') next.srcList = 'SELECTED';
  return next;
}

/** Fills the wizard from an existing task (the original's Clone): same choices, a new task. */
export function stateFromTask(task: Task): WizardState {
  const p = Object.fromEntries((task.parameters ?? []).map((x) => [x.ParameterKey, x.ParameterValue ?? '']));
  const state = initialState();
  state.type = task.type;
  state.common = {
    description: task.description ?? '',
    alarmEmail: p.alarmEmail ?? '',
    // A fixed-rate task without an expression runs at the plugin's default (hourly finder, daily image copy).
    schedule:
      task.scheduleType === 'ONE_TIME'
        ? { ...DEFAULT_SCHEDULE, kind: 'ONE_TIME' }
        : p.ec2CronExpression || p.scheduleExpression
          ? scheduleOf(p.ec2CronExpression, p.scheduleExpression)
          : { ...DEFAULT_SCHEDULE },
  };
  if (task.type === 'S3EC2') {
    const legacySse =
      p.destSSE === 'AES256' ? 'AES256' : p.destSSE === 'KMS' || p.destSSE === 'aws:kms' ? 'AWS_KMS' : undefined;
    const sse = (p.destPutObjectSSEType || legacySse || 'None') as S3Form['destPutObjectSSEType'];
    // Before: a task with srcEndpoint and no srcType (the original's default, Amazon_S3) cloned as plain Amazon S3.
    const kind = sourceKindOf(task) as S3Form['sourceKind'];
    state.s3 = {
      ...DEFAULT_S3,
      sourceKind: kind,
      transferType: p.srcPrefixsListFile ? 'MultiplePrefix' : p.srcPrefix ? 'SinglePrefix' : 'FullBucket',
      srcBucket: p.srcBucket ?? '',
      srcPrefix: p.srcPrefix ?? '',
      srcPrefixsListFile: p.srcPrefixsListFile ?? '',
      srcPrefixListBucket: p.srcPrefixListBucket ?? '',
      srcRegion: p.srcRegion ?? '',
      srcEndpoint: p.srcEndpoint ?? '',
      srcInCurrentAccount: yesNo(p.srcInCurrentAccount, 'false'),
      srcCredentials: p.srcCredentials ?? '',
      srcEvent: (['Create', 'CreateAndDelete'].includes(p.srcEvent) ? p.srcEvent : 'No') as S3Form['srcEvent'],
      srcSkipCompare: yesNo(p.srcSkipCompare, 'false'),
      isPayerRequest: yesNo(p.isPayerRequest, 'false'),
      destBucket: p.destBucket ?? '',
      destPrefix: p.destPrefix ?? '',
      destRegion: p.destRegion ?? '',
      destEndpoint: p.destEndpoint ?? '',
      // A destination credential implies "not in this account" for tasks created by other clients.
      destInCurrentAccount: yesNo(p.destInCurrentAccount, p.destCredentials ? 'false' : 'true'),
      destCredentials: p.destCredentials ?? '',
      // An S3-compatible destination without them ran with the store's defaults: keep that (blank), not the AWS ones.
      destStorageClass: p.destStorageClass || (p.destEndpoint ? '' : DEFAULT_S3.destStorageClass),
      destAcl: p.destAcl || (p.destEndpoint ? '' : DEFAULT_S3.destAcl),
      destPutObjectSSEType: sse,
      destPutObjectSSEKmsKeyId: p.destPutObjectSSEKmsKeyId || p.destKMSKey || '',
      includeMetadata: yesNo(p.includeMetadata, engineDefault('S3EC2', 'includeMetadata') as YesNo),
      include: p.include ?? '',
      exclude: p.exclude ?? '',
      maxCapacity: p.maxCapacity || DEFAULT_S3.maxCapacity,
      minCapacity: p.minCapacity || DEFAULT_S3.minCapacity,
      desiredCapacity: p.desiredCapacity || DEFAULT_S3.desiredCapacity,
      workerNumber: p.workerNumber || DEFAULT_S3.workerNumber,
      bandwidthLimit: p.bandwidthLimit ?? '',
      finderDepth: p.finderDepth || DEFAULT_S3.finderDepth,
      finderNumber: p.finderNumber || DEFAULT_S3.finderNumber,
      finderEc2Memory: p.finderEc2Memory || DEFAULT_S3.finderEc2Memory,
    };
    // A credential on the source of an Amazon S3 task means it is not in this account (tasks from other clients).
    if (kind === 'Amazon_S3' && p.srcInCurrentAccount === undefined)
      state.s3.srcInCurrentAccount = p.srcCredentials ? 'false' : 'true';
  } else {
    const ecrDest = !p.destRegistry;
    state.ecr = {
      ...DEFAULT_ECR,
      sourceType: p.sourceType === 'Public' ? 'Public' : 'Amazon_ECR',
      srcRegion: p.srcRegion ?? '',
      srcInCurrentAccount: p.srcAccountId ? 'false' : 'true',
      srcAccountId: p.srcAccountId ?? '',
      srcCredential: p.srcCredential ?? '',
      srcRegistry: p.srcRegistry ?? '',
      // Omitted: the engine's defaults (ALL for an ECR source, SELECTED for a public one; includeUntagged true).
      srcList:
        p.srcList === 'ALL' || p.srcList === 'SELECTED' ? p.srcList : p.sourceType === 'Public' ? 'SELECTED' : 'ALL',
      srcImageList: p.srcImageList ?? '',
      includeUntagged: yesNo(p.includeUntagged, engineDefault('ECR', 'includeUntagged') as YesNo),
      destKind: ecrDest ? 'Amazon_ECR' : 'Registry',
      destRegion: p.destRegion ?? '',
      destInCurrentAccount: p.destAccountId ? 'false' : 'true',
      destAccountId: p.destAccountId ?? '',
      destCredential: p.destCredential ?? '',
      destRegistry: p.destRegistry ?? '',
      destPrefix: p.destPrefix ?? '',
      insecure: yesNo(p.insecure, 'false'),
    };
  }
  return state;
}
