/**
 * SecretsManagerStore against the AWS API emulator (moto server): real CreateSecret / GetSecretValue / ListSecrets
 * answers — a missing secret's error, a binary secret, paging — instead of answers written by the test.
 */
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import { UNTAGGED_SECRET_HINT } from '../../../control-plane/core/credential-secret-tag.js';
import { SecretsManagerStore } from '../../../worker/adapters/aws/index.js';
import { SecretNotFoundError } from '../../../worker/core/errors.js';
import { createLogger } from '../../../worker/core/log.js';
import { useMoto } from '../../support/moto.js';

const moto = useMoto();
let client: SecretsManagerClient;

/** Counts the requests of each operation this client sends. */
function countingClient(): { client: SecretsManagerClient; sent: string[] } {
  const sent: string[] = [];
  const c = new SecretsManagerClient(moto.clientConfig());
  c.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize' },
  );
  return { client: c, sent };
}

beforeAll(async () => {
  client = new SecretsManagerClient(moto.clientConfig());
  const create = (input: ConstructorParameters<typeof CreateSecretCommand>[0]) =>
    client.send(new CreateSecretCommand(input));
  await create({
    Name: 'dth-src',
    Description: 'source keys',
    SecretString: JSON.stringify({ access_key_id: 'AKIAEXAMPLE', secret_access_key: 'sm-very-secret-1234' }),
  });
  await create({ Name: 'plain', SecretString: 'not-json-secret-value' });
  await create({ Name: 'array', SecretString: '["sm-array-secret-5678"]' });
  await create({ Name: 'binary', SecretBinary: new Uint8Array([1, 2]) });
  for (let i = 0; i < 104; i++) await create({ Name: `many-${String(i).padStart(3, '0')}`, SecretString: '{}' });
}, 60_000);

describe('SecretsManagerStore', () => {
  it('returns the JSON fields of a secret and redacts its values from logs', async () => {
    const { client: counted, sent } = countingClient();
    const store = new SecretsManagerStore(counted);
    expect(await store.get('dth-src')).toEqual({
      access_key_id: 'AKIAEXAMPLE',
      secret_access_key: 'sm-very-secret-1234',
    });
    expect(sent).toEqual(['GetSecretValueCommand']);
    const lines: string[] = [];
    createLogger({}, { write: (l) => lines.push(l) }).info('oops', { detail: 'key was sm-very-secret-1234' });
    expect(lines[0]).not.toContain('sm-very-secret-1234');
  });

  it('names a missing secret, and never echoes a malformed value', async () => {
    const store = new SecretsManagerStore(client);
    // moto answers a missing name as AWS does (ResourceNotFoundException): not found, not an outage.
    await expect(store.get('gone')).rejects.toThrow(SecretNotFoundError);
    await expect(store.get('gone')).rejects.toThrow(/"gone"/);
    // A binary secret has no SecretString: it holds no fields this store can read.
    await expect(store.get('binary')).rejects.toThrow(SecretNotFoundError);
    for (const [name, value] of [
      ['plain', 'not-json-secret-value'],
      ['array', 'sm-array-secret-5678'],
    ]) {
      const err = await store.get(name).catch((e: Error) => e);
      // Unreadable as fields: a SecretNotFoundError, which the parameter naming the secret reports as its own error.
      expect(err).toBeInstanceOf(SecretNotFoundError);
      expect((err as Error).message).toMatch(
        new RegExp(
          `secret "${name}" was not found or is not readable \\(its SecretString is not a JSON object of fields`,
        ),
      );
      expect((err as Error).message).not.toContain(value);
    }
  });

  it('lists every page, with names, ARNs and descriptions only', async () => {
    const { client: counted, sent } = countingClient();
    const listed = await new SecretsManagerStore(counted).list();
    // 108 secrets at 100 a page: the second page is read too.
    expect(sent).toEqual(['ListSecretsCommand', 'ListSecretsCommand']);
    expect(listed).toHaveLength(108);
    expect(listed.find((s) => s.name === 'dth-src')).toEqual({
      name: 'dth-src',
      arn: expect.stringMatching(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:dth-src-/),
      description: 'source keys',
    });
    expect(listed.find((s) => s.name === 'many-103')).toEqual({ name: 'many-103', arn: expect.any(String) });
    expect(sent).not.toContain('GetSecretValueCommand');
  });

  it('a refused read says so, with the caller\'s hint (the API role\'s tag), not only "not found"', async () => {
    // A call mock, said so: moto, enforcing IAM, answers Secrets Manager's denial as an XML page the JSON client cannot
    // read (measured: "Unexpected token '<'"), so the AccessDeniedException AWS sends is thrown here as the SDK would.
    const refused = new SecretsManagerClient(moto.clientConfig());
    refused.middlewareStack.add(
      () => async () => {
        throw Object.assign(
          new Error(
            'User: arn:aws:sts::123456789012:assumed-role/api is not authorized to perform: secretsmanager:GetSecretValue',
          ),
          { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } },
        );
      },
      { step: 'initialize' },
    );
    const err = await new SecretsManagerStore(refused, { refusedHint: UNTAGGED_SECRET_HINT })
      .get('dth-src')
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(SecretNotFoundError);
    expect((err as Error).message).toBe(
      'secret "dth-src" was not found or is not readable (reading it was refused: the API reads only secrets tagged dth:credential=true: add that tag to the secret)',
    );
    // A missing one is still only missing.
    await expect(new SecretsManagerStore(client, { refusedHint: UNTAGGED_SECRET_HINT }).get('gone')).rejects.toThrow(
      /^secret "gone" was not found or is not readable$/,
    );
  });
});
