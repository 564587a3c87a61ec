/**
 * The Recorder keeps the run log and the client history of one run.
 *
 * Run log: JSONL records `{t, seq, kind, ...}`, t in ns since the run began (from
 * process.hrtime), seq strictly increasing. Message records (send/deliver/drop/duplicate)
 * dominate by volume, so in memory they live in their own ring buffer (the newest
 * MESSAGE_RING records); every other record lives in a second, larger-per-item but far
 * rarer ring. Every record is also streamed to `<runDir>/run.jsonl` as it happens
 * (batched writes), so the file keeps the whole run even when the rings have wrapped.
 *
 * Message bodies: the router hands over each message's encoded frame (the bytes it
 * forwards); a BodyStore copies the newest ones into a fixed arena, bounded in count
 * (MAX_BODIES) and in bytes (MAX_BODY_BYTES), for GET /api/messages/:id.
 *
 * History: Jepsen's shape `{index, time, process, type, f, key, value}`. A process
 * performs one operation at a time; an operation that ends in `info` (unknown outcome)
 * retires its process number, as Jepsen does, because that process may still be acting.
 */
import type { HistoryOp, HistoryQuery, MessageRecord, RunLogRecord } from '../api/contract';
import { historyWindow, isEmptyQuery } from '../api/history-window';
import type { MessageKind, NodeId } from '../core/types';
import { JsonlFile } from './jsonl-file';
export { FLUSH_MS } from './jsonl-file';

/** MESSAGE_RING is how many message records stay in memory (the file keeps them all). */
export const MESSAGE_RING = 200_000;
/** OTHER_RING is how many non-message records stay in memory. */
export const OTHER_RING = 100_000;
/** HISTORY_LIMIT bounds the in-memory client history (the file keeps it all). */
export const HISTORY_LIMIT = 500_000;

/** MAX_BODIES bounds the message bodies kept (the newest ones). */
export const MAX_BODIES = 4096;
/** MAX_BODY_BYTES bounds the bytes of the kept bodies together (16 MiB). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** MAX_ONE_BODY_BYTES: a message larger than this (a big snapshot) is not kept, only counted. */
export const MAX_ONE_BODY_BYTES = 1024 * 1024;

/**
 * Ring is a fixed-capacity buffer that drops its oldest item when full: O(1) per push, where
 * Array.shift() on a full 500,000-item array cost O(n) per push and collapsed throughput.
 */
