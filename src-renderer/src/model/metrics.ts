/**
 * Throughput and latency over time, and the fault periods the charts shade, computed
 * from run-log records (the live window or a saved run up to the replay cursor).
 */
import type { RunLogRecord } from '../../../src-main/api/contract';
import { num, str } from './records';

/** Bucket is one time slice of the charts. */
export interface Bucket {
  /** t: start of the slice, ns since the run began. */
  t: number;
  ok: number;
  failed: number;
  p50: number | null;
  p99: number | null;
}

/** FaultPeriod is a span during which a fault was in force (end null = still is). */
export interface FaultPeriod {
  start: number;
  end: number | null;
  label: string;
}

/** clientLatencyMs returns a completed client operation's latency (a client-complete record), or null. */
export function clientLatencyMs(r: RunLogRecord): number | null {
  if (r.kind !== 'client-complete') return null;
  return num(r, 'latencyMs');
}

/** isOk: the operation took effect (Jepsen type ok; fail and info are not). */
function isOk(r: RunLogRecord): boolean {
  return str(r, 'type') === 'ok';
}

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.floor(q * sorted.length));
  return sorted[i]!;
}

/** buckets slices client completions into `bucketNs` slices from the first to `untilNs`. */
export function buckets(
  records: readonly RunLogRecord[],
  bucketNs: number,
  untilNs: number,
  maxBuckets = 120,
): Bucket[] {
  const startNs = Math.max(0, untilNs - bucketNs * maxBuckets);
  const n = Math.max(1, Math.ceil((untilNs - startNs) / bucketNs));
  const lat: number[][] = Array.from({ length: n }, () => []);
  const failed = new Array<number>(n).fill(0);
  for (const r of records) {
    if (r.t < startNs || r.t > untilNs) continue;
    const l = clientLatencyMs(r);
    if (l === null) continue;
    const i = Math.min(n - 1, Math.floor((r.t - startNs) / bucketNs));
    if (isOk(r)) lat[i]!.push(l);
    else failed[i]!++;
  }
  return lat.map((ls, i) => {
    ls.sort((a, b) => a - b);
    return {
      t: startNs + i * bucketNs,
      ok: ls.length,
      failed: failed[i]!,
      p50: quantile(ls, 0.5),
      p99: quantile(ls, 0.99),
    };
  });
}

/** faultPeriods pairs fault records with what ended them: partition→heal, crash→restart, pause→resume, link→heal. */
export function faultPeriods(records: readonly RunLogRecord[]): FaultPeriod[] {
  const out: FaultPeriod[] = [];
  const open = new Map<string, FaultPeriod>();
  const begin = (key: string, t: number, label: string): void => {
    if (open.has(key)) return;
    const p = { start: t, end: null, label };
    open.set(key, p);
    out.push(p);
  };
  const end = (key: string, t: number): void => {
    const p = open.get(key);
    if (p) p.end = t;
    open.delete(key);
  };
  for (const r of records) {
    const node = str(r, 'node');
    switch (r.kind) {
      case 'partition': {
        const groups = Array.isArray(r.groups) ? r.groups : [];
        if (groups.length > 1) begin('partition', r.t, 'partition');
        else end('partition', r.t);
        break;
      }
      case 'heal':
        end('partition', r.t);
        for (const k of [...open.keys()]) if (k.startsWith('link:')) end(k, r.t);
        break;
      case 'crash':
      case 'node-died':
        if (node) begin(`down:${node}`, r.t, `${node} down`);
        break;
      case 'restart':
        if (node) end(`down:${node}`, r.t);
        break;
      case 'pause':
        if (node) begin(`paused:${node}`, r.t, `${node} paused`);
        break;
      case 'resume':
        if (node) end(`paused:${node}`, r.t);
        break;
      case 'link-rule': {
        const key = `link:${str(r, 'from')}->${str(r, 'to')}`;
        // A rule record holds only the fields the user set; 0 / false in all of them means "clean".
        const clean = r.blocked !== true && !num(r, 'latencyMs') && !num(r, 'loss') && !num(r, 'duplicate');
        if (clean) end(key, r.t);
        else begin(key, r.t, `link ${str(r, 'from')}→${str(r, 'to')}`);
        break;
      }
      default:
        break;
    }
  }
  return out;
}
