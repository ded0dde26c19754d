import { InvalidParameterError } from '../core/errors.js';
import { redactValue } from '../core/log.js';
import type { SecretStore } from '../ports/secret-store.js';

export interface RegistryLogin {
  username: string;
  password: string;
}

/** Gets a short-lived ECR login (GetAuthorizationToken) for a registry; an AWS adapter implements it. */
export interface EcrTokenProvider {
  login(region: string, accountId?: string): Promise<RegistryLogin>;
}

/** A registry login from a named secret: `{ "username": …, "password": … }` (access keys are not registry logins). */
export async function loginFromSecret(secrets: SecretStore, name: string, field: string): Promise<RegistryLogin> {
  const s = await secrets.get(name);
  const username = s.username ?? s.user;
  const password = s.password ?? s.token;
  if (!username || !password) throw new InvalidParameterError(field, `secret "${name}" must hold username and password`);
  redactValue(password);
  return { username, password };
}
