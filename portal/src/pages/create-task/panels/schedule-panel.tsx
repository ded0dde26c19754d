/**
 * The schedule builder (the original's DrhCron): one time, a fixed rate every n minutes / hours / days, or a cron
 * expression; sent as ec2CronExpression. Image tasks: one time or the plugin's daily run.
 */
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { TaskType } from '../../../api/types.js';
import { usePortal } from '../../../app/context.js';
import { COMMON_TEXT, text } from '../fields.js';
import type { ScheduleForm } from '../types.js';

export function SchedulePanel({
  type,
  schedule,
  onChange,
  error,
  eventsOn,
}: {
  type: TaskType;
  schedule: ScheduleForm;
  onChange: (schedule: ScheduleForm) => void;
  error?: string;
  /** S3 events on: the task must keep running, so one time is not offered (as the original). */
  eventsOn: boolean;
}) {
  const { t, lang } = usePortal();
  const set = (patch: Partial<ScheduleForm>) => onChange({ ...schedule, ...patch });
  const units = [
    { value: 'minutes', label: t('unitMinutes') },
    { value: 'hours', label: t('unitHours') },
    { value: 'days', label: t('unitDays') },
  ];
  const kinds =
    type === 'S3EC2'
      ? [
          {
            value: 'ONE_TIME',
            label: t('scheduleOneTimeOption'),
            description: t('scheduleOneTimeHint'),
            disabled: eventsOn,
          },
          { value: 'FIXED_RATE', label: t('scheduleFixedRateOption') },
          { value: 'CRON', label: t('scheduleCronOption') },
        ]
      : [
          { value: 'ONE_TIME', label: t('scheduleOneTimeOption') },
          { value: 'FIXED_RATE', label: t('ecrScheduleFixedRate') },
        ];
  return (
    <Container header={<Header variant="h2">{t('schedulePanel')}</Header>}>
      <SpaceBetween size="l">
        <FormField
          label={text(COMMON_TEXT.schedule.label, lang)}
          description={text(COMMON_TEXT.schedule.description, lang)}
          constraintText={eventsOn ? t('scheduleEventsNote') : undefined}
          errorText={schedule.kind === 'ONE_TIME' || type === 'ECR' ? error : undefined}
        >
          <RadioGroup
            value={schedule.kind}
            items={kinds}
            onChange={(e) => set({ kind: e.detail.value as ScheduleForm['kind'] })}
          />
        </FormField>
        {type === 'S3EC2' && schedule.kind === 'FIXED_RATE' ? (
          <FormField label={t('scheduleEvery')} errorText={error} constraintText={t('scheduleEveryConstraint')}>
            <SpaceBetween direction="horizontal" size="xs">
              <div style={{ width: 120 }}>
                <Input
                  type="number"
                  inputMode="numeric"
                  value={schedule.every}
                  onChange={(e) => set({ every: e.detail.value })}
                  invalid={Boolean(error)}
                />
              </div>
              <Select
                ariaLabel={t('scheduleUnit')}
                selectedOption={units.find((u) => u.value === schedule.unit) ?? null}
                options={units}
                onChange={(e) => set({ unit: e.detail.selectedOption.value as ScheduleForm['unit'] })}
              />
            </SpaceBetween>
          </FormField>
        ) : null}
        {type === 'S3EC2' && schedule.kind === 'CRON' ? (
          <FormField label={t('scheduleCron')} description={t('scheduleCronDescription')} errorText={error}>
            <Input
              value={schedule.cron}
              placeholder="0/5 * * * ? *"
              onChange={(e) => set({ cron: e.detail.value })}
              invalid={Boolean(error)}
            />
          </FormField>
        ) : null}
      </SpaceBetween>
    </Container>
  );
}
