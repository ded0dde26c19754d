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

/** Secrets by name: Secrets Manager in the cloud, a local JSON file on one machine. Values are never logged. */
export interface SecretStore {
  /** The secret's JSON fields; throws SecretNotFoundError naming the secret (never its value). */
  get(name: string): Promise<Record<string, string>>;
  list(): Promise<SecretSummary[]>;
}
