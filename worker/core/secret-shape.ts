/**
 * What a credential secret is, by the names of the JSON fields it fills (its values are not needed): AWS access keys
 * (S3, Amazon ECR) or a registry login. The engines read them (open-buckets.ts, registry-credentials.ts); the control
 * plane asks the same of a task's secrets at creation, so that a task naming one of the wrong kind is refused by its
 * field, not started to fail at its first request.
 */
export type SecretShape = 'keys' | 'login' | 'unknown';

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
