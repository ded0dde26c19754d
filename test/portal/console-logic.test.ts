/**
 * The console's pure parts, without a browser: strings in both languages, the field table against the parameter
 * schema, the parameter lists the wizard sends (checked by the API's own validator), the schedule builder, Clone,
 * validation messages, sign-in configuration, the wire encoding and the log line parser.
 */
import { describe, expect, it } from 'vitest';
import { validateCreateTask } from '../../control-plane/core/validate-task.js';
import { parseSchedule } from '../../worker/core/schedule.js';
import {
  ECR_PARAMETERS,
  humanName,
  S3_PARAMETERS,
  specIndex,
  templateParameterNames,
} from '../../worker/params/index.js';
import { apiErrorOf, createLocalApi } from '../../portal/src/api/client.js';
import { decodeGetTask, encodeParameters } from '../../portal/src/api/wire.js';
import type { Task } from '../../portal/src/api/types.js';
import { amplifyConfigOf, oidcRedirectUrl, oidcSettingsOf, parsePortalConfig } from '../../portal/src/auth/config.js';
import { en } from '../../portal/src/i18n/en.js';
import { translate } from '../../portal/src/i18n/index.js';
import { zh } from '../../portal/src/i18n/zh.js';
import { formatBytes, formatEta, formatRate, toDate } from '../../portal/src/lib/format.js';
import { dashboardUrl, percentDone, sourceKindOf, sourceName, taskEnds } from '../../portal/src/lib/task-view.js';
import { byteTick, countTick } from '../../portal/src/pages/task-detail/metric-charts.js';
import { progressText } from '../../portal/src/pages/tasks/columns.js';
import { ECR_FIELDS, labelOf, S3_FIELDS } from '../../portal/src/pages/create-task/fields.js';
import {
  apiRefusal,
  humanApiMessage,
  problemTexts,
  stepErrors,
  stepProblems,
} from '../../portal/src/pages/create-task/validation.js';
import { regionOptions, regionsFor } from '../../portal/src/pages/create-task/regions.js';
import { hrefOf, parseRoute } from '../../portal/src/app/routes.js';
import { userOfClaims } from '../../portal/src/auth/session.js';
import { locate, STEP } from '../../portal/src/pages/create-task/layout.js';
import {
  createInput,
  cronOf,
  initialState,
  s3Parameters,
  scheduleOf,
  stateFromTask,
  withEcrField,
  withS3Field,
} from '../../portal/src/pages/create-task/parameters.js';
import type { WizardState } from '../../portal/src/pages/create-task/types.js';
import { parseLogEvent } from '../../portal/src/pages/task-detail/log-browser.js';
import {
  nextScheduledRun,
  parameterValue,
  scheduleText,
  shownFields,
} from '../../portal/src/pages/task-detail/parameter-pairs.js';
import { pickEncoding } from '../../control-plane/local/static-files.js';

const local = { local: true };
const cloud = { local: false };

/** A filled-in S3 wizard as a user would leave it. */
function s3State(patch: Partial<WizardState['s3']> = {}, common: Partial<WizardState['common']> = {}): WizardState {
  const s = initialState();
  s.s3 = {
    ...s.s3,
    srcBucket: 'src-bucket',
    srcRegion: 'us-west-2',
    destBucket: 'dest-bucket',
    destRegion: 'cn-north-1',
    destInCurrentAccount: 'false',
    destCredentials: 'china-keys',
    ...patch,
  };
  s.common = { ...s.common, alarmEmail: 'ops@example.com', ...common };
  return s;
}

function ecrState(patch: Partial<WizardState['ecr']> = {}): WizardState {
  const s = initialState();
  s.type = 'ECR';
  s.ecr = {
    ...s.ecr,
    srcRegion: 'us-west-2',
    srcInCurrentAccount: 'true',
    srcList: 'SELECTED',
    srcImageList: 'nginx:1.27\nredis',
    destRegion: 'cn-north-1',
    destAccountId: '123456789012',
    destCredential: 'cn-ecr',
    ...patch,
  };
  s.common.alarmEmail = 'ops@example.com';
  return s;
}

/** What the API's validator says about the wizard's output, as the cloud would check it (template declarations on). */
function apiAccepts(state: WizardState) {
  const input = createInput(state);
  return validateCreateTask(input, {
    urlDecode: false,
    templateDeclares: templateParameterNames,
    s3EventNotifications: true,
  });
}

/** Whether the wizard (source and destination steps) and the API each refuse a state: the two must agree. */
function verdicts(state: WizardState): { consoleRefuses: boolean; apiRefuses: boolean } {
  const consoleRefuses =
    Object.keys({
      ...stepErrors(state, STEP.source, local, 'en'),
      ...stepErrors(state, STEP.destination, local, 'en'),
    }).length > 0;
  try {
    apiAccepts(state);
    return { consoleRefuses, apiRefuses: false };
  } catch {
    return { consoleRefuses, apiRefuses: true };
  }
}

const asTask = (state: WizardState, extra: Partial<Task> = {}): Task => {
  const input = createInput(state);
  return {
    id: 't1',
    type: input.type,
    scheduleType: input.scheduleType,
    description: input.description,
    parameters: input.parameters,
    ...extra,
  };
};

describe('console strings', () => {
  it('has every string in English and Chinese, and translates statuses, headers and validation messages', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const [k, v] of Object.entries(zh)) expect(v.trim(), k).not.toBe('');
    for (const k of [
      'statusDONE',
      'statusIN_PROGRESS',
      'colStatus',
      'colSource',
      'vRequired',
      'chartObjects',
      'seriesTransferredObjects',
    ] as const) {
      expect(zh[k], k).not.toBe(en[k]);
      expect(zh[k], k).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('keeps every placeholder of a string in its translation', () => {
    const holes = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const k of Object.keys(en) as (keyof typeof en)[]) expect(holes(zh[k]), k).toEqual(holes(en[k]));
  });
});

describe('field table and the parameter schema', () => {
  it("labels every parameter field with the schema's label, in both languages", () => {
    for (const [table, schema] of [
      [S3_FIELDS, S3_PARAMETERS],
      [ECR_FIELDS, ECR_PARAMETERS],
    ] as const) {
      const index = specIndex(schema);
      for (const def of Object.values(table)) {
        const spec = index.get(def!.key)?.spec;
        if (
          !spec ||
          (def!.key === 'srcInCurrentAccount' && table === ECR_FIELDS) ||
          (def!.key === 'destInCurrentAccount' && table === ECR_FIELDS)
        )
          continue;
        expect(def!.label, def!.key).toEqual(spec.label);
        expect(def!.description, def!.key).toEqual(spec.help);
      }
    }
  });

  it("offers all seven ACLs, the original's first, and every storage class and encryption type of the schema", () => {
    expect(S3_FIELDS.destAcl!.options!.map((o) => o.value)).toEqual([
      'bucket-owner-full-control',
      'private',
      'public-read',
      'public-read-write',
      'authenticated-read',
      'aws-exec-read',
      'bucket-owner-read',
    ]);
    expect(S3_FIELDS.destStorageClass!.options!.map((o) => o.value)).toEqual(
      expect.arrayContaining(['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING']),
    );
    expect(S3_FIELDS.destPutObjectSSEType!.options!.map((o) => o.value)).toEqual(['None', 'AES256', 'AWS_KMS']);
    expect(S3_FIELDS.srcEvent!.options!.map((o) => o.value)).toEqual(['No', 'Create', 'CreateAndDelete']);
  });

  it('names parameters in human words, never by key', () => {
    expect(labelOf('S3EC2', 'srcBucket', 'en')).toBe('Source bucket');
    expect(labelOf('S3EC2', 'srcBucket', 'zh')).toBe('源存储桶');
    expect(labelOf('S3EC2', 'destSSE', 'en')).toBe(labelOf('S3EC2', 'destPutObjectSSEType', 'en')); // an older alias
    expect(labelOf('ECR', 'destAccountId', 'en')).toBe('Destination account ID');
    expect(labelOf('S3EC2', 'ec2CronExpression', 'en')).toBe('Task scheduling');
  });
});

