import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import { usePortal } from '../../../app/context.js';
import { S3_FIELDS, type FieldContext } from '../fields.js';
import { S3_SOURCE_KEYS } from '../layout.js';
import type { FieldErrors, S3Form } from '../types.js';
import { PanelFields } from './panel-fields.js';
import type { Secret } from '../../../api/types.js';

export function S3SourcePanel(props: {
  form: S3Form;
  onChange: (key: keyof S3Form, value: string) => void;
  errors: FieldErrors;
  secrets: Secret[];
  ctx: FieldContext;
}) {
  const { t } = usePortal();
  return (
    <Container header={<Header variant="h2">{t('sourcePanel')}</Header>}>
      <PanelFields table={S3_FIELDS} keys={S3_SOURCE_KEYS} regionKind={props.form.sourceKind} {...props} />
    </Container>
  );
}
