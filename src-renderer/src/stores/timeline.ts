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
import { labClient } from '../api/lab-client';
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

/**
 * GAP_FETCH_MAX bounds the records asked for to fill one gap in the live stream; a longer
 * gap is filled with its newest records and the rest counted as lost.
 */
export const GAP_FETCH_MAX = 20_000;

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
  /**
   * Gap repair. The host stops sending run-log records to a page that has fallen more than
   * a few MiB behind (web/http-host.ts, WS_HIGH_WATER), so the live stream can skip seqs.
   * Records are numbered without a break, so a jump in seq says what was missed: the
   * missing ones are fetched (GET /api/log?since=) and taken in, in order, before the
   * records that came after them; what the lab no longer holds is counted in `lost`.
   * following: the backlog arrived, so the live stream is followed without a break from
   * there on (a new run included). lastSeq: the newest seq accounted for (taken in, or
   * counted lost); 0 at a run's start.
   */
  let following = false;
  let lastSeq = 0;
  /** waiting: live records held back while a gap before them is fetched (null: no fetch running). */
  let waiting: RunLogRecord[] | null = null;
  /** lost: run-log records the live stream skipped that the lab no longer held when asked. */
  const lost = ref(0);
  /** run: bumped by reset, so a gap fetch that answers after a new run began is ignored. */
  let run = 0;

  /** setLayout gives the live run's group layout (from the cluster's settings) to its model. */
  function setLayout(settings: Pick<ClusterSettings, 'nodes' | 'shards'>): void {
    layout = shardGroupOf(settings);
    model.value.setLayout(layout);
  }

  /** take folds one live record into the model and hands messages to the animation. */
  function take(r: RunLogRecord): boolean {
    if (!model.value.ingest(r)) return false;
    if (r.seq > lastSeq) lastSeq = r.seq;
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
    if (takeLive(batch)) changed();
  }

  /** takeLive takes live records in, in order, until one comes after a gap; that one and the rest wait for the gap's fetch. */
  function takeLive(batch: readonly RunLogRecord[]): boolean {
    if (waiting) {
      waiting.push(...batch);
      if (waiting.length > HELD_MAX) return giveUpGap();
      return false;
    }
    let any = false;
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      if (following && r.seq > lastSeq + 1) {
        waiting = batch.slice(i);
        fillGap(lastSeq, r.seq);
        return any;
      }
      any = take(r) || any;
    }
    return any;
  }

  /** fillGap fetches the records with after < seq < before, takes them in, then the records that waited. */
  function fillGap(after: number, before: number): void {
    const want = before - after - 1;
    const from = Math.max(after, before - 1 - GAP_FETCH_MAX);
    const mine = run;
    labClient()
      .log(from, before - 1 - from)
      .then(
        (got) =>
          endGap(
            mine,
            got.filter((r) => r.seq > after && r.seq < before),
            want,
          ),
        () => endGap(mine, [], want),
      );
  }

  /** endGap takes in what a gap's fetch found, counts the rest as lost, and lets the waiting records go on. */
  function endGap(mine: number, got: readonly RunLogRecord[], want: number): void {
    if (mine !== run || !waiting) return;
    const rest = waiting;
    waiting = null;
    const sorted = [...got].sort((a, b) => a.seq - b.seq);
    for (const r of sorted) take(r);
    lost.value += want - sorted.length;
    // The gap's end is known: the next record that waited.
    const next = rest[0];
    if (next && next.seq - 1 > lastSeq) lastSeq = next.seq - 1;
    takeLive(rest);
    changed();
  }

  /** giveUpGap stops waiting for a gap's fetch (too much piled up behind it): what waited is taken in now, the gap counted lost. */
  function giveUpGap(): boolean {
    const rest = waiting ?? [];
    waiting = null;
    const first = rest[0];
    if (first) {
      lost.value += Math.max(0, first.seq - lastSeq - 1);
      lastSeq = first.seq - 1;
    }
    run++; // the fetch still under way is for a gap already given up
    return takeLive(rest);
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
    // From here on the live stream is followed without a break: a jump in seq is a gap.
    lastSeq = Math.max(0, model.value.lastSeq);
    following = true;
    changed();
    syncView();
  }

  /** reset forgets the run (a new cluster starts a new run). */
  function reset(): void {
    pending = [];
    held = null;
    waiting = null;
    lastSeq = 0;
    lost.value = 0;
    run++;
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
    lost,
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