describe('what the wizard sends', () => {
  it('starts the image wizard\'s source and destination at "not in this account", as the original, and then asks for the account', () => {
    // Before: the source started at Yes, hiding the account id and credentials the original asks for first.
    const s = initialState();
    expect([s.ecr.srcInCurrentAccount, s.ecr.destInCurrentAccount]).toEqual(['false', 'false']);
    s.type = 'ECR';
    s.ecr = { ...s.ecr, srcRegion: 'us-west-2', srcList: 'ALL' };
    expect(stepErrors(s, STEP.source, local, 'en')).toHaveProperty('srcAccountId');
    s.ecr.srcAccountId = '111122223333';
    expect(stepErrors(s, STEP.source, local, 'en')).not.toHaveProperty('srcAccountId');
    expect(createInput(s).parameters).toContainEqual({ ParameterKey: 'srcAccountId', ParameterValue: '111122223333' });
  });

  it("sends the original console's S3 list, in its order, which the API (and the plugin template) accepts", () => {
    const input = createInput(s3State());
    expect(input.parameters.map((p) => p.ParameterKey)).toEqual([
      'srcType',
      'srcEndpoint',
      'srcBucket',
      'srcPrefix',
      'srcPrefixsListFile',
      'srcEvent',
      'srcRegion',
      'srcInCurrentAccount',
      'srcCredentials',
      'destBucket',
      'destPrefix',
      'destStorageClass',
      'destRegion',
      'destInCurrentAccount',
      'destCredentials',
      'includeMetadata',
      'isPayerRequest',
      'destPutObjectSSEType',
      'destPutObjectSSEKmsKeyId',
      'destAcl',
      'ec2CronExpression',
      'maxCapacity',
      'minCapacity',
      'desiredCapacity',
      'srcSkipCompare',
      'finderDepth',
      'finderNumber',
      'finderEc2Memory',
      'workerNumber',
      'alarmEmail',
    ]);
    const p = Object.fromEntries(input.parameters.map((x) => [x.ParameterKey, x.ParameterValue]));
    expect(p).toMatchObject({
      srcType: 'Amazon_S3',
      srcInCurrentAccount: 'false',
      destInCurrentAccount: 'false',
      destStorageClass: 'INTELLIGENT_TIERING',
      destAcl: 'bucket-owner-full-control',
      destPutObjectSSEType: 'None',
      includeMetadata: 'false',
      ec2CronExpression: '0 */1 ? * * *',
      srcEvent: 'No',
    });
    expect(input.scheduleType).toBe('FIXED_RATE');
    expect(apiAccepts(s3State()).engine.type).toBe('S3EC2');
  });

  it('maps every source choice as the original did, and the API accepts each', () => {
    const cases: [Partial<WizardState['s3']>, Record<string, string>][] = [
      [
        { sourceKind: 'Amazon_S3', srcInCurrentAccount: 'true', srcEvent: 'Create', srcCredentials: 'ignored' },
        { srcType: 'Amazon_S3', srcInCurrentAccount: 'true', srcCredentials: '', srcEvent: 'Create' },
      ],
      [
        { sourceKind: 'Amazon_S3', srcInCurrentAccount: 'false', srcCredentials: 'keys', isPayerRequest: 'true' },
        { srcInCurrentAccount: 'false', srcCredentials: 'keys', isPayerRequest: 'true', srcEvent: 'No' },
      ],
      [
        { sourceKind: 'Amazon_S3', srcInCurrentAccount: 'false', srcCredentials: '', isPayerRequest: 'true' },
        { srcCredentials: '', isPayerRequest: 'false' },
      ],
      [
        { sourceKind: 'Amazon_S3_Compatible', srcEndpoint: 'https://minio.example.com:9000', srcCredentials: 'minio' },
        { srcType: 'Amazon_S3', srcEndpoint: 'https://minio.example.com:9000', srcRegion: '' },
      ],
      [
        { sourceKind: 'Aliyun_OSS', srcRegion: 'cn-hangzhou', srcCredentials: 'oss' },
        { srcType: 'Aliyun_OSS', srcRegion: 'cn-hangzhou', srcEndpoint: '', srcInCurrentAccount: 'false' },
      ],
      [
        { sourceKind: 'Tencent_COS', srcRegion: 'ap-guangzhou', srcCredentials: 'cos' },
        { srcType: 'Tencent_COS', srcRegion: 'ap-guangzhou' },
      ],
      [
        { sourceKind: 'Qiniu_Kodo', srcRegion: 'cn-east-1', srcCredentials: 'kodo' },
        { srcType: 'Qiniu_Kodo', srcRegion: 'cn-east-1' },
      ],
      [
        { sourceKind: 'Google_GCS', srcCredentials: 'gcs' },
        { srcType: 'Google_GCS', srcRegion: '' },
      ],
      [
        { transferType: 'SinglePrefix', srcPrefix: 'logs/2024/', srcPrefixsListFile: 'stale.txt' },
        { srcPrefix: 'logs/2024/', srcPrefixsListFile: '' },
      ],
      [
        { transferType: 'MultiplePrefix', srcPrefix: 'stale/', srcPrefixsListFile: 'my_prefix_list.txt' },
        { srcPrefix: '', srcPrefixsListFile: 'my_prefix_list.txt' },
      ],
      [
        { destPutObjectSSEType: 'AWS_KMS', destPutObjectSSEKmsKeyId: 'alias/dth' },
        { destPutObjectSSEType: 'AWS_KMS', destPutObjectSSEKmsKeyId: 'alias/dth' },
      ],
      [{ destPutObjectSSEType: 'AES256', destPutObjectSSEKmsKeyId: 'left-over' }, { destPutObjectSSEKmsKeyId: '' }],
      [
        {
          destAcl: 'public-read',
          destStorageClass: 'STANDARD_IA',
          destInCurrentAccount: 'true',
          destCredentials: 'ignored',
        },
        { destAcl: 'public-read', destCredentials: '', destInCurrentAccount: 'true' },
      ],
    ];
    for (const [patch, expected] of cases) {
      const state = s3State(patch, patch.srcEvent && patch.srcEvent !== 'No' ? {} : {});
      const p = Object.fromEntries(createInput(state).parameters.map((x) => [x.ParameterKey, x.ParameterValue]));
      expect(p, JSON.stringify(patch)).toMatchObject(expected);
      expect(() => apiAccepts(state), JSON.stringify(patch)).not.toThrow();
    }
  });

  it("sends the original's image list, plus a registry only when one is used, and the API accepts it", () => {
    const input = createInput(ecrState());
    expect(input.parameters.map((p) => p.ParameterKey)).toEqual([
      'sourceType',
      'srcRegion',
      'srcAccountId',
      'srcList',
      'includeUntagged',
      'srcImageList',
      'srcCredential',
      'destAccountId',
      'destRegion',
      'destCredential',
      'destPrefix',
      'alarmEmail',
    ]);
    expect(() => apiAccepts(ecrState())).not.toThrow();
    const publicToRegistry = ecrState({
      sourceType: 'Public',
      srcRegistry: 'ghcr.io',
      destKind: 'Registry',
      destRegistry: 'registry.example.com:5000',
      destCredential: 'reg',
    });
    const p = Object.fromEntries(
      createInput(publicToRegistry).parameters.map((x) => [x.ParameterKey, x.ParameterValue]),
    );
    expect(p).toMatchObject({
      sourceType: 'Public',
      srcRegion: '',
      srcAccountId: '',
      srcRegistry: 'ghcr.io',
      destRegistry: 'registry.example.com:5000',
      destRegion: '',
      destAccountId: '',
    });
    expect(() => apiAccepts(publicToRegistry)).not.toThrow();
  });

  it("builds the original's schedules, each one the hub can run", () => {
    const forms = [
      [{ kind: 'FIXED_RATE', every: '5', unit: 'minutes', cron: '' }, '*/5 * * * ? *'],
      [{ kind: 'FIXED_RATE', every: '2', unit: 'hours', cron: '' }, '0 */2 ? * * *'],
      [{ kind: 'FIXED_RATE', every: '3', unit: 'days', cron: '' }, '0 0 */3 * ? *'],
      [{ kind: 'CRON', every: '1', unit: 'hours', cron: '0/30 * * * ? *' }, '0/30 * * * ? *'],
      [{ kind: 'ONE_TIME', every: '1', unit: 'hours', cron: '' }, ''],
    ] as const;
    for (const [form, cron] of forms) {
      expect(cronOf(form)).toBe(cron);
      if (cron) expect(() => parseSchedule(cron)).not.toThrow();
      expect(scheduleOf(cron).kind).toBe(form.kind);
    }
    expect(scheduleOf('', 'rate(30 minutes)')).toMatchObject({ kind: 'FIXED_RATE', every: '30', unit: 'minutes' });
    // A rate in ec2CronExpression (the API takes it) reads as the builder's fixed rate (before: a typed cron, shown
    // as "rate(1 hour)"); one the builder cannot step stays as typed.
    expect(scheduleOf('rate(1 hour)')).toMatchObject({ kind: 'FIXED_RATE', every: '1', unit: 'hours' });
    expect(scheduleOf('rate(90 minutes)')).toMatchObject({ kind: 'CRON', cron: 'rate(90 minutes)' });
    expect(
      createInput(s3State({}, { schedule: { kind: 'ONE_TIME', every: '1', unit: 'hours', cron: '' } })).scheduleType,
    ).toBe('ONE_TIME');
  });

  it('refuses at the step what the API refuses at Create: a space in an endpoint host, credentials in it, a registry port over 65535', () => {
    for (const srcEndpoint of ['http://exa mple.com', 'http://user:pw@127.0.0.1:9000']) {
      const state = s3State({ sourceKind: 'Amazon_S3_Compatible', srcEndpoint, srcCredentials: 'minio' });
      expect(stepErrors(state, STEP.source, local, 'en').srcEndpoint, srcEndpoint).toBeDefined();
      expect(() => apiAccepts(state), srcEndpoint).toThrow(/srcEndpoint/);
    }
    expect(
      stepErrors(
        s3State({ sourceKind: 'Amazon_S3_Compatible', srcEndpoint: 'http://u:p@127.0.0.1:9000', srcCredentials: 'm' }),
        STEP.source,
        local,
        'en',
      ).srcEndpoint,
    ).toBe('Source endpoint URL must not carry a user name or password: the keys go in a secret');
    for (const [srcRegistry, refused] of [
      ['127.0.0.1:99999', true],
      ['127.0.0.1:65536', true],
      ['127.0.0.1:0', true],
      ['127.0.0.1:65535', false],
      ['registry.example.com:5000', false],
      // Not a host name (before: taken, then failed as unreachable).
      ['registry..example.com', true],
      ['-registry.example.com', true],
      ['registry-.example.com:5000', true],
      ['localhost:5000', false],
    ] as const) {
      const state = ecrState({ sourceType: 'Public', srcRegistry, srcList: 'SELECTED', srcImageList: 'team/app:v1' });
      expect(stepErrors(state, STEP.source, local, 'en').srcRegistry !== undefined, srcRegistry).toBe(refused);
      if (refused) expect(() => apiAccepts(state), srcRegistry).toThrow(/srcRegistry/);
    }
  });

  it('takes a bandwidth limit on the settings step as the API does: a size, sent only when given, cloned back', () => {
    const errorsOf = (bandwidthLimit: string) =>
      stepErrors(s3State({ bandwidthLimit }), STEP.settings, local, 'en').bandwidthLimit;
    expect(errorsOf('')).toBeUndefined();
    expect(errorsOf('50MiB')).toBeUndefined();
    expect(errorsOf('fast')).toBe('Bandwidth limit per worker must be a size, e.g. 50MiB');
    expect(errorsOf('10')).toBe('Bandwidth limit per worker must be between 65536 and 107374182400');
    // The wizard and the API agree on each.
    for (const v of ['50MiB', 'fast', '10']) {
      const state = s3State({ bandwidthLimit: v });
      const consoleRefuses = stepErrors(state, STEP.settings, local, 'en').bandwidthLimit !== undefined;
      let apiRefuses = false;
      try {
        apiAccepts(state);
      } catch {
        apiRefuses = true;
      }
      expect(apiRefuses, v).toBe(consoleRefuses);
    }
    const names = (state: WizardState) => createInput(state).parameters.map((p) => p.ParameterKey);
    expect(names(s3State())).not.toContain('bandwidthLimit');
    const limited = createInput(s3State({ bandwidthLimit: '50MiB' }));
    expect(limited.parameters).toContainEqual({ ParameterKey: 'bandwidthLimit', ParameterValue: '50MiB' });
    const task = { type: 'S3EC2', parameters: limited.parameters } as unknown as Task;
    expect(stateFromTask(task).s3.bandwidthLimit).toBe('50MiB');
  });

  it('clones a task back into the same wizard choices', () => {
    const states = [
      s3State(
        {
          sourceKind: 'Amazon_S3_Compatible',
          srcEndpoint: 'https://minio.example.com',
          srcCredentials: 'minio',
          transferType: 'SinglePrefix',
          srcPrefix: 'a/b/',
          destPutObjectSSEType: 'AWS_KMS',
          destPutObjectSSEKmsKeyId: 'k1',
          destAcl: 'private',
          include: '*.csv',
          srcSkipCompare: 'true',
        },
        { description: 'nightly', schedule: { kind: 'FIXED_RATE', every: '6', unit: 'hours', cron: '' } },
      ),
      // A prefix list in a bucket of this account (the original's console sent its central bucket).
      s3State({
        transferType: 'MultiplePrefix',
        srcPrefixsListFile: 'lists/p.txt',
        srcPrefixListBucket: 'central-bkt',
      }),
      s3State(
        { sourceKind: 'Amazon_S3', srcInCurrentAccount: 'true', srcEvent: 'CreateAndDelete' },
        { schedule: { kind: 'CRON', every: '1', unit: 'hours', cron: '0 3 ? * MON-FRI *' } },
      ),
      ecrState({
        sourceType: 'Public',
        srcRegistry: 'quay.io',
        destKind: 'Registry',
        destRegistry: 'reg.local:5000',
        destCredential: 'r',
        destPrefix: 'mirror',
      }),
    ];
    for (const state of states) {
      const again = stateFromTask(asTask(state));
      expect(createInput(again)).toEqual(createInput(state));
    }
    expect(createInput(states[1]).parameters).toEqual(
      expect.arrayContaining([
        { ParameterKey: 'srcPrefixsListFile', ParameterValue: 'lists/p.txt' },
        { ParameterKey: 'srcPrefixListBucket', ParameterValue: 'central-bkt' },
      ]),
    );
    // Its own rule: a bucket name of Amazon S3, checked on the Source step.
    expect(
      stepErrors(
        s3State({ transferType: 'MultiplePrefix', srcPrefixsListFile: 'p', srcPrefixListBucket: 'a..b' }),
        STEP.source,
        local,
        'en',
      ).srcPrefixListBucket,
    ).toMatch(/3–63 lowercase/);
  });

  it('clones tasks made by the CLI or an older console (rate schedules, destSSE, S3_Compatible)', () => {
    const task: Task = {
      id: 'x',
      type: 'S3EC2',
      scheduleType: 'FIXED_RATE',
      parameters: [
        { ParameterKey: 'srcType', ParameterValue: 'S3_Compatible' },
        { ParameterKey: 'srcEndpoint', ParameterValue: 'http://127.0.0.1:9000' },
        { ParameterKey: 'srcBucket', ParameterValue: 'a' },
        { ParameterKey: 'destBucket', ParameterValue: 'b' },
        { ParameterKey: 'destSSE', ParameterValue: 'KMS' },
        { ParameterKey: 'destKMSKey', ParameterValue: 'key-1' },
        { ParameterKey: 'scheduleExpression', ParameterValue: 'rate(2 hours)' },
        { ParameterKey: 'destCredentials', ParameterValue: 'd' },
      ],
    };
    const s = stateFromTask(task);
    expect(s.s3).toMatchObject({
      sourceKind: 'Amazon_S3_Compatible',
      destPutObjectSSEType: 'AWS_KMS',
      destPutObjectSSEKmsKeyId: 'key-1',
      destInCurrentAccount: 'false',
    });
    expect(s.common.schedule).toMatchObject({ kind: 'FIXED_RATE', every: '2', unit: 'hours' });
  });
});

