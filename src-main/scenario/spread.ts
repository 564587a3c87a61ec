/**
 * spreadLines: how a balancer spread n requests over weighted nodes, as a table row per
 * algorithm and a check of what the algorithm promises — round robin: equal shares (±1);
 * smooth weighted round robin: each node within one request of its weighted share; random
 * weighted: each share within four standard deviations of its expectation (a binomial
 * count), which a seeded run meets except by a 1-in-15,000 accident it would then repeat
 * every time. Other algorithms are only shown. Pure.
 */
import type { BalanceAlgorithm } from '../core/balance/types';
import type { NodeId } from '../core/types';

/** spreadLines returns the table lines for one algorithm's counts and its check (null: nothing promised). */
export function spreadLines(
  alg: BalanceAlgorithm,
  weights: Record<NodeId, number>,
  n: number,
  counts: Record<NodeId, number>,
): { lines: string[]; check: { name: string; ok: boolean; detail: string } | null } {
  const ids = Object.keys(weights).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  const total = ids.reduce((s, id) => s + (weights[id] ?? 0), 0);
  const cells = ids.map((id) => {
    const c = counts[id] ?? 0;
    return `${id}=${c} (${((100 * c) / n).toFixed(1)}%)`;
  });
  const lines = [`${alg.padEnd(21)} ${String(n).padStart(4)} requests: ${cells.join('  ')}`];
  const expected = (id: NodeId): number =>
    alg === 'round-robin' ? n / ids.length : total > 0 ? (n * (weights[id] ?? 0)) / total : n / ids.length;
  let slack: (id: NodeId) => number;
  switch (alg) {
    case 'round-robin':
    case 'weighted-round-robin':
      slack = () => 1;
      break;
    case 'random-weighted':
      slack = (id) => {
        const p = expected(id) / n;
        return 4 * Math.sqrt(n * p * (1 - p)) + 1;
      };
      break;
    default:
      return { lines, check: null };
  }
  const off = ids.filter((id) => Math.abs((counts[id] ?? 0) - expected(id)) > slack(id));
  const shares = ids.map((id) => `${id} ${counts[id] ?? 0}/${expected(id).toFixed(1)}`).join(', ');
  return {
    lines,
    check: {
      name: `${alg} spreads ${n} requests as it promises`,
      ok: off.length === 0,
      detail: off.length === 0 ? `got/expected: ${shares}` : `off: ${off.join(', ')} (got/expected: ${shares})`,
    },
  };
}
