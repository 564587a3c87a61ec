/**
 * MitConfig: the MIT 6.5840 Raft lab's test harness (its config.go), rebuilt on the
 * simulator so the lab's scenarios run in virtual time against any ProtocolNode. Servers
 * are numbered 0..n-1 as in the lab (node ids n1..nN); "connected" is the lab's notion
 * (a disconnected server can send and receive nothing); commands are integers or strings
 * carried as KV puts, one log entry each. Checks throw MitFailure with the lab's wording.
 */
import { decodeCommand, encodeCommand } from '../core/kv/codec';
import type { ProtocolName } from '../core/protocols';
import type { NodeId, Rng } from '../core/types';
import { Cluster, type ClusterOptions } from './cluster';
import { MIT_UNRELIABLE, RELIABLE, withLongReordering, type NetworkFaults } from './network';
import { Stream, streamRng } from './random';
import type { RunLog } from './run-log';

/** RAFT_ELECTION_TIMEOUT_MS is the lab's RaftElectionTimeout: the tester allows elections a second. */
export const RAFT_ELECTION_TIMEOUT_MS = 1000;
/** SNAPSHOT_INTERVAL is the lab's SnapShotInterval: the service snapshots every 10 applied entries. */
export const SNAPSHOT_INTERVAL = 10;
/** MAX_LOG_SIZE is the lab's MAXLOGSIZE bound on persisted Raft state (bytes) with snapshots on. */
export const MAX_LOG_SIZE = 2000;
/**
 * MAX_LOG_ENTRIES is that bound in entries. The lab's 2000 bytes hold about 100 of its
 * gob-encoded integer commands; our entries are JSON KV commands (~150 bytes), so a byte
 * bound would measure the encoding. What the check means is "the log was compacted".
 */
export const MAX_LOG_ENTRIES = 100;

/** MitFailure is a failed lab check (t.Fatalf). */
export class MitFailure extends Error {}

/** MitCommand is what the lab's tests pass to Start(). */
export type MitCommand = number | string;

/** MitOptions configure a MitConfig (make_config(t, servers, unreliable, snapshot)). */
export interface MitOptions {
  servers: number;
  unreliable: boolean;
  snapshot: boolean;
  seed: number;
  protocol?: ProtocolName;
  log?: RunLog;
  countBytes?: boolean;
  cluster?: Partial<ClusterOptions>;
}

/** StartResult is Start()'s (index, term, isLeader). */
export interface StartResult {
  index: number;
  term: number;
  ok: boolean;
}

/** OneTask is one cfg.one() call running in virtual time (several may run at once). */
export class OneTask {
  done = false;
  index = -1;
  error: string | null = null;
}

/** MitConfig is the lab's `config` over a simulated Cluster. */
export class MitConfig {
  readonly cluster: Cluster;
  readonly n: number;
  readonly rng: Rng;
  private unreliable: boolean;
  private longReordering = false;
  private seq = 0;
  private starts = 0;
  /** maxApplied: the highest index each server ever applied (the lab's cfg.logs survive restarts). */
  private readonly maxApplied: number[];

  constructor(o: MitOptions) {
    this.n = o.servers;
    this.unreliable = o.unreliable;
    this.rng = streamRng(o.seed, Stream.scenario);
    this.cluster = new Cluster({
      tickMs: 10,
      heartbeatTicks: 10,
      electionTicks: 30,
      ...o.cluster,
      seed: o.seed,
      nodes: o.servers,
      protocol: o.protocol ?? 'raft',
      snapshotEvery: o.snapshot ? SNAPSHOT_INTERVAL : 0,
      network: this.faults(),
      countBytes: o.countBytes ?? false,
      ...(o.log ? { log: o.log } : {}),
    });
    this.maxApplied = new Array<number>(this.n).fill(0);
    this.cluster.onApply((node, e) => {
      if (e.index > this.maxApplied[node.index]!) this.maxApplied[node.index] = e.index;
    });
  }

  /** id names server i. */
  id(i: number): NodeId {
    return this.cluster.ids[i]!;
  }

  private faults(): NetworkFaults {
    const base = this.unreliable ? MIT_UNRELIABLE : RELIABLE;
    return this.longReordering ? withLongReordering(base) : base;
  }

  /** setUnreliable switches the lab's unreliable network on or off. */
  setUnreliable(on: boolean): void {
    this.unreliable = on;
    this.cluster.setFaults(this.faults());
  }

