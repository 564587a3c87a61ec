/**
 * useHistoryStore feeds the history view: whether it is open, the window of time it shows
 * (following the present — or the replay's cursor — or held where the user put it), the
 * key filter, the time axis (linear or stretched), and the operations in that window:
 * fetched from the lab with GET /api/history?key=&from=&to=&limit= while live (again every
 * REFRESH_MS while following), or cut from the saved run's history, the same way, in
 * replay. A click on an operation moves the shared time cursor there.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { HistoryOp, HistoryQuery, SavedRun } from '../../../src-main/api/contract';
import {
  arraySource,
  HISTORY_WINDOW_LIMIT,
  historyWindow,
  windowHints,
  type WindowHints,
} from '../../../src-main/api/history-window';
import { errorText, labClient } from '../api/lab-client';
import { pairBars, type HistoryBar } from '../model/history-ops';
import type { TimeMode } from '../model/history-time';
import { useCheckStore } from './check';
import { useCursorStore } from './cursor';
import { useReplayStore } from './replay';
import { useTimelineStore } from './timeline';

/** REFRESH_MS: how often a live view that follows the present fetches its window again. */
export const REFRESH_MS = 1000;
/** DEFAULT_SPAN_NS / MIN_SPAN_NS / MAX_SPAN_NS: the window's width, and its bounds. */
export const DEFAULT_SPAN_NS = 5e9;
export const MIN_SPAN_NS = 1e6;
export const MAX_SPAN_NS = 3600e9;
/** VIOLATION_PAD: the share of a violation's window added on each side when the view shows it. */
const VIOLATION_PAD = 0.25;
/** MAX_NARROW: how many times one fetch may zoom a following view in (narrow). */
const MAX_NARROW = 4;
/** REPLAY_FOLLOW_MS: while a replay plays, a following view moves with the cursor at most this often. */
export const REPLAY_FOLLOW_MS = 100;

const hintsOf = new WeakMap<SavedRun, WindowHints>();

