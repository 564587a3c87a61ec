/**
 * SimClients: the scenario's clients inside the simulator, acting as the lab's gateway
 * (lab/gateway.ts) does, over each node's own request layer (node/requests.ts, which the
 * simulator's nodes run): a read goes to the node the balancer picks and is served there
 * as the node process serves it (ReadIndex, or — in the unsafe read modes — from a lease
 * or the node's own state); a write goes to the leader the nodes report (else the
 * balancer's pick). A pinned request (`node`) goes to that node only and ends with its
 * first answer. Otherwise, as the gateway: a `not-leader` redirect is followed, an answer
 * that certainly did not apply (not-leader, recovering, a node that is down) is tried
 * elsewhere, and a write whose leader lost its leadership before the write committed
 * ('leadership-lost') is asked again under the same session, which the state machine
 * applies once (twice under the unsafe sessions:false mode); a get whose leader lost its
 * leadership before confirming it is asked again (a read changes nothing). Each command is its own
 * client session (client id, seq 1); a get uses none (seq 0), as the gateway's do.
 *
 * Outcomes follow the gateway's rules: ok and fail as the node answered (a fail after a
 * try that may have applied, without the state machine's own answer, is unknown); a try
 * still unanswered at the deadline, or whose node died with it, is unknown; a request
 * never handed to any node fails. Everything lands in a Jepsen-style history shaped like
 * the lab's.
 */
import type { HistoryOp } from '../api/contract';
import { createBalancer } from '../core/balance';
import type { Balancer, BalanceAlgorithm } from '../core/balance/types';
import type { KvOp } from '../core/kv/types';
import type { NodeId, Rng } from '../core/types';
import { historyShape } from '../check/history';
import { retryableFail, type ClientOutcome, type ClientRequestFrame, type ClientResponseFrame } from '../node/contract';
import type { Cluster } from '../sim/cluster';
import { NS_PER_MS } from '../sim/run-log';
import type { Outcome, PendingRequest } from './target';

interface Live {
  p: PendingRequest;
  client: string;
  seq: number;
  process: number;
  pinned: NodeId | null;
  deadline: number;
  /** attempt numbers the tries; an answer to an older try is ignored. */
  attempt: number;
  /** at: the node holding the current try (null between tries). */
  at: NodeId | null;
  lastError: string;
  lastNode: NodeId | null;
  /** mayHaveApplied: an earlier try may have taken effect, so only the state machine may say fail. */
  mayHaveApplied: boolean;
  avoid: Set<NodeId>;
  hops: number;
  backoff: number;
}

/** SimClients sends scenario requests into a simulated cluster (see the file comment). */
export class SimClients {
  readonly history: HistoryOp[] = [];
  private next = 0;
  private reqIds = 0;
  private balancer: Balancer;
  private algorithm: BalanceAlgorithm = 'round-robin';
  private weights: Record<NodeId, number> = {};
  private readonly live = new Set<Live>();

  constructor(
    private readonly c: Cluster,
    private readonly rng: Rng,
  ) {
    this.balancer = createBalancer('round-robin', { rng });
    c.onLifecycle((node, what) => {
      if (what !== 'crash') return;
      // The node's client connection closes: a try it held may have applied (the gateway's 'lost').
      for (const l of this.live) if (l.at === node.id) this.end(l, 'unknown', null, node.id, 'connection closed');
    });
  }

  /** setBalance picks the algorithm that spreads reads. */
  setBalance(algorithm: BalanceAlgorithm, weights?: Record<NodeId, number>): void {
    this.balancer = createBalancer(algorithm, { rng: this.rng });
    this.algorithm = algorithm;
    if (weights) this.weights = { ...this.weights, ...weights };
  }

  /** pick is the balancer's choice among the running nodes (not those in avoid). */
  pick(key: string, avoid: Set<NodeId> = new Set()): NodeId {
    const leader = this.leader();
    const backends = this.c.nodes.map((n) => ({
      id: n.id,
      up: n.state === 'up' && !avoid.has(n.id),
      inflight: 0,
      weight: this.weights[n.id] ?? 1,
      leader: n.id === leader,
    }));
    return this.balancer.pick(backends, key) ?? backends.find((b) => b.up)?.id ?? this.c.ids[0]!;
  }

  /** leader is the node the lab's gateway would take for the leader: a running node that says it leads, highest term first. */
  private leader(): NodeId | null {
    let best: { id: NodeId; term: number } | null = null;
    for (const n of this.c.nodes) {
      this.c.observe(n);
      const s = n.lastStatus;
      if (n.state !== 'up' || !s || s.role !== 'leader') continue;
      if (!best || s.term > best.term) best = { id: n.id, term: s.term };
    }
    return best?.id ?? null;
  }

