/**
 * artifacts/e2e after a run shows that run's shots only: each browser test file owns a folder
 * (artifacts/e2e/<file>/NN-name.png), emptied before its first shot of a run, so a shot that
 * was renamed or removed, or an earlier run's failure, does not linger; the folder of a test
 * file that no longer exists and the loose shots of the old flat layout go too, while the
 * folders of the other test files (which may be running beside it) stay.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clearShots, shotOwner, testOwners } from './helpers';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** tree lists every file under `root` as "folder/file", sorted. */
function tree(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();
}

describe('screenshots of earlier runs', () => {
  it('name their folder after the test file that takes them', () => {
    expect(shotOwner('/repo/test/e2e/stale-read.test.ts')).toBe('stale-read');
    expect(shotOwner('C:\\repo\\test\\e2e\\layout.test.ts')).toBe('layout');
    expect(shotOwner(undefined)).toBe('e2e');
    const owners = testOwners();
    expect(owners.has('screens')).toBe(true);
    expect(owners.has('shots')).toBe(true);
    expect(owners.has('helpers')).toBe(false);
  });

  it('are removed for the file that starts, with what no test file owns; the others stay', () => {
    dir = mkdtempSync(join(tmpdir(), 'quorum-shots-'));
    const shot = (path: string): void => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), 'png');
    };
    shot('layout/01-layout-partition-1024x700.png');
    shot('layout/03-layout-renamed-since.png');
    shot('layout/04-layout-failure.png');
    shot('clarity/01-clarity-1400x900-healthy.png');
    shot('gone/01-gone-shot.png');
    shot('07-old-flat-layout.png');
    clearShots('layout', dir, new Set(['layout', 'clarity']));
    expect(tree(dir)).toEqual(['clarity/01-clarity-1400x900-healthy.png']);
    clearShots('clarity', join(dir, 'none-yet'), new Set(['clarity']));
  });
});
