/**
 * The CDK app as `cdk synth` builds it: the CLI run once, offline, telemetry off, cdk-nag AwsSolutions on
 * (bin/app.ts). Checks what only the real CLI output shows: the synth succeeds with no unacknowledged cdk-nag error,
 * every template (and each uploaded plugin template) is valid JSON within CloudFormation's limits, the plugin
 * templates the orchestrator launches with CreateStack only reference assets that deploying the main stack publishes,
 * and the task image is a Docker asset whose build is left to deploy time.
 * Resource-level assertions on the in-process app are in app.test.ts.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PLUGIN_PARAMETERS } from '../../control-plane/core/plugin-contract.js';
import { REPO, synthApp, type Synthesis } from './synth.js';

const MAIN_STACKS = ['DataTransferHub', 'DataTransferHubOidc'];
const ALL_STACKS = [...MAIN_STACKS, 'DthEcrPlugin', 'DthS3Plugin'];
/** CloudFormation: 1 MB for a template read from S3 (cdk deploy uploads templates over 51,200 bytes; plugin templates are uploaded). */
const S3_MAX_TEMPLATE_BYTES = 1_048_576;
const MAX_RESOURCES = 500;

let synth: Synthesis;

beforeAll(async () => {
  synth = await synthApp();
}, 600_000);

afterAll(() => {
  if (synth) rmSync(synth.dir, { recursive: true, force: true });
});

describe('cdk synth (CLI, offline)', () => {
  test('synthesizes all four stacks with no unacknowledged cdk-nag AwsSolutions error', () => {
    expect(synth.exitCode, synth.output.slice(-4000)).toBe(0);
    expect([...synth.stacks].sort()).toEqual([...ALL_STACKS].sort());
    expect(synth.output).not.toMatch(/^ERROR /m);
    const reportFile = join(synth.dir, 'validation-report.json');
    if (existsSync(reportFile)) {
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: { pluginName: string; violations: { ruleName: string; severity: string }[] }[] };
      const errors = report.pluginReports.filter((r) => r.pluginName === 'AwsSolutions').flatMap((r) => r.violations).filter((v) => v.severity === 'error');
      expect(errors.map((v) => v.ruleName)).toEqual([]);
    }
  });

  test('every stack template is valid JSON, ≤ 1 MB and ≤ 500 resources', () => {
    for (const stack of ALL_STACKS) {
      const t = synth.template(stack);
      expect(Object.keys(t.Resources).length, stack).toBeGreaterThan(0);
      expect(Object.keys(t.Resources).length, stack).toBeLessThanOrEqual(MAX_RESOURCES);
      expect(synth.templateBytes(stack), stack).toBeLessThanOrEqual(S3_MAX_TEMPLATE_BYTES);
    }
  });

  test('each main stack uploads the S3 and ECR plugin templates: valid JSON, ≤ 1 MB, ≤ 500 resources, the orchestrator parameters', () => {
    for (const stack of MAIN_STACKS) {
      const uploaded = synth.uploadedTemplates(stack);
      const kinds = uploaded.map((u) => u.template.Description ?? '');
      expect(kinds.filter((d) => /S3 plugin/i.test(d)), stack).toHaveLength(1);
      expect(kinds.filter((d) => /ECR plugin/i.test(d)), stack).toHaveLength(1);
      for (const u of uploaded) {
        expect(u.bytes).toBeLessThanOrEqual(S3_MAX_TEMPLATE_BYTES);
        expect(Object.keys(u.template.Resources).length).toBeLessThanOrEqual(MAX_RESOURCES);
        expect(Object.keys(u.template.Parameters ?? {})).toEqual(expect.arrayContaining(Object.values(PLUGIN_PARAMETERS)));
      }
    }
  });

  test('the uploaded plugin templates reference only assets (code, worker bundle, task image) the main stack publishes', () => {
    for (const stack of MAIN_STACKS) {
      const manifest = synth.assets(stack);
      const published = new Set([
        ...Object.values(manifest.files).map((f) => Object.values(f.destinations)[0].objectKey),
        ...Object.values(manifest.dockerImages ?? {}).map((d) => Object.values(d.destinations)[0].imageTag),
      ]);
      for (const u of synth.uploadedTemplates(stack)) {
        const body = readFileSync(u.path, 'utf8');
        const referenced = new Set([
          ...[...body.matchAll(/([0-9a-f]{64}\.(?:zip|json|mjs|js))/g)].map((m) => m[1]),
          ...[...body.matchAll(/container-assets-[^"]*:([0-9a-f]{64})/g)].map((m) => m[1]),
        ]);
        expect(referenced.size, u.template.Description).toBeGreaterThan(0);
        expect([...referenced].filter((k) => !published.has(k)), `${stack}: ${u.template.Description}`).toEqual([]);
      }
    }
  });

  test('the task image is a Docker image asset of plugins/ecr/Dockerfile plus the dth bundle (not built at synth)', () => {
    for (const stack of ['DthEcrPlugin', 'DthS3Plugin']) {
      const images = Object.values(synth.assets(stack).dockerImages ?? {});
      expect(images, stack).toHaveLength(1);
      const dir = join(synth.dir, images[0].source.directory);
      const dockerfile = readFileSync(join(dir, images[0].source.dockerFile ?? 'Dockerfile'), 'utf8');
      expect(dockerfile).toBe(readFileSync(join(REPO, 'plugins', 'ecr', 'Dockerfile'), 'utf8'));
      expect(dockerfile).toMatch(/skopeo/);
      expect(existsSync(join(dir, 'dth.mjs'))).toBe(true);
    }
  });
});
