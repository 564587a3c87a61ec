/**
 * Multi-Paxos on the core tests' in-memory network (test/core/network.ts): messages take
 * one tick by default (minDelay/maxDelay make them reorder), check-quorum is on, and each
 * incarnation of a core gets its own random stream so restarts do not replay timeouts.
 */
import { PaxosNode, type PaxosMessage } from '../../../src-main/core/paxos';
import { seededRng } from '../../../src-main/core/types';
import { Network, type Member, type NetOptions } from '../network';

/** PaxosMember is one member of a PaxosNetwork. */
export type PaxosMember = Member<PaxosNode, PaxosMessage>;

/** PaxosNetwork is a Network of n PaxosNodes, n1 … nN. */
export class PaxosNetwork extends Network<PaxosNode, PaxosMessage> {
  constructor(n: number, opts: NetOptions = {}) {
    super(
      Array.from({ length: n }, (_, i) => `n${i + 1}`),
      {
        protocol: 'paxos',
        create: (cfg) => new PaxosNode(cfg),
        rngFor: (id, net) => seededRng(net.opts.seed * 7919 + net.ids.indexOf(id) * 104729 + net.now),
      },
      { heartbeatTicks: 2, maxInflight: 8, maxEntriesPerMsg: 16, checkQuorum: true, minDelay: 1, maxDelay: 1, ...opts },
    );
  }
}
