/** The README's parameter tables are generated from the schema; this fails when someone forgot to regenerate them. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withTables } from '../../scripts/readme-params.js';
import { ECR_PARAMETERS, S3_PARAMETERS } from '../../worker/params/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README parameter tables', () => {
  it('are what scripts/readme-params.ts generates from the schema (run `npx tsx scripts/readme-params.ts`)', () => {
    expect(readme).toBe(withTables(readme));
  });

  it('list every parameter of both task types', () => {
    for (const p of [...S3_PARAMETERS, ...ECR_PARAMETERS]) expect(readme).toContain(`| \`${p.name}\``);
  });

  it('keep a "Differences from the original" table', () => {
    const section = readme.slice(readme.indexOf('## Differences from the original'));
    expect(section).toMatch(/\n\| area \| the original \| here \| why \|\n\|---\|---\|---\|---\|\n/);
  });
});
