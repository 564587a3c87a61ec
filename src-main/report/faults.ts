/**
 * The faults of a run, kept for the whole run in their own list (a busy cluster's commits
 * and messages never push a crash out): each fault is a period with a lane of its own
 * ("n2 down", "partition", "link n1↔n2", "slow motion"), so the charts draw overlapping
 * faults side by side instead of one red wash. Adding a record is O(1).
 */
import { formatBandwidth } from '../api/bandwidth';
import type { RunLogRecord } from '../api/contract';
import { num, str } from './fields';
import { Ring } from './ring';

/** FaultKind says what sort of fault a period is. */
export type FaultKind = 'partition' | 'down' | 'paused' | 'link' | 'slow';

/** FaultPeriod is a span during which a fault was in force (end null = still is). */
export interface FaultPeriod {
  /** lane: the fault's lane name, e.g. "n2 down"; every period of one lane is one fault source. */
  lane: string;
  kind: FaultKind;
  start: number;
  end: number | null;
  /** label: what the fault was, e.g. "n1 n2 | n3 n4 n5" or "+200 ms, 10% lost". */
  label: string;
  /** nodes the fault concerns. */
  nodes: string[];
}

/** MAX_FAULT_PERIODS bounds the periods kept (faults are user actions: thousands are a long run). */
export const MAX_FAULT_PERIODS = 20_000;

interface LinkState {
  blocked: boolean;
  latencyMs: number;
  jitterMs: number;
  loss: number;
  duplicate: number;
  bandwidth: number;
}
const CLEAN: LinkState = { blocked: false, latencyMs: 0, jitterMs: 0, loss: 0, duplicate: 0, bandwidth: 0 };

function ruleWords(s: LinkState): string {
  const p: string[] = [];
  if (s.blocked) p.push('cut');
  if (s.latencyMs) p.push(`+${s.latencyMs} ms${s.jitterMs ? ` ± ${s.jitterMs}` : ''}`);
  if (s.loss) p.push(`${Math.round(s.loss * 100)}% lost`);
  if (s.duplicate) p.push(`${Math.round(s.duplicate * 100)}% dup`);
  if (s.bandwidth) p.push(formatBandwidth(s.bandwidth));
  return p.join(', ');
}

/** FaultLog folds fault records into periods. */
export class FaultLog {
  readonly periods = new Ring<FaultPeriod>(MAX_FAULT_PERIODS);
  private open = new Map<string, FaultPeriod>();
  /** links: each directed link's rule as the records set it (fields not set keep their value). */
  private links = new Map<string, LinkState>();

  /** begin opens a period in `lane` (ending the lane's open one first if its label changed). */
  private begin(lane: string, kind: FaultKind, t: number, label: string, nodes: string[]): void {
    const cur = this.open.get(lane);
    if (cur && cur.label === label) return;
    if (cur) cur.end = t;
    const p: FaultPeriod = { lane, kind, start: t, end: null, label, nodes };
    this.open.set(lane, p);
    this.periods.push(p);
  }

  private end(lane: string, t: number): void {
    const p = this.open.get(lane);
    if (p) p.end = t;
    this.open.delete(lane);
  }

  /** add folds one record in; records that are not faults change nothing. */
  add(r: RunLogRecord): void {
    const node = str(r, 'node');
    switch (r.kind) {
      case 'partition':
        return this.partition(r);
      case 'heal':
        this.end('partition', r.t);
        for (const lane of [...this.open.keys()]) if (lane.startsWith('link ')) this.end(lane, r.t);
        this.links.clear();
        return;
      case 'crash':
      case 'node-died':
        if (node === null) return;
        this.end(`${node} paused`, r.t);
        return this.begin(`${node} down`, 'down', r.t, r.kind === 'crash' ? 'crashed' : 'died', [node]);
      case 'restart':
      case 'node-ready':
        if (node !== null) this.end(`${node} down`, r.t);
        return;
      case 'pause':
        if (node !== null) this.begin(`${node} paused`, 'paused', r.t, 'paused', [node]);
        return;
      case 'resume':
        if (node !== null) this.end(`${node} paused`, r.t);
        return;
      case 'link-rule':
        return this.linkRule(r);
      case 'time-scale': {
        const s = num(r, 'scale');
        if (s === null || s === 1) this.end('slow motion', r.t);
        else this.begin('slow motion', 'slow', r.t, `${s}×`, []);
        return;
      }
      case 'cluster-created':
        // A new run starts clean: whatever was in force ended with the old cluster.
        for (const lane of [...this.open.keys()]) this.end(lane, r.t);
        this.links.clear();
        return;
      default:
        return;
    }
  }

  private partition(r: RunLogRecord): void {
    const groups = Array.isArray(r.groups) ? r.groups.filter(Array.isArray) : [];
    if (groups.length <= 1) return this.end('partition', r.t);
    const label = groups.map((g) => (g as unknown[]).join(' ')).join(' | ');
    const nodes = groups.flat().filter((x): x is string => typeof x === 'string');
    this.begin('partition', 'partition', r.t, label, nodes);
  }

  private linkRule(r: RunLogRecord): void {
    const from = str(r, 'from');
    const to = str(r, 'to');
    if (from === null || to === null) return;
    const dirs = r.both === true ? [`${from}>${to}`, `${to}>${from}`] : [`${from}>${to}`];
    for (const k of dirs) {
      const cur = this.links.get(k) ?? CLEAN;
      this.links.set(k, {
        blocked: typeof r.blocked === 'boolean' ? r.blocked : cur.blocked,
        latencyMs: num(r, 'latencyMs') ?? cur.latencyMs,
        jitterMs: num(r, 'jitterMs') ?? cur.jitterMs,
        loss: num(r, 'loss') ?? cur.loss,
        duplicate: num(r, 'duplicate') ?? cur.duplicate,
        bandwidth: num(r, 'bandwidth') ?? cur.bandwidth,
      });
    }
    // One lane per pair of nodes: both directions of a link are one place on the screen.
    const [a, b] = from < to ? [from, to] : [to, from];
    const ab = ruleWords(this.links.get(`${a}>${b}`) ?? CLEAN);
    const ba = ruleWords(this.links.get(`${b}>${a}`) ?? CLEAN);
    const lane = `link ${a}↔${b}`;
    if (ab === '' && ba === '') return this.end(lane, r.t);
    const label = ab === ba ? ab : [ab && `${a}→${b} ${ab}`, ba && `${b}→${a} ${ba}`].filter(Boolean).join('; ');
    this.begin(lane, 'link', r.t, label, [a, b]);
  }

  /** overlapping returns the periods in force at some time in [fromNs, toNs]. */
  overlapping(fromNs: number, toNs: number): FaultPeriod[] {
    const out: FaultPeriod[] = [];
    for (let i = 0; i < this.periods.size; i++) {
      const p = this.periods.at(i)!;
      if (p.start > toNs) break;
      if ((p.end ?? Infinity) >= fromNs) out.push(p);
    }
    return out;
  }
}

/** faultPeriods folds a list of records into fault periods (a saved run, a test). */
export function faultPeriods(records: Iterable<RunLogRecord>): FaultPeriod[] {
  const log = new FaultLog();
  for (const r of records) log.add(r);
  return log.periods.toArray();
}
