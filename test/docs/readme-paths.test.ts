/**
 * The READMEs name real files: the layout table covers the tree (`git ls-files | cut -d/ -f1-2`), and every repository
 * path they mention exists (or is git-ignored output, such as `portal/dist`). Fails when a file moves and the README
 * does not follow.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
const readme = readFileSync(`${ROOT}README.md`, 'utf8');
const controlPlaneReadme = readFileSync(`${ROOT}control-plane/README.md`, 'utf8');

/** Top-level folders whose paths the READMEs name. */
const TOP = ['worker', 'control-plane', 'cli', 'plugins', 'lib', 'bin', 'portal', 'test', 'bench', 'scripts', '.ci'];

/** A file, or a folder holding tracked files. */
function tracked(path: string): boolean {
  const folder = path.replace(/\/$/, '');
  return files.includes(folder) || files.some((f) => f.startsWith(`${folder}/`));
}

/** Build output and the like (`portal/dist`): named by the README, never tracked. */
function ignored(path: string): boolean {
  const folder = `${path.replace(/\/$/, '')}/`;
  try {
    execFileSync('git', ['check-ignore', '--no-index', path, folder], { cwd: ROOT, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The backticked paths of a text that start with one of the top-level folders, without placeholders or globs. */
function namedPaths(text: string, roots: readonly string[]): string[] {
  const found = new Set<string>();
  for (const [, token] of text.matchAll(/`([^`\s]+)`/g)) {
    if (/[<>*{}…|]/.test(token)) continue;
    if (roots.some((r) => token.startsWith(`${r}/`))) found.add(token.replace(/[.,:;]$/, ''));
  }
  return [...found];
}

function layoutRows(): string[][] {
  const section = readme.slice(readme.indexOf('\n## Layout\n'), readme.indexOf('\nImports go one way'));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => [...(line.split(' | ')[0] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]));
}

describe('README layout table', () => {
  const paths = layoutRows().flat();

  it('has rows', () => {
    expect(paths.length).toBeGreaterThan(20);
  });

  it('covers every entry of the tree two levels deep', () => {
    const entries = [...new Set(files.map((f) => f.split('/').slice(0, 2).join('/')))];
    const covered = (entry: string) =>
      paths.some((p) => {
        const folder = p.replace(/\/$/, '');
        return entry === folder || entry.startsWith(`${folder}/`);
      });
    expect(entries.filter((e) => !covered(e))).toEqual([]);
  });

  it('names only paths that exist', () => {
    expect(paths.filter((p) => !tracked(p))).toEqual([]);
  });
});

describe('repository paths named in the READMEs', () => {
  it('README.md: each exists', () => {
    const missing = namedPaths(readme, TOP).filter((p) => !tracked(p) && !ignored(p));
    expect(missing).toEqual([]);
  });

  it('control-plane/README.md: each exists (core/, aws/, local/, api/ are inside control-plane/)', () => {
    const inside = namedPaths(controlPlaneReadme, ['core', 'aws', 'local', 'api']).map((p) => `control-plane/${p}`);
    const missing = [...inside, ...namedPaths(controlPlaneReadme, TOP)].filter((p) => !tracked(p));
    expect(missing).toEqual([]);
  });
});
