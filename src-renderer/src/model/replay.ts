/**
 * Rebuilding what the cluster looked like at a moment of a saved run, from its run log
 * alone (no live cluster): node status and role, term, commit index, partition groups
 * and link rules. The topology, timeline and charts draw this view while replaying.
 */
import type { ClusterNode, ClusterView, LinkRule, RunLogRecord, SavedRun } from '../../../src-main/api/contract';
import { clusterLeader } from '../../../src-main/api/leader';
import { validateSavedRun as checkSavedRun } from '../../../src-main/api/saved-run';
import type { Role } from '../../../src-main/core/types';
import { num, str } from './records';

const ROLES: readonly Role[] = ['follower', 'candidate', 'precandidate', 'leader', 'learner'];

function freshNode(id: string): ClusterNode {
  return {
    id,
    status: 'up',
    role: 'follower',
    term: 0,
    commitIndex: 0,
    lastApplied: 0,
    lastIndex: 0,
    leader: null,
    vote: null,
    pid: null,
    damaged: false,
    served: 0,
    inflight: 0,
    weight: 1,
  };
}

/** nodeIdsOf lists a saved run's members: n1..nN from its settings, plus any the log names. */
export function nodeIdsOf(run: SavedRun): string[] {
  const n = Number.isSafeInteger(run.settings.nodes) ? Math.min(Math.max(run.settings.nodes, 0), 99) : 0;
  const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  return ids;
}

function isGroups(x: unknown): x is string[][] {
  return Array.isArray(x) && x.every((g) => Array.isArray(g) && g.every((id) => typeof id === 'string'));
}

/** applyRecord folds one record into a view (mutating it). Unknown kinds change nothing. */
export function applyRecord(view: ClusterView, r: RunLogRecord): void {
  const all = view.nodes.map((n) => n.id);
  const id = str(r, 'node');
  const node = id === null ? undefined : view.nodes.find((n) => n.id === id);
  switch (r.kind) {
    case 'crash':
    case 'node-died':
    case 'node-exit':
      if (node) {
        node.status = 'down';
        node.role = null;
        node.leader = null;
      }
      return;
    case 'restart':
    case 'node-ready':
      if (node && node.status === 'down') {
        node.status = 'up';
        node.role = 'follower';
      }
      return;
    case 'pause':
      if (node) node.status = 'paused';
      return;
    case 'resume':
      if (node) node.status = 'up';
      return;
    case 'partition':
      if (isGroups(r.groups)) view.groups = r.groups.map((g) => [...g]);
      return;
    case 'heal':
      view.groups = [all];
      view.links = [];
      return;
    case 'link-rule':
      applyLink(view, r);
      return;
    case 'time-scale': {
      const s = num(r, 'scale');
      if (s !== null) view.timeScale = s;
      return;
    }
    case 'node-added':
      // A node that joined while the run went on: it appears as the lab started it, a learner-to-be.
      if (id !== null && !node && /^n[1-9][0-9]?$/.test(id)) {
        view.nodes.push({ ...freshNode(id), role: 'learner' });
        const last = view.groups[view.groups.length - 1];
        if (last) last.push(id);
      }
      return;
    case 'member-removed':
      if (node) {
        view.nodes = view.nodes.filter((n) => n.id !== id);
        view.groups = view.groups.map((g) => g.filter((x) => x !== id)).filter((g) => g.length > 0);
      }
      return;
    default:
      break;
  }
  // State records (role, term, commit, status …): take whichever fields they carry.
  if (!node) return;
  const role = str(r, 'role');
  if (r.kind === 'role' && role !== null && (ROLES as readonly string[]).includes(role)) node.role = role as Role;
  const term = num(r, 'term');
  if (term !== null) node.term = term;
  const commit = num(r, 'commitIndex') ?? num(r, 'commit');
  if (commit !== null) node.commitIndex = commit;
  const applied = num(r, 'lastApplied');
  if (applied !== null) node.lastApplied = applied;
  const last = num(r, 'lastIndex');
  if (last !== null) node.lastIndex = last;
  if (r.kind === 'leader' && (typeof r.leader === 'string' || r.leader === null)) node.leader = r.leader;
  if (r.kind === 'role' && role === 'leader') node.leader = node.id;
}

