/**
 * How a failed skopeo process is read (worker/ecr/skopeo.ts, worker/ecr/errors.ts): which failures another attempt
 * cannot change, and what a refused manifest tells the user. skopeo's stderr is built here as it prints it, because
 * a local registry cannot be made to refuse every way a real one does (the immutable-tag case runs end to end in
 * image-sync.test.ts). A missing binary runs end to end against the real registries.
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isRetryableError } from '../../worker/core/errors.js';
import { ManifestRefusedError } from '../../worker/ecr/errors.js';
import { FileSecretStore, openSqliteDatabase, SqliteStatusStore } from '../../worker/adapters/embedded/index.js';
import { silentLogger } from '../../worker/core/log.js';
import { parseEcrTaskParams } from '../../worker/ecr/params.js';
import { runImageSync } from '../../worker/ecr/run-image-sync.js';
import { COPY_TIME_LIMIT, copySeconds, INSPECT_TIMEOUT, Skopeo, SkopeoError } from '../../worker/ecr/skopeo.js';
import { servers } from '../support/servers.js';
import { startRegistryFront } from './registry-front.js';
import { publicTaskParams, registrySecrets, seedImages } from './image-fixtures.js';

const fatal = (msg: string) => `time="2026-12-01T00:00:00Z" level=fatal msg="${msg}"\n`;

describe('SkopeoError', () => {
  it('a refused manifest (conversion barred by --preserve-digests, TAG_INVALID, immutable) is final; a network error is not', () => {
    const refused = [
      'Manifest list must be converted to type "application/vnd.docker.distribution.manifest.list.v2+json" to be written to destination, but we cannot modify it: "Instructed to preserve digests"',
      "writing manifest: uploading manifest v1 to r/app: tag invalid: The image tag 'v1' already exists in the 'app' repository and cannot be overwritten because the repository is immutable.",
    ];
    for (const msg of refused) {
      const err = new SkopeoError('copy', fatal(msg), 1);
      expect(err.isManifestRefused, msg).toBe(true);
      expect(isRetryableError(err), msg).toBe(false);
    }
    const reset = new SkopeoError(
      'copy',
      fatal('writing blob: Patch "https://r/v2/app/blobs/uploads/x": read: connection reset by peer'),
      1,
    );
    expect(reset.isManifestRefused).toBe(false);
    expect(isRetryableError(reset)).toBe(true);
  });
});

describe('a missing skopeo', () => {
  it('is said as such, and no image tries again (no install happens between attempts)', async () => {
    const { repository } = seedImages();
    const status = new SqliteStatusStore(openSqliteDatabase(':memory:'), 't');
    const report = await runImageSync({
      params: parseEcrTaskParams(publicTaskParams({ srcImageList: `${repository}:v1\n${repository}:multi` })),
      status,
      secrets: new FileSecretStore(registrySecrets()),
      logger: silentLogger,
      skopeo: new Skopeo('/nonexistent/skopeo'),
    });
    expect(report).toMatchObject({ complete: false, failed: 2 });
    for (const failure of report.failures)
      expect(failure.error).toBe(
        'skopeo was not found ("/nonexistent/skopeo"): images are copied by skopeo; install it (e.g. apt install skopeo) or put it on PATH',
      );
    // One attempt to read its digests, one to copy: not the maxAttempts (3) copies of a transient failure.
    expect((await status.get(`${repository}:v1`))?.attempts).toBe(2);
  });
});

describe('ManifestRefusedError', () => {
  it('with the tag holding another image it names immutability and the ways out; without, the manifest type', () => {
    const said = 'skopeo copy failed: …preserve digests';
    expect(new ManifestRefusedError('r.io/team/app:v1', 'sha256:abc', said).message).toBe(
      "destination r.io/team/app:v1 already holds another image (sha256:abc) and the registry refused to move the tag: its repository's tags are immutable (ECR tag immutability) — delete the tag there, make the repository's tags mutable, or copy under another destPrefix (skopeo copy failed: …preserve digests)",
    );
    const fresh = new ManifestRefusedError('r.io/team/app:v1', undefined, said);
    expect(fresh.message).toBe(
      "destination r.io/team/app:v1: the registry refused the image's manifest, and converting it to another type would change its digest (skopeo copy failed: …preserve digests)",
    );
    expect(isRetryableError(fresh)).toBe(false);
  });
});

describe('a registry that accepts connections and never answers', () => {
  it('fails the manifest read when its time is up, instead of holding the run for ever', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      await expect(
        new Skopeo('skopeo', '2s').digest({ registry: `127.0.0.1:${port}`, insecure: true }, 'a/b:v1'),
      ).rejects.toThrow(/skopeo inspect failed/);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => silent.close(() => ok()));
    }
  }, 30_000);
});

describe('a registry that stops answering in the middle of a push', () => {
  it('fails the copy when its time limit is up, saying so, instead of holding the task IN_PROGRESS for ever', async () => {
    const { repository } = seedImages();
    const front = await startRegistryFront({ upstream: servers.registryOpen, mode: 'holds-uploads' });
    try {
      const started = Date.now();
      const report = await runImageSync({
        params: parseEcrTaskParams(
          publicTaskParams({
            srcImageList: `${repository}:v1`,
            destRegistry: front.registry,
            destCredential: '',
            destPrefix: 'held',
          }),
        ),
        status: new SqliteStatusStore(openSqliteDatabase(':memory:'), 't'),
        secrets: new FileSecretStore(registrySecrets()),
        logger: silentLogger,
        // The real limits (30 min at least) with the floor brought down to what a test can wait.
        skopeo: new Skopeo('skopeo', INSPECT_TIMEOUT, { ...COPY_TIME_LIMIT, floorSeconds: 2, unknownSizeSeconds: 2 }),
      });
      expect(report).toMatchObject({ complete: false, failed: 1, done: 0 });
      expect(report.failures[0].error).toMatch(
        /^skopeo copy did not finish within its time limit of 2 s \(the registry stopped answering, or the link is slower than 256 KiB\/s\)/,
      );
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      await front.close();
    }
  }, 90_000);

  it('the limit grows with the image: 30 minutes, or its bytes at 256 KiB/s, or 12 hours when its size is unknown', () => {
    expect(copySeconds(10 * 1024 ** 2, COPY_TIME_LIMIT)).toBe(1800);
    expect(copySeconds(10 * 1024 ** 3, COPY_TIME_LIMIT)).toBe(40_960);
    expect(copySeconds(undefined, COPY_TIME_LIMIT)).toBe(12 * 3600);
  });
});
