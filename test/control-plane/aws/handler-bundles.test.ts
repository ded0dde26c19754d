/** Every handler file bundles for Lambda (node20 syntax, run by the Node 22 runtime; ESM) without the local hub's native/embedded dependencies. */
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// The control plane's handlers, plus the ECR plugin's lister Lambda, which lives next to its plugin.
const HANDLERS = [
  ...readdirSync('control-plane/aws/handlers')
    .filter((f) => f.endsWith('.ts') && f !== 'runtime.ts')
    .map((f) => `control-plane/aws/handlers/${f}`),
  'plugins/ecr/runtime/list-images.ts',
];

describe('lambda handler bundles', () => {
  it('lists every handler documented in control-plane/README.md', () => {
    expect(HANDLERS.map((f) => basename(f)).sort()).toEqual([
      'api.ts',
      'check-complete.ts',
      'check-finder.ts',
      'check-queue-empty.ts',
      'list-images.ts',
      'notify.ts',
      'query-stack-status.ts',
      'release-workers.ts',
      'start-stack.ts',
      'stop-stack.ts',
    ]);
  });

  it('bundles each handler with esbuild, exporting `handler`, without better-sqlite3 or the hub', async () => {
    const out = await build({
      entryPoints: HANDLERS,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      write: false,
      outdir: 'out',
      metafile: true,
      logLevel: 'silent',
      mainFields: ['module', 'main'],
    });
    expect(out.errors).toEqual([]);
    const inputs = Object.keys(out.metafile!.inputs);
    expect(inputs.filter((p) => /better-sqlite3|control-plane\/local\/|worker\/adapters\/embedded\//.test(p))).toEqual(
      [],
    );
    for (const [file, meta] of Object.entries(out.metafile!.outputs)) {
      if (file.endsWith('.js')) expect(meta.exports, file).toContain('handler');
    }
  }, 60_000);
});
