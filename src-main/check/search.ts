/**
 * The search at the heart of the checker: Wing & Gong's algorithm as improved by Lowe and
 * by Porcupine. The history's call and return events sit in one doubly linked list in
 * time order. Walking it from the front, a call may be linearized now if the model accepts
 * it from the current state: it is then lifted out of the list (call and return entry) and
 * the walk starts again from the front. Meeting a return entry means every operation that
 * returned there must already have been linearized, so the last choice is undone (unlift)
 * and the walk goes on after it. A set of (linearized operations, model state) pairs already
 * explored prunes the search: reaching one again cannot lead anywhere new.
 *
 * Indeterminate operations have no return entry: they may be linearized at any point after
 * their call, or never. The search succeeds once every determinate operation is
 * linearized, whatever is left of the indeterminate ones.
 *
 * A `cut` (used by the live checker to compact a window) treats operations that returned
 * after it the same way — optional, but with their recorded results — so the search
 * enumerates the configurations the history can be in at the cut.
 */
import type { AnyModel, Prepared } from './types';

/** StartConfig is one state the search may start from, with indeterminate operations already applied. */
export interface StartConfig {
  state: unknown;
  /** applied: positions (in the ops array) of operations taken as already applied (lifted before the search). */
  applied: number[];
}

/** StepBudget is the shared, mutable allowance of one check (every key's search draws on it). */
export interface StepBudget {
  steps: number;
  maxSteps: number;
  clock: (() => number) | undefined;
  deadlineMs: number;
  exhausted: boolean;
}

/** SearchOutcome: 'ok' (linearizable), 'fail' (not), or 'budget' (gave up). */
export interface SearchOutcome {
  result: 'ok' | 'fail' | 'budget';
  steps: number;
  /** finals: in 'finals' mode, every end configuration of a complete linearization. */
  finals: StartConfig[];
  /** longest: the longest legal order found (positions in the ops array), when asked for. */
  longest: number[];
}

/** SearchOptions choose the mode: stop at the first linearization, or collect every end configuration. */
export interface SearchOptions {
  mode: 'any' | 'finals';
  trackLongest?: boolean;
  /** maxFinals: give up ('budget') when more end configurations than this exist. */
  maxFinals?: number;
  /** cut: operations returning after this event position are optional (default: none are). */
  cut?: number;
}

/** makeBudget returns a fresh StepBudget. */
export function makeBudget(maxSteps = 50_000_000, clock?: () => number, deadlineMs = Infinity): StepBudget {
  return { steps: 0, maxSteps, clock, deadlineMs, exhausted: false };
}

const CLOCK_EVERY = 4096;

function overBudget(b: StepBudget): boolean {
  if (b.steps >= b.maxSteps) return (b.exhausted = true);
  if (b.clock && b.steps % CLOCK_EVERY === 0 && b.clock() >= b.deadlineMs) return (b.exhausted = true);
  return false;
}

function mix(i: number): number {
  let h = Math.imul(i + 1, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

/** MEMO_BYTES bounds the memo's memory (about 512 MiB); past it the search gives up ('budget'). */
export const MEMO_BYTES = 512 * 1024 * 1024;
/** TRANSITIONS_MAX bounds the cache of model steps (cleared when full: it only saves work). */
const TRANSITIONS_MAX = 4_000_000;

/**
 * Memo is the set of explored (linearized set, state id) pairs: a chained hash table over
 * flat typed arrays (a bitset is `words` 32-bit words), because a search may visit millions
 * of configurations and an object per entry would cost several times the memory.
 */
/** MEMO_START is a Memo's first capacity (entries and table slots; a power of two). */
const MEMO_START = 16;

class Memo {
  private table: Int32Array;
  private mask: number;
  private pool: Uint32Array;
  private sid: Int32Array;
  private hash: Int32Array;
  private chain: Int32Array;
  size = 0;
  readonly maxEntries: number;

  constructor(private readonly words: number) {
    // Small to start: most keys of a history hold a handful of operations, and the table
    // and pool double as they fill.
    this.table = new Int32Array(MEMO_START).fill(-1);
    this.mask = MEMO_START - 1;
    this.pool = new Uint32Array(MEMO_START * Math.max(1, words));
    this.sid = new Int32Array(MEMO_START);
    this.hash = new Int32Array(MEMO_START);
    this.chain = new Int32Array(MEMO_START);
    this.maxEntries = Math.floor(MEMO_BYTES / (4 * words + 20));
  }

  /** add inserts (bits, sid) with hash h; false when it was there already. */
  add(bits: Uint32Array, sid: number, h: number): boolean {
    const w = this.words;
    for (let e = this.table[h & this.mask] as number; e >= 0; e = this.chain[e] as number) {
      if (this.sid[e] !== sid || this.hash[e] !== h) continue;
      let same = true;
      const base = e * w;
      for (let i = 0; i < w; i++) {
        if (this.pool[base + i] !== bits[i]) {
          same = false;
          break;
        }
      }
      if (same) return false;
    }
    if (this.size === this.sid.length) this.grow();
    const e = this.size++;
    this.pool.set(bits, e * w);
    this.sid[e] = sid;
    this.hash[e] = h;
    this.chain[e] = this.table[h & this.mask] as number;
    this.table[h & this.mask] = e;
    if (this.size > this.table.length) this.rehash();
    return true;
  }

  private grow(): void {
    const n = this.sid.length * 2;
    const pool = new Uint32Array(n * Math.max(1, this.words));
    pool.set(this.pool);
    this.pool = pool;
    for (const name of ['sid', 'hash', 'chain'] as const) {
      const a = new Int32Array(n);
      a.set(this[name]);
      this[name] = a;
    }
  }

  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2).fill(-1);
    this.mask = this.table.length - 1;
    for (let e = 0; e < this.size; e++) {
      const slot = (this.hash[e] as number) & this.mask;
      this.chain[e] = this.table[slot] as number;
      this.table[slot] = e;
    }
  }
}

