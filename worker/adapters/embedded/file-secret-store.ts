import { readFileSync, statSync } from 'node:fs';
import { SecretNotFoundError } from '../../core/errors.js';
import { redactValue } from '../../core/log.js';
import type { SecretStore, SecretSummary } from '../../ports/secret-store.js';

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
    const secrets = this.readFile();
    // A mistyped --secrets path reads as "no such secret": say which file was looked in.
    if (!secrets) throw new SecretNotFoundError(name, `the secrets file ${this.path} does not exist`);
    const secret = secrets[name];
    if (!secret || typeof secret !== 'object') throw new SecretNotFoundError(name, `not in ${this.path}`);
    for (const v of Object.values(secret)) if (typeof v === 'string') redactValue(v);
    return { ...secret };
  }

  async list(): Promise<SecretSummary[]> {
    return Object.keys(this.read())
      .sort()
      .map((name) => ({ name }));
  }
}