  /** setLongReordering turns on the lab's long reordering of messages. */
  setLongReordering(on: boolean): void {
    this.longReordering = on;
    this.cluster.setFaults(this.faults());
  }

  /** sleep advances virtual time. */
  sleep(ms: number): void {
    this.cluster.runFor(ms);
  }

  /** randInt is the lab's rand.Int() % n, from the scenario's seeded stream. */
  randInt(n: number): number {
    return this.rng.int(0, n - 1);
  }

  /** randString returns n random letters (the lab's randstring). */
  randString(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(97 + this.rng.int(0, 25));
    return s;
  }

  /** connected tells whether server i is running and not disconnected. */
  connected(i: number): boolean {
    return this.cluster.nodes[i]!.state !== 'down' && this.cluster.net.isConnected(this.id(i));
  }

  /** alive tells whether server i's Raft exists (cfg.rafts[i] != nil). */
  alive(i: number): boolean {
    return this.cluster.nodes[i]!.state !== 'down';
  }

  disconnect(i: number): void {
    this.cluster.disconnect(this.id(i));
  }

  connect(i: number): void {
    this.cluster.connect(this.id(i));
  }

  /** crash1 kills server i; its persisted state stays. */
  crash1(i: number): void {
    this.disconnect(i);
    this.cluster.crash(this.id(i));
  }

  /** start1 (re)starts server i from its persisted state; like the lab, it stays disconnected until connect(). */
  start1(i: number): void {
    this.crash1(i);
    this.cluster.restart(this.id(i));
  }

  /** getState is GetState(): (term, isLeader); null while crashed. */
  getState(i: number): { term: number; isLeader: boolean } | null {
    const s = this.cluster.status(this.id(i));
    return s ? { term: s.term, isLeader: s.role === 'leader' } : null;
  }

  /** encode turns a lab command into a KV log entry (a put whose value is the command). */
  encode(cmd: MitCommand): string {
    return encodeCommand({
      client: 'mit',
      seq: ++this.seq,
      now: 0,
      cmd: { op: 'put', key: 'x', value: JSON.stringify(cmd) },
    });
  }

  /** decode recovers the lab command from a log entry's data (null for other entries). */
  decode(data: string): MitCommand | null {
    const c = decodeCommand(data);
    if (typeof c === 'string' || c.cmd.op !== 'put') return null;
    return JSON.parse(c.cmd.value) as MitCommand;
  }

  /** start is Start(cmd) on server i. */
  start(i: number, cmd: MitCommand): StartResult {
    if (!this.alive(i)) return { index: -1, term: -1, ok: false };
    const r = this.cluster.propose(this.id(i), this.encode(cmd));
    return r.ok
      ? { index: r.index, term: r.term, ok: true }
      : { index: -1, term: this.getState(i)?.term ?? -1, ok: false };
  }

  /** checkOneLeader waits for exactly one leader among connected servers in the newest term. */
  checkOneLeader(): number {
    for (let iters = 0; iters < 10; iters++) {
      this.sleep(450 + this.randInt(100));
      const leaders = new Map<number, number[]>();
      for (let i = 0; i < this.n; i++) {
        if (!this.connected(i)) continue;
        const st = this.getState(i);
        if (st?.isLeader) leaders.set(st.term, [...(leaders.get(st.term) ?? []), i]);
      }
      let last = -1;
      for (const [term, ls] of leaders) {
        if (ls.length > 1) throw new MitFailure(`term ${term} has ${ls.length} (>1) leaders`);
        if (term > last) last = term;
      }
      if (leaders.size > 0) return leaders.get(last)![0]!;
    }
    throw new MitFailure('expected one leader, got none');
  }

  /** checkTerms checks every connected server agrees on the term, and returns it. */
  checkTerms(): number {
    let term = -1;
    for (let i = 0; i < this.n; i++) {
      if (!this.connected(i)) continue;
      const t = this.getState(i)!.term;
      if (term === -1) term = t;
      else if (term !== t) throw new MitFailure('servers disagree on term');
    }
    return term;
  }

  /** checkNoLeader checks no connected server thinks it is leader. */
  checkNoLeader(): void {
    for (let i = 0; i < this.n; i++) {
      if (this.connected(i) && this.getState(i)?.isLeader) {
        throw new MitFailure(`expected no leader among connected servers, but ${i} claims to be leader`);
      }
    }
  }