export class Ring<T> {
  private buf: (T | undefined)[];
  private start = 0;
  private len = 0;
  constructor(private readonly cap: number) {
    this.buf = new Array<T | undefined>(cap);
  }
  /** push appends x; returns true when the oldest item was dropped to make room. */
  push(x: T): boolean {
    if (this.len < this.cap) {
      this.buf[(this.start + this.len) % this.cap] = x;
      this.len++;
      return false;
    }
    this.buf[this.start] = x;
    this.start = (this.start + 1) % this.cap;
    return true;
  }
  get size(): number {
    return this.len;
  }
  at(i: number): T {
    return this.buf[(this.start + i) % this.cap] as T;
  }
  /** toArray copies the items, oldest first. */
  toArray(): T[] {
    const out = new Array<T>(this.len);
    for (let i = 0; i < this.len; i++) out[i] = this.at(i);
    return out;
  }
  /** firstAfter returns the position of the first item whose key is > since (items in key order; binary search). */
  firstAfter(since: number, key: (x: T) => number): number {
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (key(this.at(mid)) <= since) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

const bySeq = (r: RunLogRecord): number => r.seq;

/** BodyLookup is what the store knows of a message id: its frame bytes, or why there are none. */
export type BodyLookup = { kept: true; bytes: Uint8Array } | { kept: false; why: string };

/**
 * BodyStore keeps the newest message bodies by id, oldest evicted first, within `maxCount`
 * bodies and `maxBytes` bytes. The bytes are copied into one arena of maxBytes used as a
 * ring — a memcpy per message and no allocation, where keeping each frame's own buffer
 * alive made the router's hot path pay for the garbage collector moving and marking them.
 * Ids arrive increasing (the router numbers messages), so a lookup is a binary search.
 */
export class BodyStore {
  private arena: Uint8Array | null = null;
  private readonly ids: Float64Array;
  /** offs: where a body sits in the arena (-1: too large to keep; sizes holds its size). */
  private readonly offs: Float64Array;
  private readonly sizes: Float64Array;
  private start = 0;
  private len = 0;
  private head = 0;
  private bytesHeld = 0;
  /** newestEvicted: the largest id evicted so far (an id at or below it, not found, is gone). */
  private newestEvicted = 0;

  constructor(
    readonly maxCount = MAX_BODIES,
    readonly maxBytes = MAX_BODY_BYTES,
    readonly maxOne = MAX_ONE_BODY_BYTES,
  ) {
    const cap = Math.max(1, maxCount);
    this.ids = new Float64Array(cap);
    this.offs = new Float64Array(cap);
    this.sizes = new Float64Array(cap);
  }

  /** size / bytes: how many bodies, and how many bytes of them, are kept now. */
  get size(): number {
    return this.len;
  }
  get bytes(): number {
    return this.bytesHeld;
  }

  /** keep copies message `id`'s encoded frame in (ids increasing); one over maxOne is remembered as too large. */
  keep(id: number, bytes: Uint8Array): void {
    const n = bytes.length;
    const fits = n <= Math.min(this.maxOne, this.maxBytes);
    let at = -1;
    if (fits) {
      this.arena ??= new Uint8Array(this.maxBytes);
      if (this.head + n > this.arena.length) this.wrap();
      at = this.head;
      // The oldest bodies sit just after the head: evict those the new one will cover.
      while (this.len > 0 && (this.len >= this.ids.length || this.overlaps(this.start, at, n))) this.evict();
      this.arena.set(bytes, at);
      this.head = at + n;
      this.bytesHeld += n;
    } else if (this.len >= this.ids.length) this.evict();
    const i = (this.start + this.len) % this.ids.length;
    this.ids[i] = id;
    this.offs[i] = at;
    this.sizes[i] = n;
    this.len++;
  }

  /** wrap starts writing at the arena's start again: the bodies left past the head are the oldest of all. */
  private wrap(): void {
    const end = this.head;
    while (this.len > 0 && (this.offs[this.start]! < 0 || this.offs[this.start]! >= end)) this.evict();
    this.head = 0;
  }

  private overlaps(i: number, at: number, n: number): boolean {
    const o = this.offs[i]!;
    return o < 0 || (o < at + n && at < o + this.sizes[i]!);
  }

  private evict(): void {
    const i = this.start;
    if (this.offs[i]! >= 0) this.bytesHeld -= this.sizes[i]!;
    if (this.ids[i]! > this.newestEvicted) this.newestEvicted = this.ids[i]!;
    this.start = (i + 1) % this.ids.length;
    this.len--;
  }

  /** get looks message `id` up (the bytes are a copy). */
  get(id: number): BodyLookup {
    const cap = this.ids.length;
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ids[(this.start + mid) % cap]! < id) lo = mid + 1;
      else hi = mid;
    }
    const i = (this.start + lo) % cap;
    if (lo < this.len && this.ids[i] === id) {
      const at = this.offs[i]!;
      return at >= 0 && this.arena
        ? { kept: true, bytes: this.arena.slice(at, at + this.sizes[i]!) }
        : { kept: false, why: `its body was ${this.sizes[i]} bytes; bodies over ${this.maxOne} bytes are not kept` };
    }
    if (id <= this.newestEvicted)
      return {
        kept: false,
        why: `its body is no longer kept: the lab keeps the newest ${this.maxCount} message bodies (at most ${this.maxBytes / 1024 / 1024} MiB)`,
      };
    return { kept: false, why: 'the lab kept no body under this id in this run' };
  }
}

/** RecordListener receives every record as it is made. */
export type RecordListener = (r: RunLogRecord) => void;

/** HistoryListener receives every client-history event as it is made (the live checker's feed). */
export type HistoryListener = (op: HistoryOp) => void;

/** RecorderOptions: where to stream the log and the history (omit for memory only). */
export interface RecorderOptions {
  logFile?: string;
  historyFile?: string;
  /** historyLimit: client history ops kept in memory (default HISTORY_LIMIT; tests use less). */
  historyLimit?: number;
}

