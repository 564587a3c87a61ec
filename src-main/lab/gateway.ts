/**
 * The Gateway carries client requests to the cluster: one persistent client-port
 * connection per node (Hello, then ClientRequestFrames multiplexed by id), reads sent to
 * the node the selected Balancer picks, writes to the leader the cluster reports (else
 * the balancer's pick), 'not-leader' redirects followed, and retries only where the
 * request certainly was not applied (connection refused or closed before it was sent, a
 * not-leader / recovering answer) — and one more case: a write whose leader lost its
 * leadership before the write committed ('leadership-lost'). That write may still commit
 * under the next leader, so it is asked again there under the same session, and the state
 * machine's session applies it once (with the unsafe sessions:false mode, twice). A get
 * whose leader lost its leadership before confirming it is asked again too: a read changes
 * nothing (node/contract.ts's retryableFail is the rule, shared with the simulator). Once a
 * try may have applied, the request ends 'unknown' unless the state machine itself
 * answers. Everything else ends the request with the outcome the node gave, or 'unknown'
 * when the answer never came (timeout, node died).
 *
 * Sessions: each request gets (client, seq) from a pool of client sessions, each with at
 * most one request outstanding, so the state machine's exactly-once session (latest seq
 * per client) makes any retry of the same request apply once. The state machine takes a
 * command of a client it has no session for only at seq 1 (a later seq means the session
 * was evicted: 'session-expired'), so a session's seq counts only the commands that may
 * have reached a log: a get (served by ReadIndex, never logged) uses no session, and a
 * command every try of which was refused before it was proposed leaves its seq to the
 * next. A session the state machine did evict is retired and the request sent again under
 * a brand-new one (the gateway only ever retries what certainly did not apply).
 */
import type { BalanceAlgorithm, ClusterView } from '../api/contract';
import { quorumProblem } from '../api/quorum';
import { createBalancer } from '../core/balance';
import type { Balancer, BackendState } from '../core/balance/types';
import type { KvOp, KvResult } from '../core/kv/types';
import { seededRng, type NodeId, type Rng } from '../core/types';
import { RETRYABLE_ERRORS, retryableFail, type ClientOutcome, type ClientRequestFrame } from '../node/contract';
import { NodeConn } from './gateway-conn';

/** GatewayResult is what one request came to. */
export interface GatewayResult {
  outcome: ClientOutcome;
  result: KvResult | null;
  /** node: the node that gave the final answer (or was last tried). */
  node: NodeId | null;
  error?: string;
  latencyMs: number;
}

/** Tries is one request's state across its tries, for Gateway.finish. */
interface Tries {
  t0: number;
  /** picked: the node first chosen (its in-flight count was raised). */
  picked: NodeId | null;
  /** session: the session the request goes under now (a renewal replaces it). */
  session: Session | null;
  /** lent: the session is the caller's (never pooled nor retired here). */
  lent: boolean;
  /** mayHaveApplied: an earlier try may have taken effect, so only the state machine's own answer may say fail. */
  mayHaveApplied: boolean;
}

/** GatewayOptions wire the gateway to the cluster. */
export interface GatewayOptions {
  token: string;
  nodes: NodeId[];
  /** portOf: a node's client port if its process runs and is ready (paused included), else null. */
  portOf: (id: NodeId) => number | null;
  /** isUp: the node runs and is not paused (the balancer picks only these; a pinned request may still go to a paused node). */
  isUp: (id: NodeId) => boolean;
  /** leader: the leader the host currently believes in (from node status), for leader-only and first tries. */
  leader: () => NodeId | null;
  /** clientPrefix names this gateway's sessions (unique per cluster). */
  clientPrefix: string;
  /** seed: the balancers' random source (random-weighted, power-of-two). */
  seed: number;
}

/** MAX_SESSIONS bounds the session pool (the state machine keeps 1024 sessions). */
const MAX_SESSIONS = 512;

/** Session is one client session of the pool; `seq` is its last command that may have reached a log (0: none yet). */
export interface Session {
  client: string;
  seq: number;
}

