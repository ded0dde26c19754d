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
import {
  createTaskInput, fieldsOf, fieldText, formParameters, initialValues, specOf, stepOf, validate, type CommonForm, type FieldDef, type FormValues, type TaskKind,
} from '../forms.js';
import { formatBytes } from '../format.js';

export function CreateTask() {
  const { api, t, lang, navigate } = usePortal();
  const [step, setStep] = useState(0);
  const [type, setType] = useState<TaskKind>('S3EC2');
  const [forms, setForms] = useState<Record<TaskKind, FormValues>>({ S3EC2: initialValues('S3EC2'), ECR: initialValues('ECR') });
  const [common, setCommon] = useState<CommonForm>({ description: '', scheduleType: 'ONE_TIME', ec2CronExpression: '0 */1 ? * * *' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [secrets, setSecrets] = useState<string[]>([]);
  const [estimate, setEstimate] = useState<string>();
  const [submitError, setSubmitError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.call<{ listSecrets: { name: string }[] }>('{ listSecrets { name } }').then((d) => setSecrets(d.listSecrets.map((s) => s.name)), () => {});
  }, [api]);

  const values = forms[type];
  const set = (name: string, value: string) => setForms({ ...forms, [type]: { ...values, [name]: value } });
  const params = () => formParameters(type, values, common);
  const blockingErrors = (upTo: number) => {
    const all = validate(type, params(), common);
    return Object.fromEntries(Object.entries(all).filter(([f]) => stepOf(type, f) <= upTo));
  };
  const secretOptions = [{ value: '', label: t('noSecret') }, ...secrets.map((s) => ({ value: s, label: s }))];

  /** One wizard field, drawn from the parameter schema: label, help, options; the parameter name is its aria label. */
  const field = (f: FieldDef) => {
    if (f.when && !f.when(values)) return null;
    const spec = specOf(type, f.name);
    const text = fieldText(type, f.name, lang);
    const value = values[f.name] ?? '';
    if (spec.kind === 'boolean') {
      return (
        <FormField key={f.name} description={text.help} errorText={errors[f.name]}>
          <Checkbox checked={value === 'true'} onChange={(e) => set(f.name, String(e.detail.checked))}>{text.label}</Checkbox>
        </FormField>
      );
    }
    const options = f.control === 'secret' ? secretOptions : text.options;
    return (
      <FormField key={f.name} label={text.label} description={text.help} errorText={errors[f.name]}
        constraintText={spec.required ? t('required') : undefined}>
        {options
          ? <Select ariaLabel={f.name} selectedOption={options.find((o) => o.value === value) ?? null} options={options}
              onChange={(e) => set(f.name, e.detail.selectedOption.value ?? '')} />
          : f.control === 'textarea'
            ? <Textarea value={value} onChange={(e) => set(f.name, e.detail.value)} ariaLabel={f.name} />
            : <Input value={value} onChange={(e) => set(f.name, e.detail.value)} ariaLabel={f.name} />}
      </FormField>
    );
  };
  const fieldsFor = (s: 1 | 2 | 3) => <SpaceBetween size="m">{fieldsOf(type).filter((f) => f.step === s).map(field)}</SpaceBetween>;

  const runEstimate = async () => {
    setEstimate(undefined);
    try {
      const d = await api.call<{ estimateTask: { scanned: number; objects: number; bytes: number; estimatedRequestCostUsd: number; estimatedTransferCostUsd: number; complete: boolean } }>(
        'query($p: [TaskParameterInput]!) { estimateTask(type: S3EC2, parameters: $p) { scanned objects bytes estimatedRequestCostUsd estimatedTransferCostUsd complete } }',
        { p: createTaskInput(type, values, common).parameters.filter((p) => p.ParameterKey !== 'ec2CronExpression') },
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
        { input: createTaskInput(type, values, common) },
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

  const settings = (
    <SpaceBetween size="m">
      <FormField label={t('description')} description={t('descriptionHelp')} errorText={errors.description}>
        <Input ariaLabel="description" value={common.description} onChange={(e) => setCommon({ ...common, description: e.detail.value })} />
      </FormField>
      <FormField label={t('schedule')} errorText={errors.scheduleType}>
        <RadioGroup value={common.scheduleType} onChange={(e) => setCommon({ ...common, scheduleType: e.detail.value as CommonForm['scheduleType'] })}
          items={[{ value: 'ONE_TIME', label: t('oneTime') }, { value: 'FIXED_RATE', label: t('fixedRate') }]} />
      </FormField>
      {common.scheduleType === 'FIXED_RATE' ? (
        <FormField label={fieldText(type, 'ec2CronExpression', lang).label} description={fieldText(type, 'ec2CronExpression', lang).help}
          errorText={errors.ec2CronExpression}>
          <Input ariaLabel="ec2CronExpression" value={common.ec2CronExpression} onChange={(e) => setCommon({ ...common, ec2CronExpression: e.detail.value })} />
        </FormField>
      ) : null}
      {fieldsFor(3)}
      {type === 'S3EC2' ? (
        <SpaceBetween size="xs">
          <Button onClick={() => void runEstimate()}>{t('estimate')}</Button>
          {estimate ? <Box data-testid="estimate">{estimate}</Box> : null}
        </SpaceBetween>
      ) : null}
    </SpaceBetween>
  );
  const review = (
    <Container header={<Header variant="h2">{t('parameters')}</Header>}>
      <KeyValuePairs columns={3} items={params().filter((p) => p.ParameterValue !== '').map((p) => ({ label: fieldText(type, p.ParameterKey, lang).label, value: p.ParameterValue }))} />
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
          <Tiles value={type} onChange={(e) => setType(e.detail.value as TaskKind)}
            items={[{ value: 'S3EC2', label: t('s3Engine') }, { value: 'ECR', label: t('ecrEngine') }]} />
        ) },
        { title: t('source'), content: fieldsFor(1) },
        { title: t('destination'), content: fieldsFor(2) },
        { title: t('settings'), content: settings },
        { title: t('review'), content: review },
      ]}
    />
  );
}
