/**
 * The secrets a task names must exist when it is created, and be of the kind their side reads. Without this check the
 * task is stored, starts, and ends in ERROR at its first listing with `secret "x" was not found` (or "must hold
 * access_key_id…"), which the form should have told the user. Names and field names only: values are never returned
 * or kept here.
 */
import { InvalidParameterError } from '../../worker/core/errors.js';
import {
  type CredentialField,
  type SecretShape,
  secretShape,
  SECRET_KIND,
  type SecretKind,
  secretShapesTaken,
} from '../../worker/core/secret-shape.js';
import { destinationIsEcr } from '../../worker/ecr/params.js';
import { parametersOf } from '../../worker/params/index.js';
import type { SecretLister } from './ports.js';
import type { ValidTask } from './validate-task.js';

/** A secret a task reads, the parameter that names it, and the kinds its side reads (the first one said). */
export interface NamedSecret {
  field: string;
  secretName: string;
  takes: readonly SecretShape[];
}

const SHAPE_WORDS: Record<SecretShape, string> = {
  keys: 'access_key_id and secret_access_key',
  login: 'username and password',
  unknown: 'neither access keys nor a login',
};

/** The secrets the task's engines will read (a side in this account reads none, even if a name is given). */
export function secretsNamedBy(task: Pick<ValidTask, 'engine'>): NamedSecret[] {
  const named = (field: CredentialField, secretName: string | undefined, destIsEcr = false): NamedSecret[] =>
    secretName ? [{ field, secretName, takes: secretShapesTaken(field, destIsEcr) }] : [];
  if (task.engine.type === 'S3EC2') {
    const { srcAuth, destAuth } = task.engine.params;
    return [
      ...named('srcCredentials', srcAuth.kind === 'secret' ? srcAuth.secretName : undefined),
      ...named('destCredentials', destAuth.kind === 'secret' ? destAuth.secretName : undefined),
    ];
  }
  const { srcCredential, destCredential } = task.engine.params;
  return [
    ...named('srcCredential', srcCredential || undefined),
    ...named('destCredential', destCredential || undefined, destinationIsEcr(task.engine.params)),
  ];
}

const SHOWN_NAMES = 10;

/**
 * Throws InvalidParameterError naming the field (in words and by name) when a secret the task names is not in the
 * secret store. When the store cannot be listed (no permission, unreadable file), nothing is refused here: the run
 * reports the problem itself.
 */
export async function checkNamedSecretsExist(
  task: Pick<ValidTask, 'type' | 'engine'>,
  secrets: SecretLister,
): Promise<void> {
  const named = secretsNamedBy(task);
  if (named.length === 0) return;
  const listed = await secrets.list().catch(() => undefined);
  if (!listed) return;
  const known = listed.map((s) => s.name);
  // Secrets Manager reads a secret by name, by ARN, or by its ARN without the random suffix (a partial ARN).
  const names = new Set(
    listed.flatMap((s) => [s.name, ...(s.arn ? [s.arn, s.arn.replace(/-[A-Za-z0-9]{6}$/, '')] : [])]),
  );
  for (const { field, secretName, takes } of named) {
    const label = parametersOf(task.type).find((p) => p.name === field)?.label.en;
    if (names.has(secretName)) {
      const fields = await secrets.fieldsOf?.(secretName).catch(() => undefined);
      const shape = fields && secretShape(fields);
      if (shape && !takes.includes(shape))
        throw new InvalidParameterError(
          field,
          `secret "${secretName}" holds ${SHAPE_WORDS[shape]}; this side needs ${takes.map((t) => SHAPE_WORDS[t]).join(', or ')}`,
          label,
        );
      continue;
    }
    const shown = known
      .slice(0, SHOWN_NAMES)
      .map((n) => `"${n}"`)
      .join(', ');
    const hint =
      known.length === 0
        ? 'the secret store holds no secrets'
        : `known secrets: ${shown}${known.length > SHOWN_NAMES ? ', …' : ''}`;
    throw new InvalidParameterError(field, `no secret named "${secretName}" (${hint})`, label);
  }
}

/** Secrets whose kinds are read at once (a store read per secret; the list is one page of the console). */
const KINDS_AT_ONCE = 8;

/**
 * listSecrets' answer: each secret with its kind, so the console offers each credential field the secrets its side
 * reads. A secret this role may not read (or a store that cannot say) has no kind: offered, checked at the run.
 */
export async function secretsWithKinds(
  secrets: SecretLister,
): Promise<{ name: string; arn?: string; description?: string; kind: SecretKind | null }[]> {
  const listed = await secrets.list();
  const kinds: (SecretKind | null)[] = [];
  for (let i = 0; i < listed.length; i += KINDS_AT_ONCE) {
    const batch = listed.slice(i, i + KINDS_AT_ONCE).map(async ({ name }) => {
      const fields = await secrets.fieldsOf?.(name).catch(() => undefined);
      return fields ? SECRET_KIND[secretShape(fields)] : null;
    });
    kinds.push(...(await Promise.all(batch)));
  }
  return listed.map((s, i) => ({ name: s.name, arn: s.arn, description: s.description, kind: kinds[i] }));
}