describe('wizard fields that follow each other', () => {
  it('leaves storage class and ACL to an S3-compatible destination unless chosen, as the API does', () => {
    // Before: INTELLIGENT_TIERING and bucket-owner-full-control were always sent, which many S3-compatible stores refuse.
    let f = withS3Field(s3State().s3, 'destEndpoint', 'https://minio.example.com:9000');
    expect(f).toMatchObject({ destStorageClass: '', destAcl: '' });
    const s = s3State(f);
    const sent = Object.fromEntries(createInput(s).parameters.map((p) => [p.ParameterKey, p.ParameterValue]));
    expect(sent).toMatchObject({ destStorageClass: '', destAcl: '', destEndpoint: 'https://minio.example.com:9000' });
    const parsed = apiAccepts(s).engine;
    expect(parsed.type === 'S3EC2' && [parsed.params.destStorageClass, parsed.params.destAcl]).toEqual([
      undefined,
      undefined,
    ]);
    // A choice the user made stays; clearing the endpoint brings back the AWS defaults.
    f = withS3Field(
      withS3Field(s3State({ destStorageClass: 'STANDARD' }).s3, 'destEndpoint', 'https://minio.example.com'),
      'destEndpoint',
      '',
    );
    expect(f).toMatchObject({ destStorageClass: 'STANDARD', destAcl: 'bucket-owner-full-control' });
    // The select offers "the store's default" only while an endpoint is given.
    expect(
      S3_FIELDS.destStorageClass!.extraOptions!(s3State({ destEndpoint: 'https://m.example.com' }).s3).map(
        (o) => o.value,
      ),
    ).toEqual(['']);
    expect(S3_FIELDS.destAcl!.extraOptions!(s3State().s3)).toEqual([]);
  });

  it('does not ask the region of a destination given by its endpoint (the API does not either)', () => {
    const s = s3State({ destRegion: '', destEndpoint: 'https://minio.example.com:9000' });
    expect(stepErrors(s, STEP.destination, local, 'en').destRegion).toBeUndefined();
    expect(() => apiAccepts(s)).not.toThrow();
    expect(stepErrors(s3State({ destRegion: '' }), STEP.destination, local, 'en').destRegion).toBe(
      'Destination region is required',
    );
  });

  it('names the line of a bad image in a list, where commas separate images on one line too', () => {
    const problem = (srcImageList: string) =>
      stepErrors(ecrState({ sourceType: 'Amazon_ECR', srcList: 'SELECTED', srcImageList }), STEP.source, local, 'en')
        .srcImageList;
    expect(problem('ubuntu:latest,, nginx::x')).toBe(
      'Line 1 ("nginx::x") is not an image: use name, name:tag, name:ALL_TAGS or name@sha256:<digest>',
    );
    expect(problem('a:1,b:2\n\nbad!')).toMatch(/^Line 3 \("bad!"\)/);
    expect(problem('a:1, b:2\n# a comment\nc')).toBeUndefined();
  });

  it("takes an image list longer than the original console's 4,096 characters, as the API does", () => {
    const list = Array.from({ length: 600 }, (_, i) => `team/service-${i}:release-${i}`).join('\n');
    expect(list.length).toBeGreaterThan(4096 * 4);
    const state = ecrState({ sourceType: 'Amazon_ECR', srcList: 'SELECTED', srcImageList: list });
    expect(stepErrors(state, STEP.source, local, 'en').srcImageList).toBeUndefined();
    expect(() => apiAccepts(state)).not.toThrow();
  });

  it('checks bucket names by the rules of their store, as the API does: one refuses what the other refuses', () => {
    const minio = 'http://127.0.0.1:9000';
    const cases: Partial<WizardState['s3']>[] = [
      { srcBucket: 'logs-2024' },
      { srcBucket: 'Legacy_Bucket' }, // an AWS bucket named before 2018
      { srcBucket: 'a'.repeat(64) },
      { srcBucket: 'a'.repeat(256) },
      { srcBucket: '10.0.0.1' },
      { srcBucket: 'a..b' },
      { sourceKind: 'Google_GCS', srcRegion: '', srcBucket: 'my_bucket.example.com' },
      { sourceKind: 'Google_GCS', srcRegion: '', srcBucket: 'Upper' },
      { sourceKind: 'Amazon_S3_Compatible', srcRegion: '', srcEndpoint: minio, srcBucket: 'Team_Data' },
      { destBucket: 'dest_bucket' },
      { destEndpoint: minio, destRegion: '', destBucket: 'Backups_2024' },
      { destBucket: 'x' },
    ];
    for (const patch of cases) {
      const { consoleRefuses, apiRefuses } = verdicts(s3State(patch));
      expect(consoleRefuses, JSON.stringify(patch)).toBe(apiRefuses);
    }
    expect(stepErrors(s3State({ srcBucket: 'a..b' }), STEP.source, local, 'en').srcBucket).toMatch(/3–63 lowercase/);
  });

  it('answers a bucket pasted as a location with the split meant, in either language, as the API does', () => {
    const pasted = s3State({ srcBucket: 's3://photos/2024/raw' });
    expect(stepErrors(pasted, STEP.source, local, 'en').srcBucket).toBe(
      'Source bucket: enter the bucket alone (photos) and put 2024/raw in Source prefix',
    );
    expect(stepErrors(pasted, STEP.source, local, 'zh').srcBucket).toContain('photos');
    expect(verdicts(pasted).apiRefuses).toBe(true);
    expect(stepErrors(s3State({ srcBucket: 'gs://photos' }), STEP.source, local, 'en').srcBucket).toBe(
      'Source bucket: enter the bucket alone (photos)',
    );
  });

  it('checks repository prefixes, registries and account ids as the API does: one refuses what the other refuses', () => {
    const cases: Partial<WizardState['ecr']>[] = [
      { destPrefix: 'mirror/team' },
      { destPrefix: '/mirror/' },
      { destPrefix: 'a__b/c--d' },
      { destPrefix: 'Mirror' },
      { destPrefix: 'a//b' },
      { destKind: 'Registry', destRegistry: 'registry.example.com:5000' },
      { destKind: 'Registry', destRegistry: 'https://registry.example.com' },
      { destAccountId: '12345678901' },
      { destRegion: 'cn-hangzhou' }, // an OSS region, not an AWS one
      { destRegion: 'eu-central-1' },
      { srcRegion: 'useast1' },
      { srcRegion: 'eusc-de-east-1' }, // the European Sovereign Cloud's first region
    ];
    for (const patch of cases) {
      const { consoleRefuses, apiRefuses } = verdicts(ecrState(patch));
      expect(consoleRefuses, JSON.stringify(patch)).toBe(apiRefuses);
    }
    // Before: refused as "not an AWS region" (four letters before the first hyphen).
    expect(verdicts(ecrState({ srcRegion: 'eusc-de-east-1' })).apiRefuses).toBe(false);
  });

  it('lists images when the source becomes a public registry (it has no "all images"), as the original did', () => {
    expect(withEcrField(ecrState({ srcList: 'ALL' }).ecr, 'sourceType', 'Public').srcList).toBe('SELECTED');
    expect(
      stepErrors(ecrState({ sourceType: 'Amazon_ECR', srcList: 'ALL' }), STEP.source, local, 'en').srcList,
    ).toBeUndefined();
  });

  it("clones and shows an S3-compatible source given by srcEndpoint alone (no srcType: the original's Amazon_S3)", () => {
    const task: Task = {
      id: 'c',
      type: 'S3EC2',
      scheduleType: 'ONE_TIME',
      parameters: [
        { ParameterKey: 'srcEndpoint', ParameterValue: 'http://127.0.0.1:7568' },
        { ParameterKey: 'srcBucket', ParameterValue: 'srcb' },
        { ParameterKey: 'destBucket', ParameterValue: 'b' },
      ],
    };
    // Before: the clone opened as plain Amazon S3 without the endpoint (it would read srcb from AWS), and the task
    // page left the endpoint out.
    expect(stateFromTask(task).s3).toMatchObject({
      sourceKind: 'Amazon_S3_Compatible',
      srcEndpoint: 'http://127.0.0.1:7568',
    });
    expect(shownFields(task, false)('srcEndpoint')).toBe(true);
    expect(sourceKindOf(task)).toBe('Amazon_S3_Compatible');
    expect(
      sourceKindOf({
        ...task,
        parameters: [...(task.parameters ?? []), { ParameterKey: 'srcType', ParameterValue: 'S3_Compatible' }],
      }),
    ).toBe('Amazon_S3_Compatible');
  });

  it("counts an image task's progress in images, not objects", () => {
    const t = (k: Parameters<typeof translate>[1], vars?: Record<string, string | number>) => translate('en', k, vars);
    const progressInfo = { total: 2, replicated: 1, skipped: 0 };
    expect(progressText({ id: 'i', type: 'ECR', scheduleType: 'ONE_TIME', progressInfo } as Task, t)).toBe(
      '1 of 2 images copied (50%)',
    );
    expect(progressText({ id: 's', type: 'S3EC2', scheduleType: 'ONE_TIME', progressInfo } as Task, t)).toBe(
      '1 of 2 objects copied (50%)',
    );
    // Skipped apart from copied, as the task page counts them (before: "1 of 3 images" with nothing copied).
    const skippedOnly = { total: 3, replicated: 0, skipped: 1, failed: 2 };
    expect(progressText({ id: 'e', type: 'ECR', scheduleType: 'ONE_TIME', progressInfo: skippedOnly } as Task, t)).toBe(
      '0 of 3 images copied, 1 skipped (33%)',
    );
    const zh = (k: Parameters<typeof translate>[1], vars?: Record<string, string | number>) => translate('zh', k, vars);
    expect(
      progressText({ id: 'e', type: 'ECR', scheduleType: 'ONE_TIME', progressInfo: skippedOnly } as Task, zh),
    ).toBe('已复制 0 / 3 个镜像，跳过 1 个 (33%)');
  });

  it("clones a task made through the API with few parameters into what its engine ran (the schema's defaults)", () => {
    const s3 = stateFromTask({
      id: 'a',
      type: 'S3EC2',
      scheduleType: 'ONE_TIME',
      parameters: [
        { ParameterKey: 'srcBucket', ParameterValue: 'a' },
        { ParameterKey: 'srcRegion', ParameterValue: 'us-east-1' },
        { ParameterKey: 'destBucket', ParameterValue: 'b' },
        { ParameterKey: 'destEndpoint', ParameterValue: 'https://minio.example.com' },
      ],
    });
    // Before: metadata off and INTELLIGENT_TIERING / bucket-owner-full-control sent by the clone.
    expect(s3.s3).toMatchObject({ includeMetadata: 'true', destStorageClass: '', destAcl: '' });
    const ecr = stateFromTask({
      id: 'b',
      type: 'ECR',
      scheduleType: 'ONE_TIME',
      parameters: [
        { ParameterKey: 'sourceType', ParameterValue: 'Amazon_ECR' },
        { ParameterKey: 'srcRegion', ParameterValue: 'us-east-1' },
        { ParameterKey: 'destRegion', ParameterValue: 'us-west-2' },
      ],
    });
    // Before: SELECTED with an empty list (the Source step then refused it) and untagged images off.
    expect(ecr.ecr).toMatchObject({ srcList: 'ALL', includeUntagged: 'true' });
  });
});

