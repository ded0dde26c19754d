/** S3 engine settings (worker fleet, finder) and key filters, folded away: the defaults suit most transfers. */
import ColumnLayout from '@cloudscape-design/components/column-layout';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useState } from 'react';
import { usePortal } from '../../../app/context.js';
import { S3_FIELDS, type FieldContext } from '../fields.js';
import { FieldControl } from '../field-control.js';
import { S3_ENGINE_KEYS, S3_FILTER_KEYS } from '../layout.js';
import type { FieldErrors, S3Form } from '../types.js';

/**
 * A folded section's state: open when asked, or as soon as a field in it has an error, and kept open when the errors
 * are fixed (before, the engine section was rebuilt folded the moment its last error cleared, hiding the field edited).
 */
function useOpenOnError(hasError: boolean, initially: boolean) {
  const [open, setOpen] = useState(initially || hasError);
  useEffect(() => {
    if (hasError) setOpen(true);
  }, [hasError]);
  return { expanded: open, onChange: ({ detail }: { detail: { expanded: boolean } }) => setOpen(detail.expanded) };
}

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
  const engine = useOpenOnError(
    S3_ENGINE_KEYS.some((k) => errors[k]),
    false,
  );
  const filters = useOpenOnError(
    S3_FILTER_KEYS.some((k) => errors[k]),
    Boolean(form.include || form.exclude),
  );
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
        {...engine}
      >
        <ColumnLayout columns={2}>{S3_ENGINE_KEYS.map(control)}</ColumnLayout>
      </ExpandableSection>
      <ExpandableSection variant="container" headerText={t('filtersPanel')} {...filters}>
        <SpaceBetween size="l">{S3_FILTER_KEYS.map(control)}</SpaceBetween>
      </ExpandableSection>
    </SpaceBetween>
  );
}
