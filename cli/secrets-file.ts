import type { Logger } from '../worker/core/log.js';

/**
 * The local secrets file holds keys and registry passwords: one that group or others can read is still used (a user
 * may share a machine on purpose), but every command that reads it says so.
 */
export function warnWhenSecretsFileExposed(secrets: { isExposed(): boolean }, logger: Logger): void {
  if (secrets.isExposed()) logger.warn('secrets.file_readable_by_others', { hint: 'chmod 600 the secrets file' });
}
