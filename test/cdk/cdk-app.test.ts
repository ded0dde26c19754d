/**
 * The CDK app as `cdk synth` builds it: the CLI run once, offline, telemetry off, cdk-nag AwsSolutions on
 * (bin/app.ts). Checks what only the real CLI output shows: the synth succeeds with no unacknowledged cdk-nag error,
 * every template (and each uploaded plugin template) is valid JSON within CloudFormation's limits, the plugin
 * templates the orchestrator launches with CreateStack only reference assets that deploying the main stack publishes,
 * and the task image is a Docker asset whose build is left to deploy time. Then cfn-lint 1.51 and the CloudFormation
 * validator inside aws-cdk-lib read every template — the Cognito hub for an AWS region, the OIDC hub and both plugin
 * templates (as synthesized and as the hubs upload them) for an AWS region and a China region (cn-north-1), and checks the
 * start step's CreateStack parameters of tasks as the console and a script create them against the uploaded plugin
 * templates (cfn-lint --parameter-files: AllowedValues and patterns, which the AWS emulator does not check).
 * Resource-level assertions on the in-process app are in app.test.ts.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, CloudFormationValidatePlugin } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stackParameters } from '../../control-plane/aws/lifecycle-steps.js';
import { PLUGIN_PARAMETERS } from '../../control-plane/core/plugin-contract.js';
import type { TaskRecord } from '../../control-plane/core/task.js';
import { type CreateTaskInput, validateCreateTask } from '../../control-plane/core/validate-task.js';
import { createInput, initialState, withS3Field } from '../../portal/src/pages/create-task/parameters.js';
import { ECR_PARAMETERS, S3_PARAMETERS } from '../../worker/params/index.js';
import { requireTool } from '../support/private-moto.js';
import { ACCEPTED_FINDINGS, type AcceptedFinding } from './lint-accepted.js';
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
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
        pluginReports: { pluginName: string; violations: { ruleName: string; severity: string }[] }[];
      };
      const errors = report.pluginReports
        .filter((r) => r.pluginName === 'AwsSolutions')
        .flatMap((r) => r.violations)
        .filter((v) => v.severity === 'error');
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
      expect(
        kinds.filter((d) => /S3 plugin/i.test(d)),
        stack,
      ).toHaveLength(1);
      expect(
        kinds.filter((d) => /ECR plugin/i.test(d)),
        stack,
      ).toHaveLength(1);
      for (const u of uploaded) {
        expect(u.bytes).toBeLessThanOrEqual(S3_MAX_TEMPLATE_BYTES);
        expect(Object.keys(u.template.Resources).length).toBeLessThanOrEqual(MAX_RESOURCES);
        expect(Object.keys(u.template.Parameters ?? {})).toEqual(
          expect.arrayContaining(Object.values(PLUGIN_PARAMETERS)),
        );
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
        expect(
          [...referenced].filter((k) => !published.has(k)),
          `${stack}: ${u.template.Description}`,
        ).toEqual([]);
      }
    }
  });

  test("the task image is a Docker image asset of plugins/ecr/Dockerfile plus the dth bundle (not built at synth), built for the task definitions' architecture", () => {
    for (const stack of ['DthEcrPlugin', 'DthS3Plugin']) {
      const images = Object.values(synth.assets(stack).dockerImages ?? {});
      expect(images, stack).toHaveLength(1);
      expect((images[0].source as { platform?: string }).platform, stack).toBe('linux/amd64');
      const taskDefinitions = Object.values(synth.template(stack).Resources).filter(
        (r) => r.Type === 'AWS::ECS::TaskDefinition',
      );
      expect(
        taskDefinitions.map(
          (t) => (t.Properties?.RuntimePlatform as { CpuArchitecture?: string } | undefined)?.CpuArchitecture,
        ),
        stack,
      ).toEqual(['X86_64']);
      const dir = join(synth.dir, images[0].source.directory);
      const dockerfile = readFileSync(join(dir, images[0].source.dockerFile ?? 'Dockerfile'), 'utf8');
      expect(dockerfile).toBe(readFileSync(join(REPO, 'plugins', 'ecr', 'Dockerfile'), 'utf8'));
      expect(dockerfile).toMatch(/skopeo/);
      expect(existsSync(join(dir, 'dth.mjs'))).toBe(true);
    }
  });
});

interface Finding {
  file: string;
  rule: string;
  message: string;
  tool: 'cfn-lint' | 'validator';
  severity: string;
}

const accepted = (f: Finding): AcceptedFinding | undefined =>
  ACCEPTED_FINDINGS.find((a) => a.tool === f.tool && a.rule === f.rule && (!a.message || a.message.test(f.message)));

/** The templates to lint and the regions each must deploy to. */
function lintTargets(s: Synthesis): { path: string; regions: string[] }[] {
  const both = ['us-east-1', 'cn-north-1'];
  const uploaded = MAIN_STACKS.flatMap((stack) => s.uploadedTemplates(stack).map((u) => u.path));
  expect(uploaded).toHaveLength(4); // each hub uploads the S3 and the ECR plugin template
  return [
    { path: join(s.dir, 'DataTransferHub.template.json'), regions: ['us-east-1'] }, // Cognito: AWS regions only
    ...['DataTransferHubOidc', 'DthS3Plugin', 'DthEcrPlugin'].map((stack) => ({
      path: join(s.dir, `${stack}.template.json`),
      regions: both,
    })),
    ...uploaded.map((path) => ({ path, regions: both })),
  ];
}

