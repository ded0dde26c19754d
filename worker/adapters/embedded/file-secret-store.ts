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

  private read(): Record<string, Record<string, string>> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
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

  async get(name: string): Promise<Record<string, string>> {
    const secret = this.read()[name];
    if (!secret || typeof secret !== 'object') throw new SecretNotFoundError(name);
    for (const v of Object.values(secret)) if (typeof v === 'string') redactValue(v);
    return { ...secret };
  }

  async list(): Promise<SecretSummary[]> {
    return Object.keys(this.read())
      .sort()
      .map((name) => ({ name }));
  }
}
