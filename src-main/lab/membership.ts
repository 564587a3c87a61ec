/**
 * Membership changes of a running cluster, driven by the lab one at a time: adding a node
 * (a new process on an empty SQLite file that joins as a learner, catches up from the
 * leader's log or snapshot and is promoted to voter once it has), removing one (the
 * leader hands its leadership over first), and leadership transfer. The protocol core
 * does the safe part — a Raft leader takes one single-server change at a time, each in
 * force from the moment its entry is in a log (core/raft/conf.ts); a Multi-Paxos leader
 * proposes nothing past an unchosen configuration (core/paxos) — and this file sequences
 * the steps, waits for each to take effect, and writes every step to the run log.
 *
 * What "took effect" means is read from the nodes' own status reports: a change is done
 * when the leader's configuration reflects it and the leader has committed everything it
 * held at that moment (which includes the configuration entry). Proposals that are lost
 * with a leader are proposed again to the next one; the core refuses a change while an
 * earlier one is unapplied ('busy'), which the lab waits out.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterConfig, MembershipChange, MembershipStep } from '../api/contract';
import type { ConfChange, ConfState, NodeId, NodeStatus } from '../core/types';
import type { NodeConfig } from '../node/contract';
import { believedLeader, type Cluster } from './cluster';
import { writeMembers } from './members-file';
import type { NodeHandle } from './supervisor';

/** MAX_MEMBERS bounds the nodes of a cluster (the API's MAX_NODES). */
export const MAX_MEMBERS = 15;
/** CATCH_UP_SLACK: a learner within this many entries of the leader's commit is caught up (one append's worth). */
export const CATCH_UP_SLACK = 64;
/** POLL_MS is how often a waiting step looks at the nodes' reports again. */
const POLL_MS = 20;

/** MembershipError is a refusal a user caused (status is the HTTP status that fits it). */
export class MembershipError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** MembershipOptions connect the driver to its cluster and the lab. */
export interface MembershipOptions {
  cluster: Cluster;
  /** used: ids a reopened cluster used before (members.json), beside the nodes it runs. */
  used?: readonly NodeId[];
  readyTimeoutMs: number;
  /** timeScale: the lab's slow-motion scale now (deadlines stretch with it). */
  timeScale: () => number;
  /** changed: something a cluster view shows changed. */
  changed: () => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** reflects tells whether configuration c already has change cc in it. */
export function reflects(c: ConfState, cc: ConfChange): boolean {
  switch (cc.type) {
    case 'addLearner':
      return c.learners.includes(cc.node) || c.voters.includes(cc.node);
    case 'promote':
      return c.voters.includes(cc.node);
    case 'remove':
      return !c.voters.includes(cc.node) && !c.learners.includes(cc.node);
  }
}

/** Membership is one cluster's membership driver (see the file comment). */
export class Membership {
  /** pending is the change in flight, shown in every cluster view. */
  pending: MembershipChange | null = null;
  /** used: every id this run has had; ids are never reused (an old file would confuse the new node). */
  private readonly used: Set<NodeId>;
  private closed = false;
  /** first: the cluster's first members (every node's peers). */
  private readonly first: NodeId[];
  /** background: an add's catch-up and promotion, which go on after POST /api/nodes has answered. */
  private background: Promise<void> | null = null;

  constructor(private readonly o: MembershipOptions) {
    this.used = new Set([...(o.used ?? []), ...o.cluster.supervisor.nodes.keys()]);
    this.first = [...(o.cluster.supervisor.nodes.values().next().value?.cfg.peers ?? [])];
  }

  private get c(): Cluster {
    return this.o.cluster;
  }

  /** close stops every wait (the cluster is going away). */
  close(): void {
    this.closed = true;
  }

  /** settled resolves when no change is in flight (tests, teardown). */
  async settled(): Promise<void> {
    await this.background;
  }