/** Gateway sends client requests to the cluster (see the file comment). */
export class Gateway {
  private readonly conns = new Map<NodeId, NodeConn>();
  private nextReqId = 0;
  private readonly freeSessions: Session[] = [];
  /** liveSessions: sessions pooled or in use (retired ones no longer count); sessionNames names new ones. */
  private liveSessions = 0;
  private sessionNames = 0;
  private balancer: Balancer;
  algorithm: BalanceAlgorithm = 'round-robin';
  readonly weights: Record<NodeId, number> = {};
  readonly served: Record<NodeId, number> = {};
  readonly inflight: Record<NodeId, number> = {};
  private closed = false;
  private readonly rng: Rng;
  /** waiting: requests sleeping before their next try; a new leader wakes them (leaderChanged). */
  private readonly waiting = new Set<() => void>();

  constructor(private readonly opts: GatewayOptions) {
    for (const id of opts.nodes) {
      this.weights[id] = 1;
      this.served[id] = 0;
      this.inflight[id] = 0;
    }
    this.rng = seededRng(opts.seed ^ 0xba1a);
    this.balancer = createBalancer('round-robin', { rng: this.rng });
  }

  /** setBalance switches the algorithm (and weights); served counts restart so a user sees the new split. */
  setBalance(algorithm: BalanceAlgorithm, weights?: Record<NodeId, number>): void {
    this.balancer = createBalancer(algorithm, { rng: this.rng });
    this.algorithm = algorithm;
    for (const id of this.opts.nodes) {
      if (weights && weights[id] !== undefined) this.weights[id] = weights[id];
      this.served[id] = 0;
    }
  }

  private backends(): BackendState[] {
    const leader = this.opts.leader();
    return this.opts.nodes.map((id) => ({
      id,
      up: this.opts.isUp(id) && this.opts.portOf(id) !== null,
      inflight: this.inflight[id] ?? 0,
      weight: this.weights[id] ?? 1,
      leader: id === leader,
    }));
  }

  private pick(key: string, avoid: Set<NodeId>): NodeId | null {
    const all = this.backends();
    const usable = all.map((b) => (avoid.has(b.id) ? { ...b, up: false } : b));
    // leader-only with no leader known yet: any up node answers with a redirect once one is elected.
    return this.balancer.pick(usable, key) ?? usable.find((b) => b.up)?.id ?? all.find((b) => b.up)?.id ?? null;
  }

  private conn(id: NodeId): NodeConn | null {
    const port = this.opts.portOf(id);
    if (port === null) return null;
    const c = this.conns.get(id);
    if (c && !c.closed && c.port === port) return c;
    if (c) c.close();
    const fresh = new NodeConn(id, port, this.opts.token, (dead) => {
      if (this.conns.get(id) === dead) this.conns.delete(id);
    });
    this.conns.set(id, fresh);
    return fresh;
  }

  /** addNode makes a new node a backend the balancer may pick. */
  addNode(id: NodeId): void {
    if (this.opts.nodes.includes(id)) return;
    this.opts.nodes.push(id);
    this.weights[id] = 1;
    this.served[id] = 0;
    this.inflight[id] = 0;
  }

  /** removeNode stops sending to a node taken out of the cluster. */
  removeNode(id: NodeId): void {
    const i = this.opts.nodes.indexOf(id);
    if (i >= 0) this.opts.nodes.splice(i, 1);
    delete this.weights[id];
    delete this.served[id];
    delete this.inflight[id];
    this.dropConn(id);
  }

  /** dropConn closes a node's connection (the node crashed or restarted). */
  dropConn(id: NodeId): void {
    const c = this.conns.get(id);
    if (c) {
      this.conns.delete(id);
      c.close();
    }
  }

  /**
   * leaderChanged: the cluster reports a new leader. Requests waiting to try again (no
   * leader was known, or their node was down) go at once, to it, instead of when their
   * back-off runs out — after a failover, the first put is answered as soon as the new
   * leader says it leads.
   */
  leaderChanged(): void {
    const ws = [...this.waiting];
    this.waiting.clear();
    for (const w of ws) w();
  }

  /** pause waits ms before a request's next try, or less if leaderChanged() wakes it. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiting.add(done);
    });
  }

  /** takeSession lends a session for one command: a pooled one, else a new one; null for none (seq 0). */
  private takeSession(op: KvOp): Session | null {
    // A get is served through ReadIndex and never reaches the log (nor a session): were it
    // to spend a seq, the session's first logged command would not be seq 1 and the state
    // machine would take it for one whose session was evicted.
    if (op.op === 'get') return null;
    return this.freeSessions.pop() ?? this.newSession();
  }

