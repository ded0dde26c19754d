/**
 * Invokes a deployed Lambda function in this process, as the Lambda service would: its deployed package (index.mjs,
 * imported once: later invocations are warm), its deployed environment, its role's credentials, and the emulator as
 * every AWS endpoint; what it prints goes to its log group. The environment is the process's own for the duration of
 * the call, so invocations run one at a time.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { emulatorEndpoint, REGION, type Credentials } from './emulator.js';
import type { DeployedFunction } from './hub-deploy.js';
import { LogShipper } from './plugin-compute.js';

let queue: Promise<unknown> = Promise.resolve();

/** The environment Lambda gives the function, pointed at the emulator (SQS_ENDPOINT: the SQS client follows queue URLs otherwise). */
export function lambdaEnvironment(fn: DeployedFunction, credentials: Credentials): Record<string, string> {
  const endpoint = emulatorEndpoint();
  return {
    ...fn.environment,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken ?? '',
    AWS_ENDPOINT_URL: endpoint,
    SQS_ENDPOINT: endpoint,
    S3_ENDPOINT: endpoint,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    AWS_EC2_METADATA_DISABLED: 'true',
    // The function's own NODE_OPTIONS are for the Lambda runtime's process, not this one.
    NODE_OPTIONS: process.env.NODE_OPTIONS ?? '',
  };
}

/** Lines the function writes to stdout/stderr while it runs (also passed through). */
function captureOutput(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write.bind(s));
  streams.forEach((s, i) => {
    s.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter((l) => l.trim()),
      );
      return (originals[i] as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof s.write;
  });
  return {
    lines,
    restore: () =>
      streams.forEach((s, i) => {
        s.write = originals[i] as typeof s.write;
      }),
  };
}

async function invokeNow(
  fn: DeployedFunction,
  event: unknown,
  credentials: Credentials,
  operator: Credentials,
): Promise<unknown> {
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_') || k in fn.environment) delete process.env[k];
  Object.assign(process.env, lambdaEnvironment(fn, credentials));
  const output = captureOutput();
  try {
    const mod = (await import(pathToFileURL(join(fn.codeDir, 'index.mjs')).href)) as {
      handler: (e: unknown) => Promise<unknown>;
    };
    return await mod.handler(event);
  } finally {
    output.restore();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    if (output.lines.length) {
      const logs = new LogShipper(
        operator,
        fn.logGroup,
        `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomUUID().replace(/-/g, '')}`,
      );
      for (const l of output.lines) logs.push(l);
      await logs.flush();
    }
  }
}

/**
 * Makes the functions run here trust `caFile` besides the public certificate authorities, for `fetch` (the image
 * lister's registry calls) — as Lambda trusts a registry whose certificate chains to a public CA. Node reads
 * NODE_EXTRA_CA_CERTS only at start, so the process's fetch dispatcher (undici's Agent, which Node does not export:
 * taken from the installed one) is replaced by one with these roots. Returns the undo.
 */
export function trustForFunctions(caFile: string): () => void {
  const key = Symbol.for('undici.globalDispatcher.1');
  const holder = globalThis as unknown as Record<symbol, { constructor: new (options: object) => unknown } | undefined>;
  const previous = holder[key];
  if (!previous)
    throw new Error('no fetch dispatcher installed in this process (Node 20 installs one at its first fetch)');
  holder[key] = new previous.constructor({
    connect: { ca: [...rootCertificates, readFileSync(caFile, 'utf8')] },
  }) as never;
  return () => {
    holder[key] = previous;
  };
}

/**
 * Invokes `fn` with `event`; a thrown error is the function's error (Step Functions sees it as a failed task).
 * `operator`: ships the output to the function's log group, as the Lambda service does.
 */
export function invoke(
  fn: DeployedFunction,
  event: unknown,
  credentials: Credentials,
  operator: Credentials,
): Promise<unknown> {
  const run = queue.then(() => invokeNow(fn, event, credentials, operator));
  queue = run.catch(() => undefined);
  return run;
}