  /** config is the configuration in force and the change in flight. */
  config(): ClusterConfig {
    const st = this.reference();
    const conf = st?.conf ?? { voters: [...this.c.supervisor.nodes.keys()], learners: [], votersOutgoing: [] };
    return {
      voters: [...conf.voters],
      learners: [...conf.learners],
      pending: this.pending ? { ...this.pending } : null,
      method: this.c.settings.protocol === 'raft' ? 'single-server' : 'log-window',
    };
  }

  /** reference is the status the configuration is read from: the leader's, else the most advanced running node's. */
  private reference(): NodeStatus | null {
    const lead = believedLeader(this.c.supervisor);
    const hs = [...this.c.supervisor.nodes.values()];
    if (lead) return this.c.supervisor.nodes.get(lead)?.status ?? null;
    let best: NodeStatus | null = null;
    for (const h of hs) {
      const s = h.status;
      if (h.state === 'down' || !s) continue;
      if (!best || s.term > best.term || (s.term === best.term && s.lastIndex > best.lastIndex)) best = s;
    }
    return best;
  }

  // ----- add -----------------------------------------------------------------------------

  /**
   * add starts node `requested` (or the next free id) on an empty file, has the leader add
   * it as a learner, and answers with its id; catching up and the promotion to voter go
   * on in the background (config.pending shows where they are).
   */
  async add(requested?: NodeId): Promise<NodeId> {
    this.refuseIfBusy();
    const sup = this.c.supervisor;
    if (sup.nodes.size >= MAX_MEMBERS) throw new MembershipError(409, `a cluster has at most ${MAX_MEMBERS} nodes`);
    const id = requested ?? this.nextId();
    if (sup.nodes.has(id)) throw new MembershipError(409, `${id} is already a node of this cluster`);
    if (this.used.has(id) || existsSync(join(this.c.runDir, `${id}.sqlite`)))
      throw new MembershipError(409, `${id} was a member of this cluster before: ids are not reused; pick another`);
    const leader = this.needLeader(`add ${id}`);
    this.used.add(id);
    this.begin('add', id, 'starting');
    try {
      await this.startNode(id, leader);
      this.step('adding-learner');
      await this.apply({ type: 'addLearner', node: id });
    } catch (e) {
      this.fail(e);
      await this.forget(id);
      throw e;
    }
    this.step('catching-up');
    this.background = this.finishAdd(id).finally(() => (this.background = null));
    return id;
  }

  private nextId(): NodeId {
    let top = 0;
    for (const id of this.used) top = Math.max(top, Number(/^n(\d+)$/.exec(id)?.[1] ?? 0));
    // A file left by an id used before (in any session of this cluster) is never reused either.
    while (top < 99 && existsSync(join(this.c.runDir, `n${top + 1}.sqlite`))) top++;
    if (top >= 99) throw new MembershipError(409, 'no node ids left (n1 … n99 have all been used in this cluster)');
    return `n${top + 1}`;
  }

  /** startNode starts a joining node process: the first members as its peers, so it is nobody's voter yet. */
  private async startNode(id: NodeId, leader: NodeId): Promise<void> {
    const sup = this.c.supervisor;
    const template = sup.nodes.get(leader)!.cfg;
    const first = template.peers;
    const cfg: NodeConfig = {
      ...template,
      id,
      peers: first,
      joining: true,
      dataFile: join(this.c.runDir, `${id}.sqlite`),
    };
    this.c.router.addNode(id, leader);
    sup.add(cfg);
    this.c.gateway.addNode(id);
    this.c.recorder.record('node-added', { node: id, peers: first, dataFile: cfg.dataFile });
    await this.persist();
    sup.start(id);
    await sup.waitReady(id, this.o.readyTimeoutMs).catch((e: Error) => {
      throw new MembershipError(500, `${id} did not start: ${e.message}`);
    });
  }

