/**
 * useReplayStore holds an opened saved run and plays it. While a run is open the topology,
 * timeline and charts show the run as it was at the cursor (the shared cursor store's
 * time), with no live cluster involved. Opening a run folds its log once into a RunModel
 * (rows, buckets, faults, marks) and a ReplayIndex (checkpointed views), so scrubbing is
 * cheap; Play moves the cursor once per frame and feeds the messages it passes to the
 * topology's animation, through the same path live messages take.
 */
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import type { RunLogRecord, SavedRun } from '../../../src-main/api/contract';
import { errorText, labClient } from '../api/lab-client';
import { feedMessage, setMessageSource } from '../composables/message-feed';
import { nextMark, prevMark, tickMarks, type Tick } from '../model/marks';
import { isMessageRecord } from '../model/records';
import { countUntil, ReplayIndex, validateSavedRun } from '../model/replay';
import { RunModel, type Mark, type MarkKind } from '../model/run-model';
import { useCursorStore } from './cursor';

/** MAX_FED_PER_FRAME bounds the messages one frame of Play hands to the animation (it samples them anyway). */
export const MAX_FED_PER_FRAME = 200;

const raf: (cb: (t: number) => void) => unknown =
  typeof requestAnimationFrame === 'function'
    ? (cb) => requestAnimationFrame(cb)
    : (cb) => setTimeout(() => cb(performance.now()), 16);

export const useReplayStore = defineStore('replay', () => {
  const run = shallowRef<SavedRun | null>(null);
  /** model: the run folded into rows, buckets, faults and marks (null when no run is open). */
  const model = shallowRef<RunModel | null>(null);
  let index: ReplayIndex | null = null;
  const dir = ref<string | null>(null);
  const playing = ref(false);
  const speed = ref(1);
  const error = ref<string | null>(null);
  const cursor = useCursorStore();
  let frame = 0;

  const active = computed(() => run.value !== null);
  const durationNs = computed(() => {
    const log = run.value?.log ?? [];
    return log.length === 0 ? 0 : log[log.length - 1]!.t;
  });
  /** cursorNs: the replay position, which is the shared cursor while a run is open. */
  const cursorNs = computed(() => (active.value ? (cursor.t ?? durationNs.value) : 0));
  const view = computed(() => (run.value && index ? index.viewAt(cursorNs.value) : null));
  /** ticks: the slider's marks for elections, faults and crashes. */
  const ticks = computed<Tick[]>(() => (model.value ? tickMarks(model.value.marks, durationNs.value) : []));

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
    const m = new RunModel();
    for (const r of checked.log) m.take(r);
    index = new ReplayIndex(checked);
    model.value = markRaw(m);
    run.value = markRaw(checked);
    dir.value = path;
    setMessageSource('replay');
    cursor.point(durationNs.value);
  }

  function seek(tNs: number): void {
    if (!active.value) return;
    cursor.t = Math.max(0, Math.min(durationNs.value, Number.isFinite(tNs) ? tNs : 0));
  }

  /** jump moves to the previous or next event (of the given kinds); returns it, or null at either end. */
  function jump(dirn: 'prev' | 'next', kinds?: readonly MarkKind[]): Mark | null {
    if (!model.value) return null;
    const m = (dirn === 'next' ? nextMark : prevMark)(model.value.marks, cursorNs.value, kinds);
    if (m) cursor.point(m.t, m.ord);
    return m;
  }

  /** feed hands the animation the messages recorded in (fromNs, toNs]. */
  function feed(fromNs: number, toNs: number): void {
    const log = run.value?.log;
    if (!log) return;
    let fed = 0;
    for (let i = countUntil(log, fromNs); i < log.length && fed < MAX_FED_PER_FRAME; i++) {
      const r: RunLogRecord = log[i]!;
      if (r.t > toNs) break;
      if (isMessageRecord(r)) {
        feedMessage(r, 'replay');
        fed++;
      }
    }
  }

  /** play advances the cursor in real time (×speed) once per frame until the end, animating messages. */
  function play(s = speed.value): void {
    stop();
    speed.value = s;
    if (cursorNs.value >= durationNs.value) seek(0);
    playing.value = true;
    let last: number | null = null;
    const id = ++frame;
    const step = (now: number): void => {
      if (id !== frame || !playing.value) return;
      const from = cursorNs.value;
      if (last !== null) seek(from + (now - last) * 1e6 * speed.value);
      last = now;
      feed(from, cursorNs.value);
      if (cursorNs.value >= durationNs.value) stop();
      else raf(step);
    };
    raf(step);
  }

  function stop(): void {
    frame++;
    playing.value = false;
  }

  /** close leaves replay and returns to the live cluster. */
  function close(): void {
    stop();
    run.value = null;
    model.value = null;
    index = null;
    dir.value = null;
    setMessageSource('live');
    cursor.clear();
  }

  return {
    run,
    model,
    dir,
    cursorNs,
    playing,
    speed,
    error,
    active,
    durationNs,
    view,
    ticks,
    open,
    load,
    seek,
    jump,
    play,
    stop,
    close,
  };
});
