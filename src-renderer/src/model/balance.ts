/**
 * Requests per node per second, derived from the gateway's `served` counters in successive
 * ClusterViews. The lab restarts the counters when the algorithm changes, so a drop in a
 * counter means "restarted from zero", not negative traffic.
 */
import { BALANCE_ALGORITHMS, type BalanceAlgorithm } from '../../../src-main/core/balance/types';

/** ServedSample is the served counters of every node at one moment (ms). */
export interface ServedSample {
  t: number;
  served: Record<string, number>;
}

/** WEIGHTED_ALGORITHMS are the algorithms that use per-node weights. */
export const WEIGHTED_ALGORITHMS: readonly BalanceAlgorithm[] = ['weighted-round-robin', 'random-weighted'];

/** MAX_WEIGHT is the largest weight the lab accepts (POST /api/balance). */
export const MAX_WEIGHT = 1000;

/** isBalanceAlgorithm tells whether a string names an algorithm of the gateway. */
export function isBalanceAlgorithm(s: string): s is BalanceAlgorithm {
  return (BALANCE_ALGORITHMS as readonly string[]).includes(s);
}

function sameNodes(a: Record<string, number>, b: Record<string, number>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => k in b);
}

/**
 * addSample appends `next` to `samples`, keeping only the last `keepMs`. A counter that went
 * down restarted at zero: a zero sample at the previous moment stands in for the lost
 * history, so the rate right after a restart counts only what came since. A different set of
 * nodes (a new cluster) starts over.
 */
export function addSample(samples: readonly ServedSample[], next: ServedSample, keepMs: number): ServedSample[] {
  const last = samples[samples.length - 1];
  if (last && next.t < last.t) return [...samples];
  let out: ServedSample[];
  if (!last || !sameNodes(last.served, next.served)) out = [];
  else if (Object.entries(next.served).some(([id, n]) => n < (last.served[id] ?? 0))) {
    const zeros = Object.fromEntries(Object.keys(next.served).map((id) => [id, 0]));
    out = [{ t: last.t, served: zeros }];
  } else out = samples.filter((s) => s.t >= next.t - keepMs);
  // Two views in the same millisecond: the later one wins.
  if (out[out.length - 1]?.t === next.t) out.pop();
  out.push(next);
  return out;
}

/**
 * ratesOf returns requests per second per node: from the oldest sample inside the last
 * `windowMs` (or, when there is none, the sample just before the newest) to the newest.
 * Empty when there are fewer than two samples.
 */
export function ratesOf(samples: readonly ServedSample[], windowMs: number): Record<string, number> {
  const latest = samples[samples.length - 1];
  if (!latest || samples.length < 2) return {};
  let base = samples[samples.length - 2]!;
  for (const s of samples) {
    if (s !== latest && s.t >= latest.t - windowMs) {
      base = s;
      break;
    }
  }
  const dt = (latest.t - base.t) / 1000;
  if (dt <= 0) return {};
  const out: Record<string, number> = {};
  for (const [id, n] of Object.entries(latest.served)) out[id] = Math.max(0, n - (base.served[id] ?? 0)) / dt;
  return out;
}

/** parseWeight reads a weight input: a whole number 0..MAX_WEIGHT, or an error text. */
export function parseWeight(id: string, raw: unknown): number | string {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > MAX_WEIGHT) return `weight of ${id} must be a whole number 0–${MAX_WEIGHT}`;
  return n;
}

/** expiresIn says how long until a lock's lease ends, as the lock table shows it. */
export function expiresIn(expiresAt: number, nowMs: number): string {
  const ms = expiresAt - nowMs;
  if (ms <= 0) return 'expired';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/**
 * ShareView is what the Balance panel's share column says: each node's part of the requests
 * served since the algorithm was set, and whether those are requests served now.
 */
export interface ShareView {
  /** cells: per node, its share ("17%"), or "—" when nothing was served. */
  cells: Record<string, string>;
  /**
   * state: `none` — no request served since the algorithm was set; `now` — requests are
   * being served (the rates are above zero); `idle` — none now: the shares are of earlier
   * requests, and the note says so.
   */
  state: 'none' | 'now' | 'idle';
  /** note: the line under the table that says what the shares are of (empty while requests flow). */
  note: string;
}

/** agoText says how long `ms` milliseconds is, for the share note ("12 s", "3 min"). */
function agoText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min` : `${Math.round(m / 60)} h`;
}

/**
 * shareView tells the share column what to show. Shares beside rates of zero would read as
 * the traffic of now; with none now they are shown as what they are — the split of the
 * requests served before (since the algorithm was set, as the panel's legend says), with
 * how long it has been quiet (`nowMs - lastServedAt`; lastServedAt null: not seen since the
 * page opened) — and with none ever, as "no requests yet".
 */
export function shareView(
  nodes: readonly { id: string; served: number }[],
  rates: Readonly<Record<string, number>>,
  lastServedAt: number | null,
  nowMs: number,
): ShareView {
  const total = nodes.reduce((a, n) => a + Math.max(0, n.served), 0);
  if (total === 0)
    return {
      cells: Object.fromEntries(nodes.map((n) => [n.id, '—'])),
      state: 'none',
      note: 'no requests yet since the algorithm was set',
    };
  const cells = Object.fromEntries(nodes.map((n) => [n.id, `${Math.round((Math.max(0, n.served) / total) * 100)}%`]));
  if (nodes.some((n) => (rates[n.id] ?? 0) > 0)) return { cells, state: 'now', note: '' };
  const count = total.toLocaleString('en-US');
  // Under a second ago reads "no requests for 0 s": say only that there are none now.
  const quiet =
    lastServedAt === null || nowMs - lastServedAt < 1000
      ? 'no requests now'
      : `no requests for ${agoText(nowMs - lastServedAt)}`;
  // "of the last 60 requests", not "of the 60 before": a share of a number reads as a share of time.
  return {
    cells,
    state: 'idle',
    note: `${quiet} · shares are of the last ${count} ${total === 1 ? 'request' : 'requests'}`,
  };
}
