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

/**
 * The names each credential value is read under (the first filled one is taken): the readers and the kind check use
 * this one list, so a secret the check calls access keys is one the engines can read as such.
 */
const FIELD_NAMES = {
  accessKeyId: ['access_key_id', 'accessKeyId'],
  secretAccessKey: ['secret_access_key', 'secretAccessKey'],
  sessionToken: ['session_token', 'sessionToken'],
  username: ['username', 'user'],
  password: ['password', 'token'],
} as const;

type Secret = Record<string, string | undefined>;

function firstFilled(secret: Secret, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = secret[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** A secret's access keys, or undefined when it does not hold both. */
export function accessKeysIn(
  secret: Secret,
): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined {
  const accessKeyId = firstFilled(secret, FIELD_NAMES.accessKeyId);
  const secretAccessKey = firstFilled(secret, FIELD_NAMES.secretAccessKey);
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, sessionToken: firstFilled(secret, FIELD_NAMES.sessionToken) };
}

/** A secret's registry login, or undefined when it does not hold both. */
export function loginIn(secret: Secret): { username: string; password: string } | undefined {
  const username = firstFilled(secret, FIELD_NAMES.username);
  const password = firstFilled(secret, FIELD_NAMES.password);
  return username && password ? { username, password } : undefined;
}

export function secretShape(filledFields: Iterable<string>): SecretShape {
  // The names alone decide (the values are not needed): each filled field stands for a value.
  const stand = Object.fromEntries([...filledFields].map((name) => [name, 'x']));
  if (accessKeysIn(stand)) return 'keys';
  if (loginIn(stand)) return 'login';
  return 'unknown';
}

/** The fields of a secret that hold a value (a blank one counts as absent, as the readers take it). */
export function filledFields(secret: Record<string, string>): string[] {
  return Object.entries(secret)
    .filter(([, value]) => typeof value === 'string' && value !== '')
    .map(([name]) => name);
}
