/**
 * useReplayStore holds an opened saved run and the replay cursor. While a run is open
 * the topology, timeline and charts show the run as it was at the cursor, with no live
 * cluster involved.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { SavedRun } from '../../../src-main/api/contract';
import { errorText, labClient } from '../api/lab-client';
import { recordsUntil, validateSavedRun, viewAt } from '../model/replay';

export const useReplayStore = defineStore('replay', () => {
  const run = shallowRef<SavedRun | null>(null);
  const dir = ref<string | null>(null);
  const cursorNs = ref(0);
  const playing = ref(false);
  const error = ref<string | null>(null);
  let timer: ReturnType<typeof setInterval> | null = null;

  const active = computed(() => run.value !== null);
  const durationNs = computed(() => {
    const log = run.value?.log ?? [];
    return log.length === 0 ? 0 : log[log.length - 1]!.t;
  });
  const view = computed(() => (run.value ? viewAt(run.value, cursorNs.value) : null));
  const records = computed(() => (run.value ? recordsUntil(run.value.log, cursorNs.value) : []));

  /**
   * open asks the lab to read a saved run by name and starts replaying it at its end. A
   * folder path (what an export answered) is taken by its last part: runs are saved in
   * the lab's data folder and opened by name. The desktop app sends no name: its main
   * process asks the user for the folder in a native dialog.
   */
  async function open(path = ''): Promise<boolean> {
    error.value = null;
    try {
      const name =
        path
          .replace(/[\\/]+$/, '')
          .split(/[\\/]/)
          .pop() ?? path;
      const desktop = labClient().transport === 'ipc';
      load(await labClient().openRun(desktop ? undefined : name), path);
      return true;
    } catch (e) {
      error.value = errorText(e);
      return false;
    }
  }

  /** load starts replaying a run already in hand (the desktop's Open run… menu). */
  function load(x: unknown, path: string): void {
    const checked = validateSavedRun(x);
    if (typeof checked === 'string') throw new Error(checked);
    stop();
    run.value = checked;
    dir.value = path;
    cursorNs.value = durationNs.value;
  }

  function seek(tNs: number): void {
    cursorNs.value = Math.max(0, Math.min(durationNs.value, tNs));
  }

  /** play advances the cursor in real time (×speed) until the end. */
  function play(speed = 1): void {
    stop();
    if (cursorNs.value >= durationNs.value) cursorNs.value = 0;
    playing.value = true;
    const stepMs = 100;
    timer = setInterval(() => {
      seek(cursorNs.value + stepMs * 1e6 * speed);
      if (cursorNs.value >= durationNs.value) stop();
    }, stepMs);
  }

  function stop(): void {
    if (timer) clearInterval(timer);
    timer = null;
    playing.value = false;
  }

  /** close leaves replay and returns to the live cluster. */
  function close(): void {
    stop();
    run.value = null;
    dir.value = null;
    cursorNs.value = 0;
  }

  return { run, dir, cursorNs, playing, error, active, durationNs, view, records, open, load, seek, play, stop, close };
});