/**
 * Searcher holds one partition's event list, bitset and memo across start configurations;
 * `resume` may be called again after it ran out of budget, and goes on where it stopped.
 */
export class Searcher {
  private readonly n: number;
  private readonly head: number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly order: number[];
  /** det: the operation has a return entry (it must be linearized); indet: its result is unknown. */
  private readonly det: boolean[];
  private readonly indet: boolean[];
  private readonly bits: Uint32Array;
  private bitHash = 0;
  private readonly memo: Memo;
  /** transitions: (state id, operation) → next state id, or -1 when the model refuses. */
  private readonly transitions = new Map<number, number>();
  private readonly sids = new Map<string, number>();
  private readonly states: unknown[] = [];
  steps = 0;
  private readonly out: SearchOutcome = { result: 'budget', steps: 0, finals: [], longest: [] };
  private readonly seenFinals = new Set<string>();
  private startIdx = 0;
  private begun = false;
  private stackOps: number[] = [];
  private stackSids: number[] = [];
  private entry = -1;
  private sid = 0;
  private remaining = 0;

  constructor(
    private readonly model: AnyModel,
    private readonly ops: Prepared<unknown>[],
    private readonly starts: StartConfig[],
    private readonly opts: SearchOptions = { mode: 'any' },
  ) {
    this.n = ops.length;
    this.head = 2 * this.n;
    this.next = new Int32Array(2 * this.n + 1);
    this.prev = new Int32Array(2 * this.n + 1);
    this.bits = new Uint32Array((this.n + 31) >>> 5);
    this.memo = new Memo(this.bits.length);
    const cut = opts.cut ?? Infinity;
    this.det = ops.map((p) => p.op.ret !== Infinity && p.op.ret <= cut);
    this.indet = ops.map((p) => p.op.ret === Infinity);
    this.order = this.sortedEntries();
  }

  /** sortedEntries orders call (2i) and return (2i+1) entries by time; at a tie, calls first (more overlap, never a false alarm). */
  private sortedEntries(): number[] {
    const es: number[] = [];
    for (let i = 0; i < this.n; i++) {
      es.push(2 * i);
      if (this.det[i]) es.push(2 * i + 1);
    }
    const time = (e: number): number => {
      const op = (this.ops[e >> 1] as Prepared<unknown>).op;
      return e & 1 ? op.ret : op.call;
    };
    return es.sort((a, b) => time(a) - time(b) || (a & 1) - (b & 1) || a - b);
  }

  private resetList(): void {
    let p = this.head;
    for (const e of this.order) {
      this.next[p] = e;
      this.prev[e] = p;
      p = e;
    }
    this.next[p] = -1;
    this.bits.fill(0);
    this.bitHash = 0;
  }

  private unlink(e: number): void {
    const p = this.prev[e] as number;
    const nx = this.next[e] as number;
    this.next[p] = nx;
    if (nx >= 0) this.prev[nx] = p;
  }

  private relink(e: number): void {
    const p = this.prev[e] as number;
    const nx = this.next[e] as number;
    this.next[p] = e;
    if (nx >= 0) this.prev[nx] = e;
  }

  private lift(i: number): void {
    this.unlink(2 * i);
    if (this.det[i]) this.unlink(2 * i + 1);
  }

  private unlift(i: number): void {
    if (this.det[i]) this.relink(2 * i + 1);
    this.relink(2 * i);
  }

  private flip(i: number): void {
    const w = i >>> 5;
    this.bits[w] = (this.bits[w] as number) ^ (1 << (i & 31));
    this.bitHash ^= mix(i);
  }

  private intern(s: unknown): number {
    const k = this.model.key(s);
    let id = this.sids.get(k);
    if (id === undefined) {
      id = this.states.length;
      this.sids.set(k, id);
      this.states.push(s);
    }
    return id;
  }

