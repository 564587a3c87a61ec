/**
 * useTimelineStore takes the live run-log records in, folds them into a RunModel (chart
 * buckets, fault periods, event marks, the timeline's rows; O(1) per record, bounded
 * memory, the whole run), and tells Vue once per animation frame that the model changed:
 * under a busy cluster's thousands of records a second the views re-render at most once a
 * frame, and only what they show. It also holds the timeline's filters and "pause view".
 * While a saved run is open, `source` is the replay's model, bounded at its cursor.
 */
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef, triggerRef } from 'vue';
import type { ClusterSettings, RunLogRecord } from '../../../src-main/api/contract';
import { shardGroupOf } from '../../../src-main/api/shards';
import { feedMessage, onMessageRecord } from '../composables/message-feed';
import { CATEGORIES, isMessageRecord, type Category } from '../model/records';
import { RunModel } from '../model/run-model';
import type { RowBound, RowView } from '../model/timeline-rows';
import { useReplayStore } from './replay';

export { onMessageRecord };

/** HELD_MAX bounds the live records kept aside until the run log so far (the backlog) arrives. */
export const HELD_MAX = 50_000;
/** FLUSH_FALLBACK_MS flushes even when no frame comes (a hidden tab gets no animation frames). */
export const FLUSH_FALLBACK_MS = 250;
/**
 * VIEW_MS: the timeline's rows follow new records at most this often. Rows a person reads
 * need no 60 updates a second, and each update costs the page a layout and a repaint.
 */
export const VIEW_MS = 100;

const raf: (cb: () => void) => unknown =
  typeof requestAnimationFrame === 'function' ? (cb) => requestAnimationFrame(cb) : (cb) => setTimeout(cb, 16);