  /** nCommitted is how many servers have applied index, and the command there. */
  nCommitted(index: number): [number, MitCommand | null] {
    const c = this.cluster.checker;
    let count = 0;
    for (let i = 0; i < this.n; i++) {
      const applied = Math.max(this.maxApplied[i]!, c.nodeApplied(this.id(i)));
      this.maxApplied[i] = applied;
      if (applied >= index) count++;
    }
    if (count === 0) return [0, null];
    const slot = c.appliedAt(index);
    if (!slot) return [count, null];
    return [count, slot.type === 'normal' ? this.decode(slot.data) : null];
  }

  /** one submits cmd through a leader and waits until expectedServers applied it (cfg.one). */
  one(cmd: MitCommand, expectedServers: number, retry: boolean): number {
    const t = this.oneAsync(cmd, expectedServers, retry);
    this.cluster.runUntilTrue(() => t.done, 60_000, 5);
    if (!t.done) throw new MitFailure(`one(${short(cmd)}) did not finish`);
    if (t.error) throw new MitFailure(t.error);
    return t.index;
  }

  /** oneAsync is one() as a task in virtual time, so several can run concurrently (goroutines in the lab). */
  oneAsync(cmd: MitCommand, expectedServers: number, retry: boolean): OneTask {
    const task = new OneTask();
    const c = this.cluster;
    const t0 = c.now;
    const fail = (): void => {
      task.error = `one(${short(cmd)}) failed to reach agreement`;
      task.done = true;
    };
    const attempt = (): void => {
      if (c.now - t0 >= 10_000) return fail();
      let index = -1;
      for (let si = 0; si < this.n; si++) {
        this.starts = (this.starts + 1) % this.n;
        if (this.connected(this.starts)) {
          const r = this.start(this.starts, cmd);
          if (r.ok) {
            index = r.index;
            break;
          }
        }
      }
      if (index === -1) {
        c.after(50, attempt);
        return;
      }
      const t1 = c.now;
      const poll = (): void => {
        const [nd, cmd1] = this.nCommitted(index);
        if (nd > 0 && nd >= expectedServers && cmd1 === cmd) {
          task.index = index;
          task.done = true;
          return;
        }
        if (c.now - t1 < 2000) {
          c.after(20, poll);
          return;
        }
        if (!retry) return fail();
        c.after(50, attempt);
      };
      poll();
    };
    attempt();
    return task;
  }

  /** wait waits for n servers to apply index; -1 if some server moved past startTerm (cfg.wait). */
  wait(index: number, n: number, startTerm: number): MitCommand | -1 {
    let to = 10;
    for (let iters = 0; iters < 30; iters++) {
      const [nd] = this.nCommitted(index);
      if (nd >= n) break;
      this.sleep(to);
      if (to < 1000) to *= 2;
      if (startTerm > -1) {
        for (let i = 0; i < this.n; i++) {
          const st = this.getState(i);
          if (st && st.term > startTerm) return -1; // someone has moved on; can no longer guarantee that we'll "win"
        }
      }
    }
    const [nd, cmd] = this.nCommitted(index);
    if (nd < n) throw new MitFailure(`only ${nd} decided for index ${index}; wanted ${n}`);
    return cmd ?? -1;
  }

  /** rpcTotal counts messages sent so far (a lab RPC is a request and its reply: two messages). */
  rpcTotal(): number {
    return this.cluster.stats.sent;
  }

  /** bytesTotal counts message bytes (JSON) sent so far; needs countBytes. */
  bytesTotal(): number {
    return this.cluster.stats.bytes;
  }

  /** logSize is the largest persisted Raft state (hard state + log, without the snapshot), in JSON bytes. */
  logSize(): number {
    let max = 0;
    for (const node of this.cluster.nodes) {
      const p = node.storage.load();
      max = Math.max(max, JSON.stringify({ hardState: p.hardState, entries: p.entries }).length);
    }
    return max;
  }

  /** logEntries is the longest persisted log (entries not covered by a snapshot) of any server. */
  logEntries(): number {
    let max = 0;
    for (const node of this.cluster.nodes) max = Math.max(max, node.storage.load().entries.length);
    return max;
  }

  /** checkSafety throws if the simulator's invariants caught anything (the lab's applier checks). */
  checkSafety(): void {
    const v = this.cluster.violations;
    if (v.length > 0) throw new MitFailure(v.map((x) => `[${x.invariant}] ${x.description}`).join('\n'));
  }
}

function short(cmd: MitCommand): string {
  const s = String(cmd);
  return s.length > 20 ? s.slice(0, 17) + '...' : s;
}
