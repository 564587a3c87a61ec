/**
 * What the console's answers were true of. An answer describes the cluster as it was when
 * it came back — `shards` under configuration 2 names g3's leader n11 — and stays in the
 * scrollback after the cluster has moved on (configuration 3, g3 now led by n12). Each
 * console entry is stamped with its Epoch (the shard controller's configuration, and each
 * group's leader and term); an entry that read state (answersState) whose epoch is not the
 * current one is marked "as of …" and dimmed, so old state is never read as current. Pure.
 */
import type { ClusterView } from '../../../src-main/api/contract';
import { groupHealth } from './shard-groups';
import { termOf, wordsOf } from './protocol-words';

/** GroupLead is one group's leader and its term (group '' is the whole cluster of an unsharded lab). */
export interface GroupLead {
  group: string;
  leader: string | null;
  term: number | null;
}

/** Epoch is the state an answer was read in: the shard configuration (null: not sharded or unknown) and the leaders. */
export interface Epoch {
  config: number | null;
  leads: GroupLead[];
  /** paxos: a Multi-Paxos cluster's, whose leaders lead ballots ("ballot 3.n2"), not terms. */
  paxos?: boolean;
}

/** epochOf is the current epoch of `view` (`config`: the shard map's configuration number, null if none); null without a view. */
export function epochOf(view: ClusterView | null, config: number | null): Epoch | null {
  if (!view) return null;
  const gs = groupHealth(view);
  const paxos = view.protocol === 'paxos' ? { paxos: true } : {};
  if (gs) return { config, leads: gs.map((g) => ({ group: g.label, leader: g.leader, term: g.term })), ...paxos };
  const leader = view.nodes.find((n) => n.id === view.leader) ?? null;
  return { config: null, leads: [{ group: '', leader: leader?.id ?? null, term: leader?.term ?? null }], ...paxos };
}

/** termText writes an epoch's term: "term 4", or a Multi-Paxos cluster's "ballot 3.n2". */
const termText = (e: Epoch, term: number): string => termOf(wordsOf(e.paxos ? 'paxos' : 'raft'), term);

const leadText = (e: Epoch, l: GroupLead): string =>
  `${l.group === '' ? '' : `${l.group} `}${l.leader === null ? 'no leader' : `leader ${l.leader}`}${l.term === null ? '' : ` (${termText(e, l.term)})`}`;

/**
 * STATE_READERS are the console commands whose answer reports the cluster's state as it was
 * (a value read, the shard map, a node's log, a verdict, an explanation): such an answer can
 * go out of date. A write's or an action's answer ("put a 1 → OK", "n2 crashed") says what
 * happened, which stays true: stamped "as of term 1; now term 2" it read as if the write
 * might be lost.
 */
const STATE_READERS = new Set(['get', 'shards', 'inspect', 'why', 'check', 'history']);

/** answersState says whether the console line `input` asks for state (its answer may go stale: STATE_READERS). */
export function answersState(input: string): boolean {
  return STATE_READERS.has(input.trim().split(/\s+/, 1)[0]?.toLowerCase() ?? '');
}

/** epochText names an epoch briefly: "configuration 2", "term 4", or "no leader". */
export function epochText(e: Epoch): string {
  if (e.config !== null) return `configuration ${e.config}`;
  const l = e.leads[0];
  if (!l || l.leader === null) return 'no leader';
  return l.term === null ? `leader ${l.leader}` : termText(e, l.term);
}

/**
 * staleText says how `then` differs from `now` — "as of configuration 2; now configuration
 * 3, g3 leader n12 (term 5)" — or null when nothing an answer could report has changed
 * (or either is unknown).
 */
export function staleText(then: Epoch | null, now: Epoch | null): string | null {
  if (!then || !now) return null;
  const changes: string[] = [];
  if (then.config !== null && now.config !== null && then.config !== now.config)
    changes.push(`configuration ${now.config}`);
  for (const l of now.leads) {
    const before = then.leads.find((x) => x.group === l.group);
    if (!before) continue;
    if (before.leader !== l.leader || before.term !== l.term) changes.push(leadText(now, l));
  }
  return changes.length === 0 ? null : `as of ${epochText(then)}; now ${changes.join(', ')}`;
}
