/** Access keys as stored in a secret: JSON `{ "access_key_id": "...", "secret_access_key": "..." }`. */
export interface AccessKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SecretSummary {
  name: string;
  arn?: string;
  description?: string;
}

/** What a secret holds, in words for errors (never a value): S3 access keys, or a registry's login. */
export const SECRET_SHAPES =
  '{"access_key_id": …, "secret_access_key": …} or, for a registry, {"username": …, "password": …}';

/** Secrets by name: Secrets Manager in the cloud, a local JSON file on one machine. Values are never logged. */
export interface SecretStore {
  /**
   * The secret's JSON fields; throws SecretNotFoundError naming the secret (never its value) when it is missing or
   * cannot be read as fields.
   */
  get(name: string): Promise<Record<string, string>>;
  list(): Promise<SecretSummary[]>;
}
