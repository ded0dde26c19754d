/**
 * Ctrl-C on `dth ecr sync` (the real CLI process): what was copied stays copied and verified, what was under way is
 * left PENDING for the next run — not FAILED — and the run says it stopped (exit 130), as `dth s3 sync` does.
 * The stop is made deterministic by a registry front that never answers for one repository's manifests.
 */
import { join } from 'node:path';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../worker/core/log.js';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { parseEcrTaskParams } from '../../worker/ecr/params.js';
import { runImageSync } from '../../worker/ecr/run-image-sync.js';
import { Skopeo } from '../../worker/ecr/skopeo.js';
import { openSqliteDatabase, SqliteStatusStore } from '../../worker/adapters/embedded/index.js';
import { runCli, spawnCli, stdoutMatches } from '../reliability/helpers.js';
import { servers } from '../support/servers.js';
import { imageBytes, publicTaskParams, registryDigest, registrySecrets, seedImages } from './image-fixtures.js';
import { startRegistryFront } from './registry-front.js';

const lastLine = (text: string) => JSON.parse(text.trim().split('\n').at(-1)!);

describe('dth ecr sync stopped', () => {
  it('leaves the image under way pending (not failed), exits 130, and the next run copies it', async () => {
    const { repository: fast } = seedImages();
    const { repository: slow } = seedImages();
    const front = await startRegistryFront({ upstream: servers.registryOpen, mode: 'holds-manifests', held: [slow] });
    const dir = mkdtempSync(join(tmpdir(), 'dth-image-stop-'));
    const state = join(dir, 'images.db');
    const secrets = registrySecrets();
    const paramsFile = (srcRegistry: string) => {
      const path = join(dir, `task-${srcRegistry.replace(/\W/g, '-')}.json`);
      writeFileSync(
        path,
        JSON.stringify(publicTaskParams({ srcRegistry, srcImageList: `${fast}:v1\n${slow}:v1`, destPrefix: 'stop' })),
      );
      return path;
    };
    const common = ['--secrets', secrets, '--state', state, '--task-id', 'stop-test', '--json'];
    try {
      const run = spawnCli(['ecr', 'sync', '--params', paramsFile(front.registry), ...common]);
      // Stop once the fast image is copied; the slow one's digest read is held by the front.
      await stdoutMatches(run.child, /"event":"progress"[^\n]*"done":1/);
      run.child.kill('SIGINT');
      const stopped = await run.done;
      expect(stopped.code, stopped.stderr).toBe(130);
      expect(lastLine(stopped.stdout)).toMatchObject({
        event: 'summary',
        complete: false,
        stopped: true,
        copied: 1,
        failed: 0,
        pending: 1,
        failures: [],
      });
      expect(stopped.stderr).not.toContain('image.failed');
      // The last progress line says so too, as dth s3 sync's does.
      const progress = stopped.stdout
        .trim()
        .split('\n')
        .filter((l) => l.includes('"event":"progress"'));
      expect(JSON.parse(progress.at(-1)!)).toMatchObject({ phase: 'stopped', done: 1, pending: 1 });
    } finally {
      await front.close();
    }
    const db = openSqliteDatabase(state);
    const status = new SqliteStatusStore(db, 'stop-test');
    expect((await status.get(`${slow}:v1`))?.status).toBe('PENDING');
    expect((await status.get(`${fast}:v1`))?.status).toBe('DONE');
    db.close();

    // The next run, with the registry answering: the copied image unchanged, the pending one copied.
    const again = await runCli(['ecr', 'sync', '--params', paramsFile(servers.registryOpen), ...common]);
    expect(again.code, again.stderr).toBe(0);
    expect(lastLine(again.stdout)).toMatchObject({
      complete: true,
      stopped: false,
      copied: 1,
      unchanged: 1,
      pending: 0,
    });
    const phases = again.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.event === 'progress')
      .map((l) => l.phase);
    expect(phases.at(-1)).toBe('done');
    expect(new Set(phases.slice(0, -1))).toEqual(new Set(['copying']));
    const auth = `${servers.registryUser}:${servers.registryPassword}`;
    expect(registryDigest(servers.registryAuth, `stop/${slow}:v1`, auth)).toBe(
      registryDigest(servers.registryOpen, `${slow}:v1`),
    );
  });

  it('an image stopped before its copy keeps its size in its record: the bytes left to copy count it', async () => {
    const { repository } = seedImages();
    const dir = mkdtempSync(join(tmpdir(), 'dth-image-stop-size-'));
    // A skopeo that never copies: it says it started, then waits to be stopped.
    const started = join(dir, 'started');
    const wrapper = join(dir, 'skopeo');
    writeFileSync(wrapper, `#!/bin/sh\ntouch '${started}'\nexec sleep 600\n`, { mode: 0o755 });
    const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 'size-stop');
    const stop = new AbortController();
    const image = `${repository}:v1`;
    const run = runImageSync({
      params: parseEcrTaskParams(publicTaskParams({ srcImageList: image, destPrefix: 'stopsize' })),
      status,
      secrets: new FileSecretStore(registrySecrets()),
      logger: silentLogger,
      skopeo: new Skopeo(wrapper),
      signal: stop.signal,
    });
    for (const until = Date.now() + 30_000; !existsSync(started) && Date.now() < until; )
      await new Promise((r) => setTimeout(r, 50));
    stop.abort(new Error('SIGINT'));
    expect(await run).toMatchObject({ complete: false, pending: 1, done: 0 });
    // Before, its record said size 0: a stopped task read 100 % done by bytes with this image still to copy.
    expect(await status.get(image)).toMatchObject({ status: 'PENDING', size: imageBytes(image) });
    expect(await status.summary()).toMatchObject({ pending: 1, bytesTotal: imageBytes(image), bytesDone: 0 });
  });

  it('a stop that lands after a skopeo sync wrote its images counts them copied and verified, not pending', async () => {
    const { repository } = seedImages();
    const dir = mkdtempSync(join(tmpdir(), 'dth-image-stop-batch-'));
    // The real skopeo, whose process then lingers (as one still copying further images would) until the stop kills it.
    const wrapper = join(dir, 'skopeo');
    const real = execFileSync('sh', ['-c', 'command -v skopeo'], { encoding: 'utf8' }).trim();
    writeFileSync(wrapper, `#!/bin/sh\n'${real}' "$@" || exit $?\nexec sleep 600\n`, { mode: 0o755 });
    const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 'batch-stop');
    const stop = new AbortController();
    const params = parseEcrTaskParams(publicTaskParams({ srcImageList: `${repository}:v1`, destPrefix: 'stopbatch' }));
    const auth = `${servers.registryUser}:${servers.registryPassword}`;
    const run = runImageSync({
      params,
      status,
      secrets: new FileSecretStore(registrySecrets()),
      logger: silentLogger,
      skopeo: new Skopeo(wrapper),
      signal: stop.signal,
    });
    // Stop once the image is at the destination, while its process still runs.
    const until = Date.now() + 60_000;
    for (;;) {
      let there = false;
      try {
        there =
          registryDigest(servers.registryAuth, `stopbatch/${repository}:v1`, auth) ===
          registryDigest(servers.registryOpen, `${repository}:v1`);
      } catch {}
      if (there) break;
      if (Date.now() > until) throw new Error('the image never reached the destination');
      await new Promise((r) => setTimeout(r, 200));
    }
    stop.abort(new Error('SIGINT'));
    const report = await run;
    // Before: the check of what the process wrote ran under the stopped signal, failed, and the image stayed PENDING.
    // Every image listed is copied and verified: the stop came after the run's work, which is whole.
    expect(report).toMatchObject({ complete: true, done: 1, pending: 0, failed: 0 });
    expect(await status.get(`${repository}:v1`)).toMatchObject({
      status: 'DONE',
      verified: true,
      checksum: registryDigest(servers.registryOpen, `${repository}:v1`),
    });
  });
});
