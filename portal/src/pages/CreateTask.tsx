import { useEffect, useState } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import Tiles from '@cloudscape-design/components/tiles';
import Wizard from '@cloudscape-design/components/wizard';
import { ApiError } from '../api.js';
import { usePortal } from '../context.js';
import { EMPTY_ECR, EMPTY_S3, ecrParameters, s3Parameters, validate, type CommonForm, type EcrForm, type S3Form } from '../forms.js';
import { formatBytes } from '../format.js';
import type { StringKey } from '../i18n.js';

const S3_TYPES = ['Amazon_S3', 'Aliyun_OSS', 'Tencent_COS', 'Qiniu_Kodo', 'Google_GCS', 'S3_Compatible'];
const STORAGE = ['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE'];

/** Which wizard step shows a parameter, so an error can be shown (and the wizard sent) there. */
function stepOf(type: 'S3EC2' | 'ECR', field: string): number {
  if (field.startsWith('dest') || field === 'includeUntagged') return 2;
  if (field.startsWith('src') || field === 'isPayerRequest' || field === 'sourceType' || field === 'insecure') return 1;
  return type === 'S3EC2' || field !== 'type' ? 3 : 0;
}

export function CreateTask() {
  const { api, t, navigate } = usePortal();
  const [step, setStep] = useState(0);
  const [type, setType] = useState<'S3EC2' | 'ECR'>('S3EC2');
  const [s3, setS3] = useState<S3Form>(EMPTY_S3);
  const [ecr, setEcr] = useState<EcrForm>(EMPTY_ECR);
  const [common, setCommon] = useState<CommonForm>({ description: '', scheduleType: 'ONE_TIME', scheduleExpression: 'rate(1 hour)' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [secrets, setSecrets] = useState<string[]>([]);
  const [estimate, setEstimate] = useState<string>();
  const [submitError, setSubmitError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.call<{ listSecrets: { name: string }[] }>('{ listSecrets { name } }').then((d) => setSecrets(d.listSecrets.map((s) => s.name)), () => {});
  }, [api]);

  const params = () => (type === 'S3EC2' ? s3Parameters(s3, common) : ecrParameters(ecr, common));
  const blockingErrors = (upTo: number) => {
    const all = validate(type, params());
    return Object.fromEntries(Object.entries(all).filter(([f]) => stepOf(type, f) <= upTo));
  };

  const text = (form: 's3' | 'ecr', field: string, label: StringKey, extra: { multiline?: boolean; placeholder?: string } = {}) => {
    const value = String((form === 's3' ? s3 : ecr)[field as never] ?? '');
    const set = (v: string) => (form === 's3' ? setS3({ ...s3, [field]: v }) : setEcr({ ...ecr, [field]: v }));
    return (
      <FormField label={t(label)} errorText={errors[field]} key={field}>
        {extra.multiline
          ? <Textarea value={value} onChange={(e) => set(e.detail.value)} ariaLabel={field} placeholder={extra.placeholder} />
          : <Input value={value} onChange={(e) => set(e.detail.value)} ariaLabel={field} placeholder={extra.placeholder} />}
      </FormField>
    );
  };
  const check = (form: 's3' | 'ecr', field: string, label: StringKey) => (
    <Checkbox key={field} checked={Boolean((form === 's3' ? s3 : ecr)[field as never])}
      onChange={(e) => (form === 's3' ? setS3({ ...s3, [field]: e.detail.checked }) : setEcr({ ...ecr, [field]: e.detail.checked }))}>
      {t(label)}
    </Checkbox>
  );
  const select = (form: 's3' | 'ecr', field: string, label: StringKey, options: { value: string; label?: string }[]) => {
    const value = String((form === 's3' ? s3 : ecr)[field as never] ?? '');
    return (
      <FormField label={t(label)} errorText={errors[field]} key={field}>
        <Select ariaLabel={field} selectedOption={options.find((o) => o.value === value) ?? null} options={options}
          onChange={(e) => (form === 's3' ? setS3({ ...s3, [field]: e.detail.selectedOption.value ?? '' }) : setEcr({ ...ecr, [field]: e.detail.selectedOption.value ?? '' }))} />
      </FormField>
    );
  };
  const secretOptions = [{ value: '', label: t('sameAccount') }, ...secrets.map((s) => ({ value: s, label: s }))];

  const runEstimate = async () => {
    setEstimate(undefined);
    try {
      const d = await api.call<{ estimateTask: { scanned: number; objects: number; bytes: number; estimatedRequestCostUsd: number; estimatedTransferCostUsd: number; complete: boolean } }>(
        'query($p: [TaskParameterInput]!) { estimateTask(type: S3EC2, parameters: $p) { scanned objects bytes estimatedRequestCostUsd estimatedTransferCostUsd complete } }',
        { p: params() },
      );
      const e = d.estimateTask;
      const result = t('estimateResult', { objects: e.objects, bytes: formatBytes(e.bytes), cost: (e.estimatedRequestCostUsd + e.estimatedTransferCostUsd).toFixed(4) });
      setEstimate(e.complete === false ? `${result} ${t('estimatePartial', { scanned: e.scanned })}` : result);
    } catch (err) {
      setEstimate((err as Error).message);
    }
  };

  const create = async () => {
    const problems = blockingErrors(3);
    setErrors(problems);
    if (Object.keys(problems).length) return setStep(Math.min(...Object.keys(problems).map((f) => stepOf(type, f))));
    setBusy(true);
    setSubmitError(undefined);
    try {
      const d = await api.call<{ createTask: { id: string } }>(
        'mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }',
        { input: { type, description: common.description, scheduleType: common.scheduleType, parameters: params() } },
      );
      navigate(`/tasks/${d.createTask.id}`);
    } catch (err) {
      const e = err as ApiError;
      if (e.field) {
        setErrors({ [e.field]: e.message });
        setStep(stepOf(type, e.field));
      } else setSubmitError(e.message);
    } finally {
      setBusy(false);
    }
  };

  const s3Source = (
    <SpaceBetween size="m">
      {select('s3', 'srcType', 'srcType', S3_TYPES.map((v) => ({ value: v })))}
      {text('s3', 'srcBucket', 'bucket')}
      {text('s3', 'srcPrefix', 'prefix')}
      {text('s3', 'srcPrefixsListFile', 'prefixList')}
      {text('s3', 'srcRegion', 'region')}
      {text('s3', 'srcEndpoint', 'endpoint', { placeholder: 'https://…' })}
      {select('s3', 'srcCredentials', 'credentials', secretOptions)}
      {check('s3', 'srcSkipCompare', 'skipCompare')}
    </SpaceBetween>
  );
  const s3Dest = (
    <SpaceBetween size="m">
      {text('s3', 'destBucket', 'bucket')}
      {text('s3', 'destPrefix', 'prefix')}
      {text('s3', 'destRegion', 'region')}
      {text('s3', 'destEndpoint', 'endpoint', { placeholder: 'https://…' })}
      {select('s3', 'destCredentials', 'credentials', secretOptions)}
      {select('s3', 'destStorageClass', 'storageClass', STORAGE.map((v) => ({ value: v })))}
      {select('s3', 'destAcl', 'acl', ['', 'bucket-owner-full-control', 'private'].map((v) => ({ value: v, label: v || '-' })))}
      {select('s3', 'destSSE', 'encryption', ['None', 'AES256', 'KMS'].map((v) => ({ value: v })))}
      {s3.destSSE === 'KMS' ? text('s3', 'destKMSKey', 'kmsKey') : null}
      {check('s3', 'includeMetadata', 'includeMetadata')}
    </SpaceBetween>
  );
  const ecrSource = (
    <SpaceBetween size="m">
      <FormField label={t('imageSource')} errorText={errors.sourceType}>
        <RadioGroup value={ecr.sourceType} onChange={(e) => setEcr({ ...ecr, sourceType: e.detail.value })}
          items={[{ value: 'Amazon_ECR', label: t('amazonEcr') }, { value: 'Public', label: t('publicRegistry') }]} />
      </FormField>
      <FormField label={t('imageList')} errorText={errors.srcList}>
        <RadioGroup value={ecr.srcList} onChange={(e) => setEcr({ ...ecr, srcList: e.detail.value })}
          items={[{ value: 'SELECTED', label: t('selectedImages') }, { value: 'ALL', label: t('allImages') }]} />
      </FormField>
      {ecr.srcList === 'SELECTED' ? text('ecr', 'srcImageList', 'imageList', { multiline: true, placeholder: 'nginx:1.27\nlibrary/redis:ALL_TAGS' }) : null}
      {ecr.sourceType === 'Amazon_ECR' ? [text('ecr', 'srcRegion', 'region'), text('ecr', 'srcAccountId', 'accountId')] : null}
      {text('ecr', 'srcRegistry', 'registry')}
      {select('ecr', 'srcCredential', 'credentials', secretOptions)}
      {check('ecr', 'insecure', 'insecure')}
    </SpaceBetween>
  );
  const ecrDest = (
    <SpaceBetween size="m">
      {text('ecr', 'destRegion', 'region')}
      {text('ecr', 'destAccountId', 'accountId')}
      {text('ecr', 'destRegistry', 'registry')}
      {text('ecr', 'destPrefix', 'destPrefix')}
      {select('ecr', 'destCredential', 'credentials', secretOptions)}
      {check('ecr', 'includeUntagged', 'includeUntagged')}
    </SpaceBetween>
  );
  const settings = (
    <SpaceBetween size="m">
      <FormField label={t('description')}>
        <Input ariaLabel="description" value={common.description} onChange={(e) => setCommon({ ...common, description: e.detail.value })} />
      </FormField>
      <FormField label={t('schedule')}>
        <RadioGroup value={common.scheduleType} onChange={(e) => setCommon({ ...common, scheduleType: e.detail.value as CommonForm['scheduleType'] })}
          items={[{ value: 'ONE_TIME', label: t('oneTime') }, { value: 'FIXED_RATE', label: t('fixedRate') }]} />
      </FormField>
      {common.scheduleType === 'FIXED_RATE' ? (
        <FormField label={t('scheduleExpression')} errorText={errors.scheduleExpression}>
          <Input ariaLabel="scheduleExpression" value={common.scheduleExpression} onChange={(e) => setCommon({ ...common, scheduleExpression: e.detail.value })} />
        </FormField>
      ) : null}
      {type === 'S3EC2' ? (
        <>
          {text('s3', 'include', 'include')}
          {text('s3', 'exclude', 'exclude')}
          <FormField label={t('workers')} errorText={errors.minCapacity ?? errors.desiredCapacity ?? errors.maxCapacity}>
            <SpaceBetween direction="horizontal" size="xs">
              <Input ariaLabel="minCapacity" value={s3.minCapacity} onChange={(e) => setS3({ ...s3, minCapacity: e.detail.value })} />
              <Input ariaLabel="desiredCapacity" value={s3.desiredCapacity} onChange={(e) => setS3({ ...s3, desiredCapacity: e.detail.value })} />
              <Input ariaLabel="maxCapacity" value={s3.maxCapacity} onChange={(e) => setS3({ ...s3, maxCapacity: e.detail.value })} />
            </SpaceBetween>
          </FormField>
          {text('s3', 'alarmEmail', 'alarmEmail')}
          <SpaceBetween size="xs">
            <Button onClick={() => void runEstimate()}>{t('estimate')}</Button>
            {estimate ? <Box data-testid="estimate">{estimate}</Box> : null}
          </SpaceBetween>
        </>
      ) : null}
    </SpaceBetween>
  );
  const review = (
    <Container header={<Header variant="h2">{t('parameters')}</Header>}>
      <KeyValuePairs columns={3} items={params().map((p) => ({ label: p.ParameterKey, value: p.ParameterValue }))} />
      {submitError ? <Alert type="error">{submitError}</Alert> : null}
    </Container>
  );

  return (
    <Wizard
      activeStepIndex={step}
      isLoadingNextStep={busy}
      onCancel={() => navigate('/tasks')}
      onSubmit={() => void create()}
      onNavigate={(e) => {
        if (e.detail.requestedStepIndex > step) {
          const problems = blockingErrors(step);
          setErrors(problems);
          if (Object.keys(problems).length) return;
        }
        setStep(e.detail.requestedStepIndex);
      }}
      i18nStrings={{
        stepNumberLabel: (n) => `${n}`, collapsedStepsLabel: (n, total) => `${n} / ${total}`,
        cancelButton: t('cancel'), previousButton: t('previous'), nextButton: t('next'), submitButton: t('create'),
      }}
      steps={[
        { title: t('chooseEngine'), content: (
          <Tiles value={type} onChange={(e) => setType(e.detail.value as 'S3EC2' | 'ECR')}
            items={[{ value: 'S3EC2', label: t('s3Engine') }, { value: 'ECR', label: t('ecrEngine') }]} />
        ) },
        { title: t('source'), content: type === 'S3EC2' ? s3Source : ecrSource },
        { title: t('destination'), content: type === 'S3EC2' ? s3Dest : ecrDest },
        { title: t('settings'), content: settings },
        { title: t('review'), content: review },
      ]}
    />
  );
}