/** Recorder holds one run's log and client history. */
export class Recorder {
  /** runStartedAt: wall-clock ms at t = 0. */
  readonly runStartedAt = Date.now();
  private readonly start = process.hrtime.bigint();
  private seq = 0;
  private readonly messages = new Ring<RunLogRecord>(MESSAGE_RING);
  private readonly others = new Ring<RunLogRecord>(OTHER_RING);
  private readonly hist: Ring<HistoryOp>;
  /** bodies: the newest messages' encoded frames, by message id. */
  readonly bodies = new BodyStore();
  private histDropped = 0;
  private histIndex = 0;
  private freeProcesses: number[] = [];
  private nextProcess = 0;
  private readonly listeners = new Set<RecordListener>();
  private readonly historyListeners = new Set<HistoryListener>();
  /** running: each process's invoke while its operation has no completion (for history windows). */
  private readonly running = new Map<number, HistoryOp>();
  /** longestOpNs: the longest any completed operation took (how far back a window must look). */
  private longestOpNs = 0;
  /** logOut / histOut stream the run log and the client history to their files (jsonl-file.ts). */
  private readonly logOut: JsonlFile | null = null;
  private readonly histOut: JsonlFile | null = null;
  private closed = false;

  constructor(opts: RecorderOptions = {}) {
    this.hist = new Ring<HistoryOp>(Math.max(1, opts.historyLimit ?? HISTORY_LIMIT));
    if (opts.logFile) this.logOut = new JsonlFile(opts.logFile);
    if (opts.historyFile) this.histOut = new JsonlFile(opts.historyFile);
  }

  /** now returns ns since the run began. */
  now(): number {
    return Number(process.hrtime.bigint() - this.start);
  }

