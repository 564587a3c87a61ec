/**
 * Raft on the core tests' in-memory network (test/core/network.ts), and helpers that
 * drive a lone RaftNode restored from a given log.
 */
import { RaftNode, type RaftMessage } from '../../../src-main/core/raft';
import { seededRng, type Entry, type NodeId } from '../../../src-main/core/types';
import { Network, type NetOptions } from '../network';

/** RaftNetwork is a Network of RaftNodes; every (re)started core draws from the next seed. */
export class RaftNetwork extends Network<RaftNode, RaftMessage> {
  constructor(ids: NodeId[], opts: NetOptions = {}) {
    let seed = opts.seed ?? 1;
    super(ids, { protocol: 'raft', create: (cfg) => new RaftNode(cfg), rngFor: () => seededRng(seed++) }, opts);
  }
}

/** logOf builds entries 1..n with the given terms (normal entries carrying "i@t"). */
export function logOf(terms: number[]): Entry[] {
  return terms.map((term, i) => ({ index: i + 1, term, type: 'normal' as const, data: `${i + 1}@${term}` }));
}

/** nodeWithLog builds a RaftNode restored from a disk holding exactly this log and hard state. */
export function nodeWithLog(
  id: NodeId,
  peers: NodeId[],
  terms: number[],
  hard: { term: number; vote?: NodeId | null; commit?: number },
  opts: NetOptions = {},
): RaftNode {
  const net = new RaftNetwork([], opts);
  const restore = {
    hardState: { term: hard.term, vote: hard.vote ?? null, commit: hard.commit ?? 0 },
    snapshot: null,
    entries: logOf(terms),
  };
  const n = new RaftNode(net.config(id, peers, restore));
  // Drain the restart Ready (committed entries to re-apply) so tests see only what their step causes.
  n.advance(n.ready());
  return n;
}

/** drain returns every message of one Ready (both kinds) and advances it. */
export function drain(n: RaftNode): RaftMessage[] {
  const out: RaftMessage[] = [];
  while (n.hasReady()) {
    const rd = n.ready();
    out.push(...rd.messages, ...rd.messagesAfterPersist);
    n.advance(rd);
  }
  return out;
}
