/**
 * The hub's data directory holds task parameters, per-object status and task logs: other local users must not read
 * it. A real `dth serve` creates the directory 0700 and every file it writes there 0600 (hub.db, its WAL and SHM), and
 * tightens a directory and database left 0755/0644 by an earlier version.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CREATE, params } from '../control-plane/local/hub-process.js';
import { mustStartServe, startServe, type HubChild } from './hub-child.js';

const work = mkdtempSync(join(tmpdir(), 'dth-rel-perm-'));
const hubs: HubChild[] = [];
afterAll(async () => {
  for (const h of hubs) await h.stop('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8).padStart(3, '0');

/** Every entry under `dir` with its mode, so a failure names each file that is too open. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = { '.': mode(dir) };
  for (const name of readdirSync(dir)) out[name] = mode(join(dir, name));
  return out;
}

/** Makes the hub write: a task (that fails fast: its bucket does not exist) with its logs and status rows. */
async function exercise(hub: HubChild): Promise<void> {
  const created = await hub.gql(CREATE, {
    input: {
      type: 'S3EC2',
      scheduleType: 'ONE_TIME',
      parameters: params({
        srcBucket: 'no-such-bucket',
        destBucket: 'no-such-either',
        srcRegion: 'us-east-1',
        srcEndpoint: 'http://127.0.0.1:9',
        destEndpoint: 'http://127.0.0.1:9',
        destRegion: 'us-east-1',
      }),
    },
  });
  expect(created.body.errors).toBeUndefined();
}

describe('hub data directory permissions', () => {
  it('a new data directory is 0700 and hub.db, its WAL and SHM are 0600, whatever the umask', async () => {
    const dataDir = join(work, 'fresh', '.dth');
    // No umask at all: the hub must not depend on the caller's.
    const saved = process.umask(0);
    const started = mustStartServe(dataDir);
    process.umask(saved);
    const hub = await started;
    hubs.push(hub);
    await exercise(hub);
    const files = modes(dataDir);
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['hub.db', 'hub.db-wal', 'hub.db-shm']));
    for (const [name, m] of Object.entries(files))
      expect(`${name} ${m}`).toBe(`${name} ${name === '.' ? '700' : '600'}`);
    await hub.stop();
    expect(modes(dataDir)['.']).toBe('700');
  });

  it('an existing directory and database readable by others are tightened at start', async () => {
    const dataDir = join(work, 'old');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    const first = await mustStartServe(dataDir);
    await first.stop();
    // As an earlier version left them.
    chmodSync(dataDir, 0o755);
    for (const name of readdirSync(dataDir)) if (name.startsWith('hub.db')) chmodSync(join(dataDir, name), 0o644);
    writeFileSync(join(dataDir, 'secrets.json'), '{}', { mode: 0o644 });
    chmodSync(join(dataDir, 'secrets.json'), 0o644);
    const hub = await mustStartServe(dataDir);
    hubs.push(hub);
    await exercise(hub);
    const files = modes(dataDir);
    for (const [name, m] of Object.entries(files)) {
      if (name === 'secrets.json') continue; // the user's file: warned about, not changed (below)
      expect(`${name} ${m}`).toBe(`${name} ${name === '.' ? '700' : '600'}`);
    }
    expect(hub.output()).toMatch(/secrets\.json.*(readable by other|chmod 600)/);
  });

  it("refuses, naming --data, a directory that is not the hub's own (shared like /tmp, another group's, another user's), and leaves its mode as it was", async () => {
    const nobody = 65534;
    const cases: { name: string; mode: number; owner?: [number, number]; says: RegExp }[] = [
      { name: 'sticky', mode: 0o1777, says: /shared with every user \(mode 1777\)/ },
      { name: 'world-writable', mode: 0o777, says: /shared with every user \(mode 0777\)/ },
      { name: 'group', mode: 0o2775, owner: [process.getuid?.() ?? 0, nobody], says: /writable by its group/ },
      { name: 'someone-else', mode: 0o755, owner: [nobody, nobody], says: /belongs to another user/ },
    ];
    for (const c of cases) {
      const dataDir = join(work, c.name);
      mkdirSync(dataDir);
      writeFileSync(join(dataDir, 'their-file.txt'), "not the hub's");
      if (c.owner) chownSync(dataDir, ...c.owner);
      chmodSync(dataDir, c.mode);
      const refused = await startServe(dataDir);
      if ('url' in refused) {
        hubs.push(refused);
        throw new Error(`${c.name}: dth serve started on ${dataDir}`);
      }
      expect(refused.code, c.name).toBe(2);
      expect(refused.output, c.name).toMatch(/--data/);
      expect(refused.output, c.name).toMatch(c.says);
      expect((statSync(dataDir).mode & 0o7777).toString(8), c.name).toBe(c.mode.toString(8));
      expect(readdirSync(dataDir), c.name).toEqual(['their-file.txt']);
    }
  });
});
