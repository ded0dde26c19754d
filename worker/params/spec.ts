/**
 * The shape of one task parameter's definition. Every consumer — the engine parsers, the plugin templates'
 * CloudFormation parameters, the console's fields, the CLI flags and the README table — reads these records, so a
 * parameter's name, values, default and wording exist once. Pure data: this folder imports nothing outside itself.
 */

/** Which side of a transfer a parameter belongs to; errors and the console group fields by it. */
export type ParamSide = 'source' | 'destination' | 'task' | 'engine';

/** Human words for each side, as error messages say them ("Source bucket (srcBucket): …"). */
export const SIDE_WORDS: Record<ParamSide, string> = {
  source: 'Source',
  destination: 'Destination',
  task: 'Task',
  engine: 'Engine',
};

/** How a value is read and checked. */
export type ParamKind =
  | 'text'
  | 'enum'
  | 'boolean'
  | 'integer'
  | 'bytes'
  | 'bucket'
  | 'region'
  | 'endpoint'
  | 'prefix'
  | 'objectKey'
  | 'secretName'
  | 'email'
  | 'schedule'
  | 'patterns'
  | 'accountId'
  | 'imageList'
  | 'registry'
  | 'idList';

/** Kinds whose value is a comma-separated list: given several times (a repeated flag, a JSON array), joined. */
export const LIST_KINDS: ReadonlySet<ParamKind> = new Set<ParamKind>(['patterns', 'imageList', 'idList']);

export interface Localized {
  en: string;
  zh: string;
}

/** An older name (or value) we keep accepting because a user of an earlier version of this project may have it. */
export interface ParamAlias {
  name: string;
  /** Values of the older name that map to a value of this parameter (e.g. destSSE=KMS → AWS_KMS). */
  values?: Record<string, string>;
  /** Why it exists / who could have it. */
  note: string;
}

/** The CloudFormation parameter groups of the plugin templates (AWS::CloudFormation::Interface), as the original's. */
export type TemplateGroup =
  | 'Type'
  | 'Source Information'
  | 'Destination Information'
  | 'Notification Information'
  | 'EC2 Cluster Information'
  | 'ECS Cluster Information'
  | 'Advanced Options';

export interface TemplateDeclaration {
  group: TemplateGroup;
  /** ParameterLabels entry (the original's label where it had one). */
  label: string;
  /** CloudFormation type; String unless said otherwise. */
  cfnType?: 'String' | 'Number';
  /** A pattern CloudFormation checks (blank always allowed where the parameter is optional). */
  allowedPattern?: string;
  constraintDescription?: string;
  minValue?: number;
}

export interface ParamSpec {
  /** The original Data Transfer Hub's name (ours, for parameters the original lacks). */
  readonly name: string;
  readonly kind: ParamKind;
  /** Allowed values (enum, boolean), from one `as const` value set. */
  readonly values?: readonly string[];
  /** Extra values accepted for compatibility and what they mean (e.g. srcType=S3_Compatible). */
  readonly valueAliases?: Record<string, string>;
  /** The value when the parameter is absent or blank (as CloudFormation would pass it); undefined = none. */
  readonly default?: string;
  /** Blank is an error. */
  readonly required?: boolean;
  /** Whole-number bounds (integer kind). */
  readonly min?: number;
  readonly max?: number;
  readonly side: ParamSide;
  /** One sentence: what it does (CloudFormation Description, README, CLI --help). */
  readonly description: string;
  /** Console label and help text. */
  readonly label: Localized;
  readonly help: Localized;
  /** Console labels of enum values, where the raw value is not a human word. */
  readonly valueLabels?: Record<string, Localized>;
  /** The default the console pre-fills when it differs from `default` (the original's console did so too). */
  readonly consoleDefault?: string;
  /** The plugin template declares it (false: local engines only; createTask in the cloud refuses it). */
  readonly template: TemplateDeclaration | false;
  /** CLI flag without dashes (`dth s3 sync --src-bucket`); false: params file only. */
  readonly cli: string | false;
  readonly aliases?: readonly ParamAlias[];
  /** Where the parameter comes from. */
  readonly origin: 'original' | 'ours';
  /** Accepted for compatibility and checked, but has no effect here: why. */
  readonly unused?: string;
  /** The original's API sends and answers it URL-encoded (decoded on createTask, encoded in getTask). */
  readonly urlEncoded?: boolean;
}