export const useTimelineStore = defineStore('timeline', () => {
  /** model: the live run's model; replaced (not mutated) by reset, so a view holding the old one sees a new object. */
  const model = shallowRef(markRaw(new RunModel()));
  /** version: bumped once per applied batch; views read it to know the model changed. */
  const version = ref(0);
  /** viewVersion: `version`, followed at most every VIEW_MS (what the timeline's rows read). */
  const viewVersion = ref(0);
  let viewTimer: ReturnType<typeof setTimeout> | null = null;
  const paused = ref(false);
  /** pausedAt: the last row's ord when the view was paused (rows after it are hidden until resumed). */
  const pausedAt = ref(-1);
  // Messages are the bulk of the log; they are off by default so state changes stay readable.
  const categories = ref<Category[]>(CATEGORIES.filter((c) => c !== 'message'));
  const nodeFilter = ref<string | null>(null);
  let pending: RunLogRecord[] = [];
  let scheduled = false;
  let fallback: ReturnType<typeof setTimeout> | null = null;
  /** held: live records taken in before the backlog arrived, to rebuild in seq order with it (null once it has). */
  let held: RunLogRecord[] | null = [];
  const replay = useReplayStore();
  /** layout: the live run's nodes by group (sharded clusters), given to every model made for the run. */
  let layout = new Map<string, string>();

  /** setLayout gives the live run's group layout (from the cluster's settings) to its model. */
  function setLayout(settings: Pick<ClusterSettings, 'nodes' | 'shards'>): void {
    layout = shardGroupOf(settings);
    model.value.setLayout(layout);
  }

  /** take folds one live record into the model and hands messages to the animation. */
  function take(r: RunLogRecord): boolean {
    if (!model.value.ingest(r)) return false;
    if (held) {
      held.push(r);
      if (held.length > HELD_MAX) held = null;
    }
    if (isMessageRecord(r)) feedMessage(r, 'live');
    return true;
  }

  function changed(): void {
    version.value++;
    triggerRef(model);
    viewTimer ??= setTimeout(() => {
      viewTimer = null;
      viewVersion.value = version.value;
    }, VIEW_MS);
  }

  /** push adds one live record and shows it at once (duplicates by seq are ignored). */
  function push(r: RunLogRecord): void {
    if (!take(r)) return;
    changed();
    syncView();
  }

  /** enqueue adds a live record from the event stream; the batch is applied at the next animation frame. */
  function enqueue(r: RunLogRecord): void {
    pending.push(r);
    if (scheduled) return;
    scheduled = true;
    raf(flushFrame);
    fallback = setTimeout(flushFrame, FLUSH_FALLBACK_MS);
  }

  /** flushFrame applies the queued records (one model update for the whole batch; the rows follow within VIEW_MS). */
  function flushFrame(): void {
    scheduled = false;
    if (fallback) clearTimeout(fallback);
    fallback = null;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    let any = false;
    for (const r of batch) any = take(r) || any;
    if (any) changed();
  }

  /** flush applies the queued records and shows them now. */
  function flush(): void {
    flushFrame();
    syncView();
  }

  /** ingestBacklog merges the records fetched with GET /api/log in front of the live ones. */
  function ingestBacklog(backlog: readonly RunLogRecord[]): void {
    flush();
    const m = model.value;
    const live = held;
    held = null;
    if (m.ord === 0 || live === null) {
      // Nothing live yet (or too much to rebuild): take what is newer, in order.
      for (const r of [...backlog].sort((a, b) => a.seq - b.seq)) m.ingest(r);
    } else {
      const bySeq = new Map<number, RunLogRecord>();
      for (const r of [...backlog, ...live]) bySeq.set(r.seq, r);
      const fresh = markRaw(new RunModel());
      fresh.setLayout(layout);
      for (const r of [...bySeq.values()].sort((a, b) => a.seq - b.seq)) fresh.ingest(r);
      model.value = fresh;
      fresh.rows.setNode(nodeFilter.value);
    }
    changed();
    syncView();
  }

  /** reset forgets the run (a new cluster starts a new run). */
  function reset(): void {
    pending = [];
    held = null;
    model.value = markRaw(new RunModel());
    model.value.setLayout(layout);
    model.value.rows.setNode(nodeFilter.value);
    paused.value = false;
    changed();
    syncView();
  }

  function setPaused(p: boolean): void {
    if (p) pausedAt.value = model.value.ord - 1;
    paused.value = p;
  }

  /** syncView shows every record taken in so far at once (tests; a view that cannot wait). */
  function syncView(): void {
    if (viewTimer) clearTimeout(viewTimer);
    viewTimer = null;
    viewVersion.value = version.value;
  }

  function toggleCategory(c: Category): void {
    categories.value = categories.value.includes(c)
      ? categories.value.filter((x) => x !== c)
      : [...categories.value, c];
  }

  /** node: the node filter (null = all nodes). */
  const node = computed<string | null>({
    get: () => nodeFilter.value,
    set: (n) => {
      nodeFilter.value = n;
      model.value.rows.setNode(n);
      replay.model?.rows.setNode(n);
      version.value++;
    },
  });

  /** source: the model the views draw (the replay's while a run is open); read `version` to follow its changes. */
  const source = computed<RunModel>(() => (replay.active && replay.model ? replay.model : model.value));

  /** now: the moment the views end at: the replay's cursor, or the newest live record. */
  const now = computed(() => {
    void version.value;
    return replay.active ? replay.cursorNs : source.value.lastT;
  });

  /** rows: the timeline's rows as filtered, up to the replay cursor or the pause point. */
  const rows = computed<RowView>(() => {
    // The model is mutated in place: `viewVersion` (not the model's identity) says it changed.
    void viewVersion.value;
    const m = source.value;
    const bound: RowBound = {};
    if (replay.active) bound.maxT = replay.cursorNs;
    else if (paused.value) bound.maxOrd = pausedAt.value;
    // A node filter switched on before the replay was opened: the replay's model builds its own.
    m.rows.setNode(nodeFilter.value);
    return m.rows.view(categories.value, bound);
  });

  return {
    model,
    version,
    viewVersion,
    paused,
    categories,
    node,
    source,
    now,
    rows,
    push,
    enqueue,
    flush,
    ingestBacklog,
    setLayout,
    reset,
    setPaused,
    toggleCategory,
    syncView,
  };
});
