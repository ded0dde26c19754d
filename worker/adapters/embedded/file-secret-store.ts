import { readFileSync, statSync } from 'node:fs';
import { SecretNotFoundError } from '../../core/errors.js';
import { redactValue } from '../../core/log.js';
import { SECRET_SHAPES, type SecretStore, type SecretSummary } from '../../ports/secret-store.js';

/**
 * Secrets kept in a local JSON file: `{ "<name>": { "access_key_id": "…", "secret_access_key": "…" } }`.
 * The file is read on each call so edits take effect without a restart; values never leave `get`.
 */
export class FileSecretStore implements SecretStore {
  constructor(private readonly path: string) {}

  /** The file's secrets; undefined when there is no file (no secrets yet). */
  private readFile(): Record<string, Record<string, string>> | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Never echo the file's content: it holds secrets.
      throw new Error(`secrets file ${this.path} is not valid JSON`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error(`secrets file ${this.path} must hold a JSON object of named secrets`);
    }
    return parsed as Record<string, Record<string, string>>;
  }

  /** True when group or others may read the file: worth a warning, since it holds keys. */
  isExposed(): boolean {
    try {
      return (statSync(this.path).mode & 0o077) !== 0;
    } catch {
      return false;
    }
  }

  private read(): Record<string, Record<string, string>> {
    return this.readFile() ?? {};
  }

  async get(name: string): Promise<Record<string, string>> {
    let secrets: Record<string, Record<string, string>> | undefined;
    try {
      secrets = this.readFile();
    } catch (err) {
      // A file that cannot be read or parsed: the secret cannot be read, a setting of the parameter that names it.
      throw new SecretNotFoundError(name, (err as Error).message);
    }
    // A mistyped --secrets path reads as "no such secret": say which file was looked in.
    if (!secrets) throw new SecretNotFoundError(name, `the secrets file ${this.path} does not exist`);
    // Only the file's own names: `constructor` or `__proto__` read an object's built-ins, not a secret.
    const secret = Object.hasOwn(secrets, name) ? secrets[name] : undefined;
    if (secret === undefined) throw new SecretNotFoundError(name, `not in ${this.path}`);
    if (!secret || typeof secret !== 'object' || Array.isArray(secret))
      throw new SecretNotFoundError(name, `in ${this.path} it is not a JSON object of fields: ${SECRET_SHAPES}`);
    for (const v of Object.values(secret)) if (typeof v === 'string') redactValue(v);
    return { ...secret };
  }

  async list(): Promise<SecretSummary[]> {
    return Object.keys(this.read())
      .sort()
      .map((name) => ({ name }));
  }
}
