/**
 * The secrets a task names must exist when it is created. Without this check the task is stored, starts, and ends in
 * ERROR at its first listing with `secret "x" was not found`, which names neither the field nor the side; the user
 * had to find out from the task page what the form should have told them. Names only: values are never read here.
 */
import { InvalidParameterError } from '../../worker/core/errors.js';
import { parametersOf } from '../../worker/params/index.js';
import type { SecretLister } from './ports.js';
import type { ValidTask } from './validate-task.js';

/** A secret a task reads, and the parameter that names it. */
export interface NamedSecret {
  field: string;
  secretName: string;
}

/** The secrets the task's engines will read (a side in this account reads none, even if a name is given). */
export function secretsNamedBy(task: Pick<ValidTask, 'engine'>): NamedSecret[] {
  if (task.engine.type === 'S3EC2') {
    const { srcAuth, destAuth } = task.engine.params;
    return [
      ...(srcAuth.kind === 'secret' ? [{ field: 'srcCredentials', secretName: srcAuth.secretName }] : []),
      ...(destAuth.kind === 'secret' ? [{ field: 'destCredentials', secretName: destAuth.secretName }] : []),
    ];
  }
  const { srcCredential, destCredential } = task.engine.params;
  return [
    ...(srcCredential ? [{ field: 'srcCredential', secretName: srcCredential }] : []),
    ...(destCredential ? [{ field: 'destCredential', secretName: destCredential }] : []),
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
  for (const { field, secretName } of named) {
    if (names.has(secretName)) continue;
    const label = parametersOf(task.type).find((p) => p.name === field)?.label.en;
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
