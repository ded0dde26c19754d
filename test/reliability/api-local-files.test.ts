/**
 * No parameter that arrives through the API makes the hub read a local file. Every parameter of both task types is
 * given, one at a time, each of these values through createTask and (S3) estimateTask on a real `dth serve`:
 * /etc/passwd, /proc/self/environ (which holds the hub's token: in the cloud, a Lambda's role credentials), file:// and
 * ../ forms of them, and of a marker FIFO. Proof that nothing was read:
 * - the marker is a FIFO: whoever opens it for reading blocks until a writer comes, and a poller here opens it for
 *   writing without blocking — it succeeds only when a reader has it open. So any open, by the hub or by a child it
 *   spawns (skopeo), is seen, whatever API did the read;
 * - nothing from /etc/passwd or the hub's environment (its token) reaches the S3 servers (both sides behind recording
 *   proxies: the prefix list used to send each line of the file as a listing prefix to an endpoint the caller chose),
 *   an API answer, or a task's error message.
 *
 * Audit of the file reads the API can reach (hub process), and why none takes a path from a parameter:
 * | read | path from |
 * |---|---|
 * | control-plane/local/graphql-endpoint.ts loadSchema | the install (control-plane/api/schema.graphql), at start |
 * | control-plane/local/http-server.ts (+ static-files) console files | the URL path, normalized and kept under the console dir |
 * | worker/adapters/embedded/file-secret-store.ts | --secrets / DATA/secrets.json; a secret NAME from the API picks a key in it |
 * | worker/adapters/embedded/sqlite-database.ts, hub-database.ts, disk-space.ts, data-dir-lock.ts | DATA/ (hub.db, marker, reserve, hub.lock) |
 * | worker/ecr/skopeo.ts auth/list/digest files | a fresh mkdtemp directory; image names go to skopeo as docker:// references |
 * | worker/ecr/private-temp-dir.ts sweep | the system temp dir's own listing: this user's dth-<use>-<pid>- directories of ended processes |
 * | worker/core/process-liveness.ts /proc/<pid>/stat | the process id a lock names (hub.lock; a task's run lock) |
 * | worker/adapters/aws/cloud-role.ts, ssm-task-params.ts TASK_PARAMS_FILE | the cloud role's environment (plugin stack), never a task parameter |
 * | AWS SDK shared config (~/.aws) | the SDK's own environment variables, never a parameter |
 * | worker/s3/prefix-source.ts prefix list | an OBJECT of the source bucket (srcPrefixsListFile is its key) — it was a local path |
 * (cli/ reads local files named on its own command line: the user's, not the API's.)
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE, params, TEST_SECRET_VALUE } from '../control-plane/local/hub-process.js';
import { ECR_PARAM_NAMES } from '../../worker/ecr/params.js';
import { S3_PARAM_NAMES } from '../../worker/s3/params.js';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { baseParams } from '../s3/engine-fixtures.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { s3Client, servers, uniqueName } from '../support/servers.js';
import { ROOT, seedObjects } from './helpers.js';
import { mustStartServe, type HubChild } from './hub-child.js';

const work = mkdtempSync(join(tmpdir(), 'dth-rel-localfiles-'));
const FIFO = join(work, 'marker.fifo');
const MARKER_LINE = 'LOCAL-FILE-WAS-READ/';
let hub: HubChild;
let srcProxy: FaultProxy;
let dstProxy: FaultProxy;
let src: string;
let dst: string;
const sentToS3: string[] = [];
const fifoOpened: string[] = [];
let poller: NodeJS.Timeout;

const up = (depth: number) => '../'.repeat(depth);
/** The hostile values: absolute, file://, ../ (relative to the hub's working directory, the checkout). */
const HOSTILE = [
  '/etc/passwd',
  '/proc/self/environ',
  'file:///etc/passwd',
  'file:///proc/self/environ',
  `${up(12)}etc/passwd`,
  `${up(12)}proc/self/environ`,
  FIFO,
  `file://${FIFO}`,
  relative(ROOT, FIFO),
];

