/**
 * SimClients: the scenario's clients inside the simulator, acting as the lab's gateway
 * does — a read goes first to the node the balancer picks, a write to the leader the
 * client last heard of; `not-leader` answers are followed; a pinned request (`node`) goes
 * to that node only. Each request is its own client session (client id + seq 1), so a
 * retry after a lost answer applies at most once. The outcome follows the lab's rule: ok
 * (applied, and the state machine said ok), fail (certainly not applied: refused by the
 * state machine, or never entered any log), unknown (entered some log, no answer by the
 * deadline). Everything lands in a Jepsen-style history shaped like the lab's.
 */
import type { HistoryOp } from '../api/contract';
import { createBalancer } from '../core/balance';
import type { Balancer, BalanceAlgorithm } from '../core/balance/types';
import { encodeCommand } from '../core/kv/codec';
import type { KvOp, KvResult } from '../core/kv/types';
import type { NodeId, Rng } from '../core/types';
import { historyShape } from '../lab/recorder';
import type { Cluster } from '../sim/cluster';
import { NS_PER_MS } from '../sim/run-log';
import type { Outcome, PendingRequest } from './target';

interface Live {
  p: PendingRequest;
  client: string;
  process: number;
  pinned: NodeId | null;
  target: NodeId;
  deadline: number;
  proposed: boolean;
  attempt: number;
  lastError: string;
  data: string;
}

/** SimClients sends scenario requests into a simulated cluster (see the file comment). */
export class SimClients {
  readonly history: HistoryOp[] = [];
  private next = 0;
  private leaderHint: NodeId | null = null;
  private balancer: Balancer;
  private weights: Record<NodeId, number> = {};
  /** waiting: per node, log index → the request proposed there. */
  private readonly waiting = new Map<NodeId, Map<number, Live>>();

  constructor(
    private readonly c: Cluster,
    private readonly rng: Rng,
  ) {
    this.balancer = createBalancer('round-robin', { rng });
    for (const id of c.ids) this.waiting.set(id, new Map());
    c.onApply((node, e, result) => this.applied(node.id, e.index, e.data, result));
    c.onLifecycle((node, what) => {
      if (what === 'crash') this.waiting.get(node.id)!.clear();
    });
  }

  /** setBalance picks the algorithm that spreads reads. */
  setBalance(algorithm: BalanceAlgorithm, weights?: Record<NodeId, number>): void {
    this.balancer = createBalancer(algorithm, { rng: this.rng });
    if (weights) this.weights = { ...this.weights, ...weights };
  }

  /** pick is the balancer's choice among the running nodes. */
  pick(key: string): NodeId {
    const backends = this.c.nodes.map((n) => ({
      id: n.id,
      up: n.state === 'up',
      inflight: 0,
      weight: this.weights[n.id] ?? 1,
      leader: n.id === this.c.stableLeader(),
    }));
    return this.balancer.pick(backends, key) ?? this.c.ids[0]!;
  }

  /** submit starts a request; its PendingRequest.result is set when it settles. */
  submit(op: KvOp, o: { node?: NodeId; first?: NodeId; timeoutMs: number }): PendingRequest {
    const p: PendingRequest = { op, startedAt: this.c.now, result: null };
    const n = ++this.next;
    const key = 'key' in op ? op.key : op.name;
    const first = o.node ?? o.first ?? (op.op === 'get' ? this.pick(key) : (this.leaderHint ?? this.pick(key)));
    const live: Live = {
      p,
      client: `s${n}`,
      process: 1000 + n,
      pinned: o.node ?? null,
      target: first,
      deadline: this.c.now + o.timeoutMs,
      proposed: false,
      attempt: 0,
      lastError: 'no answer',
      data: encodeCommand({ client: `s${n}`, seq: 1, now: Math.floor(this.c.now), cmd: op }),
    };
    const { f, value } = historyShape(op);
    this.record(live, 'invoke', f, key, value);
    this.c.at(live.deadline, () => this.expire(live));
    this.send(live);
    return p;
  }

