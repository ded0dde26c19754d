/**
 * The JobWorker's boot script as the S3 plugin template renders it, run by bash with the instance's tools stood in by
 * stubs on PATH (dnf, aws, curl, node-22, systemctl, shutdown, sleep — each logs its arguments) and its absolute paths
 * moved under a temporary root. Proves what CloudFormation hears: SUCCESS once the worker runs, FAILURE (and a
 * shutdown, so the group replaces the instance) when any step fails — never a healthy-looking instance that copies nothing.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { S3PluginStack } from '../../plugins/s3/s3-plugin-stack.js';

const STACK = 'DTH-S3EC2-boottest';
const TASK_PARAMS = '{"srcBucket":"src","destBucket":"dst"}';
let script: string;
let groupId: string;

/** Renders the Fn::Base64(Fn::Join) user data with fixed values for the references CloudFormation would resolve. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v['Fn::Base64']) return render(v['Fn::Base64']);
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(render).join(v['Fn::Join'][0]);
  if (v['Fn::If']) return render(v['Fn::If'][0] === 'HasTaskParams' ? v['Fn::If'][1] : v['Fn::If'][2]);
  if (v['Fn::Sub'])
    return render((v['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, name) => render({ Ref: name })));
  if (v.Ref) {
    return (
      (
        {
          'AWS::Region': 'us-east-1',
          'AWS::StackName': STACK,
          'AWS::AccountId': '123456789012',
          TaskParams: TASK_PARAMS,
        } as Record<string, string>
      )[v.Ref] ?? `ref-${v.Ref}`
    );
  }
  if (v['Fn::GetAtt']) return `getatt-${v['Fn::GetAtt'].join('.')}`;
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

beforeAll(() => {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'dth-boot-')) });
  const t = Template.fromStack(new S3PluginStack(app, 'DthS3Plugin'));
  [groupId] = Object.keys(t.findResources('AWS::AutoScaling::AutoScalingGroup'));
  script = render(Object.values(t.findResources('AWS::EC2::LaunchTemplate'))[0].Properties.LaunchTemplateData.UserData);
}, 120_000);

const STUBS: Record<string, string> = {
  dnf: 'exit 0',
  curl: 'case "$*" in *api/token*) echo token ;; *instance-id*) echo i-0123456789 ;; esac',
  aws: 'if [ "$1 $2" = "s3 cp" ]; then [ -n "$FAIL_COPY" ] && exit 1; for last; do :; done; echo "// bundle" > "$last"; fi; exit 0',
  'node-22': 'exit 0',
  systemctl: 'if [ "$1" = "is-active" ] && [ -n "$WORKER_DOWN" ]; then exit 3; fi; exit 0',
  shutdown: 'exit 0',
  sleep: 'exit 0',
};

async function boot(
  env: Record<string, string> = {},
): Promise<{ code: number; calls: string[]; root: string; output: string }> {
  const root = mkdtempSync(join(tmpdir(), 'dth-boot-root-'));
  const bin = join(root, 'stub-bin');
  const agentBin = join(root, 'opt/aws/amazon-cloudwatch-agent/bin');
  for (const dir of [
    bin,
    agentBin,
    join(root, 'opt/aws/amazon-cloudwatch-agent/etc'),
    join(root, 'etc/systemd/system'),
    join(root, 'var/log'),
  ])
    mkdirSync(dir, { recursive: true });
  const calls = join(root, 'calls.log');
  const stub = (path: string, body: string) => {
    writeFileSync(path, `#!/bin/bash\necho "$(basename "$0") $*" >> "${calls}"\n${body}\n`);
    chmodSync(path, 0o755);
  };
  for (const [name, body] of Object.entries(STUBS)) stub(join(bin, name), body);
  stub(join(agentBin, 'amazon-cloudwatch-agent-ctl'), 'exit 0');
  // Absolute paths of the instance, moved under the temporary root (the unit file's ExecStart is text, not run).
  const local = script.replace(/(?<![\w.])\/(opt|etc\/systemd|var\/log)\//g, `${root}/$1/`);
  writeFileSync(join(root, 'boot.sh'), local);
  let code = 0;
  let output = '';
  try {
    const r = await promisify(execFile)('bash', [join(root, 'boot.sh')], {
      env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` },
    });
    output = r.stdout + r.stderr;
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    code = e.code ?? 1;
    output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  let log = '';
  try {
    log = readFileSync(calls, 'utf8');
  } catch {
    /* nothing called */
  }
  return { code, calls: log.split('\n').filter(Boolean), root, output };
}

const signal = (status: string) =>
  `aws cloudformation signal-resource --region us-east-1 --stack-name ${STACK} --logical-resource-id ${groupId} --unique-id i-0123456789 --status ${status}`;

describe('JobWorker boot (user data of the S3 plugin template, tools stubbed)', () => {
  it('installs Node and the agent, copies the bundle with the region, checks the worker loads, starts it, signals SUCCESS', async () => {
    const r = await boot();
    expect(r.code, r.output).toBe(0);
    expect(r.calls).toContain('dnf install -y nodejs22 amazon-cloudwatch-agent');
    expect(r.calls.find((c) => c.startsWith('aws s3 cp'))).toMatch(
      /^aws s3 cp --region us-east-1 s3:\/\/cdk-hnb659fds-assets-123456789012-us-east-1\/[0-9a-f]{64}\.mjs .*\/opt\/dth\/dth\.mjs$/,
    );
    expect(r.calls).toContain(`node-22 ${r.root}/opt/dth/dth.mjs worker --help`);
    expect(r.calls).toContain('systemctl enable --now dth-worker');
    expect(r.calls.filter((c) => c.startsWith('aws cloudformation'))).toEqual([signal('SUCCESS')]);
    expect(r.calls.some((c) => c.startsWith('shutdown'))).toBe(false);
    // What the worker needs ships in the asset: nothing is installed from npm (no SQLite in the cloud role).
    expect(script).not.toMatch(/\bnpm\b|better-sqlite3/);
    expect(readFileSync(join(r.root, 'opt/dth/task-params.json'), 'utf8').trim()).toBe(TASK_PARAMS);
    const env = readFileSync(join(r.root, 'opt/dth/worker.env'), 'utf8');
    for (const name of [
      'QUEUE_URL=',
      'DLQ_URL=',
      'STATUS_TABLE=',
      'TASK_ID=',
      `TASK_PARAMS_FILE=${r.root}/opt/dth/task-params.json`,
      'AWS_REGION=us-east-1',
    ])
      expect(env).toContain(name);
  });

  it('signals FAILURE and shuts the instance down when the bundle cannot be copied', async () => {
    const r = await boot({ FAIL_COPY: '1' });
    expect(r.code).not.toBe(0);
    expect(r.calls.filter((c) => c.startsWith('aws cloudformation'))).toEqual([signal('FAILURE')]);
    expect(r.calls).toContain('shutdown -h +1');
    expect(r.calls.some((c) => c.startsWith('systemctl enable'))).toBe(false);
  });

  it('signals FAILURE when the worker service does not stay up', async () => {
    const r = await boot({ WORKER_DOWN: '1' });
    expect(r.code).not.toBe(0);
    expect(r.calls.filter((c) => c.startsWith('aws cloudformation'))).toEqual([signal('FAILURE')]);
    expect(r.calls).toContain('shutdown -h +1');
  });
});
