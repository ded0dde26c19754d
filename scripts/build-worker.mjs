#!/usr/bin/env node
/**
 * Bundles the `dth` CLI (cli/main.ts) for Node 20, twice from the same sources:
 * - dist/dth.mjs, one ESM file: what the cloud runs (the JobWorker EC2 instances `dth worker`, the Fargate finder
 *   `dth finder`, the ECR copy container `dth ecr copy-one`), copied alone onto a machine with Node and nothing else.
 * - dist/cli/, the same code split per command (main.mjs + chunks): what bin/dth.mjs runs on this machine. A local
 *   `dth s3 sync` then reads ~0.3 MB of code instead of parsing the whole 3.9 MB (graphql for `serve`, the SSM,
 *   DynamoDB, ECR and S3 SDK clients of the other roles): start-up 0.14 -> 0.10 CPU-s, peak RSS 68 -> 56 MB on an
 *   empty sync, 103 -> 89 MB copying 700 small objects (README, Benchmark).
 * better-sqlite3 (a native addon, only used by the local hub and local commands) stays external in both.
 *
 * Usage: node scripts/build-worker.mjs [--outfile path]   (also importable: `buildWorker({ outfile })`, `buildCli({ outdir })`)
 */
import { buildSync } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const defaultWorkerBundle = join(repoRoot, 'dist', 'dth.mjs');
export const defaultCliDir = join(repoRoot, 'dist', 'cli');
const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));

const COMMON = {
  entryPoints: [join(repoRoot, 'cli', 'main.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: ['better-sqlite3'],
  // `dth --version` (cli/version.ts): the one-file bundle runs where there is no package.json.
  define: { __DTH_VERSION__: JSON.stringify(version) },
  // Some bundled CommonJS dependencies call require(); give each ESM file one.
  banner: {
    js: "import { createRequire as __dthCreateRequire } from 'node:module'; const require = __dthCreateRequire(import.meta.url);",
  },
  legalComments: 'none',
  charset: 'ascii',
  write: false,
  logLevel: 'warning',
};

/**
 * V8 keeps a source with any character above U+00FF as a two-byte string: the ~4 MB bundle then holds ~8 MB of
 * memory in every process for its whole life. esbuild writes strings and identifiers in ASCII (`charset`), but keeps
 * some comments as written; their few non-ASCII characters (—, ×, →) are escaped here, which in a comment changes
 * nothing (measured: peak RSS of `dth s3 sync --help` 64.3 → 61.0 MB).
 */
export function asciiOnly(code) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the range is all of ASCII; what is outside it is escaped
  return code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The one-file bundle (the cloud roles). */
export function buildWorker({ outfile = defaultWorkerBundle } = {}) {
  const built = buildSync({ ...COMMON, outfile });
  mkdirSync(dirname(outfile), { recursive: true });
  writeFileSync(outfile, asciiOnly(built.outputFiles[0].text));
  return outfile;
}

/**
 * Split output gives a CommonJS package loaded by `await import('@aws-sdk/client-s3')` a chunk of its own that exports
 * only `default` (module.exports), where the one-file bundle hands the caller the named exports; the sources destructure
 * them (`const { S3Client } = await import(…)`). Each import() of such a chunk is rewritten to resolve to its default.
 * The chunks are found from esbuild's metafile (an entry made from a CommonJS input, exporting only `default`).
 */
function unwrapCommonJsChunks(outputFiles, metafile) {
  const cjsChunks = Object.entries(metafile.outputs)
    .filter(
      ([, o]) =>
        o.entryPoint &&
        metafile.inputs[o.entryPoint]?.format === 'cjs' &&
        o.exports.length === 1 &&
        o.exports[0] === 'default',
    )
    .map(([path]) => resolve(repoRoot, path));
  return outputFiles.map((file) => {
    let text = file.text;
    for (const chunk of cjsChunks) {
      let name = relative(dirname(file.path), chunk);
      if (!name.startsWith('.')) name = `./${name}`;
      text = text
        .split(`import(${JSON.stringify(name)})`)
        .join(`import(${JSON.stringify(name)}).then((m) => m.default)`);
    }
    return { path: file.path, text };
  });
}

/** The CLI split per command (each command loads only its own chunks); returns the entry, `outdir`/main.mjs. */
export function buildCli({ outdir = defaultCliDir } = {}) {
  const built = buildSync({
    ...COMMON,
    outdir,
    splitting: true,
    metafile: true,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
  });
  rmSync(outdir, { recursive: true, force: true }); // chunks of an earlier build have other names
  for (const file of unwrapCommonJsChunks(built.outputFiles, built.metafile)) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, asciiOnly(file.text));
  }
  return join(outdir, 'main.mjs');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--outfile');
  const out = buildWorker(i > 0 ? { outfile: resolve(process.argv[i + 1]) } : {});
  process.stdout.write(`built ${out}\n`);
  if (i < 0) process.stdout.write(`built ${buildCli()}\n`);
}