beforeAll(async () => {
  execFileSync('mkfifo', ['-m', '600', FIFO]);
  // Opening the FIFO for writing without blocking fails (ENXIO) unless something has it open for reading.
  poller = setInterval(() => {
    let fd: number;
    try {
      fd = openSync(FIFO, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch {
      return;
    }
    fifoOpened.push(new Date().toISOString());
    try {
      writeSync(fd, `${MARKER_LINE}\n`);
    } finally {
      closeSync(fd);
    }
  }, 10);
  // Both sides are buckets of fauxqs' in-memory S3, not s3rver: a hostile destPrefix (`../../tmp/…`) is a legal key
  // prefix, and s3rver would write such keys outside its directory, into the checkout or worse.
  const memoryS3 = `http://127.0.0.1:${new URL(servers.sqs).port}`;
  src = uniqueName('rel-local-src');
  dst = uniqueName('rel-local-dst');
  for (const b of [src, dst]) await s3Client(memoryS3).send(new CreateBucketCommand({ Bucket: b }));
  await seedObjects(s3Client(memoryS3), src, [{ key: 'data/one', size: 100 }]);
  srcProxy = await startFaultProxy({ target: memoryS3 });
  dstProxy = await startFaultProxy({ target: `http://localhost:${new URL(servers.sqs).port}` });
  for (const p of [srcProxy, dstProxy])
    p.events.on('request', (_op: string, req: { method?: string; url?: string }) =>
      sentToS3.push(`${req.method} ${req.url}`),
    );
  const dataDir = join(work, 'hub');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(dataDir, { mode: 0o700 });
  writeFileSync(
    join(dataDir, 'secrets.json'),
    JSON.stringify({ s3rver: { access_key_id: 'S3RVER', secret_access_key: TEST_SECRET_VALUE } }),
    { mode: 0o600 },
  );
  hub = await mustStartServe(dataDir);
});
afterAll(async () => {
  clearInterval(poller);
  await hub?.stop('SIGKILL');
  await Promise.all([srcProxy?.close(), dstProxy?.close()]);
  rmSync(work, { recursive: true, force: true });
});

/** What any of those files would have leaked, in the forms it could travel in (raw, URL-encoded). */
function leaked(text: string): string[] {
  const found: string[] = [];
  const decoded = (() => {
    try {
      return decodeURIComponent(text.replace(/\+/g, ' '));
    } catch {
      return text;
    }
  })();
  for (const [what, needle] of [
    ['/etc/passwd', 'root:x:0:0'],
    ['the hub token (environ)', hub.token],
    ['environ', 'DTH_FROM_SOURCE=1'],
    ['marker', MARKER_LINE],
  ]) {
    if (text.includes(needle) || decoded.includes(needle)) found.push(what);
  }
  return found;
}

// fauxqs answers GetObjectTagging with the object body: no metadata copy.
const S3_BASE = () =>
  baseParams(src, dst, { srcEndpoint: srcProxy.endpoint, destEndpoint: dstProxy.endpoint, includeMetadata: 'false' });
const ECR_BASE = () => ({
  sourceType: 'Public',
  srcList: 'SELECTED',
  srcImageList: 'library/none:1',
  srcRegistry: servers.registryOpen,
  destRegistry: servers.registryOpen,
  insecure: 'true',
});

async function settle(ids: string[]): Promise<string[]> {
  const messages: string[] = [];
  for (const id of ids) {
    for (let i = 0; ; i++) {
      const t = (await hub.gql(`query($id: ID!) { getTask(id: $id) { progress errorMessage } }`, { id })).body.data
        ?.getTask;
      if (['DONE', 'ERROR', 'STOPPED'].includes(t?.progress)) {
        messages.push(JSON.stringify(t));
        break;
      }
      if (i > 300) throw new Error(`task ${id} did not end: ${JSON.stringify(t)}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }
  return messages;
}

describe('API parameters never name a local file', () => {
  it.each([
    ['S3EC2', S3_PARAM_NAMES, S3_BASE],
    ['ECR', ECR_PARAM_NAMES, ECR_BASE],
  ] as const)(
    '%s: every parameter, every hostile value, through createTask and estimateTask',
    async (type, names, base) => {
      const answers: string[] = [];
      let accepted = 0;
      for (const name of names) {
        const ids: string[] = [];
        for (const value of HOSTILE) {
          const parameters = params({ ...base(), [name]: value });
          const created = await hub.gql(CREATE, { input: { type, scheduleType: 'ONE_TIME', parameters } });
          answers.push(JSON.stringify(created.body));
          if (created.body.data?.createTask) ids.push(created.body.data.createTask.id);
          if (type === 'S3EC2') {
            const estimate = await hub.gql(
              'query($p: [TaskParameterInput]!) { estimateTask(type: S3EC2, parameters: $p) { objects complete } }',
              { p: parameters },
            );
            answers.push(JSON.stringify(estimate.body));
          }
        }
        accepted += ids.length;
        answers.push(...(await settle(ids)));
        expect(hub.hasExited(), hub.output().slice(-2000)).toBe(false);
      }
      // The values did reach the engines (many S3 parameters take any text), not only the validator. Fewer image task
      // parameters do since its network parameters (ecsClusterName, ecsVpcId, ecsSubnetA/B) are checked at createTask:
      // path-shaped prefixes and repository names still reach the image engine.
      expect(accepted).toBeGreaterThan(type === 'S3EC2' ? 10 : 1);
      const problems = [
        ...fifoOpened.map((at) => `the marker FIFO was opened for reading at ${at}`),
        ...sentToS3.flatMap((r) => leaked(r).map((what) => `${what} sent to S3: ${r.slice(0, 160)}`)),
        ...answers.flatMap((a) => leaked(a).map((what) => `${what} in an answer: ${a.slice(0, 160)}`)),
      ];
      expect(problems).toEqual([]);
    },
    300_000,
  );

  it('the marker FIFO is a working detector: opening it for reading is seen', async () => {
    // The same check the test above relies on, shown to fire: a reader of the FIFO (as a leaky hub would be).
    const before = fifoOpened.length;
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(FIFO, 'utf8');
    expect(text).toContain(MARKER_LINE);
    expect(fifoOpened.length).toBeGreaterThan(before);
    fifoOpened.length = before;
  });
});
