/**
 * churnPlan draws a storm of faults from a seeded Rng: crashes and restarts, pauses and
 * resumes, partitions and heals, at exponential gaps over `ms`. The plan is plain data
 * (printed by the runner, so a run says what it did) and never takes more than a minority
 * of the nodes down or frozen at once, so the cluster can still make progress between
 * blows. Everything it does is undone by its end. Pure.
 */
import type { NodeId, Rng } from '../core/types';
import type { ChurnFields } from './types';

/** ChurnEvent is one blow of the storm at time `at` (ms from the step's start). */
export type ChurnEvent =
  | { at: number; what: 'crash' | 'restart' | 'pause' | 'resume'; node: NodeId }
  | { at: number; what: 'partition'; groups: NodeId[][] }
  | { at: number; what: 'heal' };

function exponential(rng: Rng, mean: number): number {
  return -Math.log(1 - rng.next()) * mean;
}

/** churnPlan draws the storm for nodes `ids` (see the file comment). */
export function churnPlan(rng: Rng, ids: readonly NodeId[], f: ChurnFields): ChurnEvent[] {
  const gap = f.meanGapMs ?? Math.max(50, Math.round(f.ms / 10));
  const kinds = [
    ...(f.crash !== false ? ['crash'] : []),
    ...(f.pause !== false ? ['pause'] : []),
    ...(f.partition !== false && ids.length > 1 ? ['partition'] : []),
  ];
  const out: ChurnEvent[] = [];
  if (kinds.length === 0) return out;
  const minority = Math.floor((ids.length - 1) / 2);
  // out of service until: node → time its crash or pause ends.
  const busy = new Map<NodeId, number>();
  let partitionedUntil = -1;
  for (let t = exponential(rng, gap); t < f.ms; t += exponential(rng, gap)) {
    for (const [id, until] of busy) if (until <= t) busy.delete(id);
    const kind = kinds[rng.int(0, kinds.length - 1)]!;
    const free = ids.filter((id) => !busy.has(id));
    const len = Math.min(f.ms - t, gap * (0.5 + rng.next() * 2));
    if (kind === 'partition') {
      if (t < partitionedUntil) continue;
      out.push({ at: t, what: 'partition', groups: randomGroups(rng, ids) });
      out.push({ at: t + len, what: 'heal' });
      partitionedUntil = t + len;
    } else if (busy.size < minority && free.length > 0) {
      const node = free[rng.int(0, free.length - 1)]!;
      out.push({ at: t, what: kind === 'crash' ? 'crash' : 'pause', node });
      out.push({ at: t + len, what: kind === 'crash' ? 'restart' : 'resume', node });
      busy.set(node, t + len);
    }
  }
  return out
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at - b.e.at || a.i - b.i)
    .map((x) => x.e);
}

function randomGroups(rng: Rng, ids: readonly NodeId[]): NodeId[][] {
  const order = ids.slice();
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const k = 1 + rng.int(0, Math.max(0, Math.floor(ids.length / 2) - 1));
  return [order.slice(0, k).sort(), order.slice(k).sort()];
}

/** describeChurn says one event in words. */
export function describeChurn(e: ChurnEvent): string {
  const at = `${Math.round(e.at)} ms`;
  if (e.what === 'partition') return `${at}: partition ${e.groups.map((g) => `{${g.join(',')}}`).join(' | ')}`;
  if (e.what === 'heal') return `${at}: heal`;
  return `${at}: ${e.what} ${e.node}`;
}
