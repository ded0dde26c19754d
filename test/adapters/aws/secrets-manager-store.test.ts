/** Secrets Manager has no local server: the SDK client is mocked and the calls made are asserted. */
import {
  GetSecretValueCommand,
  ListSecretsCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerStore } from '../../../worker/adapters/aws/index.js';
import { SecretNotFoundError } from '../../../worker/core/errors.js';
import { createLogger } from '../../../worker/core/log.js';

const sm = mockClient(SecretsManagerClient);

describe('SecretsManagerStore', () => {
  beforeEach(() => sm.reset());

  it('returns the JSON fields of a secret and redacts its values from logs', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'dth-src' }).resolves({
      SecretString: JSON.stringify({ access_key_id: 'AKIAEXAMPLE', secret_access_key: 'sm-very-secret-1234' }),
    });
    const store = new SecretsManagerStore(new SecretsManagerClient({ region: 'us-east-1' }));
    expect(await store.get('dth-src')).toEqual({
      access_key_id: 'AKIAEXAMPLE',
      secret_access_key: 'sm-very-secret-1234',
    });
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'dth-src' }]);
    const lines: string[] = [];
    createLogger({}, { write: (l) => lines.push(l) }).info('oops', { detail: 'key was sm-very-secret-1234' });
    expect(lines[0]).not.toContain('sm-very-secret-1234');
  });

  it('names a missing secret, and never echoes a malformed value', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'gone' }).rejects(
      new ResourceNotFoundException({ message: 'not found', $metadata: {} }),
    );
    sm.on(GetSecretValueCommand, { SecretId: 'plain' }).resolves({ SecretString: 'not-json-secret-value' });
    sm.on(GetSecretValueCommand, { SecretId: 'binary' }).resolves({ SecretBinary: new Uint8Array([1, 2]) });
    const store = new SecretsManagerStore(new SecretsManagerClient({ region: 'us-east-1' }));
    await expect(store.get('gone')).rejects.toThrow(SecretNotFoundError);
    await expect(store.get('gone')).rejects.toThrow(/"gone"/);
    await expect(store.get('binary')).rejects.toThrow(SecretNotFoundError);
    const err = await store.get('plain').catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/"plain" is not a JSON object/);
    expect((err as Error).message).not.toContain('not-json-secret-value');
  });

  it('lists every page, with names, ARNs and descriptions only', async () => {
    sm.on(ListSecretsCommand)
      .resolvesOnce({ SecretList: [{ Name: 'a', ARN: 'arn:a', Description: 'source keys' }], NextToken: 't1' })
      .resolvesOnce({ SecretList: [{ Name: 'b', ARN: 'arn:b', Tags: [{ Key: 'k', Value: 'v' }] }] });
    const store = new SecretsManagerStore(new SecretsManagerClient({ region: 'us-east-1' }));
    expect(await store.list()).toEqual([
      { name: 'a', arn: 'arn:a', description: 'source keys' },
      { name: 'b', arn: 'arn:b' },
    ]);
    expect(sm.commandCalls(ListSecretsCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 't1']);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});
