/**
 * `dth`: one binary for every role — local one-shot syncs, the long-running cloud roles
 * (finder on Fargate, JobWorker on EC2, image copier), and the local hub.
 * Each verb lives in its own module and is loaded only when called.
 */
import { keepRunningWhenOutputCloses } from './closed-output.js';
import { dthVersion } from './version.js';
import { failureExitCode } from './exit-code.js';
import { linesOfSubcommand } from './subcommands.js';

type CommandModule = { run(argv: string[]): Promise<number> };

// The pinned AWS SDK prints an eight-line notice about its future Node 22 requirement the first time a client is
// made on Node 20 (the default credential chain, the cloud roles' SQS/DynamoDB clients): noise on every run of a
// supported setup. Its own switch turns it off; a user who sets the variable keeps their choice.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  s3: { summary: 's3 sync: copy objects between S3-compatible buckets', load: () => import('./s3.js') },
  finder: {
    summary: 'list source and destination, queue what differs (cloud role)',
    load: () => import('./finder.js'),
  },
  worker: { summary: 'consume the queue and copy objects (cloud role)', load: () => import('./worker.js') },
  run: {
    summary: "run -t Finder|Worker: the original CLI's command, from its config file and variables",
    load: () => import('./run.js'),
  },
  ecr: { summary: 'ecr sync | copy-one: copy container images', load: () => import('./ecr.js') },
  serve: {
    summary: 'run the local hub: console + GraphQL API + engines on 127.0.0.1',
    load: () => import('./serve.js'),
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `usage: dth <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun \`dth <command> --help\` (or \`dth help <command>\`) for a command's options, \`dth --version\` for the version.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`dth ${dthVersion()} (Data Transfer Hub, Node.js ${process.versions.node})\n`);
    return 0;
  }
  // `dth help s3` as `dth s3 --help`, the way git and npm take it.
  if (name === 'help') {
    const [topic] = rest;
    if (!topic) {
      process.stdout.write(`${usage()}\n`);
      return 0;
    }
    return main([topic, '--help']);
  }
  const command = commands[name];
  if (!command) {
    const meant = await meantCommand(name);
    process.stderr.write(`dth: unknown command "${name}"${meant ? `; did you mean ${meant}?` : ''}\n${usage()}\n`);
    return 2;
  }
  // -h asks for help wherever it stands, as at the top level (no command has a flag -h to mistake it for).
  return (await command.load()).run(rest.map((arg) => (arg === '-h' ? '--help' : arg)));
}

keepRunningWhenOutputCloses();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`dth: ${err instanceof Error ? err.message : String(err)}\n`);
    // Bad input is 2 here too (a `dth serve --data` or `--port` the command refused), as every command's own errors.
    process.exitCode = failureExitCode(err);
  },
);

/** The command line an unknown command most likely meant: a subcommand typed without its command, or a slip. */
async function meantCommand(name: string): Promise<string | undefined> {
  const lines = linesOfSubcommand(name);
  if (lines) return lines;
  // Loaded on this error path only: every command starts through this module.
  const { closestName } = await import('../worker/params/spec.js');
  const meant = closestName(Object.keys(commands), name);
  return meant ? `\`dth ${meant}\`` : undefined;
}
