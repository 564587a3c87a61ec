/**
 * Simulated clients. Each has a session (client id + seq) and issues one command at a
 * time — puts, linearizable reads (through the leader's ReadIndex, or served by a
 * follower), deletes, cas, and the lock service: lock, renew, unlock and writes fenced by
 * the lock's token — to a node's request layer (node/requests.ts, the node process's own),
 * across a simulated client link. It follows redirects, and when the answer is unknown or
 * never comes it retries the same seq elsewhere, so the state machine's session table
 * makes the retry exactly-once. Each session begins with a harmless registering command
 * (registerOp). Now and then a client starts a new session, and the state machine may
 * evict sessions (in some runs any session idle for a few dozen entries).
 *
 * A probe (ClientWorkload.probe) is one more client that issues a fixed script instead of
 * drawing commands: the liveness probe after the heal (run.ts).
 *
 * Everything a client sees is written to a Jepsen-style history (invoke / ok / fail /
 * info, in the lab's shapes: lab/recorder.ts historyShape), which the linearizability
 * checker reads at the end of the run; every acknowledged command is also remembered for
 * the end-of-run durability checks.
 */
import type { KvOp, KvResult } from '../core/kv/types';
import type { NodeId, Rng } from '../core/types';
import { historyShape } from '../check/history';
import type { ClientRequestFrame, ClientResponseFrame } from '../node/contract';
import type { Cluster } from './cluster';
import { NS_PER_MS } from './run-log';
import { exponential, pick } from './random';
import type { HistoryOp } from '../api/contract';

// One history shape for the simulator and the live lab (Jepsen's; time in ns).
export type { HistoryOp };

/** AckedCommand is a command that went through the log and a client saw answered ok or refused. */
export interface AckedCommand {
  client: string;
  seq: number;
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
  /** locks: lock names in use (0: no lock operations). */
  locks: number;
  /** timeoutMs: a client retries elsewhere after this long without an answer. */
  timeoutMs: number;
  /** requestTimeoutMs: how long a node waits for a request's outcome before answering unknown / timeout. */
  requestTimeoutMs: number;
  /** netMs: [min, max] one-way latency between a client and a node. */
  netMs: [number, number];
  /** followerReads: the share of reads a follower may serve (sent to any node). */
  followerReads: number;
  /** newSession: the chance, per command, that a client first starts a new session. */
  newSession: number;
}

/** DEFAULT_WORKLOAD: 5 clients, 100 commands/s, 5 keys, 2 locks. */
export const DEFAULT_WORKLOAD: WorkloadOptions = {
  clients: 5,
  rate: 100,
  keys: 5,
  locks: 2,
  timeoutMs: 500,
  requestTimeoutMs: 300,
  netMs: [0.5, 2],
  followerReads: 0.5,
  newSession: 0.01,
};

interface Client {
  /** n: the client's number (c1..cN); its session id changes, its number never does. */
  n: number;
  id: string;
  sessions: number;
  process: number;
  seq: number;
  /**
   * cmd numbers the client's commands across sessions (seq restarts with each session), so
   * a late answer to an earlier session's command is never taken for the current one's.
   */
  cmd: number;
  op: KvOp | null;
  f: string;
  key: string;
  value: unknown;
  /** anyNode: this read may be served by a follower. */
  anyNode: boolean;
  attempt: number;
  target: NodeId;
  invokedAt: number;
  lastSeen: Map<string, string | null>;
  /** lock: the lock this client believes it holds, with its fencing token. */
  lock: { name: string; token: number } | null;
  /** lastWritten: the key of the client's last acknowledged write (null: none yet). */
  lastWritten: string | null;
  /** script: a probe's commands still to issue, in order (null: a workload client, which draws its own). */
  script: KvOp[] | null;
  /** answers: how each of a probe's commands completed (null: a workload client). */
  answers: ProbeAnswer[] | null;
}

/** newClient is client number `n` before its first command: one session, nothing sent yet. */
function newClient(
  n: number,
  process: number,
  target: NodeId,
  script: Client['script'],
  answers: Client['answers'],
): Client {
  return {
    n,
    id: `c${n}`,
    sessions: 1,
    process,
    seq: 0,
    cmd: 0,
    op: null,
    f: '',
    key: '',
    value: null,
    anyNode: false,
    attempt: 0,
    target,
    invokedAt: 0,
    lastSeen: new Map(),
    lock: null,
    lastWritten: null,
    script,
    answers,
  };
}

