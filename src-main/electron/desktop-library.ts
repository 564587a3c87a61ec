/**
 * What the desktop app keeps between starts, as its menu shows it: the clusters kept under
 * the user-data folder (`<user data>/clusters/<name>`: node SQLite files and settings;
 * the lab reopens the last one at start, src-main/lab/cluster-store.ts), and the runs the
 * user exported or opened lately (a list in `<user data>/recent-runs.json`; the runs
 * themselves are wherever the user put them). Both can be opened and deleted from the
 * menu; every delete asks first.
 *
 * Deleting an exported run removes only the files an export writes (run.jsonl,
 * history.jsonl, settings.json, check.json), each only if it is a regular file, and the
 * folder only if nothing else is left in it: a folder the user picked never loses a file
 * the lab did not put there. recent-runs.json is read bounded and validated; a damaged
 * one is treated as empty.
 *
 * No 'electron' import: the confirmation dialog is passed in, so this is tested under Node.
 */
import { lstat, readdir, readFile, rmdir, unlink, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { SavedRun } from '../api/contract';
import type { KeptCluster } from '../lab/cluster-store';
import { RUN_FILES } from '../lab/run-files';
import { REPORT_FILES } from '../report/run-report';
import { openRunFolder } from './desktop-runs';

/** MAX_RECENT_RUNS bounds the recent-runs list. */
export const MAX_RECENT_RUNS = 10;
/** MAX_RECENT_FILE_BYTES bounds recent-runs.json. */
const MAX_RECENT_FILE_BYTES = 64 * 1024;

/** RecentRun is one exported or opened run folder. */
export interface RecentRun {
  dir: string;
  at: string;
}

/** RecentRuns is the recent-runs list in one JSON file. */
export class RecentRuns {
  constructor(private readonly file: string) {}

  private async read(): Promise<RecentRun[]> {
    try {
      const st = await lstat(this.file);
      if (!st.isFile() || st.size > MAX_RECENT_FILE_BYTES) return [];
      const raw = JSON.parse(await readFile(this.file, 'utf8')) as unknown;
      if (!Array.isArray(raw)) return [];
      return raw
        .filter(
          (r): r is RecentRun =>
            typeof r === 'object' &&
            r !== null &&
            typeof (r as RecentRun).dir === 'string' &&
            isAbsolute((r as RecentRun).dir) &&
            typeof (r as RecentRun).at === 'string',
        )
        .slice(0, MAX_RECENT_RUNS);
    } catch {
      return [];
    }
  }

  private async write(list: RecentRun[]): Promise<void> {
    await writeFile(this.file, JSON.stringify(list.slice(0, MAX_RECENT_RUNS), null, 2) + '\n', { mode: 0o600 });
  }

  /** list returns the recent runs whose folders still exist, the latest first. */
  async list(): Promise<RecentRun[]> {
    const out: RecentRun[] = [];
    for (const r of await this.read()) if ((await lstat(r.dir).catch(() => null))?.isDirectory()) out.push(r);
    return out;
  }

  /** add puts `dir` first in the list. */
  async add(dir: string, now = new Date()): Promise<void> {
    const rest = (await this.read()).filter((r) => r.dir !== dir);
    await this.write([{ dir, at: now.toISOString() }, ...rest]);
  }

  /** remove takes `dir` off the list. */
  async remove(dir: string): Promise<void> {
    await this.write((await this.read()).filter((r) => r.dir !== dir));
  }
}

/** EXPORT_FILES names every file an export writes: the run and its report. */
const EXPORT_FILES: readonly string[] = [...Object.values(RUN_FILES), ...Object.values(REPORT_FILES)];

/** deleteRunFolder removes the run files an export writes from `dir`, and `dir` itself if that leaves it empty; returns what it removed. */
export async function deleteRunFolder(dir: string): Promise<{ removed: string[]; folderRemoved: boolean }> {
  const st = await lstat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new Error(`${dir} is not a folder (a link to one is refused too)`);
  const removed: string[] = [];
  for (const name of EXPORT_FILES) {
    const f = join(dir, name);
    if ((await lstat(f).catch(() => null))?.isFile()) {
      await unlink(f);
      removed.push(f);
    }
  }
  const left = await readdir(dir);
  if (left.length === 0) await rmdir(dir);
  return { removed, folderRemoved: left.length === 0 };
}

/** Confirm asks the user to confirm a deletion; true when they do. */
export type Confirm = (message: string, detail: string) => Promise<boolean>;

/** KeptLab is the part of the lab the library uses. */
export interface KeptLab {
  keptClusters(): Promise<(KeptCluster & { current: boolean })[]>;
  reopenCluster(name: string): Promise<unknown>;
  deleteCluster(name: string): Promise<void>;
}

/** DesktopLibrary is the File menu's kept clusters and recent runs. */
export interface DesktopLibrary {
  clusters(): Promise<(KeptCluster & { current: boolean })[]>;
  openCluster(name: string): Promise<void>;
  /** deleteCluster asks, then deletes; false when the user said no. */
  deleteCluster(name: string): Promise<boolean>;
  recentRuns(): Promise<RecentRun[]>;
  openRun(dir: string): Promise<{ run: SavedRun; dir: string }>;
  /** deleteRun asks, then deletes the run's files; false when the user said no. */
  deleteRun(dir: string): Promise<boolean>;
}

/** desktopLibrary wires the menu's kept clusters and recent runs to the lab, the list file and the confirmation dialog. */
export function desktopLibrary(lab: KeptLab, recent: RecentRuns, confirm: Confirm): DesktopLibrary {
  return {
    clusters: () => lab.keptClusters(),
    openCluster: async (name) => {
      await lab.reopenCluster(name);
    },
    async deleteCluster(name) {
      const k = (await lab.keptClusters()).find((c) => c.name === name);
      if (!k) throw new Error(`no kept cluster named ${name}`);
      const ok = await confirm(
        `Delete the cluster ${name}?`,
        `Its ${k.settings.nodes} nodes' SQLite files, settings and run logs in ${k.dir} are removed. This cannot be undone.`,
      );
      if (ok) await lab.deleteCluster(name);
      return ok;
    },
    recentRuns: () => recent.list(),
    async openRun(dir) {
      const run = await openRunFolder(dir);
      await recent.add(dir);
      return { run, dir };
    },
    async deleteRun(dir) {
      const ok = await confirm(
        `Delete the exported run in ${dir}?`,
        `Its run files (${EXPORT_FILES.join(', ')}) are removed, and the folder if nothing else is in it.`,
      );
      if (!ok) return false;
      await deleteRunFolder(dir);
      await recent.remove(dir);
      return true;
    },
  };
}