  /** finishAdd waits until the learner has caught up, then promotes it. */
  private async finishAdd(id: NodeId): Promise<void> {
    try {
      await this.waitFor(() => this.caughtUp(id), 60_000, `${id} to catch up`);
      const h = this.c.supervisor.nodes.get(id);
      this.c.recorder.record('learner-caught-up', { node: id, applied: h?.lastApplied ?? 0 });
      this.step('promoting');
      await this.apply({ type: 'promote', node: id });
      this.c.recorder.record('member-added', { node: id, voters: this.config().voters });
      this.done();
    } catch (e) {
      // The node stays a learner: it is in the configuration, so the user can remove it.
      this.fail(e);
    }
  }

  /** caughtUp: the learner runs, has applied its own addition, and is within CATCH_UP_SLACK of the leader's commit. */
  private caughtUp(id: NodeId): boolean {
    const h = this.c.supervisor.nodes.get(id);
    const lead = this.reference();
    if (!h || h.state !== 'up' || !h.status || !lead || lead.role !== 'leader') return false;
    const added = this.pending?.index ?? 0;
    return h.lastApplied >= added && h.lastApplied + CATCH_UP_SLACK >= lead.commitIndex;
  }

  // ----- remove --------------------------------------------------------------------------

  /**
   * remove takes node `id` out of the configuration and stops its process. A leader hands
   * over to the most up-to-date voter first; a node that is down is removed all the same
   * (the change needs only the remaining voters).
   */
  async remove(id: NodeId): Promise<void> {
    this.refuseIfBusy();
    const h = this.c.supervisor.nodes.get(id);
    if (!h) throw new MembershipError(404, `unknown node ${id}`);
    const leader = this.needLeader(`remove ${id}`);
    const conf = this.config();
    if (conf.voters.length === 1 && conf.voters[0] === id)
      throw new MembershipError(409, `${id} is the last voter: a cluster cannot remove its last voter`);
    this.begin('remove', id, leader === id ? 'transferring' : 'removing');
    try {
      if (leader === id) await this.handOver(id);
      this.step('removing');
      await this.apply({ type: 'remove', node: id });
      this.step('stopping');
      await this.forget(id);
      this.c.recorder.record('member-removed', { node: id, voters: this.config().voters });
      this.done();
    } catch (e) {
      this.fail(e);
      throw e;
    }
  }

  /**
   * handOver moves leadership off `id` before it is removed. If no voter takes over in
   * time the removal goes ahead on the leader itself, which Raft allows: it keeps leading
   * until the change commits, then steps down (dissertation §4.2.2).
   */
  private async handOver(id: NodeId): Promise<void> {
    this.step('transferring');
    const to = this.bestVoter(id);
    if (to === null) return;
    try {
      await this.transferNow(id, to);
    } catch (e) {
      this.c.recorder.record('transfer-failed', { from: id, to, error: (e as Error).message });
    }
  }

  /** bestVoter is the running voter other than `not` with the longest log (the quickest to take over). */
  private bestVoter(not: NodeId): NodeId | null {
    let best: NodeHandle | null = null;
    for (const v of this.config().voters) {
      const h = this.c.supervisor.nodes.get(v);
      if (!h || v === not || h.state !== 'up' || !h.status) continue;
      if (!best || h.status.lastIndex > (best.status?.lastIndex ?? -1)) best = h;
    }
    return best?.id ?? null;
  }

  /** forget stops a node and takes it out of the router, the gateway and the supervisor (its file stays in the run folder). */
  private async forget(id: NodeId): Promise<void> {
    if (!this.c.supervisor.nodes.has(id)) return;
    await this.c.supervisor.remove(id);
    this.c.router.removeNode(id);
    this.c.gateway.removeNode(id);
    await this.persist();
    this.o.changed();
  }

  /** persist writes members.json, so a reopened cluster runs the same nodes (members-file.ts). */
  private async persist(): Promise<void> {
    const nodes = [...this.c.supervisor.nodes.values()].map((h) => ({ id: h.id, joining: h.cfg.joining === true }));
    await writeMembers(this.c.runDir, { first: this.first, nodes, used: [...this.used] }).catch((e: Error) => {
      this.c.recorder.record('members-file-error', { error: e.message });
    });
  }

