/**
 * useTimelineStore holds the live event stream (a bounded window of run-log records),
 * its filters (by category and node) and the "pause the view" switch. Message records
 * are also handed, unreactively, to the topology's animation listener.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import type { RunLogRecord } from '../../../src-main/api/contract';
import { CATEGORIES, categoryOf, isMessageRecord, nodesOf, type Category } from '../model/records';

/** MAX_RECORDS bounds the records kept in memory for the timeline (older ones are in the run log). */
export const MAX_RECORDS = 5000;
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

export const useTimelineStore = defineStore('timeline', () => {
  const records = shallowRef<RunLogRecord[]>([]);
  const lastSeq = ref(-1);
  const paused = ref(false);
  /** frozen: what the view shows while paused (records keep arriving underneath). */
  const frozen = shallowRef<RunLogRecord[]>([]);
  // Messages are the bulk of the log; they are off by default so state changes stay readable.
  const categories = ref<Category[]>(CATEGORIES.filter((c) => c !== 'message'));
  const node = ref<string | null>(null);

  function trim(list: RunLogRecord[]): void {
    if (list.length > MAX_RECORDS) list.splice(0, list.length - MAX_RECORDS);
  }

  /** push adds one live record at once (duplicates by seq are ignored). */
  function push(r: RunLogRecord): void {
    if (!accept(r)) return;
    trim(records.value);
    triggerRef(records);
  }

  function accept(r: RunLogRecord): boolean {
    if (r.seq <= lastSeq.value) return false;
    lastSeq.value = r.seq;
    records.value.push(r);
    if (isMessageRecord(r)) for (const cb of messageListeners) cb(r);
    return true;
  }

  let pending: RunLogRecord[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | null = null;

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
    for (const r of batch) {
      if (r.seq <= lastSeq.value) continue;
      lastSeq.value = r.seq;
      records.value.push(r);
      changed = true;
    }
    if (!changed) return;
    trim(records.value);
    triggerRef(records);
  }

  /** ingestBacklog merges records fetched with GET /api/log in front of the live ones. */
  function ingestBacklog(backlog: RunLogRecord[]): void {
    const have = new Set(records.value.map((r) => r.seq));
    const merged = [...backlog.filter((r) => !have.has(r.seq)), ...records.value].sort((a, b) => a.seq - b.seq);
    trim(merged);
    records.value = merged;
    const last = merged[merged.length - 1];
    if (last && last.seq > lastSeq.value) lastSeq.value = last.seq;
  }

  /** reset forgets every record (a new cluster starts a new run). */
  function reset(): void {
    pending = [];
    records.value = [];
    frozen.value = [];
    lastSeq.value = -1;
  }

  function setPaused(p: boolean): void {
    if (p) frozen.value = records.value.slice();
    paused.value = p;
  }

  function toggleCategory(c: Category): void {
    categories.value = categories.value.includes(c) ? categories.value.filter((x) => x !== c) : [...categories.value, c];
  }

  /** filter applies the category and node filters to any list (live or a replay's). */
  function filter(list: readonly RunLogRecord[]): RunLogRecord[] {
    const cats = new Set(categories.value);
    const out: RunLogRecord[] = [];
    for (let i = list.length - 1; i >= 0 && out.length < MAX_SHOWN; i--) {
      const r = list[i]!;
      if (!cats.has(categoryOf(r.kind))) continue;
      if (node.value !== null && !nodesOf(r).includes(node.value)) continue;
      out.push(r);
    }
    return out;
  }

  /** shown: newest first, filtered, frozen while paused. */
  const shown = computed(() => filter(paused.value ? frozen.value : records.value));

  return { records, lastSeq, paused, categories, node, shown, push, enqueue, flush, ingestBacklog, reset, setPaused, toggleCategory, filter };
});
