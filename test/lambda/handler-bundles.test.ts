/** Every handler file bundles for Lambda (Node 20, ESM) without the local hub's native/embedded dependencies. */
import { readdirSync } from 'node:fs';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const HANDLERS = readdirSync('lambda/handlers').filter((f) => f.endsWith('.ts') && f !== 'runtime.ts');

describe('lambda handler bundles', () => {
  it('lists every handler documented in lambda/README.md', () => {
    expect(HANDLERS.sort()).toEqual([
      'api.ts', 'check-complete.ts', 'check-finder.ts', 'check-queue-empty.ts', 'list-images.ts', 'notify.ts', 'query-stack-status.ts', 'start-stack.ts', 'stop-stack.ts',
    ]);
  });

  it('bundles each handler with esbuild, exporting `handler`, without better-sqlite3 or the hub', async () => {
    const out = await build({
      entryPoints: HANDLERS.map((f) => `lambda/handlers/${f}`), bundle: true, platform: 'node', target: 'node20', format: 'esm',
      write: false, outdir: 'out', metafile: true, logLevel: 'silent', mainFields: ['module', 'main'],
    });
    expect(out.errors).toEqual([]);
    const inputs = Object.keys(out.metafile!.inputs);
    expect(inputs.filter((p) => /better-sqlite3|worker\/hub\/|worker\/adapters\/embedded\//.test(p))).toEqual([]);
    for (const [file, meta] of Object.entries(out.metafile!.outputs)) {
      if (file.endsWith('.js')) expect(meta.exports, file).toContain('handler');
    }
  }, 60_000);
});
