/**
 * The history view's operations: history events paired into bars (invoke to completion,
 * with the outcome that colours them and the label that names them: `put x=3`,
 * `get x→2`, `cas x 1→2`, `lock L alice → t12`), the lanes they go in (one per client
 * process), and the keys a filter offers.
 */
import type { HistoryOp } from '../../../src-main/api/contract';
import { normalizeF } from '../../../src-main/check/history';

/** BarOutcome colours a bar: ok (took effect), fail (certainly did not), unknown (may have, at any time after its invoke), running (no answer yet). */
export type BarOutcome = 'ok' | 'fail' | 'unknown' | 'running';

/** HistoryBar is one client operation as the view draws it. */
export interface HistoryBar {
  /** index: the history index of its invoke (what a witness names it by). */
  index: number;
  process: number;
  /** f: the operation, the checker's way (read, write, delete, cas, lock, renew, unlock, fenced-write). */
  f: string;
  key: string;
  /** start: the invoke's time, ns since the run began. */
  start: number;
  /** end: the completion's time for ok and fail; null for unknown and running, whose bars reach the view's end. */
  end: number | null;
  /** answeredAt: when an unknown answer came (null while running, else the completion's time). */
  answeredAt: number | null;
  outcome: BarOutcome;
  label: string;
  input: unknown;
  output: unknown;
}

/** VALUE_CHARS: a value in a label longer than this is cut with an ellipsis. */
export const VALUE_CHARS = 12;

/** shortValue shows a value in a label: nil for absent, long strings cut. */
export function shortValue(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > VALUE_CHARS ? `${s.slice(0, VALUE_CHARS - 1)}…` : s;
}

function field(v: unknown, name: string): unknown {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[name] : undefined;
}

function tokenText(v: unknown): string {
  const t = field(v, 'token');
  return typeof t === 'number' ? ` t${t}` : '';
}

/** barLabel names an operation the way the console writes it, with what it returned when that is known. */
export function barLabel(f: string, key: string, input: unknown, output: unknown, outcome: BarOutcome): string {
  const ok = outcome === 'ok';
  switch (f) {
    case 'write':
      return `put ${key}=${shortValue(input)}`;
    case 'read':
      return ok ? `get ${key}→${shortValue(output)}` : outcome === 'fail' ? `get ${key}` : `get ${key}→?`;
    case 'delete':
      return `del ${key}`;
    case 'cas': {
      const [from, to] = Array.isArray(input) ? input : [undefined, undefined];
      return `cas ${key} ${shortValue(from)}→${shortValue(to)}`;
    }
    case 'lock': {
      const owner = shortValue(field(input, 'owner'));
      return ok && tokenText(output) !== '' ? `lock ${key} ${owner} →${tokenText(output)}` : `lock ${key} ${owner}`;
    }
    case 'renew':
      return `renew ${key} ${shortValue(field(input, 'owner'))}${tokenText(input)}`;
    case 'unlock':
      return `unlock ${key}${tokenText(input)}`;
    case 'fenced-write':
      return `fenced ${key}=${shortValue(field(input, 'value'))}${tokenText(input)}`;
    default:
      return `${f} ${key}`;
  }
}

/** pairBars pairs each invoke with its process's next completion (events in history order); an invoke with none is running. */
export function pairBars(events: readonly HistoryOp[]): HistoryBar[] {
  const open = new Map<number, HistoryOp>();
  const bars: HistoryBar[] = [];
  const add = (inv: HistoryOp, done: HistoryOp | null): void => {
    const f = normalizeF(inv.f);
    const outcome: BarOutcome =
      done === null ? 'running' : done.type === 'ok' ? 'ok' : done.type === 'fail' ? 'fail' : 'unknown';
    const settled = outcome === 'ok' || outcome === 'fail';
    const output = outcome === 'ok' ? done?.value : undefined;
    bars.push({
      index: inv.index,
      process: inv.process,
      f,
      key: inv.key,
      start: inv.time,
      end: settled && done ? Math.max(inv.time, done.time) : null,
      answeredAt: done ? done.time : null,
      outcome,
      label: barLabel(f, inv.key, inv.value, output, outcome),
      input: inv.value,
      output,
    });
  };
  for (const e of [...events].sort((a, b) => a.index - b.index)) {
    if (e.type === 'invoke') {
      const prev = open.get(e.process);
      if (prev) add(prev, null);
      open.set(e.process, e);
      continue;
    }
    const inv = open.get(e.process);
    if (!inv) continue; // its invoke is outside the window
    open.delete(e.process);
    add(inv, e);
  }
  for (const inv of open.values()) add(inv, null);
  return bars.sort((a, b) => a.index - b.index);
}

/** Lanes: the processes drawn, one lane each, in process order. */
export interface Lanes {
  processes: number[];
  laneOf: Map<number, number>;
}

/** assignLanes gives each process among `bars` a lane, in process-number order. */
export function assignLanes(bars: readonly HistoryBar[]): Lanes {
  const processes = [...new Set(bars.map((b) => b.process))].sort((a, b) => a - b);
  return { processes, laneOf: new Map(processes.map((p, i) => [p, i])) };
}

/** keysOf lists the keys among `bars`, the most used first (what the key filter offers). */
export function keysOf(bars: readonly HistoryBar[], max = 200): string[] {
  const n = new Map<string, number>();
  for (const b of bars) n.set(b.key, (n.get(b.key) ?? 0) + 1);
  return [...n]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, max)
    .map(([k]) => k);
}

/** filterByKey keeps the bars of one key (null: all). */
export function filterByKey(bars: readonly HistoryBar[], key: string | null): HistoryBar[] {
  return key === null ? [...bars] : bars.filter((b) => b.key === key);
}