  /** newSession names a session no state machine has seen, so its first command is seq 1. */
  private newSession(): Session | null {
    // Beyond the pool, one-shot commands (seq 0: no session) are still correct because
    // the gateway only retries what certainly was not applied.
    if (this.liveSessions >= MAX_SESSIONS) return null;
    this.liveSessions++;
    return { client: `${this.opts.clientPrefix}-${++this.sessionNames}`, seq: 0 };
  }

  /**
   * request sends one KV op and resolves with its outcome (never rejects). `lent` is a
   * session the caller owns (a sharded cluster's per-shard session): the op goes under
   * exactly that client and seq, the session is neither pooled nor renewed here, and a
   * `wrong-group` answer comes back at once (outcome unknown if an earlier try may have
   * applied) so the caller can retry at the group that serves the key.
   */
  async request(op: KvOp, timeoutMs: number, pinned?: NodeId, lent?: Session): Promise<GatewayResult> {
    const t0 = performance.now();
    const deadline = t0 + timeoutMs;
    const key = 'key' in op ? op.key : op.name;
    let session = lent ? { client: lent.client, seq: lent.seq - 1 } : this.takeSession(op);
    let seq = session ? session.seq + 1 : 0;
    let renewals = 0;
    const avoid = new Set<NodeId>();
    // Only the leader can apply a write, so a write goes straight to the leader the cluster
    // reports (as etcd's client does) instead of taking a redirect through the balancer's
    // pick; reads are what the balancer spreads (a follower serves them through ReadIndex).
    const leader = op.op === 'get' ? null : this.opts.leader();
    let target: NodeId | null = pinned ?? (leader !== null && this.opts.isUp(leader) ? leader : this.pick(key, avoid));
    const picked = target;
    if (picked) {
      this.served[picked] = (this.served[picked] ?? 0) + 1;
      this.inflight[picked] = (this.inflight[picked] ?? 0) + 1;
    }
    let lastError = 'no node is up';
    let lastNode: NodeId | null = target;
    const tr: Tries = { t0, picked, session, lent: lent !== undefined, mayHaveApplied: false };
    let backoff = 5;
    let hops = 0;
    for (;;) {
      if (this.closed) return this.finish(tr, 'fail', null, lastNode, 'cluster stopped');
      const remaining = deadline - performance.now();
      if (remaining <= 0) return this.finish(tr, 'fail', null, lastNode, `timeout: ${lastError}`);
      const c = target ? this.conn(target) : null;
      if (!target || !c) {
        if (pinned) return this.finish(tr, 'fail', null, pinned, `${pinned} is not up`);
        if (target) avoid.add(target);
        lastError = target ? `${target} is not up` : lastError;
        await this.pause(Math.min(backoff, remaining));
        backoff = Math.min(backoff * 2, 100);
        target = this.pick(key, avoid);
        if (target === null) avoid.clear();
        continue;
      }
      lastNode = target;
      const frame: ClientRequestFrame = {
        t: 'req',
        id: ++this.nextReqId,
        // A one-shot command still names its client (the node requires one); seq 0 opts out.
        client: session?.client ?? this.opts.clientPrefix,
        seq,
        op,
        timeoutMs: Math.max(1, Math.floor(remaining)),
      };
      // A balancer that picked a follower for a read lets it serve through ReadIndex (still linearizable).
      if (op.op === 'get' && this.algorithm !== 'leader-only') frame.allowFollowerRead = true;
      const a = await c.send(frame, remaining);
      if (a.k === 'lost') return this.finish(tr, 'unknown', null, target, a.why);
      if (a.k === 'not-sent') {
        if (pinned) return this.finish(tr, 'fail', null, target, a.why);
        lastError = `${target}: ${a.why}`;
        avoid.add(target);
        target = this.pick(key, avoid);
        if (target === null) avoid.clear();
        continue;
      }
      const res = a.res;
      const refusedEarly = res.outcome === 'fail' && RETRYABLE_ERRORS.has(res.error ?? '');
      // Any other answer means this copy may have been proposed: the seq is spent.
      if (session && !refusedEarly) session.seq = Math.max(session.seq, seq);
      if (
        res.outcome === 'unknown' &&
        res.error === 'session-expired' &&
        session &&
        !lent &&
        !tr.mayHaveApplied &&
        renewals++ < 2
      ) {
        // The state machine evicted this session. Every earlier try of this request certainly
        // did not apply (mayHaveApplied is false), so it is safe to send it again under a
        // new session, whose seq 1 no state machine can refuse. After a deposed try it is
        // not: the first copy may have applied, and a new session would apply it twice.
        this.liveSessions--;
        session = this.newSession();
        tr.session = session;
        seq = session ? session.seq + 1 : 0;
        continue;
      }
      if (res.outcome === 'ok') return this.finish(tr, 'ok', res.result, res.node);
      const err = res.error ?? res.result?.error ?? 'failed';
      if (lent && err === 'wrong-group')
        return this.finish(tr, tr.mayHaveApplied ? 'unknown' : 'fail', res.result, res.node, err);
      if (res.outcome === 'unknown') {
        if (err !== 'leadership-lost' || !session || pinned)
          return this.finish(tr, 'unknown', res.result, res.node, err);
        // Deposed before it committed: the next leader may hold it, so ask there under the same session.
        tr.mayHaveApplied = true;
      } else if (!retryableFail(op, err) || pinned) return this.finish(tr, 'fail', res.result, res.node, err);
      lastError = `${res.node}: ${err}`;
      if (
        res.leader &&
        res.leader !== target &&
        this.opts.isUp(res.leader) &&
        this.opts.portOf(res.leader) !== null &&
        hops++ < 3
      ) {
        target = res.leader; // follow the redirect at once (a few times; then back off)
        continue;
      }
      hops = 0;
      // No leader known yet (an election is running): wait a little, then try another node.
      avoid.add(target);
      await this.pause(Math.min(backoff, Math.max(0, deadline - performance.now())));
      backoff = Math.min(backoff * 2, 100);
      target = this.opts.leader() ?? this.pick(key, avoid);
      if (target === null || avoid.size >= this.opts.nodes.length) avoid.clear();
      target ??= this.pick(key, avoid);
    }
  }

