import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidParameterError } from '../worker/core/errors.js';
import { createLogger } from '../worker/core/log.js';
import { startHub } from '../control-plane/local/hub.js';
import { findRepoPath } from '../control-plane/local/repo-files.js';
import { parseArgs } from './task-input.js';

const USAGE = `usage: dth serve [--port 8470] [--data ~/.dth] [--secrets FILE] [--console DIR]

Runs the local hub on 127.0.0.1: the console, the GraphQL API (POST /graphql) and the engines.
Every API call needs the token printed at start (or set DTH_TOKEN). Tasks persist in DATA/hub.db;
tasks that were running resume after a restart. Secrets: DATA/secrets.json unless --secrets.`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const { flags } = parseArgs(argv, []);
  for (const f of flags.keys()) {
    if (!['port', 'data', 'secrets', 'console', 'host'].includes(f)) throw new InvalidParameterError(`--${f}`, 'is not a known option');
  }
  const port = Number(flags.get('port') ?? process.env.DTH_PORT ?? 8470);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidParameterError('--port', 'must be a port number');
  const host = flags.get('host') ?? '127.0.0.1';
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) throw new InvalidParameterError('--host', 'the local hub listens on loopback only');
  const dataDir = resolve(flags.get('data') ?? process.env.DTH_DATA ?? join(homedir(), '.dth'));
  const logger = createLogger({ role: 'hub' });
  const consoleDir = flags.get('console') ?? findRepoPath('portal/dist/index.html')?.replace(/[\\/]index\.html$/, '');
  const hub = await startHub({
    dataDir, port, host, token: process.env.DTH_TOKEN || undefined, secretsFile: flags.get('secrets'), consoleDir, logger,
  });
  process.stdout.write(
    `Data Transfer Hub is running at ${hub.url}\n`
    + `Open ${hub.url}/#token=${hub.token}\n`
    + `API token: ${hub.token}\n`
    + (hub.resumed ? `Resumed ${hub.resumed} unfinished task(s).\n` : ''),
  );
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('Stopping: running tasks will resume on the next start.\n');
  await hub.close();
  return 0;
}