function applyLink(view: ClusterView, r: RunLogRecord): void {
  const from = str(r, 'from');
  const to = str(r, 'to');
  if (from === null || to === null) return;
  const dirs: [string, string][] =
    r.both === true
      ? [
          [from, to],
          [to, from],
        ]
      : [[from, to]];
  for (const [a, b] of dirs) {
    // Like the router: fields the record does not carry keep their current value.
    const cur = view.links.find((l) => l.from === a && l.to === b);
    const rule: LinkRule = {
      from: a,
      to: b,
      latencyMs: num(r, 'latencyMs') ?? cur?.latencyMs ?? 0,
      jitterMs: num(r, 'jitterMs') ?? cur?.jitterMs ?? 0,
      loss: num(r, 'loss') ?? cur?.loss ?? 0,
      duplicate: num(r, 'duplicate') ?? cur?.duplicate ?? 0,
      blocked: typeof r.blocked === 'boolean' ? r.blocked : (cur?.blocked ?? false),
      bandwidth: num(r, 'bandwidth') ?? cur?.bandwidth ?? 0,
    };
    view.links = view.links.filter((l) => !(l.from === a && l.to === b));
    const clean =
      !rule.blocked && rule.latencyMs === 0 && rule.loss === 0 && rule.duplicate === 0 && rule.bandwidth === 0;
    if (!clean) view.links.push(rule);
  }
}

/** emptyView is a run's cluster before its first record. */
function emptyView(run: SavedRun): ClusterView {
  const ids = nodeIdsOf(run);
  return {
    protocol: run.settings.protocol,
    settings: run.settings,
    nodes: ids.map(freshNode),
    links: [],
    groups: [ids],
    balance: { algorithm: 'leader-only', weights: {} },
    timeScale: 1,
    runStartedAt: 0,
    leader: null,
  };
}

/** viewAt rebuilds the cluster as it was at run time `tNs` (records must be in seq order). */
export function viewAt(run: SavedRun, tNs: number): ClusterView {
  const view = emptyView(run);
  for (const r of run.log) {
    if (r.t > tNs) break;
    applyRecord(view, r);
  }
  return finishView(view);
}

/** finishView derives what a live view carries but the log does not record: the leader and the partition's cuts. */
function finishView(view: ClusterView): ClusterView {
  // Decided like the live lab's views, from the rebuilt nodes and groups.
  view.leader = clusterLeader(view);
  view.links = withPartitionCuts(view.links, view.groups);
  return view;
}

/**
 * withPartitionCuts adds the links a partition cuts, as the lab's router lists them
 * (blocked, keeping any other rule of the link), so a replayed partition reads like a
 * live one: the log records the groups, not each cut.
 */
export function withPartitionCuts(links: readonly LinkRule[], groups: readonly string[][]): LinkRule[] {
  const out = links.map((l) => ({ ...l }));
  for (const [i, g] of groups.entries())
    for (const [j, h] of groups.entries()) {
      if (i === j) continue;
      for (const from of g)
        for (const to of h) {
          const cur = out.find((l) => l.from === from && l.to === to);
          if (cur) cur.blocked = true;
          else out.push({ from, to, latencyMs: 0, jitterMs: 0, loss: 0, duplicate: 0, blocked: true });
        }
    }
  return out;
}

/** countUntil returns how many records of the log are at or before tNs (binary search; log is sorted by t). */
export function countUntil(log: readonly RunLogRecord[], tNs: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (log[mid]!.t <= tNs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** recordsUntil returns the prefix of the log at or before tNs. */
export function recordsUntil(log: readonly RunLogRecord[], tNs: number): RunLogRecord[] {
  return log.slice(0, countUntil(log, tNs));
}

/** CHECKPOINT_EVERY: records between two saved views of a ReplayIndex. */
export const CHECKPOINT_EVERY = 2000;

/**
 * ReplayIndex answers viewAt for a saved run in O(CHECKPOINT_EVERY) instead of O(log):
 * it keeps the rebuilt view every CHECKPOINT_EVERY records, and a seek starts from the
 * nearest one before the cursor (scrubbing and playing a 1,000,000-record run stay smooth).
 */
export class ReplayIndex {
  private checkpoints: ClusterView[] = [];

  constructor(private readonly run: SavedRun) {
    const view = emptyView(run);
    run.log.forEach((r, i) => {
      if (i % CHECKPOINT_EVERY === 0) this.checkpoints.push(structuredClone(view));
      applyRecord(view, r);
    });
  }

  /** viewAt rebuilds the cluster as it was at run time tNs. */
  viewAt(tNs: number): ClusterView {
    const n = countUntil(this.run.log, tNs);
    const k = Math.min(Math.floor(n / CHECKPOINT_EVERY), this.checkpoints.length - 1);
    if (k < 0) return viewAt(this.run, tNs);
    const view = structuredClone(this.checkpoints[k]!);
    for (let i = k * CHECKPOINT_EVERY; i < n; i++) applyRecord(view, this.run.log[i]!);
    return finishView(view);
  }
}

/**
 * validateSavedRun checks a run before the UI trusts it (the lab's schema: every record
 * and history op, each bounded in depth), then puts the log in time order.
 */
export function validateSavedRun(x: unknown): SavedRun | string {
  const v = checkSavedRun(x);
  if (!v.ok) return v.error;
  v.value.log.sort((a, b) => a.t - b.t || a.seq - b.seq);
  return v.value;
}
