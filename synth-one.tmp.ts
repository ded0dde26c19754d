import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const which = process.argv[2];
const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'dth-exp-')) });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const mod = which === 's3' ? await import('/work/wt/cloud-templates/plugins/s3/s3-plugin-stack.ts') : which === 'ecr' ? await import('/work/wt/cloud-templates/plugins/ecr/ecr-plugin-stack.ts') : await import('/work/wt/cloud-templates/lib/app.ts');
let stack: any;
if (which === 's3') stack = new (mod as any).S3PluginStack(app, 'DthS3Plugin');
else if (which === 'ecr') stack = new (mod as any).EcrPluginStack(app, 'DthEcrPlugin');
else (mod as any).buildApp(app);
try {
  const asm = app.synth();
  for (const s of asm.stacks) { writeFileSync(`/tmp/ct-exp/${s.stackName}.json`, JSON.stringify(s.template, null, 1)); console.log('wrote', s.stackName); }
  for (const s of asm.stacks) for (const m of s.messages) if (m.level !== 'info') console.log(m.level, m.id, String(m.entry.data).slice(0, 300));
} catch (e) { console.log(String(e).slice(0, 6000)); }
