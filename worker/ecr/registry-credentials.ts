/**
 * What a task's secret holds for a registry: AWS access keys (an ECR login is made from them, as the original did)
 * or a registry's username/password. Values are registered for log redaction as they are read.
 */
import { InvalidParameterError } from '../core/errors.js';
import { redactValue } from '../core/log.js';
import type { RegistryLogin } from '../ports/ecr-api.js';
import type { AccessKeys, SecretStore } from '../ports/secret-store.js';

export type { RegistryLogin } from '../ports/ecr-api.js';

export type RegistrySecret = { kind: 'keys'; keys: AccessKeys } | { kind: 'login'; login: RegistryLogin };

/** Reads the named secret: `{ access_key_id, secret_access_key }` or `{ username, password }`; the error names the field. */
export async function readRegistrySecret(secrets: SecretStore, name: string, field: string): Promise<RegistrySecret> {
  const s = await secrets.get(name);
  if (s.access_key_id && s.secret_access_key) {
    redactValue(s.secret_access_key);
    return { kind: 'keys', keys: { accessKeyId: s.access_key_id, secretAccessKey: s.secret_access_key, sessionToken: s.session_token } };
  }
  const username = s.username ?? s.user;
  const password = s.password ?? s.token;
  if (username && password) {
    redactValue(password);
    return { kind: 'login', login: { username, password } };
  }
  throw new InvalidParameterError(field, `secret "${name}" must hold access_key_id and secret_access_key (ECR) or username and password (a registry login)`);
}
