/**
 * Wizard form state → task parameters, validated with the very parsers the API and the engines use,
 * so an error shows inline on the field the API would name.
 */
import { InvalidParameterError } from '../../worker/core/errors.js';
import { parseEcrTaskParams } from '../../worker/ecr/params.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { parseSchedule } from '../../control-plane/core/validate-task.js';

export interface S3Form {
  srcType: string; srcBucket: string; srcPrefix: string; srcPrefixsListFile: string; srcRegion: string; srcEndpoint: string;
  srcCredentials: string; srcSkipCompare: boolean; isPayerRequest: boolean;
  destBucket: string; destPrefix: string; destRegion: string; destEndpoint: string; destCredentials: string;
  destStorageClass: string; destAcl: string; destSSE: string; destKMSKey: string; includeMetadata: boolean;
  include: string; exclude: string; minCapacity: string; desiredCapacity: string; maxCapacity: string; alarmEmail: string;
}

export interface EcrForm {
  sourceType: string; srcList: string; srcImageList: string; srcRegion: string; srcAccountId: string; srcCredential: string; srcRegistry: string;
  destRegion: string; destAccountId: string; destCredential: string; destRegistry: string; destPrefix: string; includeUntagged: boolean; insecure: boolean;
}

export interface CommonForm {
  description: string;
  scheduleType: 'ONE_TIME' | 'FIXED_RATE';
  scheduleExpression: string;
}

export const EMPTY_S3: S3Form = {
  srcType: 'Amazon_S3', srcBucket: '', srcPrefix: '', srcPrefixsListFile: '', srcRegion: 'us-east-1', srcEndpoint: '', srcCredentials: '',
  srcSkipCompare: false, isPayerRequest: false, destBucket: '', destPrefix: '', destRegion: 'us-east-1', destEndpoint: '', destCredentials: '',
  destStorageClass: 'STANDARD', destAcl: '', destSSE: 'None', destKMSKey: '', includeMetadata: true, include: '', exclude: '',
  minCapacity: '1', desiredCapacity: '1', maxCapacity: '10', alarmEmail: '',
};

export const EMPTY_ECR: EcrForm = {
  sourceType: 'Public', srcList: 'SELECTED', srcImageList: '', srcRegion: '', srcAccountId: '', srcCredential: '', srcRegistry: '',
  destRegion: '', destAccountId: '', destCredential: '', destRegistry: '', destPrefix: '', includeUntagged: false, insecure: false,
};

export type Parameters = { ParameterKey: string; ParameterValue: string }[];

function toParameters(values: Record<string, string | boolean>): Parameters {
  return Object.entries(values)
    .filter(([, v]) => v !== '' && v !== undefined)
    .map(([k, v]) => ({ ParameterKey: k, ParameterValue: String(v) }));
}

export function s3Parameters(form: S3Form, common: CommonForm): Parameters {
  const { minCapacity, desiredCapacity, maxCapacity, alarmEmail, ...engine } = form;
  return toParameters({
    ...engine,
    ...(common.scheduleType === 'FIXED_RATE' ? { scheduleExpression: common.scheduleExpression } : {}),
    minCapacity, desiredCapacity, maxCapacity, alarmEmail,
  });
}

export function ecrParameters(form: EcrForm, common: CommonForm): Parameters {
  return toParameters({ ...form, ...(common.scheduleType === 'FIXED_RATE' ? { scheduleExpression: common.scheduleExpression } : {}) });
}

const CAPACITY = /^\d{1,3}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Field → message for every problem found (the first per field). */
export function validate(type: 'S3EC2' | 'ECR', params: Parameters): Record<string, string> {
  const raw = Object.fromEntries(params.map((p) => [p.ParameterKey, p.ParameterValue]));
  const errors: Record<string, string> = {};
  try {
    if (type === 'S3EC2') parseS3TaskParams(raw);
    else parseEcrTaskParams(raw);
  } catch (err) {
    if (err instanceof InvalidParameterError) errors[err.field] = err.message;
    else throw err;
  }
  if (raw.scheduleExpression !== undefined) {
    try { parseSchedule(raw.scheduleExpression); } catch (err) { if (err instanceof InvalidParameterError) errors.scheduleExpression = err.message; }
  }
  if (type === 'S3EC2') {
    for (const f of ['minCapacity', 'desiredCapacity', 'maxCapacity']) if (raw[f] && !CAPACITY.test(raw[f])) errors[f] = `${f}: must be a whole number`;
    if (Number(raw.minCapacity) > Number(raw.maxCapacity)) errors.maxCapacity = 'maxCapacity: must be at least minCapacity';
    if (raw.alarmEmail && !EMAIL.test(raw.alarmEmail)) errors.alarmEmail = 'alarmEmail: is not an email address';
  }
  return errors;
}
