/**
 * Which file a lab node runs: the bundle when it is newer than every source (it starts a
 * cluster about twice as fast, bench/node-start.ts), the TypeScript entry under tsx when
 * a source changed after it was built (an edit is never shadowed by a stale bundle), and
 * whatever QUORUM_NODE_ENTRY forces. And the lab's default spawner really runs the bundle
 * the test setup built: what ships is what the real-process tests run.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabService } from '../../src-main/lab/lab-service';
import { bundleIsFresh, chooseNodeEntry, NODE_BUNDLE, NODE_SOURCE } from '../../src-main/lab/node-entry';
import { FAST } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'ql-entry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the node entry', () => {
  it('is the bundle only while it is newer than every source', () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'node'), { recursive: true });
    const a = join(src, 'node', 'main.ts');
    writeFileSync(a, '');
    writeFileSync(join(src, 'README.md'), '');
    const bundle = join(dir, 'main.mjs');
    expect(bundleIsFresh(bundle, src)).toBe(false); // not built
    writeFileSync(bundle, '');
    utimesSync(a, new Date(1000_000), new Date(1000_000));
    utimesSync(bundle, new Date(2000_000), new Date(2000_000));
    expect(bundleIsFresh(bundle, src)).toBe(true);
    // A source edited after the build: the bundle is stale.
    utimesSync(a, new Date(3000_000), new Date(3000_000));
    expect(bundleIsFresh(bundle, src)).toBe(false);
    // Files other than .ts sources do not count.
    utimesSync(a, new Date(1000_000), new Date(1000_000));
    utimesSync(join(src, 'README.md'), new Date(9000_000), new Date(9000_000));
    expect(bundleIsFresh(bundle, src)).toBe(true);
  });

  it('is chosen by freshness, unless QUORUM_NODE_ENTRY forces one', () => {
    expect(chooseNodeEntry({}, () => true)).toEqual({ script: NODE_BUNDLE, execArgv: [], kind: 'bundle' });
    expect(chooseNodeEntry({}, () => false)).toEqual({
      script: NODE_SOURCE,
      execArgv: ['--import', 'tsx'],
      kind: 'tsx',
    });
    expect(chooseNodeEntry({ QUORUM_NODE_ENTRY: 'tsx' }, () => true).kind).toBe('tsx');
    expect(chooseNodeEntry({ QUORUM_NODE_ENTRY: 'bundle' }, () => false).kind).toBe('bundle');
  });

  it('is the bundle for the lab’s own nodes after the test setup built it', async () => {
    expect(bundleIsFresh()).toBe(true);
    const lab = new LabService({ dataDir: dir, settings: FAST });
    try {
      await lab.start();
      for (const pid of lab.nodePids()) {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        expect(argv[1]).toBe(NODE_BUNDLE);
        expect(argv).not.toContain('tsx');
      }
      expect((await lab.kv({ op: 'put', key: 'k', value: 'v' })).outcome).toBe('ok');
    } finally {
      await lab.stop();
    }
  });
});
