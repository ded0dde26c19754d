/**
 * The original CLI's configuration read into task parameters (cli/original-cli-config.ts): its keys, its variables,
 * its defaults and its value forms, as viper read them for dthcli; no server needed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOriginalCliConfig } from '../../cli/original-cli-config.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';

const MiB = 1024 * 1024;

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dth-cli-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe("the original CLI's configuration", () => {
  it("gives the original's defaults where they differ from a task's: no account's own keys, STANDARD, no metadata", () => {
    const config = readOriginalCliConfig({ cwd: dirWith({}), env: { SRC_BUCKET: 'photos', DEST_BUCKET: 'backup' } });
    expect(config.configFile).toBeUndefined();
    expect(config.params).toEqual({
      srcBucket: 'photos',
      destBucket: 'backup',
      destInCurrentAccount: 'false',
      destStorageClass: 'STANDARD',
      includeMetadata: 'false',
    });
    const params = parseS3TaskParams(config.params, { homeRegion: 'us-east-1' });
    // Not in this account and no secret named: unsigned requests, as the original's (noSignRequest).
    expect(params).toMatchObject({
      destAuth: { kind: 'anonymous' },
      destStorageClass: 'STANDARD',
      includeMetadata: false,
    });
  });

  it("matches keys without regard to case, reads Go's true/false forms and sizes in MiB (multipart from the size on)", () => {
    const cwd = dirWith({
      'config.yaml': [
        'SRCBUCKET: a',
        'destbucket: b',
        'skipCompare: T',
        'payerRequest: 0',
        'Options:',
        '  chunkSize: 6',
        '  multipartThreshold: 10',
        '  giantFileThreshold: 2048',
        '  includeMetadata: 1',
        '  workerNumber: 1',
      ].join('\n'),
    });
    const config = readOriginalCliConfig({ cwd, env: {} });
    expect(config.params).toMatchObject({
      srcBucket: 'a',
      destBucket: 'b',
      srcSkipCompare: 'true',
      isPayerRequest: 'false',
      chunkSize: String(6 * MiB),
      // The original used parts from 10 MiB on; this engine above its threshold.
      multipartThreshold: String(10 * MiB - 1),
      giantFileThreshold: String(2048 * MiB),
      includeMetadata: 'true',
      // A count stays a count (not read as a true/false).
      workerNumber: '1',
    });
    expect(config.origin('srcSkipCompare')).toBe('skipCompare in config.yaml');
  });

  it("takes the environment's variables over the file, and this engine's own parameters besides the original's", () => {
    const cwd = dirWith({
      'config.json': JSON.stringify({ srcBucket: 'a', destBucket: 'b', destEndpoint: 'http://127.0.0.1:9000' }),
      'config.yaml': 'srcBucket: not-read',
    });
    const config = readOriginalCliConfig({ cwd, env: { DEST_BUCKET: 'from-env', CHUNK_SIZE: '8' } });
    // viper's order of extensions: config.json before config.yaml.
    expect(config.configFile).toBe(join(cwd, 'config.json'));
    expect(config.params).toMatchObject({
      srcBucket: 'a',
      destBucket: 'from-env',
      destEndpoint: 'http://127.0.0.1:9000',
      chunkSize: String(8 * MiB),
    });
    expect(config.origin('destBucket')).toBe('DEST_BUCKET');
    expect(config.whereToSet('srcCredentials')).toBe('srcCredential (config file) or SRC_CREDENTIALS');
    // The role's own settings too (the queue, the table), from the same table as the parameters.
    expect(config.whereToSet('jobQueueName')).toBe('jobQueueName (config file) or JOB_QUEUE_NAME');
  });

  it('refuses a setting given twice, a size that is not whole MiB, a list, and a file that is not settings', () => {
    const twice = dirWith({ 'config.yaml': 'srcBucket: a\nsrcCredential: one\nsrcCredentials: two\n' });
    expect(() => readOriginalCliConfig({ cwd: twice, env: {} })).toThrow(
      'srcCredentials: is given twice (in config.yaml), also as srcCredential in config.yaml: keep one',
    );
    const size = dirWith({ 'config.yaml': 'options:\n  chunkSize: 5MB\n' });
    expect(() => readOriginalCliConfig({ cwd: size, env: {} })).toThrow(
      'options.chunkSize in config.yaml: "5MB" is not a whole number of MiB',
    );
    expect(() => readOriginalCliConfig({ cwd: size, env: { CHUNK_SIZE: '1.5' } })).toThrow(
      'CHUNK_SIZE: "1.5" is not a whole number of MiB',
    );
    const list = dirWith({ 'config.yaml': 'srcPrefix: [a, b]\n' });
    expect(() => readOriginalCliConfig({ cwd: list, env: {} })).toThrow('must be one value, not a list or a map');
    const text = dirWith({ 'config.yaml': 'just some words\n' });
    expect(() => readOriginalCliConfig({ cwd: text, env: {} })).toThrow('must hold key: value settings');
    expect(() => readOriginalCliConfig({ cwd: text, configPath: 'missing.yaml', env: {} })).toThrow('cannot read');
  });
});