describe('template lint: cfn-lint 1.51 and the validator inside aws-cdk-lib', () => {
  test('cfn-lint: no error in any template for its regions; every warning is one reviewed in lint-accepted.ts', async () => {
    requireTool('cfn-lint');
    const version = (await promisify(execFile)('cfn-lint', ['--version'])).stdout.trim();
    expect(version).toBe('cfn-lint 1.51.0');
    const findings: Finding[] = [];
    // One cfn-lint run per set of regions (each run costs seconds of start-up).
    const groups = new Map<string, string[]>();
    for (const t of lintTargets(synth))
      groups.set(t.regions.join(' '), [...(groups.get(t.regions.join(' ')) ?? []), t.path]);
    for (const [regions, paths] of groups) {
      let output = '';
      try {
        output = (
          await promisify(execFile)(
            'cfn-lint',
            ['--format', 'parseable', '--regions', ...regions.split(' '), '--', ...paths],
            { maxBuffer: 16 * 1024 * 1024 },
          )
        ).stdout;
      } catch (err) {
        // Exit codes 2 (errors), 4 (warnings) and 6 (both) still print the findings; anything else is cfn-lint failing.
        const e = err as { code?: number; stdout?: string; stderr?: string };
        if (![2, 4, 6].includes(e.code ?? -1))
          throw new Error(`cfn-lint failed on ${paths.join(', ')}: ${e.stderr ?? ''}`);
        output = e.stdout ?? '';
      }
      for (const line of output.split('\n').filter(Boolean)) {
        const m = /^(.*?):\d+:\d+:\d+:\d+:([EWI]\d+):(.*)$/.exec(line);
        if (!m) throw new Error(`unparsed cfn-lint line: ${line}`);
        findings.push({
          file: `${m[1].split('/').pop()} (${regions})`,
          rule: m[2],
          message: m[3],
          tool: 'cfn-lint',
          severity: m[2][0],
        });
      }
    }
    const errors = findings.filter((f) => f.severity === 'E');
    expect(errors.map((f) => `${f.file} ${f.rule} ${f.message}`)).toEqual([]);
    expect(findings.filter((f) => !accepted(f)).map((f) => `${f.file} ${f.rule} ${f.message}`)).toEqual([]);
  }, 300_000);

  test('validator: no finding in any template for its regions that lint-accepted.ts does not name', () => {
    const plugin = new CloudFormationValidatePlugin();
    const findings: Finding[] = [];
    for (const target of lintTargets(synth)) {
      for (const region of target.regions) {
        const report = plugin.validate({
          templatePaths: [target.path],
          appConstruct: new App(),
          stackTemplates: [
            { stackConstructPath: target.path, templatePath: target.path, accountId: '123456789012', region },
          ],
        });
        for (const v of report.violations) {
          if (v.severity === 'informational' || v.severity === 'debug') continue;
          findings.push({
            file: `${target.path.split('/').pop()} (${region})`,
            rule: v.ruleName,
            message: v.description,
            tool: 'validator',
            severity: v.severity ?? 'warning',
          });
        }
      }
    }
    expect(findings.filter((f) => !accepted(f)).map((f) => `${f.file} ${f.severity} ${f.rule} ${f.message}`)).toEqual(
      [],
    );
  }, 300_000);

  test('the China region really is checked: the Cognito hub (AWS regions only) does not pass for cn-north-1', async () => {
    let code = 0;
    let output = '';
    try {
      await promisify(execFile)('cfn-lint', [
        '--format',
        'parseable',
        '--regions',
        'cn-north-1',
        '--',
        join(synth.dir, 'DataTransferHub.template.json'),
      ]);
    } catch (err) {
      const e = err as { code?: number; stdout?: string };
      code = e.code ?? 0;
      output = e.stdout ?? '';
    }
    expect(code & 2).toBe(2);
    expect(output).toMatch(/E3006:Resource type 'AWS::Cognito::UserPool' does not exist in 'cn-north-1'/);
  }, 120_000);
});

