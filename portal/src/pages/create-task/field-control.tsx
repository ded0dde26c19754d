/** Renders one field of the field table: FormField (label, description, constraint, error) around its control. */
import Autosuggest from '@cloudscape-design/components/autosuggest';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select, { type SelectProps } from '@cloudscape-design/components/select';
import Textarea from '@cloudscape-design/components/textarea';
import Toggle from '@cloudscape-design/components/toggle';
import type { Secret } from '../../api/types.js';
import { usePortal } from '../../app/context.js';
import { SECRET_KIND, type SecretKind, type SecretShape } from '../../../../worker/core/secret-shape.js';
import type { StringKey } from '../../i18n/index.js';
import { isShown, text, type FieldContext, type FieldDef } from './fields.js';
import { regionOptions } from './regions.js';

export interface FieldControlProps<F> {
  def: FieldDef<F>;
  form: F;
  onChange: (key: keyof F & string, value: string) => void;
  error?: string;
  secrets: Secret[];
  ctx: FieldContext;
  /** Region suggestions follow the store (e.g. Aliyun regions for an OSS source). */
  regionKind?: string;
}

export function FieldControl<F>({ def, form, onChange, error, secrets, ctx, regionKind }: FieldControlProps<F>) {
  const { t, lang } = usePortal();
  if (!isShown(def, form, ctx)) return null;
  const value = String(form[def.key] ?? '');
  const set = (v: string) => onChange(def.key, v);
  const label = text(def.label, lang);
  const field = (control: React.ReactNode, withLabel = true) => (
    <FormField
      label={withLabel ? label : undefined}
      description={def.description ? text(def.description, lang) : undefined}
      constraintText={
        def.constraint
          ? text(typeof def.constraint === 'function' ? def.constraint(form) : def.constraint, lang)
          : undefined
      }
      errorText={error}
    >
      {control}
    </FormField>
  );
  const options = [...(def.extraOptions?.(form) ?? []), ...(def.options ?? [])].map((o) => ({
    value: o.value,
    label: text(o.label, lang),
  }));
  switch (def.control) {
    case 'textarea':
      return field(
        <Textarea
          value={value}
          onChange={(e) => set(e.detail.value)}
          placeholder={def.placeholder}
          rows={5}
          invalid={Boolean(error)}
        />,
      );
    case 'select':
      return field(
        <Select
          selectedOption={options.find((o) => o.value === value) ?? null}
          options={options}
          invalid={Boolean(error)}
          onChange={(e) => set(e.detail.selectedOption.value ?? '')}
        />,
      );
    case 'radio':
      return field(<RadioGroup value={value} items={options} onChange={(e) => set(e.detail.value)} />);
    case 'toggle':
      return field(
        <Toggle checked={value === 'true'} onChange={(e) => set(e.detail.checked ? 'true' : 'false')}>
          {label}
        </Toggle>,
        false,
      );
    case 'secret': {
      const secretOptions = [
        { value: '', label: t('noneSecret'), description: t('noneSecretDescription') },
        ...secrets.map((s) => secretOption(s, def.takesSecrets?.(form), t)),
      ];
      return field(
        <Select
          selectedOption={secretOptions.find((o) => o.value === value) ?? secretOptions[0]}
          options={secretOptions}
          filteringType="auto"
          invalid={Boolean(error)}
          onChange={(e) => set(e.detail.selectedOption.value ?? '')}
        />,
      );
    }
    case 'region':
      return field(
        <Autosuggest
          value={value}
          onChange={(e) => set(e.detail.value)}
          options={regionOptions(regionKind ?? '', lang)}
          placeholder={t('regionPlaceholder')}
          enteredTextLabel={(v) => t('enteredText', { value: v })}
          invalid={Boolean(error)}
          empty={t('regionPlaceholder')}
        />,
      );
    default:
      return field(
        <Input
          value={value}
          onChange={(e) => set(e.detail.value)}
          placeholder={def.placeholder}
          invalid={Boolean(error)}
        />,
      );
  }
}

/**
 * A secret as a credential field's option: one of a kind its side does not read is offered disabled, saying what it
 * holds (before: offered alike, and the task refused at Create, or started to fail at its first request).
 */
function secretOption(
  secret: Secret,
  takes: readonly SecretShape[] | undefined,
  t: ReturnType<typeof usePortal>['t'],
): SelectProps.Option {
  const shape = secret.kind ? SHAPE_OF_KIND[secret.kind] : undefined;
  const refused = takes && shape && !takes.includes(shape);
  return {
    value: secret.name,
    label: secret.name,
    description: secret.description ?? undefined,
    disabled: Boolean(refused),
    disabledReason: refused && shape ? t(SECRET_HOLDS[shape]) : undefined,
  };
}

const SHAPE_OF_KIND = Object.fromEntries(Object.entries(SECRET_KIND).map(([shape, kind]) => [kind, shape])) as Record<
  SecretKind,
  SecretShape
>;
const SECRET_HOLDS: Record<SecretShape, StringKey> = {
  keys: 'secretHoldsKeys',
  login: 'secretHoldsLogin',
  unknown: 'secretHoldsOther',
};
