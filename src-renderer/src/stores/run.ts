/**
 * useRunStore exports the recorded run (run log, client history, settings, consistency
 * check) to a new folder in the lab's data folder, by name. The header's Export run button and the console's `export` both
 * call exportRun; each outcome is kept in `last`, which the console prints.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { ExportResult } from '../../../src-main/api/contract';
import { errorText, labClient } from '../api/lab-client';

/** ExportOutcome is what one export did (the files written, or why it failed) and how long it took. */
export type ExportOutcome = { ok: true; result: ExportResult; ms: number } | { ok: false; error: string; ms: number };

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export const useRunStore = defineStore('run', () => {
  const exporting = ref(false);
  /** last: the newest export's outcome; a new object per export, so a watcher sees every one. */
  const last = shallowRef<ExportOutcome | null>(null);

  /** exportRun saves the run as `name` (a timestamped name when absent); false when the lab refused. */
  async function exportRun(name?: string): Promise<boolean> {
    exporting.value = true;
    const t0 = now();
    try {
      // The desktop app picks the folder in a native dialog and refuses any name from the window.
      const desktop = labClient().transport === 'ipc';
      const result = await labClient().exportRun(desktop ? undefined : name);
      last.value = { ok: true, result, ms: now() - t0 };
      return true;
    } catch (e) {
      last.value = { ok: false, error: errorText(e), ms: now() - t0 };
      return false;
    } finally {
      exporting.value = false;
    }
  }

  return { exporting, last, exportRun };
});
