/**
 * Export and Open in the desktop app. The window never names a folder: the main process
 * asks the user in a native dialog (File → Export run… / Open run…, or the window's own
 * buttons, which reach the same code over IPC), then writes or reads there itself.
 *
 * - Export writes a NEW folder the user named: created here (mode 0700, its parent must
 *   exist), refused if anything — a folder, a file, a link — already has that name, and
 *   each file created exclusively (COPYFILE_EXCL opens with O_CREAT | O_EXCL, which also
 *   refuses a link planted meanwhile). Nothing is ever overwritten. The files come from
 *   the lab's own export (in its data folder), so the lab's run log records the export.
 * - Open reads a folder the user picked: it must be a real folder (not a link to one) and
 *   each run file in it a regular file (not a link, FIFO or device); run-files.ts then
 *   validates every line.
 *
 * No 'electron' import: the dialogs are passed in (./run-dialogs.ts), so this is tested
 * under plain Node.
 */
import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ExportResult, SavedRun } from '../api/contract';
import { RUN_FILES, readRun } from '../lab/run-files';

/** FolderPicker asks the user for a folder; null when they cancel. */
export interface FolderPicker {
  /** exportTarget: a new folder to export to (a save dialog: the user types its name). */
  exportTarget(defaultName: string): Promise<string | null>;
  /** runFolder: an existing saved run's folder. */
  runFolder(): Promise<string | null>;
}

/** DesktopRuns is Export and Open as the desktop app does them: through a dialog, never with a path from the window. */
export interface DesktopRuns {
  /** exportRun asks for a new folder and writes the run there; null if the user cancelled. */
  exportRun(): Promise<ExportResult | null>;
  /** openRun asks for a saved run's folder and reads it; null if the user cancelled. */
  openRun(): Promise<{ run: SavedRun; dir: string } | null>;
}

/** Exporter is the part of the lab Export needs: its own export, whose files are copied. */
export interface Exporter {
  exportRun(): Promise<ExportResult>;
}

/** DesktopRunError says why an export or open was refused; the window shows its message. */
export class DesktopRunError extends Error {}

/** defaultExportName names a new export folder after the time: quorum-run-20260101-120000. */
export function defaultExportName(now = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const day = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}`;
  return `quorum-run-${day}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
}

/** exportToNewFolder creates `target` (which must not exist) and copies the lab's export into it, each file exclusively. */
export async function exportToNewFolder(lab: Exporter, target: string): Promise<ExportResult> {
  try {
    // mkdir does not follow a link at the last component and fails if anything has the name.
    await mkdir(target, { mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new DesktopRunError(`${target} already exists: export to a new folder (nothing is overwritten)`);
    throw new DesktopRunError(`cannot create ${target}: ${(e as Error).message}`);
  }
  try {
    const source = await lab.exportRun();
    const files: string[] = [];
    for (const from of source.files) {
      const to = join(target, basename(from));
      await copyFile(from, to, constants.COPYFILE_EXCL).catch((e: Error) => {
        throw new DesktopRunError(`cannot write ${to}: ${e.message}`);
      });
      files.push(to);
    }
    return { dir: target, files };
  } catch (e) {
    // The folder is ours (made just above): a half-written export is not left behind.
    await rm(target, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}

/** openRunFolder reads the saved run in `dir`, refusing a link for the folder and anything but regular files in it. */
export async function openRunFolder(dir: string): Promise<SavedRun> {
  const st = await lstat(dir).catch(() => null);
  if (!st) throw new DesktopRunError(`${dir} does not exist`);
  if (!st.isDirectory()) throw new DesktopRunError(`${dir} is not a folder (a link to one is refused too)`);
  for (const name of Object.values(RUN_FILES)) {
    const f = await lstat(join(dir, name)).catch(() => null);
    if (f && !f.isFile()) throw new DesktopRunError(`${join(dir, name)} is not a regular file`);
  }
  try {
    return await readRun(dir);
  } catch (e) {
    throw new DesktopRunError((e as Error).message);
  }
}

/**
 * desktopRuns wires Export and Open to the dialogs of `pick` and the lab's own export;
 * `remember` records each folder exported to or opened (the menu's recent runs).
 */
export function desktopRuns(
  lab: Exporter,
  pick: FolderPicker,
  remember: (dir: string) => Promise<void> = async () => undefined,
): DesktopRuns {
  return {
    async exportRun() {
      const target = await pick.exportTarget(defaultExportName());
      if (target === null) return null;
      const result = await exportToNewFolder(lab, target);
      await remember(result.dir).catch(() => undefined);
      return result;
    },
    async openRun() {
      const dir = await pick.runFolder();
      if (dir === null) return null;
      const run = await openRunFolder(dir);
      await remember(dir).catch(() => undefined);
      return { run, dir };
    },
  };
}
