/**
 * Command-line mistakes are named and exit 2, the way a script's author can act on them; -h is --help everywhere.
 * The CLI from sources (runCli), no server: each case is refused before anything is contacted.
 */
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteDatabase } from '../../worker/adapters/embedded/index.js';
import { runCli } from '../reliability/helpers.js';

/** A complete S3 task on the command line; its endpoints are never reached by these cases. */
const TASK = [
  '--src-bucket',
  'source-bucket',
  '--dest-bucket',
  'dest-bucket',
  '--src-endpoint',
  'http://127.0.0.1:9',
  '--dest-endpoint',
  'http://127.0.0.1:9',
];

describe('dth command-line mistakes', () => {
  it('a stray argument is quoted in the error (before: "arguments: unexpected argument")', async () => {
    const r = await runCli(['s3', 'sync', 'source-bucket', ...TASK]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"source-bucket": unexpected argument \(options start with --\)/);
  });

  it("every mistake of a command line is named in one answer, with the parameters' own (before: one per run)", async () => {
    // A mistyped flag (its value is not taken for a stray word), a flag whose value is missing because the next flag
    // follows, a flag given twice, a stray word, and a value out of its set: one run says them all.
    const r = await runCli(
      ['s3', 'sync', ...TASK, '--dest-regoin', 'eu-west-1', '--src-prefix', '--include', 'a', '--include', 'b'].concat([
        '--dest-storage-class',
        'COLD',
        '--dest-acl',
        'private',
        '--dest-acl',
        'private',
        'stray',
        '--json',
      ]),
    );
    expect(r.code, r.stderr).toBe(2);
    const failure = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '');
    expect(failure.code).toBe('INVALID_PARAMETER');
    expect(failure.problems.map((p: { field: string }) => p.field)).toEqual([
      '--dest-regoin',
      '--src-prefix',
      '"stray"',
      '--dest-acl',
      'destStorageClass',
    ]);
    expect(failure.problems[0].message).toContain('did you mean --dest-region?');
    expect(failure.problems[1].message).toBe('--src-prefix: needs a value');
    expect(r.stderr).toMatch(/5 parameters are invalid:\n {2}--dest-regoin: is not a known option/);
  });

  it("an unknown option names the one it begins with (dth serve's --data-dir: --data)", async () => {
    const r = await runCli(['serve', '--data-dir', '/nonexistent']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--data-dir: is not a known option (did you mean --data? see --help)');
  });

  it('a refused flag is not said again as its parameter missing; a refused own option stops before the parameters', async () => {
    const noValue = await runCli(['s3', 'sync', ...TASK.slice(2), '--src-bucket', '--dest-region', 'us-east-1']);
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toContain('--src-bucket: needs a value');
    expect(noValue.stderr).not.toContain('srcBucket');
    // Without --params' file there are no parameters to check: no "is required" for every one of them.
    const ownRefused = await runCli(['s3', 'sync', '--params', '--bogus', 'x']);
    expect(ownRefused.code).toBe(2);
    expect(ownRefused.stderr).toMatch(
      /2 parameters are invalid:\n {2}--params: needs a value\n {2}--bogus: is not a known/,
    );
    expect(ownRefused.stderr).not.toContain('is required');
    // The local hub's options the same way.
    const serve = await runCli(['serve', '--port', '--nope']);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toMatch(/--port: needs a value\n {2}--nope: is not a known option/);
  });

  it('a switch given a value other than true or false is refused by name', async () => {
    const r = await runCli(['s3', 'sync', ...TASK, '--json=yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--json: is a switch: give it alone, or as --json=true \/ --json=false/);
  });

  it('a --state file that is not a state database names --state and the file, exit 2 (before: exit 1, SQLite words only)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dth-args-')), 'notes.txt');
    writeFileSync(path, 'not a database, and not to be overwritten\n'.repeat(200));
    for (const command of [
      ['s3', 'sync', ...TASK],
      ['ecr', 'sync', '--source-type', 'Public', '--src-image-list', 'app:1', '--dest-region', 'us-east-1'],
    ]) {
      const r = await runCli([...command, '--state', path]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(
        `--state: "${path}" cannot be used as the run's state database (file is not a database)`,
      );
    }
  });

  it('a --state database that is damaged names --state, the file and what to do, exit 2 (before: exit 1, "database disk image is malformed")', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dth-args-')), 'sync.db');
    const db = openSqliteDatabase(path);
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)');
    const put = db.prepare('INSERT INTO t VALUES (?, ?)');
    for (let i = 0; i < 2000; i++) put.run(`key-${i}`, 'x'.repeat(100));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    // One page in the middle of the file overwritten, as a disk or a copy cut short leaves it; the header is intact.
    const file = readFileSync(path);
    const page = Math.floor(file.length / 4096 / 2);
    randomFillSync(file, page * 4096, 4096);
    writeFileSync(path, file);
    for (const command of [
      ['s3', 'sync', ...TASK],
      ['ecr', 'sync', '--source-type', 'Public', '--src-image-list', 'app:1', '--dest-region', 'us-east-1'],
    ]) {
      const r = await runCli([...command, '--state', path]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`--state: "${path}" is damaged (SQLite's check found: `);
      expect(r.stderr).toContain('move it aside and run again with a new file');
    }
  });

  it('-h is --help for every command, not "is not a known option"', async () => {
    for (const command of [['s3', 'sync'], ['ecr', 'sync'], ['serve']]) {
      const help = await runCli([...command, '-h']);
      const long = await runCli([...command, '--help']);
      expect(help.code, command.join(' ')).toBe(0);
      expect(help.stdout, command.join(' ')).toMatch(/usage:/);
      expect(help.stdout).toBe(long.stdout);
    }
  });

  it('a command without its subcommand, or with an unknown one, shows the usage and exits 2 (before: bare `dth ecr` exited 0)', async () => {
    for (const args of [['ecr'], ['s3'], ['ecr', 'copy'], ['s3', 'cp']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toMatch(/usage:/);
      if (args.length > 1) expect(r.stderr).toContain(`unknown subcommand "${args[1]}"`);
    }
    for (const command of ['s3', 'ecr']) expect((await runCli([command, '--help'])).code, command).toBe(0);
    // Each answer names the line meant: the one subcommand, the choices, or where the subcommand goes.
    expect((await runCli(['s3', 'cp'])).stderr).toContain('unknown subcommand "cp"; did you mean `dth s3 sync`?');
    expect((await runCli(['ecr', 'copy'])).stderr).toContain(
      'unknown subcommand "copy" (`dth ecr sync` or `dth ecr copy-one`)',
    );
    const flagFirst = await runCli(['s3', '--src-bucket', 'b']);
    expect(flagFirst.code).toBe(2);
    expect(flagFirst.stderr).toContain('dth s3: the subcommand comes before the options: `dth s3 sync`');
  });

  it('an option of the other dth ecr subcommand is refused by name, exit 2 (before: sync ignored --image)', async () => {
    const image = ['--source-type', 'Public', '--src-image-list', 'library/alpine:3', '--dest-registry', '127.0.0.1:9'];
    const sync = await runCli(['ecr', 'sync', ...image, '--image', 'library/alpine:3']);
    expect(sync.code).toBe(2);
    expect(sync.stderr).toMatch(/--image: is an option of dth ecr copy-one, not of sync/);
    const copyOne = await runCli(['ecr', 'copy-one', '--image', 'library/alpine:3', '--state', 'images.db']);
    expect(copyOne.code).toBe(2);
    expect(copyOne.stderr).toMatch(/--state: is an option of dth ecr sync, not of copy-one/);
    // With the line's other mistakes, in one answer.
    const both = await runCli(['ecr', 'sync', ...image, '--image', 'library/alpine:3', '--dest-regin', 'us-east-1']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(
      /2 parameters are invalid:\n {2}--image: is an option .*\n {2}--dest-regin: is not a known/,
    );
  });

  it('a --local-prefix-list that is a directory is refused by name, exit 2 (before: a bare EISDIR)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dth-args-'));
    const r = await runCli(['s3', 'sync', ...TASK, '--local-prefix-list', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--local-prefix-list: ".*" is a directory: give the file of prefixes/);
  });

  it('a --params file in list form that repeats a ParameterKey, or names __proto__, is refused by name (before: the last value won, __proto__ vanished)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dth-args-'));
    const entry = (ParameterKey: string, ParameterValue: string) => ({ ParameterKey, ParameterValue });
    const base = [entry('srcBucket', 'source-bucket'), entry('srcEndpoint', 'http://127.0.0.1:9')];
    const cases: [string, object[], RegExp][] = [
      [
        'twice.json',
        [
          ...base,
          entry('destBucket', 'first'),
          entry('destBucket', 'second'),
          entry('destEndpoint', 'http://127.0.0.1:9'),
        ],
        /destBucket: is given twice in --params ".*twice\.json"/,
      ],
      [
        'proto.json',
        [...base, entry('__proto__', 'x'), entry('destBucket', 'dest-bucket')],
        /__proto__.*is not a parameter/,
      ],
    ];
    for (const [name, list, error] of cases) {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(list));
      const r = await runCli(['s3', 'sync', '--params', path]);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(error);
    }
  });

  it('a --params object that gives a parameter twice is refused by name, nested and quoted names aside (before: the last value won)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dth-args-'));
    const start = String.raw`{"srcBucket": "source-bucket", "srcEndpoint": "http://127.0.0.1:9", "destEndpoint": "http://127.0.0.1:9"`;
    const cases: [string, string, string][] = [
      ['dest.json', String.raw`${start}, "destBucket": "first", "destBucket": "second"}`, 'destBucket'],
      // An escaped name is the same name: JSON.parse reads both as destBucket.
      ['escaped.json', String.raw`${start}, "destBucket": "first", "dest\u0042ucket": "second"}`, 'destBucket'],
      // A value holding the name, or a string with an escaped quote and braces, is no second key.
      [
        'value.json',
        String.raw`{"destBucket": "x", "srcPrefix": "destBucket\" {,", "srcBucket": "destBucket", "srcBucket": "y"}`,
        'srcBucket',
      ],
    ];
    for (const [name, text, repeated] of cases) {
      const path = join(dir, name);
      writeFileSync(path, text);
      JSON.parse(readFileSync(path, 'utf8')); // valid JSON: only the repeat is wrong
      const r = await runCli(['s3', 'sync', '--params', path]);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(new RegExp(`${repeated}: is given twice in --params ".*${name}"`));
    }
    // Names repeated inside a nested value are not the file's parameters (that value is refused for what it is).
    const nested = join(dir, 'nested.json');
    writeFileSync(nested, `${start}, "destBucket": "d", "srcPrefixList": [{"a": 1, "a": 2}]}`);
    const r = await runCli(['s3', 'sync', '--params', nested]);
    expect(r.stderr).not.toMatch(/given twice/);
  });
});
