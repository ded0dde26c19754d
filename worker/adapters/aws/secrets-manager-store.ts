import { GetSecretValueCommand, ListSecretsCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretNotFoundError } from '../../core/errors.js';
import { redactValue } from '../../core/log.js';
import { SECRET_SHAPES, type SecretStore, type SecretSummary } from '../../ports/secret-store.js';

/** Errors meaning "this name does not lead to a readable secret" (rather than an outage). */
const NOT_FOUND = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'DecryptionFailure',
  'InvalidRequestException',
]);

/**
 * Secrets in AWS Secrets Manager: each secret's SecretString is a JSON object, e.g.
 * `{ "access_key_id": "…", "secret_access_key": "…" }`. Values are registered for log redaction as soon as they are read;
 * list() returns names, ARNs and descriptions only.
 */
export class SecretsManagerStore implements SecretStore {
  /** `refusedHint`: what the caller knows of why it may be refused a secret (the API role: a tag it needs). */
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: { refusedHint?: string } = {},
  ) {}

  async get(name: string): Promise<Record<string, string>> {
    let text: string | undefined;
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
      text = out.SecretString;
    } catch (err) {
      const errName = (err as Error).name;
      if (errName === 'AccessDeniedException')
        throw new SecretNotFoundError(
          name,
          `reading it was refused${this.options.refusedHint ? `: ${this.options.refusedHint}` : ''}`,
        );
      if (NOT_FOUND.has(errName)) throw new SecretNotFoundError(name);
      throw err;
    }
    if (text === undefined) throw new SecretNotFoundError(name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      redactValue(text);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      // Never echo the value: it is the secret. Unreadable as fields: an error of the parameter that names it.
      throw new SecretNotFoundError(name, `its SecretString is not a JSON object of fields: ${SECRET_SHAPES}`);
    }
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      if (v === null || v === undefined) continue;
      const s = typeof v === 'string' ? v : JSON.stringify(v);
      redactValue(s);
      fields[k] = s;
    }
    return fields;
  }

  async list(): Promise<SecretSummary[]> {
    const out: SecretSummary[] = [];
    let next: string | undefined;
    do {
      const page = await this.client.send(new ListSecretsCommand({ NextToken: next, MaxResults: 100 }));
      for (const s of page.SecretList ?? []) {
        if (!s.Name) continue;
        const summary: SecretSummary = { name: s.Name };
        if (s.ARN) summary.arn = s.ARN;
        if (s.Description) summary.description = s.Description;
        out.push(summary);
      }
      next = page.NextToken;
    } while (next);
    return out;
  }
}