export const useHistoryStore = defineStore('history', () => {
  const replay = useReplayStore();
  const timeline = useTimelineStore();
  const cursor = useCursorStore();
  const check = useCheckStore();

  const open = ref(false);
  const key = ref<string | null>(null);
  const mode = ref<TimeMode>('stretched');
  /** follow: the window ends at the present (live) or at the replay's cursor. */
  const follow = ref(true);
  const spanNs = ref(DEFAULT_SPAN_NS);
  /** heldEnd: the window's end while not following (ns). */
  const heldEnd = ref(0);
  /**
   * followEnd: the window's end while following, taken when the window is fetched: the view
   * steps forward once a fetch (REFRESH_MS) rather than sliding every frame, which would move
   * every bar on screen sixty times a second.
   */
  const followEnd = ref(0);
  const events = shallowRef<HistoryOp[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** selected: the history index of the operation clicked last. */
  const selected = ref<number | null>(null);
  let timer: ReturnType<typeof setInterval> | null = null;
  let asked = 0;

  /** end: the window's right edge (ns). */
  const end = computed(() => (follow.value ? followEnd.value : heldEnd.value));
  const from = computed(() => Math.max(0, end.value - spanNs.value));
  const bars = computed<HistoryBar[]>(() => pairBars(events.value));
  /** truncated: the window holds more operations than one fetch returns (zoom in to see them all). */
  const truncated = computed(() => bars.value.length >= HISTORY_WINDOW_LIMIT);

  function lastEventTime(): number {
    const e = events.value;
    return e.length === 0 ? 0 : Math.max(...e.slice(-8).map((x) => x.time));
  }

  function query(): HistoryQuery {
    const q: HistoryQuery = { from: Math.floor(from.value), limit: HISTORY_WINDOW_LIMIT };
    if (!follow.value || replay.active) q.to = Math.ceil(end.value);
    if (key.value !== null) q.key = key.value;
    return q;
  }

  /** fetch loads the window's operations (the lab's, or the saved run's); an older answer never replaces a newer one. */
  async function fetch(narrowed = 0): Promise<void> {
    const id = ++asked;
    if (follow.value) followEnd.value = replay.active ? replay.cursorNs : Math.max(timeline.now, lastEventTime());
    const q = query();
    const run = replay.run;
    if (run) {
      let hints = hintsOf.get(run);
      if (!hints) hintsOf.set(run, (hints = windowHints(arraySource(run.history))));
      events.value = historyWindow(arraySource(run.history), q, hints);
      error.value = null;
      if (follow.value && narrowed < MAX_NARROW && truncated.value) narrow(q.from ?? 0, narrowed + 1);
      return;
    }
    loading.value = true;
    try {
      const got = await labClient().history(q);
      if (id !== asked) return;
      events.value = got;
      error.value = null;
      if (follow.value && narrowed < MAX_NARROW && truncated.value) narrow(q.from ?? 0, narrowed + 1);
    } catch (e) {
      if (id === asked) error.value = errorText(e);
    } finally {
      if (id === asked) loading.value = false;
    }
  }

  /**
   * narrow shrinks a following window that holds more operations than one fetch returns
   * (the oldest come first, so the newest would be missing) to about the time those covered,
   * and fetches again: under a heavy load the live view zooms in rather than lag behind.
   */
  function narrow(fromNs: number, times: number): void {
    const newest = Math.max(...bars.value.map((b) => b.start));
    spanNs.value = Math.max(MIN_SPAN_NS, (newest - fromNs) * 0.9);
    void fetch(times);
  }

  function tick(): void {
    if (open.value && follow.value && !replay.active) void fetch();
  }

  /** show opens the view (following the present); `violation` focuses it on the verdict's violation instead. */
  function show(opts: { violation?: boolean } = {}): void {
    open.value = true;
    const v = check.displayed?.violation;
    if (opts.violation && v) {
      const lo = Math.min(...v.window.map((w) => w.time));
      const hi = Math.max(v.time, ...v.window.map((w) => w.endTime ?? w.time));
      const pad = Math.max(1e6, (hi - lo) * VIOLATION_PAD);
      key.value = v.key;
      follow.value = false;
      spanNs.value = Math.min(MAX_SPAN_NS, hi - lo + 2 * pad);
      heldEnd.value = hi + pad;
    }
    void fetch();
    timer ??= setInterval(tick, REFRESH_MS);
  }

  function close(): void {
    open.value = false;
    if (timer) clearInterval(timer);
    timer = null;
  }

  /** setKey filters by one key (null: all); a held window then fits that key's operations. */
  async function setKey(k: string | null): Promise<void> {
    key.value = k === '' ? null : k;
    await fetch();
    if (!follow.value && key.value !== null) fit();
  }

  /** fit holds the window on the operations in view (of the filtered key), with a margin. */
  function fit(): void {
    const bs = key.value === null ? bars.value : bars.value.filter((b) => b.key === key.value);
    if (bs.length === 0) return;
    const lo = Math.min(...bs.map((b) => b.start));
    const hi = Math.max(...bs.map((b) => b.end ?? b.answeredAt ?? b.start));
    const pad = Math.max(MIN_SPAN_NS / 2, (hi - lo) * 0.05);
    follow.value = false;
    spanNs.value = Math.min(MAX_SPAN_NS, Math.max(MIN_SPAN_NS, hi - lo + 2 * pad));
    heldEnd.value = hi + pad;
    void fetch();
  }

  function setMode(m: TimeMode): void {
    mode.value = m;
  }

  function hold(): void {
    if (follow.value) heldEnd.value = end.value;
    follow.value = false;
  }

  /** zoom scales the window's width by `factor` about its end (following) or its middle (held). */
  function zoom(factor: number): void {
    const mid = end.value - spanNs.value / 2;
    const span = Math.min(MAX_SPAN_NS, Math.max(MIN_SPAN_NS, spanNs.value * factor));
    if (!follow.value) heldEnd.value = mid + span / 2;
    spanNs.value = span;
    void fetch();
  }

  /** pan moves the window by `fraction` of its width (negative: back in time); it stops following. */
  function pan(fraction: number): void {
    hold();
    heldEnd.value = Math.max(spanNs.value, heldEnd.value + fraction * spanNs.value);
    void fetch();
  }

  function setFollow(f: boolean): void {
    if (!f) return hold();
    follow.value = true;
    void fetch();
  }

  /** select moves the shared cursor to an operation's invoke (the timeline and charts follow; a replay seeks there). */
  function select(b: HistoryBar): void {
    // The view holds still around what was clicked.
    hold();
    selected.value = b.index;
    if (replay.active) replay.seek(b.start);
    cursor.point(b.start);
  }

  // A replay's cursor moves the window while it follows (at most every REPLAY_FOLLOW_MS while it plays).
  let lastFollow = 0;
  let trailing: ReturnType<typeof setTimeout> | null = null;
  watch(
    () => (replay.active ? replay.cursorNs : null),
    () => {
      if (!open.value || !follow.value || !replay.active || trailing) return;
      const wait = lastFollow + REPLAY_FOLLOW_MS - Date.now();
      trailing = setTimeout(
        () => {
          trailing = null;
          lastFollow = Date.now();
          void fetch();
        },
        Math.max(0, wait),
      );
    },
  );
  // Watched by identity: the live model is mutated in place (and re-triggered every frame); a new run replaces it.
  watch([() => replay.run, () => timeline.model], () => {
    events.value = [];
    selected.value = null;
    if (open.value) void fetch();
  });

  return {
    open,
    key,
    mode,
    follow,
    spanNs,
    end,
    from,
    events,
    bars,
    truncated,
    loading,
    error,
    selected,
    show,
    close,
    fetch,
    setKey,
    fit,
    setMode,
    zoom,
    pan,
    setFollow,
    select,
  };
});