  // ----- transfer ------------------------------------------------------------------------

  /** transfer hands leadership to voter `to` and resolves once it leads. */
  async transfer(to: NodeId): Promise<void> {
    this.refuseIfBusy();
    const h = this.c.supervisor.nodes.get(to);
    if (!h) throw new MembershipError(404, `unknown node ${to}`);
    const leader = this.needLeader(`transfer leadership to ${to}`);
    if (leader === to) throw new MembershipError(409, `${to} already leads`);
    if (h.state !== 'up') throw new MembershipError(409, `${to} is ${h.state}; only a running voter can take over`);
    if (!this.config().voters.includes(to))
      throw new MembershipError(409, `${to} is not a voter (a learner cannot lead): promote it first`);
    this.begin('transfer', to, 'transferring');
    try {
      await this.transferNow(leader, to);
      this.done();
    } catch (e) {
      this.fail(e);
      throw e;
    }
  }

  /**
   * transferNow asks the leader (`from`) to hand over to `to` and waits until `to` leads.
   * The order is repeated every election timeout while `to` has not taken over: a
   * transfer is abandoned after one (Raft §3.10), and a Multi-Paxos target that has
   * promised a higher ballot meanwhile ignores a stale order.
   */
  private async transferNow(from: NodeId, to: NodeId): Promise<void> {
    const limit = Math.max(2000, 10 * this.c.settings.electionMs);
    const deadline = performance.now() + limit / this.scale();
    let asked = false;
    while (believedLeader(this.c.supervisor) !== to) {
      this.alive();
      if (performance.now() > deadline)
        throw new MembershipError(503, `timed out waiting for ${to} to take over from ${from}`);
      const lead = believedLeader(this.c.supervisor);
      if (lead !== null) {
        const reply = await this.c.supervisor.control(lead, { t: 'transfer', to }).catch((e: Error) => {
          throw new MembershipError(503, e.message);
        });
        if (!reply.ok && !asked)
          throw new MembershipError(409, `${lead} refused to hand over to ${to}: ${reply.error}`);
        if (reply.ok) this.c.recorder.record('transfer', { from: lead, to });
        asked = true;
      }
      const wait = performance.now() + this.c.settings.electionMs / this.scale();
      while (believedLeader(this.c.supervisor) !== to && performance.now() < Math.min(wait, deadline)) {
        this.alive();
        await sleep(POLL_MS);
      }
    }
    this.c.recorder.record('transfer-done', { from, to, term: this.c.supervisor.nodes.get(to)?.status?.term ?? 0 });
  }

  // ----- one change ----------------------------------------------------------------------

  /**
   * apply gets change cc into the configuration in force and committed: it proposes cc to
   * the leader (again to a new leader that does not have it), and is done when the leader's
   * configuration reflects cc and the leader has committed everything it held then.
   */
  private async apply(cc: ConfChange): Promise<void> {
    let proposedTo: string | null = null;
    let target: { term: number; index: number } | null = null;
    const limit = Math.max(10_000, 20 * this.c.settings.electionMs);
    const deadline = performance.now() + limit / this.scale();
    while (performance.now() < deadline) {
      this.alive();
      const lead = believedLeader(this.c.supervisor);
      const st = lead ? this.c.supervisor.nodes.get(lead)?.status : null;
      if (!lead || !st) {
        await sleep(POLL_MS);
        continue;
      }
      if (reflects(st.conf, cc)) {
        if (!target || target.term !== st.term) target = { term: st.term, index: st.lastIndex };
        if (st.commitIndex >= target.index) return;
        await sleep(POLL_MS);
        continue;
      }
      target = null;
      // Already proposed to this leader in this term: wait for its reports to show it.
      if (proposedTo !== `${lead}@${st.term}`) {
        if (await this.propose(lead, cc)) proposedTo = `${lead}@${st.term}`;
      }
      await sleep(POLL_MS);
    }
    throw new MembershipError(503, `${describeChange(cc)} did not take effect within ${limit} ms`);
  }

