/**
 * useTimelineStore holds the live event stream, its filters (by category and node) and the
 * "pause the view" switch. Messages (send/deliver/drop/duplicate) are the bulk of a run
 * log, so they are kept in a window of their own: a busy cluster's messages must not push
 * the state changes and client operations (timeline, charts) out of memory. Message
 * records are also handed, unreactively, to the topology's animation listener.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import type { RunLogRecord } from '../../../src-main/api/contract';
import { CATEGORIES, categoryOf, isMessageRecord, nodesOf, type Category } from '../model/records';

/** MAX_RECORDS bounds the non-message records kept in memory (all of them are in the run log). */
export const MAX_RECORDS = 5000;
/** MAX_MESSAGES bounds the message records kept in memory. */
export const MAX_MESSAGES = 2000;
/** MAX_SHOWN bounds the rows the timeline renders. */
export const MAX_SHOWN = 300;
/** FLUSH_MS is how often queued live records reach the view. */
export const FLUSH_MS = 150;

type MessageListener = (r: RunLogRecord) => void;
const messageListeners = new Set<MessageListener>();

/** onMessageRecord lets the topology animate messages without making them reactive state. */
export function onMessageRecord(cb: MessageListener): () => void {
  messageListeners.add(cb);
  return () => messageListeners.delete(cb);
}

function trim(list: RunLogRecord[], max: number): void {
  if (list.length > max) list.splice(0, list.length - max);
}

/** mergeNewestFirst walks two seq-ordered lists from their ends, yielding newest first. */
function* mergeNewestFirst(a: readonly RunLogRecord[], b: readonly RunLogRecord[]): Generator<RunLogRecord> {
  let i = a.length - 1;
  let j = b.length - 1;
  while (i >= 0 || j >= 0) {
    const x = i >= 0 ? a[i] : undefined;
    const y = j >= 0 ? b[j] : undefined;
    if (x && (!y || x.seq > y.seq)) {
      yield x;
      i--;
    } else if (y) {
      yield y;
      j--;
    }
  }
}

export const useTimelineStore = defineStore('timeline', () => {
  /** records: state, lifecycle, fault, client and other records, in seq order. */
  const records = shallowRef<RunLogRecord[]>([]);
  /** messages: message records, in seq order. */
  const messages = shallowRef<RunLogRecord[]>([]);
  const lastSeq = ref(-1);
  const paused = ref(false);
  /** frozen: what the view shows while paused (records keep arriving underneath). */
  const frozen = shallowRef<{ records: RunLogRecord[]; messages: RunLogRecord[] }>({ records: [], messages: [] });
  // Messages are the bulk of the log; they are off by default so state changes stay readable.
  const categories = ref<Category[]>(CATEGORIES.filter((c) => c !== 'message'));
  const node = ref<string | null>(null);
  let pending: RunLogRecord[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | null = null;

  let dirtyRecords = false;
  let dirtyMessages = false;

  /** store puts one record in its window; false if its seq was seen already. */
  function store(r: RunLogRecord): boolean {
    if (r.seq <= lastSeq.value) return false;
    lastSeq.value = r.seq;
    if (isMessageRecord(r)) {
      messages.value.push(r);
      dirtyMessages = true;
    } else {
      records.value.push(r);
      dirtyRecords = true;
    }
    return true;
  }

  /** commit trims the windows and tells the view about the ones that changed. */
  function commit(): void {
    if (dirtyRecords) {
      trim(records.value, MAX_RECORDS);
      triggerRef(records);
    }
    if (dirtyMessages) {
      trim(messages.value, MAX_MESSAGES);
      triggerRef(messages);
    }
    dirtyRecords = dirtyMessages = false;
  }

  /** push adds one live record at once (duplicates by seq are ignored). */
  function push(r: RunLogRecord): void {
    if (!store(r)) return;
    if (isMessageRecord(r)) for (const cb of messageListeners) cb(r);
    commit();
  }

  /**
   * enqueue adds a live record from the event stream. A busy cluster sends hundreds of
   * records a second; the timeline and charts re-render once per batch, not per record.
   * Messages still reach the animation at once.
   */
  function enqueue(r: RunLogRecord): void {
    pending.push(r);
    if (isMessageRecord(r)) for (const cb of messageListeners) cb(r);
    flushTimer ??= setTimeout(flush, FLUSH_MS);
  }

  /** flush applies the queued records now. */
  function flush(): void {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    const batch = pending;
    pending = [];
    let changed = false;
    for (const r of batch) changed = store(r) || changed;
    if (changed) commit();
  }

  /** ingestBacklog merges records fetched with GET /api/log in front of the live ones. */
  function ingestBacklog(backlog: RunLogRecord[]): void {
    const have = new Set([...records.value, ...messages.value].map((r) => r.seq));
    const fresh = backlog.filter((r) => !have.has(r.seq));
    const bySeq = (a: RunLogRecord, b: RunLogRecord): number => a.seq - b.seq;
    records.value = [...fresh.filter((r) => !isMessageRecord(r)), ...records.value].sort(bySeq);
    messages.value = [...fresh.filter(isMessageRecord), ...messages.value].sort(bySeq);
    for (const r of fresh) if (r.seq > lastSeq.value) lastSeq.value = r.seq;
    dirtyRecords = dirtyMessages = true;
    commit();
  }

  /** reset forgets every record (a new cluster starts a new run). */
  function reset(): void {
    pending = [];
    records.value = [];
    messages.value = [];
    frozen.value = { records: [], messages: [] };
    lastSeq.value = -1;
  }

  function setPaused(p: boolean): void {
    if (p) frozen.value = { records: records.value.slice(), messages: messages.value.slice() };
    paused.value = p;
  }

  function toggleCategory(c: Category): void {
    categories.value = categories.value.includes(c)
      ? categories.value.filter((x) => x !== c)
      : [...categories.value, c];
  }

  function pick(source: Iterable<RunLogRecord>): RunLogRecord[] {
    const cats = new Set(categories.value);
    const out: RunLogRecord[] = [];
    for (const r of source) {
      if (out.length >= MAX_SHOWN) break;
      if (!cats.has(categoryOf(r.kind))) continue;
      if (node.value !== null && !nodesOf(r).includes(node.value)) continue;
      out.push(r);
    }
    return out;
  }

  /** filter applies the category and node filters to a seq-ordered list (a replay's), newest first. */
  function filter(list: readonly RunLogRecord[]): RunLogRecord[] {
    return pick(mergeNewestFirst(list, []));
  }

  /** shown: the live window, newest first, filtered, frozen while paused. */
  const shown = computed(() => {
    // Read the message window only when it is shown, so message traffic alone re-renders nothing.
    const withMessages = categories.value.includes('message');
    if (paused.value) return pick(mergeNewestFirst(frozen.value.records, withMessages ? frozen.value.messages : []));
    return pick(mergeNewestFirst(records.value, withMessages ? messages.value : []));
  });

  return {
    records,
    messages,
    lastSeq,
    paused,
    categories,
    node,
    shown,
    push,
    enqueue,
    flush,
    ingestBacklog,
    reset,
    setPaused,
    toggleCategory,
    filter,
  };
});
