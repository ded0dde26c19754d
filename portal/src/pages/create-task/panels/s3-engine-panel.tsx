/** S3 engine settings (worker fleet, finder) and key filters, folded away: the defaults suit most transfers. */
import ColumnLayout from '@cloudscape-design/components/column-layout';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { usePortal } from '../../../app/context.js';
import { S3_FIELDS, type FieldContext } from '../fields.js';
import { FieldControl } from '../field-control.js';
import { S3_ENGINE_KEYS, S3_FILTER_KEYS } from '../layout.js';
import type { FieldErrors, S3Form } from '../types.js';

export function S3EnginePanel({
  form,
  onChange,
  errors,
  ctx,
}: {
  form: S3Form;
  onChange: (key: keyof S3Form, value: string) => void;
  errors: FieldErrors;
  ctx: FieldContext;
}) {
  const { t } = usePortal();
  const hasError = [...S3_ENGINE_KEYS, ...S3_FILTER_KEYS].some((k) => errors[k]);
  const control = (key: keyof S3Form & string) => {
    const def = S3_FIELDS[key];
    return def ? (
      <FieldControl key={key} def={def} form={form} onChange={onChange} error={errors[key]} secrets={[]} ctx={ctx} />
    ) : null;
  };
  return (
    <SpaceBetween size="l">
      <ExpandableSection
        variant="container"
        headerText={t('enginePanel')}
        headerDescription={t('enginePanelDescription')}
        defaultExpanded={hasError}
        key={hasError ? 'open' : 'closed'}
      >
        <ColumnLayout columns={2}>{S3_ENGINE_KEYS.map(control)}</ColumnLayout>
      </ExpandableSection>
      <ExpandableSection
        variant="container"
        headerText={t('filtersPanel')}
        defaultExpanded={hasError || Boolean(form.include || form.exclude)}
      >
        <SpaceBetween size="l">{S3_FILTER_KEYS.map(control)}</SpaceBetween>
      </ExpandableSection>
    </SpaceBetween>
  );
}
