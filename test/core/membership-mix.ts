/**
 * A random mix of faults and membership changes for either core on the in-memory network:
 * proposals, single-server changes (add a spare as learner, promote it, remove a voter or
 * the leader itself), crashes and restarts, isolations and heals. It records what a run
 * must never show — two leaders in one term (or ballot), or a slot applied with two
 * values (the network's own `violations`) — and how many changes were chosen.
 */
import type { ConfChange, MessageBase, NodeId, ProtocolNode } from '../../src-main/core/types';
import type { Network } from './network';

/** MixResult is what one run saw. */
export interface MixResult {
  violations: string[];
  /** changes: configuration entries applied by some node, by type. */
  changes: Map<string, number>;
}

function leaderAmong<N extends ProtocolNode<M>, M extends MessageBase>(
  net: Network<N, M>,
  ids: NodeId[],
): NodeId | null {
  let best: { id: NodeId; term: number } | null = null;
  for (const id of ids) {
    const m = net.member(id);
    const s = m.up ? m.node.status() : null;
    if (s?.role === 'leader' && (!best || s.term > best.term)) best = { id, term: s.term };
  }
  return best?.id ?? null;
}

/** pickChange chooses a single-server change the leader's configuration allows. */
function pickChange(c: { voters: NodeId[]; learners: NodeId[] }, all: NodeId[], lead: NodeId, r: number): ConfChange {
  const learner = c.learners[0];
  if (learner !== undefined) return { type: 'promote', node: learner };
  const outsider = all.find((id) => !c.voters.includes(id) && !c.learners.includes(id));
  if (outsider !== undefined && (c.voters.length <= 3 || r < 0.5)) return { type: 'addLearner', node: outsider };
  return { type: 'remove', node: r < 0.3 ? lead : c.voters[Math.floor(r * c.voters.length)]! };
}

/**
 * runMix drives `steps` random actions on `net` (whose first members are `first`; `spares`
 * were added with `first` as their peers), then heals, restarts everyone and settles.
 */
export function runMix<N extends ProtocolNode<M>, M extends MessageBase>(
  net: Network<N, M>,
  first: NodeId[],
  spares: NodeId[],
  steps = 60,
): MixResult {
  const all = [...first, ...spares];
  const leaderOf = new Map<number, NodeId>();
  const violations: string[] = [];
  const watch = (): void => {
    for (const id of all) {
      const m = net.member(id);
      const s = m.up ? m.node.status() : null;
      if (s?.role !== 'leader') continue;
      const prev = leaderOf.get(s.term);
      if (prev !== undefined && prev !== id) violations.push(`two leaders in term ${s.term}: ${prev} and ${id}`);
      leaderOf.set(s.term, id);
    }
  };
  let k = 0;
  for (let step = 0; step < steps; step++) {
    const r = net.rng.next();
    const lead = leaderAmong(net, all);
    if (lead && r < 0.5) {
      net.node(lead).propose(`v${k++}`);
      net.process(lead);
    } else if (lead && r < 0.7) {
      const cc = pickChange(net.node(lead).status().conf, all, lead, net.rng.next());
      if (net.node(lead).checkConfChange?.(cc) === null) net.node(lead).proposeConfChange(cc);
      net.process(lead);
    } else if (r < 0.8) {
      const victim = all[net.rng.int(0, all.length - 1)]!;
      if (net.member(victim).up) net.crash(victim);
      else net.restart(victim, first);
    } else if (r < 0.9) net.isolate(all[net.rng.int(0, all.length - 1)]!);
    else net.recover();
    for (let t = net.rng.int(1, 6); t > 0; t--) {
      net.tick(1, all);
      watch();
    }
  }
  net.recover();
  for (const id of all) if (!net.member(id).up) net.restart(id, first);
  for (let t = 0; t < 200; t++) {
    net.tick(1, all);
    watch();
  }
  const changes = new Map<string, number>();
  for (const v of net.chosen.values()) {
    const m = /^config:.*"type":"(\w+)"/.exec(v);
    if (m) changes.set(m[1]!, (changes.get(m[1]!) ?? 0) + 1);
  }
  return { violations: [...violations, ...net.violations], changes };
}
