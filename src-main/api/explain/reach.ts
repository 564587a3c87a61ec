/**
 * Who a leader can reach, from a cluster view: a voter counts toward the leader's quorum
 * only if it runs (not down, not paused) and messages get through both ways (appends out,
 * acknowledgements back) — no partition between them, no blocked link either way.
 */
import type { NodeId } from '../../core/types';
import { partitionText } from '../quorum';
import type { ExplainView } from './types';

/** linkProblem says why messages from `from` to `to` cannot pass (null: they can), or a warning when they may be lost. */
export function linkProblem(view: ExplainView, from: NodeId, to: NodeId): { cut: boolean; why: string } | null {
  const group = (id: NodeId): number => view.groups.findIndex((g) => g.includes(id));
  const a = group(from);
  const b = group(to);
  if (a !== -1 && b !== -1 && a !== b)
    return { cut: true, why: `cut off by the ${partitionText(view) ?? 'partition'}` };
  const rule = view.links.find((l) => l.from === from && l.to === to);
  if (rule?.blocked) return { cut: true, why: `link ${from}→${to} is blocked` };
  if (rule && rule.loss > 0) return { cut: false, why: `link ${from}→${to} loses ${Math.round(rule.loss * 100)}%` };
  return null;
}

/** reachProblem says why `leader` cannot count on `node` (down, paused, cut either way), or null when it can. */
export function reachProblem(view: ExplainView, leader: NodeId, node: NodeId): string | null {
  if (node === leader) return null;
  const n = view.nodes.find((x) => x.id === node);
  if (!n || n.status === 'down') return 'down';
  if (n.status === 'paused') return 'paused';
  const out = linkProblem(view, leader, node);
  if (out?.cut) return out.why;
  const back = linkProblem(view, node, leader);
  if (back?.cut) return `${back.why}, so its acknowledgements never reach ${leader}`;
  return null;
}

/** Reach is what a leader reaches among `voters`. */
export interface Reach {
  reachable: NodeId[];
  unreachable: { node: NodeId; why: string }[];
  /** lossy: links that get through but lose messages. */
  lossy: string[];
}

/** reachOf lists which voters `leader` reaches both ways (itself included) and why the others are out. */
export function reachOf(view: ExplainView, leader: NodeId, voters: readonly NodeId[]): Reach {
  const out: Reach = { reachable: [], unreachable: [], lossy: [] };
  for (const v of voters) {
    const why = reachProblem(view, leader, v);
    if (why === null) out.reachable.push(v);
    else out.unreachable.push({ node: v, why });
    if (v === leader || why !== null) continue;
    for (const p of [linkProblem(view, leader, v), linkProblem(view, v, leader)]) if (p) out.lossy.push(p.why);
  }
  return out;
}