  /** propose asks `lead` to append cc; false when it cannot now (busy, no longer leading); throws when the core refuses it. */
  private async propose(lead: NodeId, cc: ConfChange): Promise<boolean> {
    const reply = await this.c.supervisor.control(lead, { t: 'conf-change', change: cc }).catch(() => null);
    if (reply === null) return false;
    if (reply.ok) {
      if (this.pending) this.pending.index = reply.index;
      this.c.recorder.record('conf-change', { node: lead, change: cc.type, target: cc.node, index: reply.index });
      this.o.changed();
      return true;
    }
    if (['busy', 'not-leader', 'recovering'].includes(reply.error)) return false;
    throw new MembershipError(409, `${lead} refused to ${describeChange(cc)}: ${reply.error}`);
  }

  // ----- bookkeeping ---------------------------------------------------------------------

  private refuseIfBusy(): void {
    if (this.c.settings.protocol !== 'raft' && this.c.settings.protocol !== 'paxos')
      throw new MembershipError(409, `membership changes are not supported on ${this.c.settings.protocol}`);
    if ([...this.c.supervisor.nodes.values()].some((h) => h.remote))
      throw new MembershipError(409, 'membership changes are not supported in a cluster with remote slots yet');
    const p = this.pending;
    if (p)
      throw new MembershipError(
        409,
        `a membership change is in flight (${p.op} ${p.node}: ${p.step}); changes go one at a time`,
      );
  }

  private needLeader(what: string): NodeId {
    const lead = believedLeader(this.c.supervisor);
    if (lead === null) throw new MembershipError(409, `no leader: a leader must ${what}; wait for an election`);
    return lead;
  }

  private begin(op: MembershipChange['op'], node: NodeId, step: MembershipStep): void {
    this.pending = { op, node, step, sinceMs: Date.now() };
    this.c.recorder.record('member-change', { op, node, step });
    this.o.changed();
  }

  private step(step: MembershipStep): void {
    const p = this.pending;
    if (!p || p.step === step) return;
    p.step = step;
    this.c.recorder.record('member-change', { op: p.op, node: p.node, step });
    this.o.changed();
  }

  private done(): void {
    this.pending = null;
    this.o.changed();
  }

  private fail(e: unknown): void {
    if ([...this.c.supervisor.nodes.values()].some((h) => h.remote))
      throw new MembershipError(409, 'membership changes are not supported in a cluster with remote slots yet');
    const p = this.pending;
    if (p) this.c.recorder.record('member-change-failed', { op: p.op, node: p.node, step: p.step, error: String(e) });
    this.pending = null;
    this.o.changed();
  }

  private alive(): void {
    if (this.closed) throw new MembershipError(409, 'the cluster was stopped');
  }

  private scale(): number {
    const s = this.o.timeScale();
    return s > 0 && s < 1 ? s : 1;
  }

  /** waitFor polls pred until it holds or limitMs (stretched in slow motion) pass. */
  private async waitFor(pred: () => boolean, limitMs: number, what: string): Promise<void> {
    const deadline = performance.now() + limitMs / this.scale();
    while (!pred()) {
      this.alive();
      if (performance.now() > deadline) throw new MembershipError(503, `timed out waiting for ${what}`);
      await sleep(POLL_MS);
    }
  }
}

/** describeChange says a change in words: "add n4 as a learner". */
export function describeChange(cc: ConfChange): string {
  switch (cc.type) {
    case 'addLearner':
      return `add ${cc.node} as a learner`;
    case 'promote':
      return `promote ${cc.node} to voter`;
    case 'remove':
      return `remove ${cc.node}`;
  }
}
