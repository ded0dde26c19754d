import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { DockerImageAsset } from 'aws-cdk-lib/aws-ecr-assets';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';

export interface PluginTemplateProps {
  /** Builds the plugin stack in the given (separate) app; the stack id becomes the template file name. */
  build: (app: App) => Stack;
}

/**
 * One plugin stack synthesized in its own App (so the main stack does not contain it) and uploaded as an S3 asset:
 * the orchestrator's CreateStack reads it from `templateUrl`. The plugin's own assets (worker bundle, task image)
 * hash the same files as the main stack's copies, so deploying the main stack publishes them (see PluginAssets).
 */
export class PluginTemplate extends Construct {
  readonly asset: Asset;
  readonly templateUrl: string;
  /** The synthesized template (tests check size, resource count and validity). */
  readonly template: Record<string, unknown>;
  /** Plugin asset hash → hash of the same asset declared in this stack (equal when the republish lines up). */
  readonly republished: Record<string, string>;

  constructor(scope: Construct, id: string, props: PluginTemplateProps) {
    super(scope, id);
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'dth-plugin-')) });
    const stack = props.build(app);
    const assembly = app.synth();
    const artifact = assembly.getStackByName(stack.stackName);
    this.template = artifact.template as Record<string, unknown>;
    this.asset = new Asset(this, 'Template', { path: join(assembly.directory, artifact.templateFile) });
    this.templateUrl = this.asset.httpUrl;
    this.republished = this.republishAssets(assembly.directory, artifact.templateFile, `${stack.artifactId}.assets.json`);
  }

  /**
   * The plugin template references its own assets (worker bundle, task image, CDK helper Lambda code) by content
   * hash in the bootstrap bucket/repository. Declaring the same staged sources here makes `cdk deploy` of the main
   * stack publish them under the same hashes, so the per-task stacks find them. Returns inner hash → outer hash.
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
      out[hash] = new DockerImageAsset(this, `Image${hash.slice(0, 12)}`, { directory: join(dir, d.source.directory) }).assetHash;
    }
    return out;
  }
}
