import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { BUNDLING_STACKS, type CloudAssembly } from 'aws-cdk-lib/cx-api';
import { DockerImageAsset } from 'aws-cdk-lib/aws-ecr-assets';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';

/** The scratch directories this process made, removed when it exits. */
const SCRATCH = new Set<string>();

/**
 * A directory under the system's temp dir for this process's synth, removed when the process exits: the main app's
 * synth copies what it needs from it into its own output (asset staging), and every `cdk` command runs the app anew
 * (each left ~7 MB behind before).
 */
function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // One exit hook for all of them (an app synthesized many times in one process, as in tests, makes many).
  if (SCRATCH.size === 0)
    process.once('exit', () => {
      for (const d of SCRATCH) rmSync(d, { recursive: true, force: true });
    });
  SCRATCH.add(dir);
  return dir;
}

/** One synth per plugin and process: both main stack variants embed the same plugin templates. */
const SYNTHESIZED = new Map<string, { assembly: CloudAssembly; stackName: string }>();

export interface PluginTemplateProps {
  /** Builds the plugin stack in the given (separate) app. Synthesized once per process and construct id. */
  build: (app: App) => Stack;
}

/**
 * One plugin stack synthesized in its own App (so the main stack does not contain it) and uploaded as an S3 asset:
 * the orchestrator's CreateStack reads it from `templateUrl`. The plugin's own assets (worker bundle, task image)
 * are declared again in the main stack (so `cdk deploy` publishes them) and the uploaded template text is rewritten
 * to their hashes in the main stack.
 */
export class PluginTemplate extends Construct {
  readonly asset: Asset;
  readonly templateUrl: string;
  /** The synthesized template (tests check size, resource count and validity). */
  readonly template: Record<string, unknown>;
  /** Plugin asset hash → hash of the same asset as declared (and published) by this stack. */
  readonly republished: Record<string, string>;

  constructor(scope: Construct, id: string, props: PluginTemplateProps) {
    super(scope, id);
    let synthesized = SYNTHESIZED.get(id);
    if (!synthesized) {
      // Bundle always: the CLI skips bundling for stacks it is not deploying (`cdk ls`, `cdk destroy`, `deploy
      // --exclusively X`), and an unbundled NodejsFunction asset points at the source tree, not at a staged file
      // of this assembly — the plugin template would then reference code nobody publishes.
      const app = new App({
        outdir: scratchDir('dth-plugin-'),
        postCliContext: { [BUNDLING_STACKS]: ['**'] },
      });
      const stack = props.build(app);
      synthesized = { assembly: app.synth(), stackName: stack.stackName };
      SYNTHESIZED.set(id, synthesized);
    }
    const { assembly } = synthesized;
    const artifact = assembly.getStackByName(synthesized.stackName);
    this.republished = this.republishAssets(assembly.directory, artifact.templateFile, `${artifact.id}.assets.json`);
    // Point the template at the assets as this stack publishes them (bundled/zipped assets hash differently here).
    let text = readFileSync(join(assembly.directory, artifact.templateFile), 'utf8');
    for (const [inner, outer] of Object.entries(this.republished)) text = text.split(inner).join(outer);
    const uploadDir = scratchDir('dth-plugin-template-');
    const uploadFile = join(uploadDir, artifact.templateFile);
    writeFileSync(uploadFile, text);
    this.template = JSON.parse(text) as Record<string, unknown>;
    this.asset = new Asset(this, 'Template', { path: uploadFile });
    this.templateUrl = this.asset.httpUrl;
  }

  /**
   * The plugin template references its own assets (worker bundle, task image, CDK helper Lambda code) by content
   * hash in the bootstrap bucket/repository. Declaring the same staged sources here makes `cdk deploy` of the main
   * stack publish them; returns inner hash → outer hash (the caller rewrites the template to the outer hashes).
   */
  private republishAssets(dir: string, templateFile: string, manifestFile: string): Record<string, string> {
    const manifest = JSON.parse(readFileSync(join(dir, manifestFile), 'utf8')) as {
      files?: Record<string, { source: { path?: string } }>;
      dockerImages?: Record<string, { source: { directory?: string } }>;
    };
    const out: Record<string, string> = {};
    for (const [hash, f] of Object.entries(manifest.files ?? {})) {
      if (!f.source.path || f.source.path === templateFile) continue;
      out[hash] = new Asset(this, `File${hash.slice(0, 12)}`, { path: join(dir, f.source.path) }).assetHash;
    }
    for (const [hash, d] of Object.entries(manifest.dockerImages ?? {})) {
      if (!d.source.directory) continue;
      out[hash] = new DockerImageAsset(this, `Image${hash.slice(0, 12)}`, {
        directory: join(dir, d.source.directory),
      }).assetHash;
    }
    return out;
  }
}