describe('task page words', () => {
  const t = (k: Parameters<typeof translate>[1], v?: Record<string, string | number>) => translate('en', k, v);
  it('says the hub did not answer when it is down, on the task list in the plural (before: "Could not load the task: Failed to fetch")', async () => {
    const api = createLocalApi(
      'http://127.0.0.1:1/graphql',
      () => 'token',
      () => {},
    );
    const err = await api.call('{ listTasksV2 { total } }').catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^the hub did not answer \(.+\): is dth serve still running\?$/);
    expect(t('loadTasksFailed', { error: 'x' })).toBe('Could not load the tasks: x');
    expect(translate('zh', 'loadTasksFailed', { error: 'x' })).toBe('无法加载任务列表：x');
  });
  it("shows when a running task's cron next runs, in UTC as the cron is; none where it cannot be known", () => {
    const task = (progress: string, scheduleType: string, parameters: [string, string][]) => ({
      id: 'x',
      type: 'S3EC2' as const,
      scheduleType: scheduleType as 'FIXED_RATE',
      progress: progress as 'IN_PROGRESS',
      parameters: parameters.map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
    });
    const now = new Date('2026-12-06T03:46:00Z');
    const daily = [['ec2CronExpression', '0 3 * * ? *']] as [string, string][];
    expect(nextScheduledRun(task('IN_PROGRESS', 'FIXED_RATE', daily), now)).toBe('2026-12-07 03:00 UTC');
    expect(nextScheduledRun(task('STARTING', 'FIXED_RATE', [['ec2CronExpression', '0 */6 ? * * *']]), now)).toBe(
      '2026-12-06 06:00 UTC',
    );
    // Ended, run once, a rate (counted from the last pass's end), or no expression: nothing to show.
    expect(nextScheduledRun(task('STOPPED', 'FIXED_RATE', daily), now)).toBeUndefined();
    expect(nextScheduledRun(task('IN_PROGRESS', 'ONE_TIME', daily), now)).toBeUndefined();
    expect(
      nextScheduledRun(task('IN_PROGRESS', 'FIXED_RATE', [['scheduleExpression', 'rate(1 hour)']]), now),
    ).toBeUndefined();
    expect(
      nextScheduledRun(task('IN_PROGRESS', 'FIXED_RATE', [['ec2CronExpression', 'rate(1 hour)']]), now),
    ).toBeUndefined();
    expect(
      nextScheduledRun(task('IN_PROGRESS', 'FIXED_RATE', [['ec2CronExpression', 'not a cron']]), now),
    ).toBeUndefined();
  });

  it('says schedules and sizes as a reader says them', () => {
    const every = (cron: string) =>
      scheduleText(
        {
          id: 'x',
          type: 'S3EC2',
          scheduleType: 'FIXED_RATE',
          parameters: [{ ParameterKey: 'ec2CronExpression', ParameterValue: cron }],
        },
        t,
      );
    expect(every('0 */1 ? * * *')).toBe('Every 1 hour'); // before: "Every 1 hours"
    expect(every('0 */6 ? * * *')).toBe('Every 6 hours');
    expect(every('*/1 * * * ? *')).toBe('Every 1 minute');
    const memory = parameterValue(
      {
        id: 'x',
        type: 'S3EC2',
        scheduleType: 'ONE_TIME',
        parameters: [{ ParameterKey: 'finderEc2Memory', ParameterValue: '8' }],
      },
      'finderEc2Memory',
      t,
      'en',
    );
    expect(memory).toBe('8 GiB'); // the label says GiB; before: "8 GB"
  });

  it('states the bucket rule of the chosen store, the one the wizard checks', () => {
    const rule = (form: Partial<WizardState['s3']>, key: 'srcBucket' | 'destBucket' = 'srcBucket') => {
      const c = S3_FIELDS[key]?.constraint;
      return typeof c === 'function' ? c({ ...initialState().s3, ...form }).en : c?.en;
    };
    expect(rule({ sourceKind: 'Amazon_S3' })).toMatch(/^3–63 characters: lowercase/);
    expect(rule({ sourceKind: 'Google_GCS' })).toMatch(/^3–222 characters: lowercase .* underscores/);
    expect(rule({ sourceKind: 'Amazon_S3_Compatible', srcEndpoint: 'https://minio.example.com' })).toMatch(/^3–255/);
    expect(rule({}, 'destBucket')).toMatch(/^3–63/);
    expect(rule({ destEndpoint: 'https://minio.example.com' }, 'destBucket')).toMatch(/^3–255/);
    // What the rule says is what the check accepts: capitals pass for a store behind an endpoint, not for GCS.
    const named = (sourceKind: WizardState['s3']['sourceKind'], srcBucket: string) =>
      stepErrors(
        s3State({ sourceKind, srcBucket, srcRegion: '', srcEndpoint: 'https://minio.example.com' }),
        STEP.source,
        local,
        'en',
      ).srcBucket;
    expect(named('Google_GCS', 'open_data-x')).toBeUndefined();
    expect(named('Google_GCS', 'Open_Data-x')).toBeDefined();
    expect(named('Amazon_S3_Compatible', 'Open_Data-x')).toBeUndefined();
  });

  it("leaves out what the wizard hid for the task's choices, and calls blank image credentials by what they mean", () => {
    const t = (k: Parameters<typeof translate>[1], vars?: Record<string, string | number>) => translate('en', k, vars);
    // An OSS source: the original's console still sends S3 events, "in this account" and requester pays as No.
    const oss = s3Parameters(
      { ...initialState().s3, sourceKind: 'Aliyun_OSS', srcBucket: 'b', srcRegion: 'cn-hangzhou', srcCredentials: 'k' },
      initialState().common,
    );
    const ossTask: Task = { id: 'x', type: 'S3EC2', scheduleType: 'ONE_TIME', parameters: oss };
    expect(oss.map((p) => p.ParameterKey)).toEqual(expect.arrayContaining(['srcEvent', 'srcInCurrentAccount']));
    expect(['srcEvent', 'srcInCurrentAccount'].filter(shownFields(ossTask, false))).toEqual([]);
    expect(['srcBucket', 'srcRegion', 'srcCredentials', 'isPayerRequest'].every(shownFields(ossTask, false))).toBe(
      true,
    );
    const amazon: Task = {
      ...ossTask,
      parameters: s3Parameters(
        { ...initialState().s3, srcBucket: 'b', srcRegion: 'us-east-1', srcInCurrentAccount: 'true' },
        initialState().common,
      ),
    };
    expect(shownFields(amazon, false)('srcEvent')).toBe(true);
    // The local hub receives no S3 events: its wizard hides the field, and so do its review and task page.
    expect(shownFields(amazon, true)('srcEvent')).toBe(false);
    // An image task into another registry without a login pushes anonymously: not "this account".
    const image = (destRegistry: string): Task => ({
      id: 'y',
      type: 'ECR',
      scheduleType: 'ONE_TIME',
      parameters: [
        { ParameterKey: 'sourceType', ParameterValue: 'Public' },
        { ParameterKey: 'destCredential', ParameterValue: '' },
        ...(destRegistry ? [{ ParameterKey: 'destRegistry', ParameterValue: destRegistry }] : []),
      ],
    });
    expect(parameterValue(image('registry.example.com'), 'destCredential', t, 'en')).toBe(t('anonymous'));
    expect(parameterValue(image(''), 'destCredential', t, 'en')).toBe(t('thisAccount'));
  });

  it('reads yes/no values as the engines do (YES, 1, 0 too): shown in words, cloned unchanged', () => {
    const t = (k: Parameters<typeof translate>[1], vars?: Record<string, string | number>) => translate('en', k, vars);
    const task: Task = {
      id: 'z',
      type: 'S3EC2',
      scheduleType: 'ONE_TIME',
      parameters: [
        { ParameterKey: 'srcBucket', ParameterValue: 'src-bucket' },
        { ParameterKey: 'srcRegion', ParameterValue: 'us-east-1' },
        { ParameterKey: 'srcInCurrentAccount', ParameterValue: '0' },
        { ParameterKey: 'srcCredentials', ParameterValue: 'keys' },
        { ParameterKey: 'destBucket', ParameterValue: 'dst-bucket' },
        { ParameterKey: 'includeMetadata', ParameterValue: '0' },
        { ParameterKey: 'srcSkipCompare', ParameterValue: '1' },
        { ParameterKey: 'isPayerRequest', ParameterValue: 'YES' },
      ],
    };
    // Before: "-" for all three, and a clone did the opposite of the task on includeMetadata and srcSkipCompare.
    expect(
      ['includeMetadata', 'srcSkipCompare', 'isPayerRequest'].map((k) => parameterValue(task, k, t, 'en')),
    ).toEqual([t('no'), t('yes'), t('yes')]);
    expect(stateFromTask(task).s3).toMatchObject({
      srcInCurrentAccount: 'false',
      includeMetadata: 'false',
      srcSkipCompare: 'true',
      isPayerRequest: 'true',
    });
  });
});

