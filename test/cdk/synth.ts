/**
 * Runs `cdk synth` of the whole app once (offline, telemetry off) into a temporary cloud assembly and reads it back.
 * Every CDK test file asserts on this one synthesis (the app takes a minute to synthesize on a busy machine).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const REPO = resolve(import.meta.dirname, '..', '..');

export interface AssetManifest {
  files: Record<
    string,
    {
      source: { path: string; packaging?: string };
      destinations: Record<string, { objectKey: string; bucketName: string }>;
    }
  >;
  dockerImages?: Record<
    string,
    {
      source: { directory: string; dockerFile?: string };
      destinations: Record<string, { imageTag: string; repositoryName: string }>;
    }
  >;
}

export interface CfnTemplate {
  Description?: string;
  Parameters?: Record<string, { Type: string; Default?: unknown; AllowedValues?: string[] }>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Condition?: string }>;
  Outputs?: Record<string, unknown>;
}

export interface Synthesis {
  dir: string;
  exitCode: number;
  output: string;
  stacks: string[];
  template(stack: string): CfnTemplate;
  templateBytes(stack: string): number;
  assets(stack: string): AssetManifest;
  /** Files of the stack's asset manifest that are themselves CloudFormation templates (the uploaded plugin templates). */
  uploadedTemplates(stack: string): { key: string; path: string; bytes: number; template: CfnTemplate }[];
}

export async function synthApp(): Promise<Synthesis> {
  const dir = mkdtempSync(join(tmpdir(), 'dth-cdk-test-'));
  let exitCode = 0;
  let output = '';
  try {
    const r = await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', dir], {
      cwd: REPO,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 480_000,
    });
    output = r.stdout + r.stderr;
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    exitCode = typeof e.code === 'number' ? e.code : 1;
    output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  const read = <T>(file: string): T => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
  const stacks = readdirSync(dir)
    .filter((f) => f.endsWith('.template.json'))
    .map((f) => f.replace(/\.template\.json$/, ''));
  return {
    dir,
    exitCode,
    output,
    stacks,
    template: (stack) => read<CfnTemplate>(`${stack}.template.json`),
    templateBytes: (stack) => statSync(join(dir, `${stack}.template.json`)).size,
    assets: (stack) => read<AssetManifest>(`${stack}.assets.json`),
    uploadedTemplates(stack) {
      const out: { key: string; path: string; bytes: number; template: CfnTemplate }[] = [];
      for (const f of Object.values(read<AssetManifest>(`${stack}.assets.json`).files)) {
        if (
          f.source.packaging !== 'file' ||
          !f.source.path.endsWith('.json') ||
          f.source.path === `${stack}.template.json`
        )
          continue;
        const text = readFileSync(join(dir, f.source.path), 'utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          continue;
        }
        if (!parsed || typeof parsed !== 'object' || !('Resources' in parsed)) continue;
        out.push({
          key: Object.values(f.destinations)[0].objectKey,
          path: join(dir, f.source.path),
          bytes: Buffer.byteLength(text),
          template: parsed as CfnTemplate,
        });
      }
      return out;
    },
  };
}
