/**
 * GroupSender sends one client command to one simulated replica group, as the lab's
 * gateway (lab/gateway.ts) does to a group of processes: to the leader the nodes report
 * (else a running node at random), following a `not-leader` redirect, trying elsewhere
 * after an answer that certainly did not apply, and asking again under the same session
 * after `leadership-lost` (a get too: a read changes nothing). The answer follows the gateway's rules: ok and fail as the node
 * said (a fail without the state machine's own answer after a try that may have applied is
 * unknown); a try still out at the deadline, or whose node crashed with it, is unknown.
 */
import type { KvOp, KvResult } from '../../core/kv/types';
import type { NodeId, Rng } from '../../core/types';
import {
  retryableFail,
  type ClientOutcome,
  type ClientRequestFrame,
  type ClientResponseFrame,
} from '../../node/contract';
import type { ShardedSim, SimGroup } from './sharded-sim';

/** SendResult is how one command to one group ended. */
export interface SendResult {
  outcome: ClientOutcome;
  result: KvResult | null;
  node: NodeId | null;
  error?: string;
}

interface Try {
  g: SimGroup;
  op: KvOp;
  client: string;
  seq: number;
  deadline: number;
  done: (r: SendResult) => void;
  settled: boolean;
  attempt: number;
  at: NodeId | null;
  lastNode: NodeId | null;
  lastError: string;
  mayHaveApplied: boolean;
  avoid: Set<NodeId>;
  hops: number;
  backoff: number;
}

/** GroupSender is the per-group client of the sharded layer (see the file comment). */
export class GroupSender {
  private readonly live = new Set<Try>();
  private ids = 0;

  constructor(
    private readonly sim: ShardedSim,
    private readonly rng: Rng,
  ) {
    for (const g of sim.all)
      g.cluster.onLifecycle((node, what) => {
        if (what !== 'crash') return;
        for (const t of this.live) if (t.at === node.id) this.end(t, 'unknown', null, node.id, 'connection closed');
      });
  }

  /** send runs `op` on group `g` under `session` (null: a read, seq 0). */
  send(g: SimGroup, op: KvOp, timeoutMs: number, session: { client: string; seq: number } | null): Promise<SendResult> {
    return new Promise((done) => {
      const t: Try = {
        g,
        op,
        client: session?.client ?? `r${++this.ids}`,
        seq: session?.seq ?? 0,
        deadline: g.cluster.now + timeoutMs,
        done,
        settled: false,
        attempt: 0,
        at: null,
        lastNode: null,
        lastError: 'no node is up',
        mayHaveApplied: false,
        avoid: new Set(),
        hops: 0,
        backoff: 5,
      };
      this.live.add(t);
      g.cluster.at(t.deadline, () => {
        if (t.at !== null) this.end(t, 'unknown', null, t.at, 'timeout');
        else this.end(t, t.mayHaveApplied ? 'unknown' : 'fail', null, t.lastNode, `timeout: ${t.lastError}`);
      });
      this.tryAt(t, this.target(t));
    });
  }

  private target(t: Try): NodeId {
    const leader = this.sim.leaderOf(t.g);
    if (leader && !t.avoid.has(leader)) return leader;
    const up = t.g.cluster.nodes.filter((n) => n.state !== 'down' && !t.avoid.has(n.id));
    const pool = up.length > 0 ? up : t.g.cluster.nodes;
    return pool[Math.floor(this.rng.next() * pool.length)]!.id;
  }

  private netDelay(): number {
    return 0.5 + this.rng.next() * 1.5;
  }

  private tryAt(t: Try, to: NodeId): void {
    if (t.settled) return;
    const c = t.g.cluster;
    t.lastNode = to;
    if (c.node(to).state === 'down') return this.notSent(t, to);
    const attempt = ++t.attempt;
    t.at = to;
    const req: ClientRequestFrame = {
      t: 'req',
      id: ++this.ids,
      client: t.client,
      seq: t.seq,
      op: t.op,
      timeoutMs: Math.max(1, Math.floor(t.deadline - c.now)),
    };
    c.after(this.netDelay(), () => {
      if (t.settled || t.attempt !== attempt) return;
      if (c.node(to).state === 'down') return this.notSent(t, to);
      c.clientRequest(to, req, (res) => c.after(this.netDelay(), () => this.answer(t, attempt, res)));
    });
  }

  private notSent(t: Try, to: NodeId): void {
    t.at = null;
    t.lastError = `${to} is not up`;
    t.avoid.add(to);
    this.retryLater(t);
  }

  private answer(t: Try, attempt: number, res: ClientResponseFrame): void {
    if (t.settled || t.attempt !== attempt) return;
    t.at = null;
    const to = res.node;
    if (res.outcome === 'ok') return this.end(t, 'ok', res.result, to);
    const err = res.error ?? res.result?.error ?? 'failed';
    if (res.outcome === 'unknown') {
      if (err !== 'leadership-lost' || t.seq === 0) return this.end(t, 'unknown', res.result, to, err);
      // Deposed before it committed: the next leader may hold it, so ask there under the same session.
      t.mayHaveApplied = true;
    } else if (!retryableFail(t.op, err)) return this.end(t, 'fail', res.result, to, err);
    t.lastError = `${to}: ${err}`;
    const redirect = res.leader;
    if (redirect && redirect !== to && t.g.cluster.node(redirect).state === 'up' && t.hops++ < 3)
      return this.tryAt(t, redirect);
    t.hops = 0;
    t.avoid.add(to);
    this.retryLater(t);
  }

  private retryLater(t: Try): void {
    const c = t.g.cluster;
    const wait = Math.min(t.backoff, Math.max(0, t.deadline - c.now));
    t.backoff = Math.min(t.backoff * 2, 100);
    const attempt = t.attempt;
    c.after(Math.max(1, wait), () => {
      if (t.settled || t.attempt !== attempt) return;
      if (t.avoid.size >= c.ids.length) t.avoid.clear();
      this.tryAt(t, this.target(t));
    });
  }

  private end(t: Try, given: ClientOutcome, result: KvResult | null, node: NodeId | null, error?: string): void {
    if (t.settled) return;
    t.settled = true;
    t.at = null;
    this.live.delete(t);
    const outcome = t.mayHaveApplied && given === 'fail' && result === null ? 'unknown' : given;
    const r: SendResult = { outcome, result, node };
    if (error !== undefined) r.error = error;
    this.sim.settle(t.done, r);
  }
}