/** The task a createTask of `input` stores (the API's own validation and normalisation). */
function storedTask(input: CreateTaskInput): TaskRecord {
  const valid = validateCreateTask(input, { urlDecode: false });
  return {
    id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    type: valid.type,
    scheduleType: valid.scheduleType,
    description: valid.description,
    parameters: valid.parameters,
    progress: 'STARTING',
    createdAt: new Date().toISOString(),
  };
}

/** What cfn-lint says of `parameters` given to `template` as CreateStack would (AllowedValues, patterns): E lines. */
async function deployErrors(template: string, parameters: { ParameterKey: string; ParameterValue: string }[]) {
  const file = join(synth.dir, `params-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(parameters));
  let output = '';
  try {
    await promisify(execFile)('cfn-lint', ['--format', 'parseable', '--parameter-files', file, '--', template]);
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number' || (e.code & ~6) !== 0) throw new Error(`cfn-lint failed: ${e.stderr ?? ''}`);
    output = e.stdout ?? '';
  }
  return output.split('\n').filter((line) => /:E\d{4}:/.test(line));
}

describe("the start step's CreateStack parameters, checked by cfn-lint against the uploaded plugin templates", () => {
  /** The hub's own values, as its Lambda environment gives them (PLUGIN_NETWORK_PARAMETERS, the role boundary). */
  const hub = {
    defaults: {
      ec2VpcId: 'vpc-0a1b2c3d4e5f67890',
      ec2Subnets: 'subnet-0a1b2c3d4e5f67890,subnet-0a1b2c3d4e5f67891',
      ecsVpcId: 'vpc-0a1b2c3d4e5f67890',
      ecsSubnets: 'subnet-0a1b2c3d4e5f67890,subnet-0a1b2c3d4e5f67891',
    },
    enforced: { [PLUGIN_PARAMETERS.permissionsBoundary]: 'arn:aws:iam::123456789012:policy/DthTaskBoundary' },
  };
  const s3Console = (): CreateTaskInput => {
    const state = initialState();
    state.common.schedule = { ...state.common.schedule, kind: 'ONE_TIME' };
    // An S3-compatible destination: the console then sends the store's own storage class and ACL (blank).
    state.s3 = withS3Field(state.s3, 'destEndpoint', 'https://oss-cn-hangzhou.aliyuncs.com');
    Object.assign(state.s3, { srcBucket: 'src', srcRegion: 'us-west-2', destBucket: 'dst', destRegion: 'cn-hangzhou' });
    Object.assign(state.s3, { destCredentials: 'oss-keys', maxCapacity: '', finderDepth: '', workerNumber: '' });
    return createInput(state);
  };
  const ecrConsole = (): CreateTaskInput => {
    const state = initialState();
    state.type = 'ECR';
    Object.assign(state.ecr, { sourceType: 'Public', srcList: 'SELECTED', srcImageList: 'library/nginx:1.27' });
    Object.assign(state.ecr, { destRegion: 'us-east-1', destAccountId: '123456789012', destCredential: 'ecr-keys' });
    return createInput(state);
  };
  /** A script's createTask that sends every parameter of the template, blank where it has no value to give. */
  const everyParameterBlank = (type: 'S3EC2' | 'ECR', given: Record<string, string>): CreateTaskInput => ({
    type,
    scheduleType: 'ONE_TIME',
    parameters: (type === 'S3EC2' ? S3_PARAMETERS : ECR_PARAMETERS)
      .filter((p) => p.template !== false)
      .map((p) => ({ ParameterKey: p.name, ParameterValue: given[p.name] ?? '' })),
  });

  test.each([
    ['the console, S3 task to an S3-compatible store (blank storage class and ACL, blank numbers)', s3Console],
    ['the console, image task', ecrConsole],
    [
      'a script, S3 task, every other parameter blank',
      () => everyParameterBlank('S3EC2', { srcBucket: 'src-bucket', destBucket: 'dst-bucket', srcRegion: 'us-west-2' }),
    ],
    [
      'a script, image task, every other parameter blank',
      () =>
        everyParameterBlank('ECR', {
          sourceType: 'Public',
          srcImageList: 'library/nginx:1.27',
          destRegion: 'us-east-1',
        }),
    ],
  ])(
    '%s: every value is one the template takes',
    async (_, input) => {
      // Before: blank enum, boolean and number values went to CreateStack as "" — refused on AWS (CFN_ERROR) though
      // the emulator, which checks no AllowedValues, created the stack.
      const task = storedTask(input());
      const uploaded = synth.uploadedTemplates('DataTransferHub');
      const plugin = uploaded.find((u) => (task.type === 'ECR') === 'srcImageList' in (u.template.Parameters ?? {}));
      expect(plugin, 'the plugin template of the task type').toBeDefined();
      const declared = new Set(Object.keys(plugin?.template.Parameters ?? {}));
      const parameters = stackParameters(task, declared, hub);
      expect(await deployErrors(plugin?.path ?? '', parameters)).toEqual([]);
    },
    120_000,
  );
});
