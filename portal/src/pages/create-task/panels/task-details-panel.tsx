/** Description and alarm e-mail (both task types). */
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { MAX_DESCRIPTION } from '../../../../../control-plane/core/validate-task.js';
import { usePortal } from '../../../app/context.js';
import { COMMON_TEXT, text } from '../fields.js';
import type { CommonForm, FieldErrors } from '../types.js';

export function TaskDetailsPanel({
  common,
  onChange,
  errors,
}: {
  common: CommonForm;
  onChange: (patch: Partial<CommonForm>) => void;
  errors: FieldErrors;
}) {
  const { t, lang, local } = usePortal();
  const d = COMMON_TEXT.description;
  const e = COMMON_TEXT.alarmEmail;
  return (
    <Container header={<Header variant="h2">{t('notificationPanel')}</Header>}>
      <SpaceBetween size="l">
        <FormField
          label={text(d.label, lang)}
          description={text(d.description, lang)}
          errorText={errors.description}
          constraintText={`${text(d.constraint, lang)} (${common.description.length}/${MAX_DESCRIPTION})`}
        >
          <Input
            value={common.description}
            onChange={(ev) => onChange({ description: ev.detail.value })}
            invalid={Boolean(errors.description)}
          />
        </FormField>
        <FormField
          label={text(e.label, lang)}
          description={text(e.description, lang)}
          errorText={errors.alarmEmail}
          constraintText={text(local ? e.constraintLocal : e.constraintCloud, lang)}
        >
          <Input
            type="email"
            value={common.alarmEmail}
            onChange={(ev) => onChange({ alarmEmail: ev.detail.value })}
            invalid={Boolean(errors.alarmEmail)}
          />
        </FormField>
      </SpaceBetween>
    </Container>
  );
}
