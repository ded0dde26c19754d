/**
 * The kind createTask (and the console) gives a secret is the kind the engines read it as: before, a secret holding
 * `accessKeyId`/`secretAccessKey` passed the image task's check as access keys and its reader refused it at the run,
 * and a blank `access_key_id` beside a filled `accessKeyId` was refused by the S3 reader.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { accessKeysFromSecret } from '../../worker/adapters/s3/open-buckets.js';
import { filledFields, secretShape } from '../../worker/core/secret-shape.js';
import { readRegistrySecret } from '../../worker/ecr/registry-credentials.js';

const BODIES: Record<string, Record<string, string>> = {
  snake: { access_key_id: 'AK1', secret_access_key: 'SK1' },
  camel: { accessKeyId: 'AK2', secretAccessKey: 'SK2', sessionToken: 'ST2' },
  blankSnakeFilledCamel: { access_key_id: '', accessKeyId: 'AK3', secret_access_key: 'SK3' },
  login: { username: 'u', password: 'p' },
  loginShort: { user: 'u', token: 't' },
  blankPassword: { username: 'u', password: '' },
  halfKeys: { access_key_id: 'AK4' },
  other: { note: 'n' },
};

describe('secret kinds and the readers agree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dth-secret-shape-'));
  const file = join(dir, 'secrets.json');
  writeFileSync(file, JSON.stringify(BODIES), { mode: 0o600 });
  const store = new FileSecretStore(file);

  for (const [name, body] of Object.entries(BODIES)) {
    it(`${name}: the kind the check gives is the one the S3 and registry readers take`, async () => {
      const shape = secretShape(filledFields(body));
      const s3Keys = await accessKeysFromSecret(store, name, 'srcCredentials').then(
        (k) => k,
        () => undefined,
      );
      const registry = await readRegistrySecret(store, name, 'destCredential').then(
        (r) => r,
        () => undefined,
      );
      expect(Boolean(s3Keys), 'S3 reader').toBe(shape === 'keys');
      expect(registry?.kind ?? 'unknown', 'registry reader').toBe(shape);
      if (s3Keys) expect(s3Keys.secretAccessKey).toMatch(/^SK/);
    });
  }

  it('takes each name the readers take, the first filled one first', () => {
    expect(secretShape(filledFields(BODIES.camel))).toBe('keys');
    expect(secretShape(filledFields(BODIES.loginShort))).toBe('login');
    expect(secretShape(filledFields(BODIES.blankPassword))).toBe('unknown');
  });
});