  /**
   * finish ends a request: its outcome (a fail after a try that may have applied is
   * unknown), its node's in-flight count, its session back to the pool or retired. A
   * method over the request's Tries rather than a closure per request: under tsx every
   * named closure is also given its name with Object.defineProperty, a cost per put.
   */
  private finish(
    tr: Tries,
    given: ClientOutcome,
    result: KvResult | null,
    node: NodeId | null,
    error?: string,
  ): GatewayResult {
    // A fail that carries a result is the state machine refusing the command (for a retry
    // under the same session, the first try's answer); any other fail says nothing then.
    const outcome = tr.mayHaveApplied && given === 'fail' && result === null ? 'unknown' : given;
    const picked = tr.picked;
    if (picked) this.inflight[picked] = Math.max(0, (this.inflight[picked] ?? 1) - 1);
    // A session whose request may still apply later is retired, so its next seq can never be confused with it.
    if (tr.session && !tr.lent) {
      if (outcome !== 'unknown') this.freeSessions.push(tr.session);
      else this.liveSessions--;
    }
    const r: GatewayResult = { outcome, result, node, latencyMs: performance.now() - tr.t0 };
    if (error !== undefined) r.error = error;
    return r;
  }

  /** close ends every connection; requests in flight end as unknown. */
  close(): void {
    this.closed = true;
    this.leaderChanged();
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }
}

/**
 * ANSWERS are errors that are the cluster's answer to the request itself (the state
 * machine refused it, or the request was malformed): the cluster worked, so they are
 * never blamed on a missing quorum.
 */
const ANSWERS = new Set([
  'cas-mismatch',
  'lock-held',
  'lock-not-held',
  'stale-token',
  'bad-command',
  'stale-seq',
  'session-expired',
  'store-full',
]);

/**
 * explainError says what is missing when a request failed or its outcome is unknown
 * because no zone of the cluster can reach a quorum (or none has elected a leader yet):
 * "no quorum: 2 of 5 nodes reachable, 3 needed (n3, n4, n5 down) — last try: n4:
 * not-leader" instead of only the last node's answer. The outcome is not touched: this
 * only rewords the error. Other errors are returned as they are.
 */
export function explainError(error: string, view: Pick<ClusterView, 'nodes' | 'groups' | 'leader'>): string {
  if (ANSWERS.has(error) || error.startsWith('bad-request') || error === 'cluster stopped') return error;
  const problem = quorumProblem(view);
  return problem === null ? error : `${problem} — last try: ${error}`;
}