describe('wizard validation', () => {
  it('checks each step on Next, naming fields by label', () => {
    const empty = initialState();
    expect(stepErrors(empty, STEP.source, local, 'en')).toMatchObject({
      srcBucket: 'Source bucket is required',
      srcRegion: 'Source region is required',
    });
    expect(stepErrors(empty, STEP.source, local, 'zh').srcBucket).toBe('源存储桶为必填项');
    expect(stepErrors(s3State(), STEP.source, local, 'en')).toEqual({});
    expect(stepErrors(s3State({ srcBucket: 'b' }), STEP.source, local, 'en').srcBucket).toMatch(
      /^Source bucket: use 3–63 lowercase letters/,
    );
    expect(stepErrors(s3State({ destPrefix: 'out/' }), STEP.destination, local, 'en').destPrefix).toBe(
      'Destination prefix must not end with /',
    );
    expect(
      stepErrors(s3State({ destPutObjectSSEType: 'AWS_KMS' }), STEP.destination, local, 'en').destPutObjectSSEKmsKeyId,
    ).toBe('KMS key ID is required');
    expect(stepErrors(s3State({ minCapacity: '5', maxCapacity: '2' }), STEP.settings, local, 'en').maxCapacity).toBe(
      'Maximum capacity must be at least the minimum capacity',
    );
  });

  it('rejects an endpoint without a scheme with a clear message (not an OpenSSL error later)', () => {
    const s = s3State({ sourceKind: 'Amazon_S3_Compatible', srcEndpoint: '127.0.0.1:9000' });
    expect(stepErrors(s, STEP.source, local, 'en').srcEndpoint).toBe(
      'Source endpoint URL must start with https:// or http://',
    );
    expect(stepErrors(s3State({ destEndpoint: 'minio.local' }), STEP.destination, local, 'en').destEndpoint).toBe(
      'Destination endpoint URL must start with https:// or http://',
    );
  });

  it('refuses an endpoint that goes on after the address (the bucket written in again), as the API does', () => {
    const s = s3State({ sourceKind: 'Amazon_S3_Compatible', srcEndpoint: 'http://127.0.0.1:9000/src-bucket' });
    expect(stepErrors(s, STEP.source, local, 'en').srcEndpoint).toBe(
      "Source endpoint URL must be the store's address alone, e.g. http://127.0.0.1:9000: the bucket goes in its own field",
    );
    expect(
      stepErrors(s3State({ destEndpoint: 'https://minio.local?x=1' }), STEP.destination, local, 'en').destEndpoint,
    ).toMatch(/^Destination endpoint URL must be the store's address alone, e\.g\. https:\/\/minio\.local:/);
    expect(
      stepErrors(s3State({ destEndpoint: 'https://minio.local:9000/' }), STEP.destination, local, 'en').destEndpoint,
    ).toBeUndefined();
  });

  it('limits prefixes in UTF-8 bytes, as the engine does: 400 × 日 is refused on its step, not at Create', () => {
    const wide = '日'.repeat(400);
    expect(
      stepErrors(s3State({ transferType: 'SinglePrefix', srcPrefix: wide }), STEP.source, local, 'en').srcPrefix,
    ).toBe('Source prefix is 1200 bytes long (UTF-8); the limit is 1024 bytes');
    expect(stepErrors(s3State({ destPrefix: wide }), STEP.destination, local, 'en').destPrefix).toMatch(/1200 bytes/);
    // 341 of them (1,023 bytes) pass, as the engine takes them.
    expect(
      stepErrors(s3State({ transferType: 'SinglePrefix', srcPrefix: '日'.repeat(341) }), STEP.source, local, 'en')
        .srcPrefix,
    ).toBeUndefined();
  });

  it('says where a description is too long instead of failing silently', () => {
    const s = s3State({}, { description: 'x'.repeat(251) });
    expect(stepErrors(s, STEP.settings, local, 'en').description).toBe(
      'Description is 251 characters long; the limit is 250',
    );
  });

  it('needs an alarm e-mail in the cloud (as the original) and checks its form', () => {
    const s = s3State({}, { alarmEmail: '' });
    expect(stepErrors(s, STEP.settings, local, 'en').alarmEmail).toBeUndefined();
    expect(stepErrors(s, STEP.settings, cloud, 'en').alarmEmail).toBe('Alarm email is required');
    expect(stepErrors(s3State({}, { alarmEmail: 'nope' }), STEP.settings, local, 'en').alarmEmail).toBe(
      'Alarm email is not an e-mail address',
    );
  });

  it("checks schedules with the hub's own parser and the original's 2-minute floor", () => {
    const rate = (every: string, unit: 'minutes' | 'hours') =>
      s3State({}, { schedule: { kind: 'FIXED_RATE', every, unit, cron: '' } });
    expect(stepErrors(rate('1', 'minutes'), STEP.settings, local, 'en').schedule).toBe(
      'At least 2 minutes apart (the finder needs the time)',
    );
    expect(stepErrors(rate('0', 'hours'), STEP.settings, local, 'en').schedule).toMatch(/whole number of at least 1/);
    const cron = s3State({}, { schedule: { kind: 'CRON', every: '1', unit: 'hours', cron: '0 3 * * * *' } });
    expect(stepErrors(cron, STEP.settings, local, 'en').schedule).toMatch(
      /^Cron expression is not a schedule this hub can run: .*"\?" in exactly one of day-of-month/,
    );
    // Named, in the field's words, blank or out of range; never the cron library's own class name.
    const cronOf = (text: string) =>
      stepErrors(
        s3State({}, { schedule: { kind: 'CRON', every: '1', unit: 'hours', cron: text } }),
        STEP.settings,
        local,
        'en',
      ).schedule;
    expect(cronOf('')).toBe('Cron expression is required');
    expect(cronOf('61 * * * ? *')).toMatch(/^Cron expression is not a schedule this hub can run: .*minute: 61/);
    expect(cronOf('61 * * * ? *')).not.toMatch(/CronPattern/);
    // Typed, the 2-minute floor holds as in the builder (before: `*/1 * * * ? *` passed here and ran every minute),
    // wherever in the cycle two runs come a minute apart; every 2 minutes and daily lists pass.
    for (const often of [
      '*/1 * * * ? *',
      '0/1 * * * ? *',
      '* * * * ? *',
      '0,1 3 * * ? *',
      '10-11 * ? * MON *',
      'rate(1 minute)',
    ])
      expect(cronOf(often), often).toMatch(
        /^Cron expression has two runs a minute apart \(from \d{4}-\d\d-\d\d \d\d:\d\d UTC\): runs must be at least 2 minutes apart/,
      );
    for (const fine of ['*/2 * * * ? *', '0,2 3 * * ? *', '0 3 ? * MON-FRI *', 'rate(2 minutes)', '0/60 * * * ? *'])
      expect(cronOf(fine), fine).toBeUndefined();
  });

  it('refuses on its field, in words, every fixed rate the hub refuses, and no other (61 minutes, 25 hours, 32 days)', () => {
    const rate = (every: string, unit: 'minutes' | 'hours' | 'days') =>
      s3State({}, { schedule: { kind: 'FIXED_RATE', every, unit, cron: '' } });
    for (const unit of ['minutes', 'hours', 'days'] as const) {
      for (const every of ['1', '2', '7', '23', '24', '25', '30', '31', '32', '59', '60', '61', '99', '99999999999']) {
        const state = rate(every, unit);
        const refused = stepErrors(state, STEP.settings, local, 'en').schedule;
        let hubRefuses = false;
        try {
          apiAccepts(state);
        } catch {
          hubRefuses = true;
        }
        // The console may refuse more (the original's 2-minute floor), never less.
        if (hubRefuses) expect(refused, `every ${every} ${unit}`).toBeDefined();
        if (!refused) expect(hubRefuses, `every ${every} ${unit}`).toBe(false);
        if (refused) expect(refused).not.toMatch(/CronPattern|ec2CronExpression|\*\//);
      }
      // The largest interval a step can make is taken; one more is refused.
      const most = { minutes: 60, hours: 24, days: 31 }[unit];
      expect(stepErrors(rate(String(most), unit), STEP.settings, local, 'en').schedule).toBeUndefined();
      expect(stepErrors(rate(String(most + 1), unit), STEP.settings, local, 'en').schedule).toBeDefined();
    }
    expect(stepErrors(rate('61', 'minutes'), STEP.settings, local, 'en').schedule).toBe(
      'At most every 60 minutes: a schedule cannot step further in minutes',
    );
    expect(stepErrors(rate('25', 'hours'), STEP.settings, local, 'zh').schedule).toBe(
      '间隔最多为 24 小时：按小时的调度不能更长',
    );
    expect(stepErrors(rate('32', 'days'), STEP.settings, local, 'en').schedule).toMatch(/^At most every 31 days/);
  });

  it("strips the API's field prefix for every label of the schema, parentheses in it or not", () => {
    const specs = [
      ...S3_PARAMETERS.map((spec) => ['S3EC2', spec] as const),
      ...ECR_PARAMETERS.map((spec) => ['ECR', spec] as const),
    ];
    // The labels this is about: "Schedule (cron expression)", "Finder memory (GiB)", …
    expect(specs.filter(([, spec]) => spec.label.en.includes('(')).length).toBeGreaterThan(2);
    for (const [type, spec] of specs) {
      const prefix = humanName(spec);
      for (const lang of ['en', 'zh'] as const) {
        const label = labelOf(type, spec.name, lang);
        const required = humanApiMessage(type, spec.name, `${prefix}: is required`, lang);
        expect(required, prefix).toBe(translate(lang, 'vRequired', { label }));
        const other = humanApiMessage(type, spec.name, `${prefix}: "x" is not valid`, lang);
        expect(other, prefix).toBe(lang === 'en' ? `${label}: "x" is not valid` : `${label}："x" is not valid`);
        expect(humanApiMessage(type, spec.name, `${spec.name}: is required`, lang)).toBe(
          translate(lang, 'vRequired', { label }),
        );
        // Not "源前缀 is longer than 1024 bytes": in Chinese the API's English words follow a colon.
        expect(humanApiMessage(type, spec.name, `${prefix}: is longer than 1024 bytes`, lang)).toBe(
          lang === 'en' ? `${label} is longer than 1024 bytes` : `${label}：is longer than 1024 bytes`,
        );
      }
    }
    expect(
      humanApiMessage(
        'S3EC2',
        'ec2CronExpression',
        'Schedule (cron expression) (ec2CronExpression): "0 */25 ? * * *" is not a valid cron expression',
        'en',
      ),
    ).toBe('Task scheduling: "0 */25 ? * * *" is not a valid cron expression');
  });

  it("puts the destination in another account when the source is in this one, as the original's console", () => {
    const fromThisAccount = { srcInCurrentAccount: 'true', destInCurrentAccount: 'true', destCredentials: '' } as const;
    const state = s3State(fromThisAccount);
    // The destination's choice is not offered; its secret is asked for, and required.
    expect(S3_FIELDS.destInCurrentAccount?.when?.(state.s3, cloud)).toBe(false);
    expect(S3_FIELDS.destCredentials?.when?.(state.s3, cloud)).toBe(true);
    expect(problemTexts(stepProblems(state, STEP.destination, cloud), 'en').destCredentials).toMatch(/required/);
    const sent = (s: WizardState) =>
      Object.fromEntries(createInput(s).parameters.map((x) => [x.ParameterKey, x.ParameterValue]));
    expect(sent(s3State({ ...fromThisAccount, destCredentials: 'other-account' }))).toMatchObject({
      srcInCurrentAccount: 'true',
      destInCurrentAccount: 'false',
      destCredentials: 'other-account',
    });
    // A source in another account leaves the choice to the user, as before.
    const fromElsewhere = s3State({
      srcInCurrentAccount: 'false',
      srcCredentials: 'src-keys',
      destInCurrentAccount: 'true',
    });
    expect(S3_FIELDS.destInCurrentAccount?.when?.(fromElsewhere.s3, cloud) ?? true).toBe(true);
    expect(sent(fromElsewhere)).toMatchObject({ destInCurrentAccount: 'true', destCredentials: '' });
  });

  it('keeps errors as keys, so the same problems read in the language shown (a switch rewords them)', () => {
    const problems = stepProblems(s3State({ srcBucket: '', srcRegion: '' }), STEP.source, local);
    expect(problemTexts(problems, 'en')).toMatchObject({
      srcBucket: 'Source bucket is required',
      srcRegion: 'Source region is required',
    });
    expect(problemTexts(problems, 'zh')).toMatchObject({ srcBucket: '源存储桶为必填项', srcRegion: '源区域为必填项' });
    const api = { schedule: { api: { type: 'S3EC2' as const, field: 'ec2CronExpression', message: 'is required' } } };
    expect(problemTexts(api, 'en').schedule).toBe('Task scheduling is required');
    expect(problemTexts(api, 'zh').schedule).toBe(`${labelOf('S3EC2', 'schedule', 'zh')}为必填项`);
  });

  it('takes every image name the API takes, and refuses every one it refuses, for each source type', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const names = [
      'localhost:5000/app:1',
      '127.0.0.1:9001/alpine:3',
      'registry.example.com:5000/team/app',
      'ghcr.io/org/app:1.2',
      'public.ecr.aws/amazonlinux/amazonlinux:latest',
      'quay.io/org/app:ALL_TAGS',
      `localhost:5000/app@${digest}`,
      'nginx',
      'nginx:1.27',
      `library/nginx@${digest}`,
      'team/service:v1',
      'localhost:5000/App:1',
      'localhost:5000/',
      'localhost:99999/app',
      ':5000/app',
      'a:1:2',
      'Bad Repo:1',
      'nginx::x',
      'host:port/app',
      'nginx@sha256:short',
    ];
    const seen = { taken: 0, refused: 0 };
    for (const sourceType of ['Public', 'Amazon_ECR'] as const) {
      for (const srcImageList of names) {
        const { consoleRefuses, apiRefuses } = verdicts(ecrState({ sourceType, srcList: 'SELECTED', srcImageList }));
        expect(consoleRefuses, `${sourceType} ${srcImageList}`).toBe(apiRefuses);
        seen[apiRefuses ? 'refused' : 'taken']++;
      }
    }
    expect(seen.taken).toBeGreaterThan(5);
    expect(seen.refused).toBeGreaterThan(5);
    expect(verdicts(ecrState({ sourceType: 'Public', srcImageList: 'localhost:5000/app:1' })).consoleRefuses).toBe(
      false,
    );
  });

  it('stops an invalid image list on the Source step, naming the line', () => {
    expect(
      stepErrors(ecrState({ srcImageList: 'nginx:1.27\nBad Repo:1' }), STEP.source, local, 'en').srcImageList,
    ).toBe('Line 2 ("Bad Repo:1") is not an image: use name, name:tag, name:ALL_TAGS or name@sha256:<digest>');
    expect(stepErrors(ecrState({ srcImageList: '' }), STEP.source, local, 'en').srcImageList).toBe(
      'Image list is required',
    );
    expect(stepErrors(ecrState({ sourceType: 'Public', srcList: 'ALL' }), STEP.source, local, 'en').srcList).toMatch(
      /Amazon ECR source only/,
    );
  });

  it("asks for the destination account in words (the API's old message was garbled)", () => {
    expect(stepErrors(ecrState({ destAccountId: '' }), STEP.destination, local, 'en').destAccountId).toBe(
      'Destination account ID is required',
    );
    expect(stepErrors(ecrState({ destRegion: '' }), STEP.destination, local, 'en').destRegion).toBe(
      'Destination region is required',
    );
    expect(stepErrors(ecrState({ destAccountId: '12345' }), STEP.destination, local, 'en').destAccountId).toBe(
      'Destination account ID must be 12 digits',
    );
  });

  it("turns the API's field errors into labelled messages on the right step", () => {
    expect(humanApiMessage('S3EC2', 'srcBucket', 'srcBucket: is required', 'en')).toBe('Source bucket is required');
    expect(
      humanApiMessage('S3EC2', 'srcBucket', 'Source bucket (srcBucket): "A_B" is not a valid bucket name', 'en'),
    ).toBe('Source bucket: "A_B" is not a valid bucket name');
    expect(
      humanApiMessage(
        'S3EC2',
        'destStorageClass',
        'Storage class (destStorageClass, destination side): "X" is not one of STANDARD',
        'en',
      ),
    ).toBe('Storage class: "X" is not one of STANDARD');
    expect(locate('S3EC2', 'srcType')).toEqual({ field: 'sourceKind', step: STEP.source });
    expect(locate('S3EC2', 'ec2CronExpression')).toEqual({ field: 'schedule', step: STEP.settings });
    expect(locate('ECR', 'destAccountId')).toEqual({ field: 'destAccountId', step: STEP.destination });
    expect(
      apiErrorOf([{ message: 'm', errorType: 'INVALID_PARAMETER', errorInfo: { field: 'srcBucket' } }]),
    ).toMatchObject({ field: 'srcBucket', code: 'INVALID_PARAMETER' });
    expect(apiErrorOf([{ message: 'm', extensions: { field: 'destBucket', code: 'X' } }])).toMatchObject({
      field: 'destBucket',
      code: 'X',
    });
    // Several parameters refused at once: each with its message, from either API's shape, for the wizard to mark.
    const problems = [
      { field: 'srcBucket', message: 'Source bucket (srcBucket): is required' },
      { field: 'workerNumber', message: 'Worker number (workerNumber): "x" is not a whole number' },
    ];
    expect(apiErrorOf([{ message: 'm', errorInfo: { field: 'srcBucket', problems } }]).problems).toEqual(problems);
    expect(apiErrorOf([{ message: 'm', extensions: { field: 'srcBucket', problems } }]).problems).toEqual(problems);
    // The wizard marks each on its own field and opens on the first one's step.
    const refused = apiRefusal(s3State(), problems, cloud);
    expect(refused.step).toBe(STEP.source);
    expect(Object.keys(refused.problems)).toEqual(['srcBucket', 'workerNumber']);
    expect(problemTexts(refused.problems, 'en').workerNumber).toContain('"x" is not a whole number');
    expect(refused.unshown).toEqual([]);
    // One no field shows (hidden by the other choices, or none at all) is said on the review step, not lost.
    const hidden = { field: 'srcEndpoint', message: 'Source endpoint (srcEndpoint): is required' };
    const nowhere = { field: 'maxAttempts', message: 'Attempts per object (maxAttempts): must be between 1 and 100' };
    const partly = apiRefusal(s3State(), [hidden, problems[1], nowhere], cloud);
    expect(partly.step).toBe(STEP.settings);
    expect(Object.keys(partly.problems)).toEqual(['workerNumber']);
    expect(partly.unshown).toEqual([hidden, nowhere]);
    const shownForCompatible = apiRefusal(s3State({ sourceKind: 'Amazon_S3_Compatible' }), [hidden], cloud);
    expect(shownForCompatible).toMatchObject({ step: STEP.source, unshown: [] });
    expect(apiRefusal(s3State(), [nowhere], cloud)).toEqual({ problems: {}, step: undefined, unshown: [nowhere] });
  });
});

describe('pages, regions and the signed-in user', () => {
  it('has a "page not found" page for any address the console does not know (not Home in silence)', () => {
    expect(parseRoute('#/taks')).toEqual({ name: 'notFound', path: '/taks' });
    expect(parseRoute('#/nonsense-route/x')).toEqual({ name: 'notFound', path: '/nonsense-route/x' });
    expect(parseRoute('#/create/extra')).toMatchObject({ name: 'notFound' });
    // The wizard's step is in the address (1-based there), with a clone's id.
    expect(parseRoute('#/create?clone=t1&step=3')).toEqual({ name: 'create', clone: 't1', step: 2 });
    expect(parseRoute('#/create?step=x')).toEqual({ name: 'create', clone: undefined, step: undefined });
    expect(hrefOf({ name: 'create', clone: 't1', step: 2 })).toBe('#/create?clone=t1&step=3');
    expect(hrefOf({ name: 'create', step: 0 })).toBe('#/create');
    expect(parseRoute('#/')).toEqual({ name: 'home' });
    expect(parseRoute('')).toEqual({ name: 'home' });
    expect(parseRoute('#token=abc')).toEqual({ name: 'home' });
    expect(parseRoute('#/tasks')).toEqual({ name: 'tasks' });
    expect(parseRoute('#/create?clone=t1')).toEqual({ name: 'create', clone: 't1' });
  });

  it("labels region suggestions with the region's name, as the original did, in both languages", () => {
    expect(regionOptions('Amazon_S3', 'en')).toContainEqual({ value: 'us-east-1', label: 'N. Virginia (us-east-1)' });
    expect(regionOptions('Amazon_S3', 'zh')).toContainEqual({ value: 'cn-north-1', label: '北京（cn-north-1）' });
    expect(regionOptions('Aliyun_OSS', 'en')).toContainEqual({ value: 'cn-hangzhou', label: 'Hangzhou (cn-hangzhou)' });
    expect(regionOptions('Tencent_COS', 'en')).toContainEqual({
      value: 'ap-guangzhou',
      label: 'Guangzhou (ap-guangzhou)',
    });
    expect(regionOptions('Qiniu_Kodo', 'en')).toContainEqual({ value: 'cn-east-1', label: 'East China (cn-east-1)' });
    // The original's lists: 33 AWS regions (China and GovCloud ones included), 30 Aliyun, 18 Tencent, 7 Qiniu.
    const codes = (kind: string) => regionsFor(kind).map((r) => r.code);
    expect(codes('Amazon_S3')).toEqual(
      expect.arrayContaining(['cn-north-1', 'cn-northwest-1', 'ca-west-1', 'us-gov-east-1']),
    );
    expect(
      [codes('Amazon_S3'), codes('Aliyun_OSS'), codes('Tencent_COS'), codes('Qiniu_Kodo')].map((c) => c.length),
    ).toEqual([33, 30, 18, 7]);
    for (const kind of ['Amazon_S3', 'Aliyun_OSS', 'Tencent_COS', 'Qiniu_Kodo']) {
      expect(new Set(codes(kind)).size, kind).toBe(codes(kind).length);
      for (const region of regionsFor(kind)) {
        expect(region.code, kind).toMatch(/^[a-z]+(-[a-z0-9]+)+$/);
        expect(region.en.trim(), region.code).not.toBe('');
        expect(region.zh, region.code).toMatch(/[\u4e00-\u9fff]/);
      }
    }
  });

  it("names the signed-in user from the ID token's claims (e-mail first), none without one", () => {
    expect(userOfClaims({ sub: 'u1', email: 'ops@example.com', 'cognito:username': 'ops' })).toBe('ops@example.com');
    expect(userOfClaims({ sub: 'u1', 'cognito:username': 'ops' })).toBe('ops');
    expect(userOfClaims({ sub: 'u1', preferred_username: 'li.lei', name: 'Li Lei' })).toBe('li.lei');
    expect(userOfClaims({ sub: 'u1', email: '  ' })).toBeUndefined();
    expect(userOfClaims(undefined)).toBeUndefined();
  });
});

describe('task dashboard link', () => {
  it("links an S3 task to its plugin stack's dashboard; an image task (no dashboard) and the local hub to none", () => {
    const cloud = {
      dashboardUrlPrefix: 'https://console.aws.amazon.com/cloudwatch/home#dashboards:name=',
      region: 'eu-west-1',
    };
    expect(dashboardUrl({ type: 'S3EC2', stackName: 'DTHS3Stack-abc' }, cloud)).toBe(
      'https://console.aws.amazon.com/cloudwatch/home#dashboards:name=DTHS3Stack-abc-Dashboard-eu-west-1',
    );
    expect(dashboardUrl({ type: 'ECR', stackName: 'DTHECRStack-abc' }, cloud)).toBeUndefined();
    expect(dashboardUrl({ type: 'S3EC2', stackName: 'DTHS3Stack-abc' }, {})).toBeUndefined();
    expect(dashboardUrl({ type: 'S3EC2', stackName: null }, cloud)).toBeUndefined();
  });
});

describe('sign-in configuration', () => {
  it('maps the CDK-written config.json to Amplify for Cognito (user pool, client, hosted UI, AppSync)', () => {
    const config = parsePortalConfig({
      authType: 'COGNITO',
      apiUrl: 'https://x.appsync-api.us-east-1.amazonaws.com/graphql',
      region: 'us-east-1',
      userPoolId: 'us-east-1_abc',
      cognitoDomain: 'dth-1.auth.us-east-1.amazoncognito.com',
      oidcIssuer: '',
      clientId: 'client1',
      dashboardUrlPrefix: 'https://d/#',
    });
    expect(amplifyConfigOf(config, 'https://d123.cloudfront.net/')).toEqual({
      API: {
        GraphQL: {
          endpoint: 'https://x.appsync-api.us-east-1.amazonaws.com/graphql',
          region: 'us-east-1',
          defaultAuthMode: 'userPool',
        },
      },
      Auth: {
        Cognito: {
          userPoolId: 'us-east-1_abc',
          userPoolClientId: 'client1',
          loginWith: {
            oauth: {
              domain: 'dth-1.auth.us-east-1.amazoncognito.com',
              scopes: ['openid', 'email', 'profile'],
              redirectSignIn: ['https://d123.cloudfront.net/'],
              redirectSignOut: ['https://d123.cloudfront.net/'],
              responseType: 'code',
            },
          },
        },
      },
    });
  });

  it("maps the OIDC config to oidc-client-ts and AppSync's OIDC mode", () => {
    const config = parsePortalConfig({
      authType: 'OIDC',
      apiUrl: 'https://a/graphql',
      region: 'cn-north-1',
      oidcIssuer: 'https://idp.example.cn/oidc',
      clientId: 'c',
    });
    // The original's callback: the console's origin, no trailing slash (providers compare it exactly).
    expect(oidcRedirectUrl({ origin: 'https://dth.example.cn' })).toBe('https://dth.example.cn');
    expect(oidcSettingsOf(config, oidcRedirectUrl({ origin: 'https://dth.example.cn' }))).toEqual({
      authority: 'https://idp.example.cn/oidc',
      client_id: 'c',
      redirect_uri: 'https://dth.example.cn',
      post_logout_redirect_uri: 'https://dth.example.cn',
      response_type: 'code',
      scope: 'openid email profile',
    });
    expect(amplifyConfigOf(config, 'https://dth.example.cn/')).toEqual({
      API: { GraphQL: { endpoint: 'https://a/graphql', region: 'cn-north-1', defaultAuthMode: 'oidc' } },
    });
  });

  it('names the field at fault in a bad config.json', () => {
    expect(() => parsePortalConfig([])).toThrow('config.json: must be a JSON object');
    expect(() => parsePortalConfig({ authType: 'SAML', apiUrl: '/graphql' })).toThrow(
      /authType must be LOCAL, COGNITO or OIDC/,
    );
    expect(() => parsePortalConfig({ authType: 'LOCAL' })).toThrow('config.json: apiUrl is required');
    expect(() =>
      parsePortalConfig({ authType: 'COGNITO', apiUrl: 'https://a', clientId: 'c', userPoolId: 'p' }),
    ).toThrow('config.json: cognitoDomain is required');
    expect(() =>
      parsePortalConfig({ authType: 'COGNITO', apiUrl: 'https://a', clientId: 'c', cognitoDomain: 'd.example' }),
    ).toThrow('config.json: userPoolId is required');
    expect(() => parsePortalConfig({ authType: 'OIDC', apiUrl: 'https://a', oidcIssuer: 'https://i' })).toThrow(
      'config.json: clientId is required',
    );
    expect(() =>
      parsePortalConfig({ authType: 'OIDC', apiUrl: 'https://a', oidcIssuer: 'http://idp.example', clientId: 'c' }),
    ).toThrow(/oidcIssuer must be an https/);
    expect(
      parsePortalConfig({ authType: 'OIDC', apiUrl: 'https://a', oidcIssuer: 'http://127.0.0.1:9999', clientId: 'c' })
        .oidcIssuer,
    ).toBe('http://127.0.0.1:9999');
    expect(() => parsePortalConfig({ authType: 'LOCAL', apiUrl: 42 })).toThrow('config.json: apiUrl must be a string');
  });
});

describe('wire, formats and logs', () => {
  it('URL-encodes description and prefixes for createTask and decodes getTask answers', () => {
    const sent = encodeParameters([
      { ParameterKey: 'srcPrefix', ParameterValue: 'a b/c%' },
      { ParameterKey: 'srcBucket', ParameterValue: 'x' },
    ]);
    expect(sent).toEqual([
      { ParameterKey: 'srcPrefix', ParameterValue: 'a%20b%2Fc%25' },
      { ParameterKey: 'srcBucket', ParameterValue: 'x' },
    ]);
    // An image task's destPrefix too: the original's createTask decodes srcPrefix/destPrefix whatever the type.
    expect(encodeParameters([{ ParameterKey: 'destPrefix', ParameterValue: 'a/b' }])[0].ParameterValue).toBe('a%2Fb');
    const answer = decodeGetTask({
      id: '1',
      type: 'S3EC2',
      description: 'nightly+copy+%2F+50%25',
      parameters: [{ ParameterKey: 'destPrefix', ParameterValue: 'in%2Fcoming' }],
    });
    expect(answer.description).toBe('nightly copy / 50%');
    expect(answer.parameters![0].ParameterValue).toBe('in/coming');
  });

  it('labels chart axes with whole counts and whole bytes only (small values: ticks fall between them)', () => {
    expect([0, 0.2, 0.5, 1, 2].map(countTick)).toEqual(['0', '', '', '1', '2']);
    expect([0, 0.5, 1, 1.5, 2, 1536].map(byteTick)).toEqual(['0 B', '', '1 B', '', '2 B', '1.5 KiB']);
  });

  it('formats bytes, rates, times and progress on bytes', () => {
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatRate(0)).toBe('-');
    expect(formatRate(3 * 1024 * 1024)).toBe('3.0 MiB/s');
    expect(formatEta(3725)).toBe('1h 2m');
    expect(toDate(1_700_000_000)?.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(toDate('1700000000000')?.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(
      percentDone({
        progress: 'IN_PROGRESS',
        progressInfo: { total: 10, replicated: 9, bytesTotal: 1000, bytesDone: 100 },
      }),
    ).toBe(10);
    // Items left whose size is not known yet: not done, whatever the bytes say.
    expect(
      percentDone({
        progress: 'IN_PROGRESS',
        progressInfo: { total: 6, replicated: 1, bytesTotal: 125_868_236, bytesDone: 125_868_236 },
      }),
    ).toBe(99);
    // Ended: what made it, of all (a stopped task with 5 of 6 images pending; a failed image without a size).
    expect(
      percentDone({
        progress: 'STOPPED',
        progressInfo: { total: 6, replicated: 1, bytesTotal: 125_868_236, bytesDone: 125_868_236 },
      }),
    ).toBe(16);
    expect(
      percentDone({
        progress: 'ERROR',
        progressInfo: { total: 2, replicated: 1, failed: 1, bytesTotal: 724, bytesDone: 724 },
      }),
    ).toBe(50);
    expect(
      percentDone({
        progress: 'DONE',
        progressInfo: { total: 6, replicated: 5, skipped: 1, bytesTotal: 9, bytesDone: 9 },
      }),
    ).toBe(100);
    expect(
      taskEnds({
        type: 'S3EC2',
        parameters: [
          { ParameterKey: 'srcBucket', ParameterValue: 's' },
          { ParameterKey: 'destBucket', ParameterValue: 'd' },
          { ParameterKey: 'destPrefix', ParameterValue: 'p' },
        ],
      }),
    ).toEqual({ source: 'Amazon S3 / s', destination: 'd/p' });
    // In Chinese the source kind is Chinese too (before: "S3 compatible" in the Chinese list and task page).
    expect(
      taskEnds(
        {
          type: 'S3EC2',
          parameters: [
            { ParameterKey: 'srcEndpoint', ParameterValue: 'https://m.example.com' },
            { ParameterKey: 'srcBucket', ParameterValue: 's' },
          ],
        },
        'zh',
      ).source,
    ).toBe('Amazon S3 兼容存储 / s');
    expect(sourceName('Public', 'zh')).toBe('公共容器仓库');
    // The wizard's names, on every page: what the user chose is what the task says.
    expect(sourceName('Aliyun_OSS')).toBe('Alibaba Cloud OSS');
    expect(sourceName('Google_GCS')).toBe('Google Cloud Storage');
    expect(sourceName('Amazon_S3_Compatible')).toBe('Amazon S3 compatible storage');
    expect(sourceName('S3_Compatible')).toBe('Amazon S3 compatible storage');
    expect(sourceName('Public')).toBe('Public container registry');
  });

  it('shows JSON log lines parsed and other lines as they are', () => {
    const line = parseLogEvent(
      {
        timestamp: '1700000000000',
        message: JSON.stringify({
          time: '2023-11-14T22:13:20Z',
          level: 'info',
          event: 'worker.copied',
          taskId: 't',
          key: 'a.txt',
          bytes: 5,
        }),
      },
      0,
    );
    expect(line).toMatchObject({ level: 'info', event: 'worker.copied', text: 'key=a.txt  bytes=5' });
    expect(
      parseLogEvent({ timestamp: '1', message: '2024/01/01 ----->Transferred 1 object a with status DONE' }, 1).text,
    ).toBe('2024/01/01 ----->Transferred 1 object a with status DONE');
  });

  it('picks the best encoding a client accepts', () => {
    expect(pickEncoding('gzip, deflate, br')).toBe('br');
    expect(pickEncoding('gzip')).toBe('gzip');
    expect(pickEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(pickEncoding(undefined)).toBe('identity');
    expect(pickEncoding('*')).toBe('br');
  });
});
