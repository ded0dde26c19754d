/**
 * What a credential secret is, by the names of the JSON fields it fills (its values are not needed): AWS access keys
 * (S3, Amazon ECR) or a registry login. The engines read them (open-buckets.ts, registry-credentials.ts); the control
 * plane asks the same of a task's secrets at creation, so that a task naming one of the wrong kind is refused by its
 * field, not started to fail at its first request.
 */
export type SecretShape = 'keys' | 'login' | 'unknown';

/** The API's words for a secret's kind (listSecrets' `kind`, enum SecretKind). */
export const SECRET_KIND = { keys: 'ACCESS_KEYS', login: 'REGISTRY_LOGIN', unknown: 'OTHER' } as const;
export type SecretKind = (typeof SECRET_KIND)[SecretShape];

/** The task parameters that name a credential secret. */
export type CredentialField = 'srcCredentials' | 'destCredentials' | 'srcCredential' | 'destCredential';

/**
 * The kinds of secret a credential parameter's side reads: S3 sides access keys; Amazon ECR either (a Public source
 * ignores keys, as the original); another registry as the destination a login (registries.ts).
 */
export function secretShapesTaken(field: CredentialField, destinationIsEcr: boolean): readonly SecretShape[] {
  if (field === 'srcCredentials' || field === 'destCredentials') return ['keys'];
  if (field === 'destCredential' && !destinationIsEcr) return ['login'];
  return ['keys', 'login'];
}

export function secretShape(filledFields: Iterable<string>): SecretShape {
  const has = new Set(filledFields);
  const either = (a: string, b: string) => has.has(a) || has.has(b);
  if (either('access_key_id', 'accessKeyId') && either('secret_access_key', 'secretAccessKey')) return 'keys';
  if (either('username', 'user') && either('password', 'token')) return 'login';
  return 'unknown';
}

/** The fields of a secret that hold a value (a blank one counts as absent, as the readers take it). */
export function filledFields(secret: Record<string, string>): string[] {
  return Object.entries(secret)
    .filter(([, value]) => typeof value === 'string' && value !== '')
    .map(([name]) => name);
}