/** ProbeAnswer is how one of a probe's commands completed. */
export interface ProbeAnswer {
  f: string;
  type: 'ok' | 'fail' | 'info';
  value: unknown;
  atMs: number;
}

/** Probe is a scripted client started by ClientWorkload.probe. */
export interface Probe {
  /** id: the probe's client (session) id. */
  readonly id: string;
  /** answers: its commands' completions, in order: the session's registering command first, then the script. */
  readonly answers: readonly ProbeAnswer[];
  /** total: how many commands it issues in all (the registering one included). */
  readonly total: number;
}

/** ClientWorkload drives simulated clients against a Cluster. */
export class ClientWorkload {
  readonly history: HistoryOp[] = [];
  /** counts: the history's commands (invokes), answered reads and indeterminate outcomes, kept as it is written. */
  readonly counts = { commands: 0, reads: 0, indeterminate: 0 };
  readonly acked: AckedCommand[] = [];
  private readonly clients: Client[] = [];
  private issuing = false;
  private reqSeq = 0;
  private nextProcess: number;
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
    if (!Number.isInteger(opts.locks) || opts.locks < 0) throw new Error('locks must be a non-negative integer');
    this.nextProcess = opts.clients;
    for (let i = 0; i < opts.clients; i++)
      this.clients.push(newClient(i + 1, i, cluster.ids[i % cluster.ids.length]!, null, null));
  }

  /**
   * probe starts a fresh client — a new number, session and process — that issues `ops` one
   * after another through the path every client takes (its session's registering command
   * first, then redirects and retries), whether or not the workload still issues. Its
   * commands go into the history like any other; finish() ends it like any other.
   */
  probe(ops: readonly KvOp[]): Probe {
    const n = this.clients.length + 1;
    const answers: ProbeAnswer[] = [];
    const target = this.cluster.ids[(n - 1) % this.cluster.ids.length]!;
    const c = newClient(n, this.nextProcess++, target, ops.slice(), answers);
    this.clients.push(c);
    this.invoke(c);
    return { id: c.id, answers, total: ops.length + 1 };
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
      // A probe's remaining commands are never issued.
      if (c.script) c.script.length = 0;
      if (!c.op) continue;
      this.complete(c, 'info', c.value);
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

  /** chooseOp draws the next command of a client (see the file comment for the mix). */
  private chooseOp(c: Client): KvOp {
    const rng = this.rng;
    const key = `k${rng.int(0, this.opts.keys - 1)}`;
    const value = `${c.id}-${c.seq}`;
    const r = rng.next();
    if (this.opts.locks > 0 && r >= 0.8) return this.lockOp(c, value);
    if (r < 0.3) return { op: 'put', key, value };
    if (r < 0.6) {
      // Half the reads read back what the client itself wrote last (read-your-writes); now
      // and then a fenced resource, so fenced writes are read back too.
      const q = rng.next();
      if (q < 0.5 && c.lastWritten !== null) return { op: 'get', key: c.lastWritten };
      if (q < 0.6 && this.opts.locks > 0) return { op: 'get', key: fenceKey(`l${rng.int(0, this.opts.locks - 1)}`) };
      return { op: 'get', key };
    }
    if (r < 0.67) return { op: 'delete', key };
    // cas from what the client last saw there, or (now and then) from nothing.
    const seen = c.lastSeen.get(key);
    return { op: 'cas', key, expected: seen === undefined || rng.next() < 0.2 ? null : seen, value };
  }

  /** lockOp: a holder writes through its fence, renews or unlocks; anyone else asks for a lock. */
  private lockOp(c: Client, value: string): KvOp {
    const rng = this.rng;
    const l = c.lock;
    if (l) {
      const r = rng.next();
      if (r < 0.5) return { op: 'fencedPut', key: fenceKey(l.name), value, token: l.token };
      if (r < 0.75) return { op: 'renew', name: l.name, owner: c.id, token: l.token, ttlMs: rng.int(200, 1500) };
      return { op: 'unlock', name: l.name, token: l.token };
    }
    return { op: 'lock', name: `l${rng.int(0, this.opts.locks - 1)}`, owner: c.id, ttlMs: rng.int(200, 1500) };
  }

  /** invoke starts a client's next command (also an event: invoke(c)). */
  private readonly invoke = (c: Client): void => {
    if (c.op) return;
    if (c.script === null) {
      if (!this.issuing) return;
      if (this.rng.next() < this.opts.newSession) this.newSession(c);
    } else if (c.script.length === 0) return;
    c.seq++;
    c.cmd++;
    c.attempt = 0;
    const op = c.seq === 1 ? registerOp(c) : c.script ? c.script.shift()! : this.chooseOp(c);
    const shape = historyShape(op);
    c.op = op;
    c.f = shape.f;
    c.key = shape.key;
    c.value = shape.value;
    c.anyNode = op.op === 'get' && this.rng.next() < this.opts.followerReads;
    // A read a follower may serve goes to any node; everything else to the leader it believes in.
    if (c.anyNode) c.target = pick(this.rng, this.cluster.ids);
    c.invokedAt = this.cluster.now;
    this.push(c, 'invoke', c.value);
    if (this.cluster.log.enabled) {
      this.cluster.log.write(this.cluster.now, 'invoke', {
        client: c.id,
        clientSeq: c.seq,
        f: c.f,
        key: c.key,
        value: c.value,
      });
    }
    this.send(c);
  };

  /** newSession starts a fresh client id: the old session is abandoned (the state machine evicts it in time). */
  private newSession(c: Client): void {
    c.sessions++;
    c.id = `c${c.n}.${c.sessions}`;
    c.seq = 0;
    c.lock = null;
    c.lastWritten = null;
    c.lastSeen.clear();
  }

  private send(c: Client): void {
    const seq = c.seq;
    const cmd = c.cmd;
    const attempt = ++c.attempt;
    const target = c.target;
    const req: ClientRequestFrame = {
      t: 'req',
      id: ++this.reqSeq,
      client: c.id,
      seq,
      op: c.op!,
      timeoutMs: this.opts.requestTimeoutMs,
    };
    if (c.anyNode) req.allowFollowerRead = true;
    // Agenda events with their arguments, not closures: a command's request, answer, time-out
    // and next invoke would otherwise each allocate a closure and the context it captures.
    this.cluster.callAfter(this.netDelay(), this.requestArrives, c, req, target, cmd);
    this.cluster.callAfter(this.opts.timeoutMs, this.timedOut, c, cmd, undefined, attempt);
  }

  /** requestArrives: a request reaches its node (an event: requestArrives(c, req, target, cmd)). */
  private readonly requestArrives = (c: Client, req: ClientRequestFrame, target: NodeId, cmd: number): void => {
    this.cluster.clientRequest(target, req, this.replyTo(c, cmd));
  };

  /** replyTo is the callback the node's request layer answers command `cmd` of `c` through: the answer travels back. */
  private replyTo(c: Client, cmd: number): (res: ClientResponseFrame) => void {
    return (res) => this.cluster.callAfter(this.netDelay(), this.onAnswer, c, res, undefined, cmd);
  }

  /** timedOut: a request's time-out comes due (an event: timedOut(c, cmd, _, attempt)). */
  private readonly timedOut = (c: Client, cmd: number, _u: unknown, attempt: number): void => {
    if (c.cmd !== cmd || !c.op || c.attempt !== attempt) return;
    // No answer: the node may be down, paused, partitioned or deposed. Try the next one.
    c.target = this.nextNode(c.target);
    this.send(c);
  };

  private nextNode(id: NodeId): NodeId {
    const ids = this.cluster.ids;
    return ids[(ids.indexOf(id) + 1) % ids.length]!;
  }

  /** onAnswer: an answer reaches its client (an event: onAnswer(c, res, _, cmd)). */
  private readonly onAnswer = (c: Client, res: ClientResponseFrame, _u: unknown, cmd: number): void => {
    if (c.cmd !== cmd || !c.op) return; // an answer to a command already answered
    const op = c.op;
    if (res.outcome === 'ok' && res.result) return this.succeeded(c, op, res.result);
    if (res.outcome === 'fail' && res.result && res.error === res.result.error && res.error !== 'stale-seq') {
      // Applied and refused (cas-mismatch, lock-held, stale-token, ...): certainly no effect.
      return this.refused(c, op, res.result);
    }
    if (res.error === 'session-expired' || res.error === 'stale-seq') {
      // The session that made retries exactly-once is gone: the outcome can no longer be learnt.
      this.complete(c, 'info', c.value);
      this.newSession(c);
      return;
    }
    // Not done yet: a redirect, a node that cannot serve now, or an outcome it does not
    // know (the same seq is retried, and the session answers it at most once).
    c.attempt++;
    if (res.outcome === 'fail' && res.error === 'not-leader' && res.leader) {
      if (!c.anyNode) c.target = res.leader;
      this.cluster.callAfter(1, this.retry, c, undefined, undefined, cmd);
      return;
    }
    c.target = c.anyNode ? pick(this.rng, this.cluster.ids) : (res.leader ?? this.nextNode(c.target));
    this.cluster.callAfter(this.cluster.tickMs * 5, this.retry, c, undefined, undefined, cmd);
  };

  /** retry sends a command again (an event: retry(c, _, _, cmd)). */
  private readonly retry = (c: Client, _a: unknown, _b: unknown, cmd: number): void => {
    if (c.cmd === cmd && c.op) this.send(c);
  };

  private succeeded(c: Client, op: KvOp, res: KvResult): void {
    this.acknowledge(c, op, res);
    switch (op.op) {
      case 'get':
        c.lastSeen.set(op.key, res.value ?? null);
        return this.complete(c, 'ok', res.value ?? null);
      case 'put':
      case 'cas':
        c.lastSeen.set(op.key, op.value);
        c.lastWritten = op.key;
        break;
      case 'delete':
        c.lastSeen.set(op.key, null);
        c.lastWritten = op.key;
        break;
      case 'lock':
        c.lock = { name: op.name, token: res.token ?? 0 };
        return this.complete(c, 'ok', { ...(c.value as object), token: res.token });
      case 'unlock':
        c.lock = null;
        break;
      case 'fencedPut':
        c.lastWritten = op.key;
        break;
      case 'renew':
        break;
    }
    this.complete(c, 'ok', c.value);
  }

  private refused(c: Client, op: KvOp, res: KvResult): void {
    this.acknowledge(c, op, res);
    if (op.op === 'cas') c.lastSeen.delete(op.key);
    // A refused renew, unlock or fenced write means the lock is no longer ours.
    if (op.op === 'renew' || op.op === 'unlock' || op.op === 'fencedPut') c.lock = null;
    this.complete(c, 'fail', c.value);
  }

  private acknowledge(c: Client, op: KvOp, res: KvResult): void {
    // A read is not in the log; everything else is, and the end-of-run checks look for it there.
    if (op.op !== 'get') this.acked.push({ client: c.id, seq: c.seq, result: res, timeMs: this.cluster.now });
  }

  private complete(c: Client, type: 'ok' | 'fail' | 'info', value: unknown): void {
    this.push(c, type, value);
    if (this.cluster.log.enabled) {
      this.cluster.log.write(this.cluster.now, 'complete', {
        client: c.id,
        clientSeq: c.seq,
        type,
        f: c.f,
        key: c.key,
        value,
        latencyMs: this.cluster.now - c.invokedAt,
      });
    }
    c.op = null;
    c.answers?.push({ f: c.f, type, value, atMs: this.cluster.now });
    if (type === 'info') {
      // An indeterminate operation may still take effect: its process never acts again (Jepsen's rule).
      c.process = this.nextProcess++;
      if (c.lock) c.lock = null;
    }
    this.completed++;
    if (c.script) {
      if (c.script.length > 0) this.cluster.callAfter(0, this.invoke, c, undefined, undefined, 0);
    } else if (this.issuing) this.cluster.callAfter(this.think(), this.invoke, c, undefined, undefined, 0);
  }

  private push(c: Client, type: HistoryOp['type'], value: unknown): void {
    if (type === 'invoke') this.counts.commands++;
    else if (type === 'info') this.counts.indeterminate++;
    else if (type === 'ok' && c.f === 'read') this.counts.reads++;
    this.history.push({
      index: this.history.length,
      time: Math.round(this.cluster.now * NS_PER_MS),
      process: c.process,
      type,
      f: c.f,
      key: c.key,
      value,
    });
  }
}

/**
 * registerOp is a session's first command (seq 1): a delete of a key of its own, which does
 * nothing if it applies twice. The state machine cannot tell a session's first command
 * retried after the session was evicted from a new session's first command, so it would
 * apply that twice; only seq > 1 is refused once evicted ('session-expired'). Registering
 * with a harmless command first, as clients register sessions in Raft (dissertation §6.3),
 * keeps every real command exactly-once.
 */
function registerOp(c: Client): KvOp {
  return { op: 'delete', key: `session-${c.id}` };
}

/** fenceKey is the data key a lock's holders write through its fencing token. */
export function fenceKey(lock: string): string {
  return `fence-${lock}`;
}
