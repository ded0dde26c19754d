/**
 * What a task's secret holds for a registry: AWS access keys (an ECR login is made from them, as the original did)
 * or a registry's username/password. Values are registered for log redaction as they are read.
 */
import { InvalidParameterError, SecretNotFoundError } from '../core/errors.js';
import { redactValue } from '../core/log.js';
import { accessKeysIn, loginIn } from '../core/secret-shape.js';
import { ECR_PARAMETERS, fieldLabel } from '../params/index.js';
import type { RegistryLogin } from '../ports/ecr-api.js';
import type { AccessKeys, SecretStore } from '../ports/secret-store.js';

export type { RegistryLogin } from '../ports/ecr-api.js';

export type RegistrySecret = { kind: 'keys'; keys: AccessKeys } | { kind: 'login'; login: RegistryLogin };

/** An image task parameter's label, for errors that name it as the S3 side does: "Destination credentials (destCredential)". */
export function ecrFieldLabel(field: string): string | undefined {
  return fieldLabel(ECR_PARAMETERS, field);
}

/**
 * Reads the named secret: `{ access_key_id, secret_access_key }` or `{ username, password }`. A missing or misshapen
 * secret is an error of the parameter that names it, in words ("Destination credentials (destCredential): …").
 */
export async function readRegistrySecret(secrets: SecretStore, name: string, field: string): Promise<RegistrySecret> {
  const s = await secrets.get(name).catch((err: unknown) => {
    throw err instanceof SecretNotFoundError
      ? new InvalidParameterError(field, err.message, ecrFieldLabel(field))
      : err;
  });
  const keys = accessKeysIn(s);
  if (keys) {
    redactValue(keys.secretAccessKey);
    if (keys.sessionToken) redactValue(keys.sessionToken);
    return { kind: 'keys', keys };
  }
  const login = loginIn(s);
  if (login) {
    redactValue(login.password);
    return { kind: 'login', login };
  }
  throw new InvalidParameterError(
    field,
    `secret "${name}" must hold access_key_id and secret_access_key (ECR) or username and password (a registry login)`,
    ecrFieldLabel(field),
  );
}