  private netDelay(): number {
    return 0.5 + this.rng.next() * 1.5;
  }

  private send(l: Live): void {
    if (l.p.result) return;
    const attempt = ++l.attempt;
    const to = l.target;
    this.c.after(this.netDelay(), () => this.arrive(l, to));
    // No answer within an election timeout: the node may be down, paused or cut off; try the next.
    this.c.after(Math.max(200, this.c.electionMs), () => {
      if (l.p.result || l.attempt !== attempt || l.pinned) return;
      l.target = this.nextNode(l.target);
      this.send(l);
    });
  }

  private nextNode(id: NodeId): NodeId {
    const ids = this.c.ids;
    return ids[(ids.indexOf(id) + 1) % ids.length]!;
  }

  private arrive(l: Live, id: NodeId): void {
    if (l.p.result) return;
    const node = this.c.node(id);
    if (node.state === 'down') return;
    if (node.state === 'paused') {
      const inc = node.incarnation;
      node.inbox.push(() => {
        if (node.incarnation === inc) this.arrive(l, id);
      });
      return;
    }
    const r = this.c.propose(id, l.data);
    if (r.ok) {
      l.proposed = true;
      this.waiting.get(id)!.set(r.index, l);
      this.leaderHint = id;
      return;
    }
    l.lastError = r.reason;
    if (l.pinned) {
      this.finish(l, {
        outcome: l.proposed ? 'unknown' : 'fail',
        value: null,
        node: id,
        error: r.reason,
        latencyMs: 0,
      });
      return;
    }
    this.leaderHint = r.leader;
    l.target = r.leader ?? this.nextNode(id);
    const attempt = l.attempt;
    this.c.after(r.leader ? 1 : this.c.tickMs * 5, () => {
      if (l.attempt === attempt) this.send(l);
    });
  }

  private applied(id: NodeId, index: number, data: string, result: KvResult | null): void {
    const w = this.waiting.get(id)!;
    const l = w.get(index);
    if (!l) return;
    w.delete(index);
    if (l.p.result) return;
    if (data !== l.data || !result) {
      // Another command took the slot: this proposal died with a deposed leader; try again.
      if (l.pinned) return;
      l.target = this.nextNode(id);
      this.send(l);
      return;
    }
    const ok = result.ok;
    const out: Outcome = { outcome: ok ? 'ok' : 'fail', value: result.value ?? null, node: id, latencyMs: 0 };
    if (!ok && result.error) out.error = result.error;
    if (result.token !== undefined) out.token = result.token;
    if (l.p.op.op === 'lock' && !ok) out.value = result.holder ?? null;
    this.c.after(this.netDelay(), () => this.finish(l, out));
  }

  private expire(l: Live): void {
    if (l.p.result) return;
    const outcome = l.proposed ? 'unknown' : 'fail';
    this.finish(l, { outcome, value: null, node: l.target, error: l.proposed ? 'timeout' : l.lastError, latencyMs: 0 });
  }

  private finish(l: Live, o: Outcome): void {
    if (l.p.result) return;
    o.latencyMs = this.c.now - l.p.startedAt;
    l.p.result = o;
    const op = l.p.op;
    const { f, key, value } = historyShape(op);
    const type = o.outcome === 'ok' ? 'ok' : o.outcome === 'fail' ? 'fail' : 'info';
    const out =
      op.op === 'get' && o.outcome === 'ok'
        ? o.value
        : op.op === 'lock' && o.outcome === 'ok'
          ? { ...(value as object), token: o.token }
          : value;
    this.record(l, type, f, key, out);
  }

  private record(l: Live, type: HistoryOp['type'], f: string, key: string, value: unknown): void {
    this.history.push({
      index: this.history.length,
      time: Math.round(this.c.now * NS_PER_MS),
      process: l.process,
      type,
      f,
      key,
      value,
    });
  }
}
