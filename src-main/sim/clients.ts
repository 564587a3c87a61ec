/**
 * Simulated clients. Each has a session (client id + seq), issues one KV command at a
 * time to the node it believes leads, follows redirects, and on a timeout retries the
 * same seq elsewhere, so the state machine's session table makes the retry exactly-once.
 * Everything a client sees is written to a Jepsen-style history (invoke / ok / fail /
 * info), and every acknowledged command is remembered for the end-of-run checks.
 */
import { encodeCommand } from '../core/kv/codec';
import type { KvOp, KvResult } from '../core/kv/types';
import { assertNever, type NodeId, type Rng } from '../core/types';
import type { Cluster } from './cluster';
import { NS_PER_MS } from './run-log';
import { exponential } from './random';
import type { SimNode } from './sim-node';
import type { HistoryOp } from '../api/contract';

// One history shape for the simulator and the live lab (Jepsen's; time in ns).
export type { HistoryOp };

/** AckedCommand is a command a client saw answered from the applied log. */
export interface AckedCommand {
  client: string;
  seq: number;
  /** index: where the answering node applied it. */
  index: number;
  /** data: the log entry the answer came from. */
  data: string;
  result: KvResult;
  timeMs: number;
}

/** WorkloadOptions shape the client load. */
export interface WorkloadOptions {
  clients: number;
  /** rate: commands per virtual second over all clients (Poisson). */
  rate: number;
  /** keys: size of the key space (small keys make conflicts and cas failures likely). */
  keys: number;
  /** timeoutMs: a client retries elsewhere after this long without an answer. */
  timeoutMs: number;
  /** netMs: [min, max] one-way latency between a client and a node. */
  netMs: [number, number];
}

/** DEFAULT_WORKLOAD: 5 clients, 100 commands/s, 5 keys. */
export const DEFAULT_WORKLOAD: WorkloadOptions = { clients: 5, rate: 100, keys: 5, timeoutMs: 500, netMs: [0.5, 2] };

interface Client {
  id: string;
  process: number;
  seq: number;
  op: KvOp | null;
  f: string;
  /** attempt numbers the tries of the current seq; answers to an older try still count. */
  attempt: number;
  target: NodeId;
  invokedAt: number;
  lastSeen: Map<string, string | null>;
}

interface Pending {
  client: Client;
  seq: number;
  data: string;
}

type Answer =
  | { kind: 'applied'; index: number; data: string; result: KvResult }
  | { kind: 'redirect'; leader: NodeId | null }
  | { kind: 'lost' };

