/**
 * The desktop menu's recent runs and deletions: the list survives a damaged file, drops
 * folders that are gone, and is bounded; deleting an exported run removes only the files
 * an export writes (never a link's target, never the user's own files) and asks first.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  deleteRunFolder,
  desktopLibrary,
  MAX_RECENT_RUNS,
  RecentRuns,
  type KeptLab,
} from '../../src-main/electron/desktop-library';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ql-library-'));
  dirs.push(d);
  return d;
}

/** exported makes a folder holding what an export writes, plus `extra` files. */
function exported(parent: string, name: string, extra: string[] = []): string {
  const d = join(parent, name);
  mkdirSync(d);
  for (const f of ['run.jsonl', 'history.jsonl', 'settings.json', 'check.json', ...extra]) writeFileSync(join(d, f), f);
  return d;
}

describe('recent runs', () => {
  it('lists existing folders, the latest first, bounded; a damaged list reads as empty', async () => {
    const home = tmp();
    const recent = new RecentRuns(join(home, 'recent-runs.json'));
    const runs = Array.from({ length: MAX_RECENT_RUNS + 2 }, (_, i) => exported(home, `run-${i}`));
    for (const r of runs) await recent.add(r);
    const listed = (await recent.list()).map((r) => r.dir);
    expect(listed).toEqual(runs.slice(-MAX_RECENT_RUNS).reverse());
    rmSync(runs.at(-1)!, { recursive: true });
    expect((await recent.list()).map((r) => r.dir)[0]).toBe(runs.at(-2));
    for (const junk of ['not json', '{"dir": "/x"}', '[{"dir": "relative", "at": "now"}]', '[1, null]']) {
      writeFileSync(join(home, 'recent-runs.json'), junk);
      expect(await recent.list(), junk).toEqual([]);
    }
  });
});

describe('deleting an exported run', () => {
  it('removes the export’s files and the folder once empty; keeps the user’s files', async () => {
    const home = tmp();
    const plain = exported(home, 'plain');
    expect((await deleteRunFolder(plain)).folderRemoved).toBe(true);
    expect(readdirSync(home)).toEqual([]);
    const mixed = exported(home, 'mixed', ['notes.txt']);
    expect(await deleteRunFolder(mixed)).toMatchObject({ folderRemoved: false });
    expect(readdirSync(mixed)).toEqual(['notes.txt']);
  });

  it('refuses a link to a folder, and never follows a run file that is a link', async () => {
    const home = tmp();
    const target = exported(home, 'target');
    symlinkSync(target, join(home, 'link'));
    await expect(deleteRunFolder(join(home, 'link'))).rejects.toThrow(/not a folder/);
    const sneaky = join(home, 'sneaky');
    mkdirSync(sneaky);
    const precious = join(home, 'precious.txt');
    writeFileSync(precious, 'keep');
    symlinkSync(precious, join(sneaky, 'run.jsonl'));
    await deleteRunFolder(sneaky);
    expect(readFileSync(precious, 'utf8')).toBe('keep');
    expect(readdirSync(sneaky)).toEqual(['run.jsonl']);
    expect(readdirSync(target).length).toBe(4);
  });

  it('asks first, and does nothing when the user cancels', async () => {
    const home = tmp();
    const run = exported(home, 'run');
    const recent = new RecentRuns(join(home, 'recent-runs.json'));
    await recent.add(run);
    const answers = [false, true];
    const asked: string[] = [];
    const noLab = {} as KeptLab;
    const lib = desktopLibrary(noLab, recent, async (message) => {
      asked.push(message);
      return answers.shift() ?? false;
    });
    expect(await lib.deleteRun(run)).toBe(false);
    expect(readdirSync(run)).toHaveLength(4);
    expect(await lib.deleteRun(run)).toBe(true);
    expect(asked).toEqual([`Delete the exported run in ${run}?`, `Delete the exported run in ${run}?`]);
    expect(await recent.list()).toEqual([]);
  });
});
