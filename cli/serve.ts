import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidParameterError } from '../worker/core/errors.js';
import { createLogger } from '../worker/core/log.js';
import { startHub } from '../control-plane/local/hub.js';
import { findRepoPath } from '../control-plane/local/repo-files.js';
import { optionHelp, parseCommandLine, type CommandOption } from './task-input.js';

const OPTIONS: Record<string, CommandOption> = {
  port: { type: 'string', value: 'PORT', help: 'port on 127.0.0.1 (default 8470, or DTH_PORT)' },
  data: { type: 'string', value: 'DIR', help: 'state directory: hub.db, secrets.json (default ~/.dth, or DTH_DATA)' },
  secrets: { type: 'string', value: 'FILE', help: 'local secrets file (default DATA/secrets.json)' },
  console: { type: 'string', value: 'DIR', help: 'built console to serve (default portal/dist)' },
  host: { type: 'string', value: 'HOST', help: 'loopback address to bind: 127.0.0.1 (default), localhost or ::1' },
  'public-host': {
    type: 'string',
    value: 'NAME[:PORT]',
    help: 'a name a reverse proxy forwards, served besides 127.0.0.1/localhost/[::1] (comma-separated for several)',
  },
  help: { type: 'boolean', help: 'this text' },
};

const USAGE = `usage: dth serve [options]

Runs the local hub on 127.0.0.1: the console, the GraphQL API (POST /graphql) and the engines.
Every API call needs the token printed at start (or set DTH_TOKEN). Tasks persist in DATA/hub.db;
tasks that were running resume after a restart. Secrets: DATA/secrets.json unless --secrets.
The hub answers only requests addressed to 127.0.0.1, localhost or [::1] (and --public-host names).

Options:
${optionHelp(OPTIONS)}`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { options, refused } = parseCommandLine(argv, [], OPTIONS);
  refused.throwAny();
  const flags = new Map(Object.entries(options).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const port = Number(flags.get('port') ?? process.env.DTH_PORT ?? 8470);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidParameterError('--port', 'must be a port number');
  const host = flags.get('host') ?? '127.0.0.1';
  if (!['127.0.0.1', 'localhost', '::1'].includes(host))
    throw new InvalidParameterError('--host', 'the local hub listens on loopback only');
  const publicHosts = (flags.get('public-host') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  for (const h of publicHosts) {
    if (!/^[a-z0-9.-]+(:\d{1,5})?$/i.test(h))
      throw new InvalidParameterError('--public-host', `"${h}" is not a host name (NAME or NAME:PORT)`);
  }
  const dataDir = resolve(flags.get('data') ?? process.env.DTH_DATA ?? join(homedir(), '.dth'));
  const logger = createLogger({ role: 'hub' });
  // Everything the hub writes (database, its WAL/SHM, temporary auth files) is the owner's only, whatever the caller's umask.
  process.umask(0o077);
  const consoleDir = flags.get('console') ?? findRepoPath('portal/dist/index.html')?.replace(/[\\/]index\.html$/, '');
  const hub = await startHub({
    guardProcess: true,
    dataDir,
    port,
    host,
    publicHosts,
    token: process.env.DTH_TOKEN || undefined,
    secretsFile: flags.get('secrets'),
    consoleDir,
    logger,
  });
  // A token the hub made is printed: nobody else knows it. One the owner set in DTH_TOKEN is a secret they hold
  // already, and stdout often ends in a service log, so it is never echoed.
  const ownToken = !process.env.DTH_TOKEN;
  process.stdout.write(
    `Data Transfer Hub is running at ${hub.url}\n` +
      (ownToken
        ? `Open ${hub.url}/#token=${hub.token}\nAPI token: ${hub.token}\n`
        : `Open ${hub.url} and sign in with the API token set in DTH_TOKEN.\n`) +
      (hub.resumed ? `Resumed ${hub.resumed} unfinished task(s).\n` : ''),
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
