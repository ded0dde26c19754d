/**
 * Review: every choice, by step, in human words with an Edit link to its step, and the exact parameter list the task
 * is created with (the original's "Task Parameters" table).
 */
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import type { Task } from '../../../api/types.js';
import { usePortal } from '../../../app/context.js';
import type { StringKey } from '../../../i18n/index.js';
import { parameterItems, parameterValue, scheduleText } from '../../task-detail/parameter-pairs.js';
import { labelOf, COMMON_TEXT, text } from '../fields.js';
import {
  ECR_DESTINATION_KEYS,
  ECR_SOURCE_KEYS,
  S3_DESTINATION_KEYS,
  S3_ENGINE_KEYS,
  S3_FILTER_KEYS,
  S3_SOURCE_KEYS,
  STEP,
} from '../layout.js';
import type { CreateTaskInput } from '../types.js';

/** Parameters of a step: those its fields send (a console-only choice such as sourceKind maps to srcType). */
const SENT_BY: Record<string, string[]> = { sourceKind: ['srcType'], transferType: [], destKind: [] };

function sentKeys(fieldKeys: readonly string[]): string[] {
  return fieldKeys.flatMap((k) => SENT_BY[k] ?? [k]);
}

export function ReviewPanel({ input, onEdit }: { input: CreateTaskInput; onEdit: (step: number) => void }) {
  const { t, lang, local } = usePortal();
  // The review reads the input the way the task page will show the task.
  const task: Task = {
    id: '',
    type: input.type,
    scheduleType: input.scheduleType,
    description: input.description,
    parameters: input.parameters,
  };
  const pairs = (keys: string[]) => parameterItems(task, keys, { t, lang, local });
  const s3 = input.type === 'S3EC2';
  const section = (title: StringKey, step: number, items: { label: string; value: string }[]) => (
    <Container
      header={
        <Header variant="h2" actions={<Button onClick={() => onEdit(step)}>{t('reviewEdit')}</Button>}>
          {t(title)}
        </Header>
      }
    >
      <KeyValuePairs columns={3} items={items.length ? items : [{ label: t('none'), value: t('none') }]} />
    </Container>
  );
  return (
    <SpaceBetween size="l">
      {section('wizardStepEngine', STEP.engine, [{ label: t('engineType'), value: t(s3 ? 'engineS3' : 'engineEcr') }])}
      {section('wizardStepSource', STEP.source, pairs(sentKeys(s3 ? S3_SOURCE_KEYS : ECR_SOURCE_KEYS)))}
      {section(
        'wizardStepDestination',
        STEP.destination,
        pairs(sentKeys(s3 ? S3_DESTINATION_KEYS : ECR_DESTINATION_KEYS)),
      )}
      {section('wizardStepSettings', STEP.settings, [
        { label: text(COMMON_TEXT.schedule.label, lang), value: scheduleText(task, t) },
        { label: text(COMMON_TEXT.description.label, lang), value: input.description || t('none') },
        {
          label: text(COMMON_TEXT.alarmEmail.label, lang),
          value: input.parameters.find((p) => p.ParameterKey === 'alarmEmail')?.ParameterValue || t('none'),
        },
        ...(s3 ? pairs([...S3_ENGINE_KEYS, ...S3_FILTER_KEYS]) : []),
      ])}
      <Table
        variant="container"
        header={<Header variant="h2">{t('reviewParameters', { count: input.parameters.length })}</Header>}
        items={input.parameters}
        trackBy="ParameterKey"
        wrapLines
        ariaLabels={{ tableLabel: t('reviewParameters', { count: input.parameters.length }) }}
        columnDefinitions={[
          {
            id: 'label',
            header: t('reviewParameter'),
            cell: (p) => labelOf(input.type, p.ParameterKey, lang),
            isRowHeader: true,
          },
          // In words, as the sections above and the task page say it, with the value sent in brackets where it differs
          // (what a script creating the same task passes).
          {
            id: 'value',
            header: t('reviewValue'),
            cell: (p) => {
              const shown = parameterValue(task, p.ParameterKey, t, lang);
              return p.ParameterValue && shown !== p.ParameterValue ? `${shown} (${p.ParameterValue})` : shown;
            },
          },
        ]}
      />
    </SpaceBetween>
  );
}
