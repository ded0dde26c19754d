import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import { usePortal } from '../../../app/context.js';
import { ECR_FIELDS, type FieldContext } from '../fields.js';
import { ECR_DESTINATION_KEYS } from '../layout.js';
import type { EcrForm, FieldErrors } from '../types.js';
import { PanelFields } from './panel-fields.js';
import type { Secret } from '../../../api/types.js';

export function EcrDestinationPanel(props: {
  form: EcrForm;
  onChange: (key: keyof EcrForm, value: string) => void;
  errors: FieldErrors;
  secrets: Secret[];
  ctx: FieldContext;
}) {
  const { t } = usePortal();
  return (
    <Container header={<Header variant="h2">{t('destinationPanel')}</Header>}>
      <PanelFields table={ECR_FIELDS} keys={ECR_DESTINATION_KEYS} regionKind="Amazon_ECR" {...props} />
    </Container>
  );
}
