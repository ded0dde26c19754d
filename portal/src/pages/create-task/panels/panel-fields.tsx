import SpaceBetween from '@cloudscape-design/components/space-between';
import type { FieldContext, FieldTable } from '../fields.js';
import { FieldControl } from '../field-control.js';
import type { FieldErrors } from '../types.js';
import type { Secret } from '../../../api/types.js';

/** The fields of one panel, in the order given, from the field table. */
export function PanelFields<F>({
  table,
  keys,
  form,
  onChange,
  errors,
  secrets,
  ctx,
  regionKind,
}: {
  table: FieldTable<F>;
  keys: readonly (keyof F & string)[];
  form: F;
  onChange: (key: keyof F & string, value: string) => void;
  errors: FieldErrors;
  secrets: Secret[];
  ctx: FieldContext;
  regionKind?: string;
}) {
  return (
    <SpaceBetween size="l">
      {keys.map((key) => {
        const def = table[key];
        return def ? (
          <FieldControl
            key={key}
            def={def}
            form={form}
            onChange={onChange}
            error={errors[key]}
            secrets={secrets}
            ctx={ctx}
            regionKind={regionKind}
          />
        ) : null;
      })}
    </SpaceBetween>
  );
}