/** ClientWorkload drives simulated clients against a Cluster. */
export class ClientWorkload {
  readonly history: HistoryOp[] = [];
  readonly acked: AckedCommand[] = [];
  private readonly clients: Client[] = [];
  private issuing = false;
  /** pendingAt: per node, log index → the proposal waiting to be applied there. */
  private readonly pendingAt = new Map<NodeId, Map<number, Pending>>();
  completed = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly rng: Rng,
    private readonly opts: WorkloadOptions = DEFAULT_WORKLOAD,
  ) {
    if (!Number.isInteger(opts.clients) || opts.clients < 0 || opts.clients > 1000)
      throw new Error('clients must be an integer in 0..1000');
    if (!(opts.rate > 0)) throw new Error('rate must be positive');
    if (!Number.isInteger(opts.keys) || opts.keys < 1) throw new Error('keys must be a positive integer');
    for (const id of cluster.ids) this.pendingAt.set(id, new Map());
    cluster.onApply((node, e, result) => this.onApplied(node, e.index, e.data, result));
    cluster.onLifecycle((node, what) => {
      if (what === 'crash') this.pendingAt.get(node.id)!.clear();
    });
    for (let i = 0; i < opts.clients; i++) {
      this.clients.push({
        id: `c${i + 1}`,
        process: i,
        seq: 0,
        op: null,
        f: '',
        attempt: 0,
        target: cluster.ids[i % cluster.ids.length]!,
        invokedAt: 0,
        lastSeen: new Map(),
      });
    }
  }

  /** start lets every client begin issuing commands. */
  start(): void {
    this.issuing = true;
    for (const c of this.clients) this.cluster.after(this.think(), () => this.invoke(c));
  }

  /** stopIssuing lets outstanding commands finish but starts no new ones. */
  stopIssuing(): void {
    this.issuing = false;
  }

  /** outstanding is the number of commands invoked and not yet answered. */
  get outstanding(): number {
    let n = 0;
    for (const c of this.clients) if (c.op) n++;
    return n;
  }

  /** outstandingList describes the unanswered commands (for violation reports). */
  outstandingList(): string[] {
    return this.clients.filter((c) => c.op).map((c) => `${c.id}#${c.seq} ${c.f} ${JSON.stringify(c.op)}`);
  }

  /** finish closes the history: commands still unanswered become `info` (may or may not have happened). */
  finish(): void {
    for (const c of this.clients) {
      if (!c.op) continue;
      this.record(c, 'info', null);
      c.op = null;
    }
    this.issuing = false;
  }

  private think(): number {
    return exponential(this.rng, (this.opts.clients * 1000) / this.opts.rate);
  }

  private netDelay(): number {
    const lo = this.opts.netMs[0];
    const hi = this.opts.netMs[1];
    return lo + this.rng.next() * (hi - lo);
  }

  private invoke(c: Client): void {
    if (!this.issuing || c.op) return;
    c.seq++;
    c.attempt = 0;
    const key = `k${this.rng.int(0, this.opts.keys - 1)}`;
    const value = `${c.id}-${c.seq}`;
    const r = this.rng.next();
    if (r < 0.5) {
      c.op = { op: 'put', key, value };
      c.f = 'put';
    } else if (r < 0.8) {
      c.op = { op: 'get', key };
      c.f = 'get';
    } else {
      c.op = { op: 'cas', key, expected: c.lastSeen.get(key) ?? null, value };
      c.f = 'cas';
    }
    c.invokedAt = this.cluster.now;
    this.history.push({
      index: this.history.length,
      time: Math.round(c.invokedAt * NS_PER_MS),
      process: c.process,
      type: 'invoke',
      f: c.f,
      key,
      value: this.invokeValue(c.op),
    });
    if (this.cluster.log.enabled) {
      this.cluster.log.write(this.cluster.now, 'invoke', {
        client: c.id,
        clientSeq: c.seq,
        f: c.f,
        key,
        value: this.invokeValue(c.op),
      });
    }
    this.send(c);
  }

  private invokeValue(op: KvOp): unknown {
    // Only put and cas carry a value; the workload issues nothing else with one.
    if (op.op === 'put') return op.value;
    if (op.op === 'cas') return [op.expected, op.value];
    return null;
  }

  private send(c: Client): void {
    const seq = c.seq;
    const attempt = ++c.attempt;
    const target = c.target;
    const op = c.op!;
    this.cluster.after(this.netDelay(), () => this.arrive(target, c, seq, op));
    this.cluster.after(this.opts.timeoutMs, () => {
      if (c.seq !== seq || !c.op || c.attempt !== attempt) return;
      // No answer: the node may be down, paused, partitioned or deposed. Try the next one.
      c.target = this.nextNode(c.target);
      this.send(c);
    });
  }

  private nextNode(id: NodeId): NodeId {
    const ids = this.cluster.ids;
    return ids[(ids.indexOf(id) + 1) % ids.length]!;
  }

  /** arrive is the request reaching a node: it proposes, or redirects the client. */
  private arrive(nodeId: NodeId, c: Client, seq: number, op: KvOp): void {
    const node = this.cluster.node(nodeId);
    if (node.state === 'down') return; // lost; the client's timeout handles it
    if (node.state === 'paused') {
      const inc = node.incarnation;
      node.inbox.push(() => {
        if (node.incarnation === inc) this.arrive(nodeId, c, seq, op);
      });
      return;
    }
    const data = encodeCommand({ client: c.id, seq, now: Math.floor(this.cluster.now), cmd: op });
    const r = this.cluster.propose(nodeId, data);
    if (r.ok) {
      this.pendingAt.get(nodeId)!.set(r.index, { client: c, seq, data });
      return;
    }
    this.answer(c, seq, { kind: 'redirect', leader: r.leader });
  }

  private onApplied(node: SimNode, index: number, data: string, result: KvResult | null): void {
    const waiting = this.pendingAt.get(node.id)!;
    if (waiting.size === 0) return;
    const p = waiting.get(index);
    if (!p) return;
    waiting.delete(index);
    if (p.data === data && result) this.answer(p.client, p.seq, { kind: 'applied', index, data, result });
    // Another command took the slot: this proposal was lost with a deposed leader.
    else this.answer(p.client, p.seq, { kind: 'lost' });
  }

  private answer(c: Client, seq: number, a: Answer): void {
    this.cluster.after(this.netDelay(), () => this.onAnswer(c, seq, a));
  }

  private onAnswer(c: Client, seq: number, a: Answer): void {
    if (c.seq !== seq || !c.op) return; // an answer to a command already answered
    switch (a.kind) {
      case 'applied': {
        const res = a.result;
        this.acked.push({ client: c.id, seq, index: a.index, data: a.data, result: res, timeMs: this.cluster.now });
        const op = c.op;
        if (op.op === 'get' && res.ok) c.lastSeen.set(op.key, res.value ?? null);
        if ((op.op === 'put' || op.op === 'cas') && res.ok) c.lastSeen.set(op.key, op.value);
        if (op.op === 'cas' && !res.ok) c.lastSeen.delete(op.key);
        this.record(c, res.ok ? 'ok' : 'fail', op.op === 'get' ? (res.value ?? null) : this.invokeValue(op));
        c.op = null;
        this.completed++;
        this.cluster.after(this.think(), () => this.invoke(c));
        return;
      }
      case 'redirect':
        // Follow the hint; with none (an election is on), wait a little before asking again.
        c.target = a.leader ?? this.nextNode(c.target);
        c.attempt++;
        this.cluster.after(a.leader ? 1 : this.cluster.tickMs * 5, () => {
          if (c.seq === seq && c.op) this.send(c);
        });
        return;
      case 'lost':
        c.attempt++;
        this.send(c);
        return;
      default:
        assertNever(a, 'answer');
    }
  }

  private record(c: Client, type: 'ok' | 'fail' | 'info', value: unknown): void {
    const op = c.op!;
    const key = 'key' in op ? op.key : '';
    this.history.push({
      index: this.history.length,
      time: Math.round(this.cluster.now * NS_PER_MS),
      process: c.process,
      type,
      f: c.f,
      key,
      value,
    });
    if (this.cluster.log.enabled) {
      this.cluster.log.write(this.cluster.now, 'complete', {
        client: c.id,
        clientSeq: c.seq,
        type,
        f: c.f,
        key,
        value,
        latencyMs: this.cluster.now - c.invokedAt,
      });
    }
  }
}