  /** remember adds (bits, sid) to the memo; false when it was there already. */
  private remember(sid: number): boolean {
    return this.memo.add(this.bits, sid, (this.bitHash ^ Math.imul(sid + 1, 0xc2b2ae35)) | 0);
  }

  /** stepId applies operation i to state sid through the transition cache; -1 when the model refuses. */
  private stepId(sid: number, i: number): number {
    const k = sid * this.n + i;
    const hit = this.transitions.get(k);
    if (hit !== undefined) return hit;
    const s = this.states[sid];
    const ns: unknown = this.model.step(s, (this.ops[i] as Prepared<unknown>).data, this.indet[i] === true);
    const nsid = ns === undefined ? -1 : ns === s ? sid : this.intern(ns);
    if (this.transitions.size >= TRANSITIONS_MAX) this.transitions.clear();
    this.transitions.set(k, nsid);
    return nsid;
  }

  /** resume searches on (from each start configuration in turn, sharing the memo) until a verdict or the budget's end. */
  resume(budget: StepBudget): SearchOutcome {
    const out = this.out;
    if (out.result !== 'budget') return out;
    const r = this.advance(budget);
    out.result = r;
    if (this.opts.mode === 'finals' && r === 'fail' && out.finals.length > 0) out.result = 'ok';
    out.steps = this.steps;
    return out;
  }

  /** begin sets the list up for start configuration `startIdx`; false when it was explored already. */
  private begin(): boolean {
    const start = this.starts[this.startIdx] as StartConfig;
    this.resetList();
    this.remaining = this.det.filter(Boolean).length;
    for (const i of start.applied) {
      this.lift(i);
      this.flip(i);
      if (this.det[i]) this.remaining--;
    }
    this.sid = this.intern(start.state);
    this.stackOps = [];
    this.stackSids = [];
    this.entry = this.next[this.head] as number;
    return this.remember(this.sid);
  }

  private advance(budget: StepBudget): 'ok' | 'fail' | 'budget' {
    for (;;) {
      if (!this.begun) {
        if (this.startIdx >= this.starts.length) return 'fail';
        this.begun = true;
        if (!this.begin()) {
          this.nextStart();
          continue;
        }
      }
      const r = this.walk(budget);
      if (r !== 'fail') return r;
      this.nextStart();
    }
  }

  private nextStart(): void {
    this.begun = false;
    this.startIdx++;
  }

  /** walk is the search loop proper (see the file comment); its position lives in fields so it can pause. */
  private walk(budget: StepBudget): 'ok' | 'fail' | 'budget' {
    const opts = this.opts;
    const out = this.out;
    const stackOps = this.stackOps;
    const stackSids = this.stackSids;
    let { sid, entry, remaining } = this;
    try {
      for (;;) {
        if (overBudget(budget) || this.memo.size >= this.memo.maxEntries) return 'budget';
        this.steps++;
        budget.steps++;
        if (opts.trackLongest && stackOps.length > out.longest.length) out.longest = stackOps.slice();
        if (remaining === 0) {
          if (opts.mode === 'any') return 'ok';
          this.recordFinal(this.states[sid]);
          if (opts.maxFinals !== undefined && out.finals.length > opts.maxFinals) return 'budget';
          entry = -1; // treat as a dead end: backtrack for the other end configurations
        }
        if (entry >= 0 && (entry & 1) === 0) {
          const i = entry >> 1;
          const nsid = this.stepId(sid, i);
          if (nsid >= 0) {
            this.flip(i);
            if (this.remember(nsid)) {
              stackOps.push(i);
              stackSids.push(sid);
              sid = nsid;
              this.lift(i);
              if (this.det[i]) remaining--;
              entry = this.next[this.head] as number;
              continue;
            }
            this.flip(i);
          }
          entry = this.next[entry] as number;
          continue;
        }
        // A return entry (or the end after a recorded final): undo the last choice.
        const i = stackOps.pop();
        if (i === undefined) return 'fail';
        sid = stackSids.pop() as number;
        this.flip(i);
        this.unlift(i);
        if (this.det[i]) remaining++;
        entry = this.next[2 * i] as number;
      }
    } finally {
      this.sid = sid;
      this.entry = entry;
      this.remaining = remaining;
    }
  }

  private recordFinal(state: unknown): void {
    const out = this.out;
    const seen = this.seenFinals;
    const applied: number[] = [];
    for (let i = 0; i < this.n; i++) {
      if (!this.det[i] && ((this.bits[i >>> 5] as number) >>> (i & 31)) & 1) applied.push(i);
    }
    const k = this.model.key(state) + '|' + applied.join(',');
    if (seen.has(k)) return;
    seen.add(k);
    out.finals.push({ state, applied });
  }
}

/** search checks whether `ops` (one partition) can be linearized from one of `starts`. */
export function search(
  model: AnyModel,
  ops: Prepared<unknown>[],
  starts: StartConfig[],
  budget: StepBudget,
  opts: SearchOptions = { mode: 'any' },
): SearchOutcome {
  return new Searcher(model, ops, starts, opts).resume(budget);
}
