/**
 * Image sync of N images (20 at scale 1): our `dth ecr sync` against plain `skopeo sync`,
 * between two local docker-registry processes, a freshly wiped destination every run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchConfig } from './config.js';
import { MiB } from './config.js';
import { runMeasured, type Measured } from './measure.js';
import { writeOciLayout } from './oci-images.js';
import { oursImageReady, oursImageSync } from './ours.js';
import { finishWorkload, type ToolRun, type WorkloadResult } from './report.js';
import { startRegistry, stopServer, type RunningServer } from './servers.js';

export interface ImageWorkloadOptions {
  root: string;
  cfg: BenchConfig;
  log: (msg: string) => void;
  notes: string[];
}

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export async function manifestDigest(registry: string, repo: string, tag: string): Promise<string | undefined> {
  const res = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: MANIFEST_ACCEPT },
  });
  return res.ok ? (res.headers.get('docker-content-digest') ?? undefined) : undefined;
}

export async function runImageWorkload(o: ImageWorkloadOptions): Promise<WorkloadResult> {
  const { cfg, log } = o;
  const count = Math.max(2, Math.round(20 * Math.min(cfg.scale * 10, 1)));
  const baseBytes = 8 * MiB;
  const ownBytes = 2 * MiB;
  const w: WorkloadResult = {
    name: 'images',
    title: `image sync of ${count} images (shared 8 MiB base + 2 MiB own layer)`,
    objects: count,
    bytes: 0,
    runs: [],
    summary: {},
  };
  const layout = join(cfg.workDir, 'oci');
  const tags = writeOciLayout(layout, count, baseBytes, ownBytes);
  w.bytes = baseBytes + count * ownBytes;
  const src = await startRegistry('registry-source', cfg.workDir, cfg.portBase + 2);
  let dst: RunningServer | undefined;
  try {
    for (const tag of tags) {
      const push = await runMeasured('skopeo', [
        'copy',
        '--dest-tls-verify=false',
        `oci:${layout}:${tag}`,
        `docker://${src.endpoint}/bench/${tag}:v1`,
      ]);
      if (push.exitCode !== 0) throw new Error(`pushing ${tag} failed: ${push.stderr}`);
    }
    const sourceDigests = new Map<string, string>();
    for (const tag of tags) sourceDigests.set(tag, (await manifestDigest(src.endpoint, `bench/${tag}`, 'v1'))!);
    const yamlFile = join(cfg.workDir, 'skopeo-sync.yml');
    writeFileSync(
      yamlFile,
      [`${src.endpoint}:`, '  tls-verify: false', '  images:', ...tags.map((t) => `    bench/${t}: [v1]`), ''].join(
        '\n',
      ),
    );
    const ready = oursImageReady(o.root);
    if (!ready.ok) o.notes.push(`our image sync was not run: ${ready.reason}`);

    for (let round = 1; round <= cfg.rounds; round++) {
      const tools: ('ours' | 'skopeo')[] = round % 2 ? ['ours', 'skopeo'] : ['skopeo', 'ours'];
      for (const tool of tools) {
        if (tool === 'ours' && !ready.ok) continue;
        if (dst) await stopServer(dst);
        dst = await startRegistry('registry-dest', cfg.workDir, cfg.portBase + 3);
        let m: Measured;
        // skopeo sync keeps only the last path component: bench/img00 lands in mirror/img00.
        if (tool === 'skopeo') {
          m = await runMeasured(
            'skopeo',
            [
              'sync',
              '--src',
              'yaml',
              '--dest',
              'docker',
              '--dest-tls-verify=false',
              yamlFile,
              `${dst.endpoint}/mirror`,
            ],
            { timeoutSec: 1800 },
          );
        } else {
          m = await oursImageSync({
            root: o.root,
            stateDir: join(cfg.workDir, 'state', `images-r${round}`),
            sourceRegistry: src.endpoint,
            destRegistry: dst.endpoint,
            images: tags.map((t) => `bench/${t}:v1`),
          });
        }
        let ok = m.exitCode === 0;
        let note = ok
          ? undefined
          : `exit ${m.exitCode}: ${m.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 600)}`;
        if (ok) {
          for (const tag of tags) {
            const got =
              (await manifestDigest(dst.endpoint, `mirror/${tag}`, 'v1')) ??
              (await manifestDigest(dst.endpoint, `bench/${tag}`, 'v1'));
            if (got !== sourceDigests.get(tag)) {
              ok = false;
              note = `${tag}: destination digest ${got ?? 'missing'} != source ${sourceDigests.get(tag)}`;
              break;
            }
          }
        }
        const run: ToolRun = {
          tool,
          round,
          wallSec: m.wallSec,
          cpuSec: m.cpuSec,
          maxRssMb: m.maxRssMb,
          objects: count,
          bytes: w.bytes,
          ok,
          note,
        };
        w.runs.push(run);
        log(
          `${tool.padEnd(6)} ${w.title} round ${round}: ${m.wallSec.toFixed(2)} s, CPU ${m.cpuSec.toFixed(2)} s${ok ? '' : ` FAILED: ${note}`}`,
        );
      }
    }
  } finally {
    if (dst) await stopServer(dst);
    await stopServer(src);
  }
  return finishWorkload(w);
}