/**
 * A value as the parameter takes it: a prefix as given (a key may begin or end with spaces; the original lists with it
 * unchanged), any other value trimmed.
 */
export function givenValue(spec: Pick<ParamSpec, 'kind'>, value: string): string {
  return spec.kind === 'prefix' ? value : value.trim();
}

/** The same record, typed so that `name` keeps its literal type. */
export function param<const N extends string>(spec: ParamSpec & { name: N }): ParamSpec & { name: N } {
  return spec;
}

/** Lookup by name or older alias name. */
export function specIndex(specs: readonly ParamSpec[]): Map<string, { spec: ParamSpec; alias?: ParamAlias }> {
  const index = new Map<string, { spec: ParamSpec; alias?: ParamAlias }>();
  for (const spec of specs) {
    index.set(spec.name, { spec });
    for (const alias of spec.aliases ?? []) index.set(alias.name, { spec, alias });
  }
  return index;
}

/**
 * The side an error must say in words for this parameter: its side when the label does not already start with it
 * ("Storage class" of destStorageClass), else undefined ("Source bucket").
 */
export function unsaidSide(spec: Pick<ParamSpec, 'side' | 'label'>): 'source' | 'destination' | undefined {
  if (spec.side !== 'source' && spec.side !== 'destination') return undefined;
  return spec.label.en.startsWith(SIDE_WORDS[spec.side]) ? undefined : spec.side;
}

/** A parameter's English label, as errors raised outside the parsers name it ("Finder depth"). */
export function fieldLabel(specs: readonly ParamSpec[], name: string): string | undefined {
  return specs.find((p) => p.name === name)?.label.en;
}

/** The side an error raised outside the parsers adds to the label (none when the label says it: "Source bucket"). */
export function fieldSide(specs: readonly ParamSpec[], name: string): 'source' | 'destination' | undefined {
  const spec = specs.find((p) => p.name === name);
  return spec && unsaidSide(spec);
}

/** "Source bucket (srcBucket)", "Storage class (destStorageClass, destination side)": how an error names a parameter. */
export function humanName(spec: Pick<ParamSpec, 'name' | 'label' | 'side'>): string {
  const side = unsaidSide(spec);
  return `${spec.label.en} (${spec.name}${side ? `, ${side} side` : ''})`;
}

/** Edit distance (insert, delete, replace, swap of neighbours), case-insensitive: how far a misspelt name is. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d = Array.from({ length: x.length + 1 }, (_, i) => [i, ...Array<number>(y.length).fill(0)]);
  for (let j = 1; j <= y.length; j++) d[0][j] = j;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[x.length][y.length];
}

/** The candidate an unknown name most likely meant, when it is close enough to be a slip. */
export function closestName(candidates: Iterable<string>, name: string): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const candidate of candidates) {
    const d = distance(name, candidate);
    if (!best || d < best.d) best = { name: candidate, d };
  }
  if (best && best.d <= Math.max(2, Math.floor(name.length / 6))) return best.name;
  return wholeWordsOf(candidates, name);
}

/**
 * The longest candidate that the name begins with, whole words of it (`data-dir` for `data`, `srcBucketName` for
 * `srcBucket`): a name with a word added, too far for a slip but plainly meant.
 */
function wholeWordsOf(candidates: Iterable<string>, name: string): string | undefined {
  let found: string | undefined;
  for (const candidate of candidates) {
    const next = name.charAt(candidate.length);
    const atWordEnd = next === '-' || next === '_' || (next >= 'A' && next <= 'Z');
    if (candidate.length >= 3 && atWordEnd && name.startsWith(candidate) && candidate.length > (found?.length ?? 0))
      found = candidate;
  }
  return found;
}

/** The parameter (or older alias) an unknown parameter name most likely meant. */
export function closestParameterName(specs: readonly ParamSpec[], name: string): string | undefined {
  return closestName(
    specs.flatMap((spec) => [spec.name, ...(spec.aliases ?? []).map((a) => a.name)]),
    name,
  );
}