  /** onRecord subscribes to every new record; returns the unsubscribe function. */
  onRecord(fn: RecordListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** record appends a non-message record of `kind` with `fields`. */
  record(kind: string, fields: Record<string, unknown> = {}): RunLogRecord {
    return this.recordOwned(kind, { ...fields });
  }

  /**
   * recordOwned is record() for a fields object made for this record alone: it becomes the
   * record (t, seq, kind set on it), saving a copy on the client path. The keys come out in
   * the same order, with the same values, as record()'s `{...fields, t, seq, kind}`.
   */
  private recordOwned(kind: string, fields: Record<string, unknown>): RunLogRecord {
    const r = fields as RunLogRecord;
    r.t = this.now();
    r.seq = ++this.seq;
    r.kind = kind;
    this.others.push(r);
    this.emit(r);
    return r;
  }

  /** message appends one message record (the router's hot path: one object, one line). */
  message(
    kind: MessageRecord['kind'],
    id: number,
    from: NodeId,
    to: NodeId,
    type: string,
    msgKind: MessageKind,
    term: number,
    /** extra: the record's other fields (a send's label, a drop's reason). */
    extra?: object,
  ): void {
    const r: MessageRecord = { t: this.now(), seq: ++this.seq, kind, id, from, to, type, msgKind, term };
    if (extra) Object.assign(r, extra);
    this.messages.push(r);
    this.emit(r);
  }

  /** keepBody stores message `id`'s encoded frame in the bounded body store (the router calls it for every send). */
  keepBody(id: number, bytes: Uint8Array): void {
    this.bodies.keep(id, bytes);
  }

  private emit(r: RunLogRecord): void {
    if (!this.closed) this.logOut?.add(r);
    for (const fn of this.listeners) fn(r);
  }

  /** flush writes buffered records to the files. */
  flush(): void {
    this.logOut?.flush();
    this.histOut?.flush();
  }

  /** log returns the in-memory records with seq > since, in seq order (both rings merged). */
  log(since = 0, limit = Infinity): RunLogRecord[] {
    const out: RunLogRecord[] = [];
    let i = this.messages.firstAfter(since, bySeq);
    let j = this.others.firstAfter(since, bySeq);
    while (out.length < limit && (i < this.messages.size || j < this.others.size)) {
      const a = i < this.messages.size ? this.messages.at(i) : undefined;
      const b = j < this.others.size ? this.others.at(j) : undefined;
      if (a && (!b || a.seq < b.seq)) {
        out.push(a);
        i++;
      } else if (b) {
        out.push(b);
        j++;
      }
    }
    return out;
  }

  /**
   * select returns up to `limit` non-message records `pred` accepts, in seq order: the
   * newest ones, or with `oldest` the oldest ones kept (what Explain reads).
   */
  select(pred: (r: RunLogRecord) => boolean, limit: number, oldest = false): RunLogRecord[] {
    const out: RunLogRecord[] = [];
    const n = this.others.size;
    for (let k = 0; k < n && out.length < limit; k++) {
      const r = this.others.at(oldest ? k : n - 1 - k);
      if (pred(r)) out.push(r);
    }
    return oldest ? out : out.reverse();
  }

  /** findMessage returns the newest message record with seq < before that `pred` accepts, scanning at most `maxScan` back. */
  findMessage(pred: (r: RunLogRecord) => boolean, before: number, maxScan = MESSAGE_RING): RunLogRecord | null {
    const end = this.messages.firstAfter(before - 1, bySeq);
    for (let i = end - 1; i >= 0 && end - i <= maxScan; i--) {
      const r = this.messages.at(i);
      if (pred(r)) return r;
    }
    return null;
  }

  /** lastSeq is the seq of the newest record. */
  get lastSeq(): number {
    return this.seq;
  }

  /** acquireProcess returns a Jepsen process number for a new client operation. */
  private acquireProcess(): number {
    return this.freeProcesses.pop() ?? this.nextProcess++;
  }

  /** invoke records a client operation's start; returns a handle for complete(). */
  invoke(
    f: string,
    key: string,
    value: unknown,
    extra: Record<string, unknown> = {},
  ): { process: number; index: number } {
    const process = this.acquireProcess();
    const op: HistoryOp = { index: this.histIndex++, time: this.now(), process, type: 'invoke', f, key, value };
    this.pushHistory(op);
    this.recordOwned('client-invoke', { process, f, key, ...extra });
    return { process, index: op.index };
  }

  /** complete records a client operation's end: ok, fail, or info (unknown outcome). */
  complete(
    h: { process: number },
    type: 'ok' | 'fail' | 'info',
    f: string,
    key: string,
    value: unknown,
    extra: Record<string, unknown> = {},
  ): void {
    const op: HistoryOp = { index: this.histIndex++, time: this.now(), process: h.process, type, f, key, value };
    this.pushHistory(op);
    this.recordOwned('client-complete', { process: h.process, f, key, type, ...extra });
    // An `info` process may still act (its request may yet apply): never reuse its number.
    if (type !== 'info') this.freeProcesses.push(h.process);
  }

  /** onHistory subscribes to every client-history event; returns the unsubscribe function. */
  onHistory(fn: HistoryListener): () => void {
    this.historyListeners.add(fn);
    return () => this.historyListeners.delete(fn);
  }

  private pushHistory(op: HistoryOp): void {
    if (this.hist.push(op)) this.histDropped++;
    if (op.type === 'invoke') this.running.set(op.process, op);
    else {
      const inv = this.running.get(op.process);
      this.running.delete(op.process);
      if (inv) this.longestOpNs = Math.max(this.longestOpNs, op.time - inv.time);
    }
    for (const fn of this.historyListeners) {
      try {
        fn(op);
      } catch {
        /* a broken listener (the live checker) must not fail the client's request */
      }
    }
    if (!this.closed) this.histOut?.add(op);
  }

  /**
   * history returns the client history held in memory (all of it unless HISTORY_LIMIT was
   * passed), or with a query only the window it asks for (api/history-window.ts).
   */
  history(q?: HistoryQuery): HistoryOp[] {
    if (isEmptyQuery(q)) return this.hist.toArray();
    return historyWindow(this.hist, q ?? {}, { lookbackNs: this.longestOpNs, open: this.running.values() });
  }

  /** historyTruncated tells how many of the oldest history ops fell out of memory. */
  get historyTruncated(): number {
    return this.histDropped;
  }

  /** sync resolves once every record made so far is written to the files. */
  async sync(): Promise<void> {
    if (this.closed) return;
    await Promise.all([this.logOut?.sync(), this.histOut?.sync()]);
  }

  /** close flushes and closes the files; resolves when they are written. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.historyListeners.clear();
    await Promise.all([this.logOut?.close(), this.histOut?.close()]);
  }
}