  /** submit starts a request; its PendingRequest.result is set when it settles. */
  submit(op: KvOp, o: { node?: NodeId; first?: NodeId; timeoutMs: number }): PendingRequest {
    const p: PendingRequest = { op, startedAt: this.c.now, result: null };
    const n = ++this.next;
    const key = 'key' in op ? op.key : op.name;
    const l: Live = {
      p,
      client: `s${n}`,
      seq: op.op === 'get' ? 0 : 1,
      process: 1000 + n,
      pinned: o.node ?? null,
      deadline: this.c.now + o.timeoutMs,
      attempt: 0,
      at: null,
      lastError: 'no node is up',
      lastNode: null,
      mayHaveApplied: false,
      avoid: new Set(),
      hops: 0,
      backoff: 5,
    };
    this.live.add(l);
    const { f, value } = historyShape(op);
    this.record(l, 'invoke', f, key, value);
    this.c.at(l.deadline, () => {
      // A try still out may have applied (the gateway's 'lost'); between tries nothing is out.
      if (l.at !== null) this.end(l, 'unknown', null, l.at, 'timeout');
      else this.end(l, l.mayHaveApplied ? 'unknown' : 'fail', null, l.lastNode, `timeout: ${l.lastError}`);
    });
    const leader = op.op === 'get' ? null : this.leader();
    this.send(l, o.node ?? o.first ?? leader ?? this.pick(key));
    return p;
  }

  private netDelay(): number {
    return 0.5 + this.rng.next() * 1.5;
  }

  /** send hands one try to `to` across the client link (a node that is down refuses the connection). */
  private send(l: Live, to: NodeId): void {
    if (l.p.result) return;
    l.lastNode = to;
    if (this.c.node(to).state === 'down') return this.notSent(l, to, `${to} is not up`);
    const attempt = ++l.attempt;
    l.at = to;
    const remaining = Math.max(1, Math.floor(l.deadline - this.c.now));
    const req: ClientRequestFrame = {
      t: 'req',
      id: ++this.reqIds,
      client: l.client,
      seq: l.seq,
      op: l.p.op,
      timeoutMs: remaining,
    };
    // A balancer that picked a follower for a read lets it serve through ReadIndex, as the gateway does.
    if (l.p.op.op === 'get' && this.algorithm !== 'leader-only') req.allowFollowerRead = true;
    this.c.after(this.netDelay(), () => {
      if (l.p.result || l.attempt !== attempt) return;
      // Crashed on the way: the connection was refused, nothing was delivered.
      if (this.c.node(to).state === 'down') return this.notSent(l, to, `${to} is not up`);
      this.c.clientRequest(to, req, (res) => this.c.after(this.netDelay(), () => this.answer(l, attempt, res)));
    });
  }

  /** notSent: the try never reached a node; try another (a pinned request fails). */
  private notSent(l: Live, to: NodeId, why: string): void {
    l.at = null;
    if (l.pinned) return this.end(l, 'fail', null, to, why);
    l.lastError = why;
    l.avoid.add(to);
    this.retryLater(l);
  }

  private answer(l: Live, attempt: number, res: ClientResponseFrame): void {
    if (l.p.result || l.attempt !== attempt) return;
    l.at = null;
    const to = res.node;
    if (res.outcome === 'ok') return this.end(l, 'ok', res, to);
    const err = res.error ?? res.result?.error ?? 'failed';
    if (res.outcome === 'unknown') {
      if (err !== 'leadership-lost' || l.seq === 0 || l.pinned) return this.end(l, 'unknown', res, to, err);
      // Deposed before it committed: the next leader may hold it, so ask there under the same session.
      l.mayHaveApplied = true;
    } else if (!retryableFail(l.p.op, err) || l.pinned) return this.end(l, 'fail', res, to, err);
    l.lastError = `${to}: ${err}`;
    const redirect = res.leader;
    if (redirect && redirect !== to && this.c.node(redirect).state === 'up' && l.hops++ < 3) {
      return this.send(l, redirect);
    }
    l.hops = 0;
    l.avoid.add(to);
    this.retryLater(l);
  }

  /** retryLater waits a backoff, then tries the leader the nodes report, else the balancer's pick. */
  private retryLater(l: Live): void {
    const wait = Math.min(l.backoff, Math.max(0, l.deadline - this.c.now));
    l.backoff = Math.min(l.backoff * 2, 100);
    const attempt = l.attempt;
    this.c.after(Math.max(1, wait), () => {
      if (l.p.result || l.attempt !== attempt) return;
      if (l.avoid.size >= this.c.ids.length) l.avoid.clear();
      const key = 'key' in l.p.op ? l.p.op.key : l.p.op.name;
      this.send(l, this.leader() ?? this.pick(key, l.avoid));
    });
  }

  /** end settles a request with the gateway's outcome rules and writes its completion. */
  private end(
    l: Live,
    given: ClientOutcome,
    res: ClientResponseFrame | null,
    node: NodeId | null,
    error?: string,
  ): void {
    if (l.p.result) return;
    this.live.delete(l);
    l.at = null;
    const result = res?.result ?? null;
    // A fail that carries no state-machine result says nothing once an earlier try may have applied.
    const outcome = l.mayHaveApplied && given === 'fail' && result === null ? 'unknown' : given;
    const o: Outcome = { outcome, value: result?.value ?? null, node, latencyMs: this.c.now - l.p.startedAt };
    if (error !== undefined) o.error = error;
    if (result?.token !== undefined) o.token = result.token;
    const op = l.p.op;
    if (op.op === 'lock' && outcome === 'fail') o.value = result?.holder ?? null;
    l.p.result = o;
    const { f, key, value } = historyShape(op);
    const type = outcome === 'ok' ? 'ok' : outcome === 'fail' ? 'fail' : 'info';
    const out =
      op.op === 'get' && outcome === 'ok'
        ? o.value
        : op.op === 'lock' && outcome === 'ok'
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
