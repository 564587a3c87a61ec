/**
 * NodeHost runs one cluster member: a protocol core driven by a monotonic clock, its
 * SQLite storage, the KV state machine, the router link and the client port. It knows
 * nothing of IPC: what the lab host must hear goes through `emit` (main.ts forwards it).
 *
 * The Ready loop (core/host.ts, the same HostLoop the simulator runs) runs as soon as
 * there is work (at the end of each read from the router, else setImmediate after each
 * event), never on the next tick: a put's latency is one loop, one fsync and one round
 * trip. A Ready that answers clients syncs off the event loop (deferred-sync.ts).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { HostLoop, type HostHooks, type SnapshotWhy } from '../core/host';
import type { ReplicatedKv } from '../core/shard/machine';
import { createMachine } from './machines';
import { noteText, PAXOS_WORDS, RAFT_WORDS } from '../core/notes';
import type { KvResult } from '../core/kv/types';
import { describeMessage, validateMessage } from '../core/protocols';
import { Recovery, mayLeaveWhileRecovering } from '../core/recovery';
import { type ConfChange, type MessageBase, type NodeId, type ProtocolNode, type ReadState } from '../core/types';
import { UNSAFE_DEFAULTS, UNSYNCED_FLUSH_MS, type UnsafeSettings } from '../core/unsafe';
import { ClientPort } from './client-port';
import { bootRecords, createCore, electionTicks, loadStore } from './node-boot';
import type { ControlReply, NodeConfig, NodeInspect, NodeToHost } from './contract';
import { Requests } from './requests';
import { SqliteStorage, nodeStoreOptions } from './sqlite-storage';
import { RouterLink } from './transport';
import { WriteBehind } from '../core/write-behind';
import { DeferredSync, nodeSyncOptions, type DeferredSyncHooks } from './deferred-sync';
import { CoreClock } from './core-clock';
import { TRACE_ON, trace, traceLast, traceName, traceSpan, traceStart } from './trace';

/** STATUS_MIN_GAP_MS: at most one status report per this many ms (always the latest). */
export const STATUS_MIN_GAP_MS = 20;
/** STATUS_MAX_DEFER_MS: the longest a status report waits for a held write (see reportStatus). */
const STATUS_MAX_DEFER_MS = 50;
/** MAX_READY_ROUNDS bounds Ready rounds per turn so sockets and timers are served between. */
const MAX_READY_ROUNDS = 64;
/** REJECT_EVENTS_PER_SEC limits 'frame-rejected' events so a flood of garbage cannot flood the run log. */
const REJECT_EVENTS_PER_SEC = 20;

/** NodeHost is one node process's engine (see file comment). */
export class NodeHost {
  readonly storage: SqliteStorage;
  /** store is what the Ready loop writes to: the file through DeferredSync, or (fsync off) a write-behind in front of it. */
  private readonly store: DeferredSync | WriteBehind;
  readonly kv: ReplicatedKv;
  readonly core: ProtocolNode;
  private readonly loop: HostLoop<MessageBase, KvResult>;
  private readonly link: RouterLink;
  private readonly port: ClientPort;
  private readonly requests: Requests;
  private clientPort = 0;
  private readySent = false;
  private stopped = false;
  /**
   * bootId is a nonce unique to this process: read contexts carry it, so an answer meant
   * for an earlier process of this node (still in flight when it restarted) matches nothing.
   */
  readonly bootId = randomBytes(6).toString('hex');

  /** recovery: the store was damaged; the node neither votes nor campaigns nor serves until caught up (core/recovery). */
  private readonly recovery: Recovery;
  /** held: message types a recovering core tried to send and the host held back (reported once each). */
  private readonly held = new Set<string>();

  private scheduled = false;
  private flushTimer: NodeJS.Timeout | null = null;
  private tickPeriodMs: number;
  /** clock ticks the core, sleeping while it has nothing to do on its own (core-clock.ts). */
  private readonly clock: CoreClock;

  private statusKey = '';
  private statusSentAt = 0;
  private statusTimer: NodeJS.Timeout | null = null;
  /** statusDeferredAt: since when reports have waited for held writes (0: none waits). */
  private statusDeferredAt = 0;
  /** roleChanged: a role change not yet carried by a status report (reported as soon as it may be). */
  private roleChanged = false;

  private rejectWindow = { start: 0, count: 0, suppressed: 0 };

  constructor(
    readonly cfg: NodeConfig,
    private readonly emit: (m: NodeToHost) => void,
  ) {
    if (TRACE_ON) traceName(cfg.id);
    const unsafe = this.unsafe;
    const kvOpts = { maxBytes: cfg.maxStoreBytes, sessions: unsafe.sessions, fencing: unsafe.fencing };
    this.kv = createMachine(cfg.machine, kvOpts);
    this.storage = new SqliteStorage(cfg.dataFile, nodeStoreOptions(cfg.protocol, cfg.id, unsafe.fsync));
    this.store = unsafe.fsync ? this.deferredSync() : this.writeBehind();
    const p = loadStore(this.storage, this.kv);
    this.recovery = new Recovery({
      reason: this.storage.damaged,
      floor: this.storage.recoveryFloor,
      voteLost: this.storage.voteLost,
      electionTicks: electionTicks(cfg),
      ctxPrefix: `${cfg.id}:${this.bootId}:recover`,
    });
    const fresh = p.hardState.term === 0 && p.snapshot === null && p.entries.length === 0;
    for (const [kind, detail] of bootRecords(this.storage, this.recovery.recovering, p, fresh))
      this.event(kind, detail);
    this.core = createCore(cfg, unsafe, fresh ? null : p, this.kv.appliedIndex, this.recovery.recovering, this.bootId);
    this.loop = new HostLoop({
      core: this.core,
      storage: this.store instanceof DeferredSync ? this.store.storage : this.store,
      sm: this.kv,
      hooks: this.loopHooks(),
      snapshotEvery: cfg.snapshotEvery,
      restored: p.snapshot,
      // Clients of committed entries are answered while the disk writes newer ones.
      applyWhileHeld: true,
    });
    this.tickPeriodMs = cfg.tickMs / cfg.timeScale;
    this.clock = new CoreClock(
      this.tickPeriodMs,
      {
        tick: () => {
          // A recovering core is ticked too: it never campaigns, and its clock keeps its leader lease.
          this.core.tick();
          this.recovery.tick();
        },
        // Every role sleeps until its core's next event (a leader's heartbeat, a follower's
        // election timeout or early campaign). Recovery counts every tick (its waits and retries).
        ticksToNext: () => (this.recovery.recovering ? 1 : (this.core.ticksToNextEvent?.() ?? 1)),
        ticked: () => this.schedule(),
      },
      {
        now: () => performance.now(),
        set: (fn, ms) => setTimeout(fn, ms),
        clear: (h) => clearTimeout(h as NodeJS.Timeout),
      },
    );
    this.requests = new Requests({
      id: cfg.id,
      bootId: this.bootId,
      core: this.core,
      kv: this.kv,
      recovering: () => this.recovery.recovering,
      localReads: unsafe.reads === 'local',
      kick: () => this.schedule(),
    });
    this.link = new RouterLink({
      id: cfg.id,
      token: cfg.token,
      host: cfg.routerHost,
      port: cfg.routerPort,
      validate: (x) => validateMessage(cfg.protocol, x),
      describe: (m) => describeMessage(cfg.protocol, m),
      onMessage: (m) => this.onMessage(m),
      onReject: (reason) => this.rejected('router', reason, `${cfg.routerHost}:${cfg.routerPort}`),
      onConnect: () => this.maybeReady(),
      onDisconnect: (reason) => this.event('router-disconnected', { reason }),
      onPeerClosed: (peer) => this.onPeerClosed(peer),
      // A read's frames are stepped: run the Ready loop now (once for them all), not after the
      // loop's other I/O callbacks — the hop before a follower's write and a leader's commit.
      onChunkEnd: () => {
        if (this.scheduled) this.runReady();
      },
    });
    this.port = new ClientPort({
      token: cfg.token,
      port: cfg.clientPort,
      onRequest: (req, reply) => {
        this.clock.catchUp();
        if (TRACE_ON) {
          trace('n.req', req.id);
          const inner = reply;
          reply = (res) => {
            trace('n.reply', res.id);
            inner(res);
          };
        }
        this.requests.handle(req, reply);
        // After a propose the new entry is the last in the log (the request layer stays free of tracing: the simulator shares it).
        if (TRACE_ON) trace('n.prop', `${req.id}@${this.core.status().lastIndex}`);
      },
      answerInvalid: (id, reason) => this.requests.invalid(id, reason),
      onReject: (reason, remote) => this.rejected('client', reason, remote),
    });
  }

  /** start listens on the client port, connects to the router and starts the clock; resolves with the client port. */
  async start(): Promise<number> {
    this.clientPort = await this.port.listen();
    this.link.start();
    this.clock.start();
    this.schedule(); // a restored core may have committed entries to apply at once
    return this.clientPort;
  }

  /** stop ends sockets and timers; graceful, it also answers clients, writes all (fsync off too), closes the store. */
  stop(graceful = true): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clock.stop();
    if (this.statusTimer) clearTimeout(this.statusTimer);
    if (graceful) this.requests.abandonAll('shutdown');
    this.link.close();
    this.port.close();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (!graceful) return;
    if (this.store instanceof WriteBehind) this.store.flush();
    this.storage.close();
  }

  /** deferredSync is the normal store: a Ready is held, not blocked on, until its write is durable. */
  private deferredSync(): DeferredSync {
    const hooks: DeferredSyncHooks<MessageBase> = {
      resume: (rd) => {
        traceLast('d.sync', rd.entries);
        this.loop.resume(rd);
        this.schedule();
      },
      wrote: (rd) => traceLast('d.write', rd.entries),
      synced: (rd) => traceLast('d.sync', rd.entries),
      live: () => !this.stopped,
      sentAll: () => this.link.sentAll,
      failed: (err) => {
        // Nothing written since the last sync can be vouched for: stop rather than answer.
        this.event('storage-failed', { reason: err.message });
        throw new Error(`${this.cfg.id}: cannot sync ${this.cfg.dataFile}: ${err.message}`);
      },
    };
    // A Ready that sends nothing first, or answers nobody, syncs on the event loop (deferred-sync.ts).
    return new DeferredSync(this.storage, hooks, nodeSyncOptions());
  }

  /** writeBehind is the fsync:false store: writes reach the file UNSYNCED_FLUSH_MS after they were acknowledged. */
  private writeBehind(): WriteBehind {
    return new WriteBehind(this.storage, (flush) => {
      // Slow motion stretches the delay as it stretches the timers.
      const ms = (UNSYNCED_FLUSH_MS * this.tickPeriodMs) / this.cfg.tickMs;
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        if (!this.stopped) flush();
      }, ms);
    });
  }

  /** unsafe: the safety rules this cluster breaks on purpose (none unless its config says so). */
  get unsafe(): UnsafeSettings {
    return this.cfg.unsafe ?? UNSAFE_DEFAULTS;
  }

  /** setTimeScale changes how fast core time runs (1 = real time, 0.1 = ten times slower). */
  setTimeScale(scale: number): void {
    this.tickPeriodMs = this.cfg.tickMs / scale;
    this.clock.setPeriod(this.tickPeriodMs);
  }

  /** confChange proposes a membership change on this node's core (it must lead). */
  confChange(cc: ConfChange): ControlReply {
    this.clock.catchUp();
    const st = this.core.status();
    if (this.recovery.recovering) return { ok: false, error: 'recovering', leader: st.leader };
    const why = this.core.checkConfChange?.(cc) ?? null;
    if (st.role === 'leader' && why !== null) return { ok: false, error: why, leader: st.leader };
    const r = this.core.proposeConfChange(cc);
    this.schedule();
    return r.ok ? { ok: true, index: r.index } : { ok: false, error: r.reason, leader: r.leader };
  }

  /** transfer asks this node's core (it must lead) to hand leadership to `to`. */
  transfer(to: NodeId): ControlReply {
    this.clock.catchUp();
    const st = this.core.status();
    if (st.role !== 'leader') return { ok: false, error: 'not-leader', leader: st.leader };
    const ok = this.core.transferLeadership(to);
    this.schedule();
    return ok ? { ok: true, index: 0 } : { ok: false, error: `${to} cannot take over now`, leader: st.leader };
  }

  /**
   * inspect is what the node inspector shows: status, `lastN` log entries (the last ones, or
   * those from index `from` on when it is given), the file, the store.
   */
  inspect(lastN: number, from?: number): NodeInspect {
    const st = this.core.status();
    const lo = Math.max(st.firstIndex, from ?? st.lastIndex - lastN + 1);
    const hi = Math.min(st.lastIndex, lo + lastN - 1);
    return {
      status: st,
      lastApplied: this.kv.appliedIndex,
      entries: lastN > 0 && lo <= hi ? this.core.entries(lo, hi + 1) : [],
      dataFile: this.cfg.dataFile,
      dataFileBytes: this.storage.fileBytes(),
      walPreallocBytes: this.storage.walPreallocBytes(),
      damaged: this.recovery.recovering,
      keys: this.kv.size(),
      locks: this.kv.locks(),
    };
  }

  /** loopHooks connect the HostLoop to this process: the router link, the client requests, the run log. */
  private loopHooks(): HostHooks<MessageBase, KvResult> {
    const sync = this.store instanceof DeferredSync ? this.store : null;
    return {
      send: (msgs) => this.send(msgs),
      holdPersist: sync ? (rd) => sync.hold(rd) : undefined,
      snapshotRestored: (snap) => {
        this.requests.coveredBySnapshot(snap.index);
        this.event('snapshot-installed', { index: snap.index, term: snap.term, bytes: snap.data.length });
      },
      applied: (e, result) => {
        if (TRACE_ON) trace('n.apply', e.index);
        this.requests.applied(e, result);
      },
      appliedEarly: () => this.port.flushAnswers(),
      reads: (rs) => this.reads(rs),
      snapshotTaken: (snap, why: SnapshotWhy) => {
        this.event('snapshot-taken', { index: snap.index, term: snap.term, bytes: snap.data.length, ...why });
      },
    };
  }

  private maybeReady(): void {
    if (this.readySent || this.stopped) return;
    this.readySent = true;
    this.emit({ t: 'ready', id: this.cfg.id, clientPort: this.clientPort, pid: process.pid });
    this.reportStatus(true);
  }

  /** reads hands the core's read states to their owners: recovery's own reads, else client reads. */
  private reads(rs: ReadState[]): void {
    for (const r of rs) if (!this.recovery.takeRead(r)) this.requests.readState(r);
    this.requests.serveReads();
  }

  private onMessage(m: MessageBase): void {
    if (this.stopped) return;
    this.clock.catchUp();
    try {
      this.core.step(m);
    } catch (e) {
      this.rejected('router', `message ${m.type} from ${m.from} refused by the core: ${(e as Error).message}`, m.from);
      return;
    }
    this.schedule();
  }

  /** onPeerClosed: a peer's process is gone (the router saw it exit); the core may campaign early. */
  private onPeerClosed(peer: string): void {
    if (this.stopped) return;
    // The ticks slept through happened before the close: counted after it, they would run
    // down the early campaign's wait (a survivor ranked second would stand at once, and
    // split the vote with the first).
    this.clock.catchUp();
    this.core.peerClosed?.(peer);
    this.schedule();
  }

  /** schedule runs the Ready loop on the next turn of the event loop (after pending I/O callbacks of this turn). */
  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(this.runScheduled);
  }

  /** runScheduled is schedule's callback: nothing to do if the loop already ran (onChunkEnd). */
  private readonly runScheduled = (): void => {
    if (this.scheduled) this.runReady();
  };

  private runReady(): void {
    if (TRACE_ON) trace('n.ready', '-');
    this.scheduled = false;
    if (this.stopped) return;
    if (this.loop.pump(MAX_READY_ROUNDS)) this.schedule();
    this.afterReady();
  }

  private send(msgs: MessageBase[]): void {
    if (msgs.length === 0) return;
    const out: { kind: ReturnType<ProtocolNode['messageKind']>; msg: MessageBase }[] = [];
    const recovering = this.recovery.recovering;
    for (const msg of msgs) {
      // The core already sends nothing else while recovering; this is the host's last check.
      if (recovering && !mayLeaveWhileRecovering(this.cfg.protocol, msg)) {
        this.holdBack(msg);
        continue;
      }
      out.push({ kind: this.core.messageKind(msg), msg });
    }
    this.link.send(out);
  }

  /** holdBack drops a message a recovering node may not send, and reports each kind once. */
  private holdBack(msg: MessageBase): void {
    if (this.held.has(msg.type)) return;
    this.held.add(msg.type);
    this.event('recovery-held', { type: msg.type, to: msg.to });
  }

  private afterReady(): void {
    const st = this.core.status();
    this.clock.rearm();
    this.requests.observe(st);
    if (this.recovery.recovering) this.maybeRecovered();
    this.reportStatus(false);
  }

  /** maybeRecovered lets the recovery rules (core/recovery) ask for a read point and end recovery once caught up. */
  private maybeRecovered(): void {
    const done = this.recovery.poll(this.core, this.kv.appliedIndex);
    if (done) {
      this.core.endRecovery();
      this.storage.markRecovered();
      this.event('recovered', { source: 'peers', leader: done.leader, commit: done.commit, target: done.target });
    }
    // poll may have issued a read (a message to the leader) for the loop to send.
    if (this.core.hasReady()) this.schedule();
  }

  /**
   * reportNotes sends the core's notes (why a role changed, how a vote was answered) as run-log
   * events, and tells whether a role changed. It runs before every status report, so the lab
   * hears why before it sees the new role.
   */
  private reportNotes(): boolean {
    const notes = this.core.takeNotes?.() ?? [];
    if (notes.length === 0) return false;
    const words = this.cfg.protocol === 'paxos' ? PAXOS_WORDS : RAFT_WORDS;
    const tickMs = this.cfg.tickMs;
    for (const n of notes) {
      const reason = noteText(n, words, tickMs);
      this.event(n.type === 'role' ? 'role-reason' : 'vote-answer', { ...n, reason, tickMs });
    }
    return notes.some((n) => n.type === 'role');
  }

  private reportStatus(force: boolean): void {
    if (this.stopped) return;
    // A role change (a leader elected) is reported as soon as it may be shown: the lab's
    // gateway waits on it. It stays urgent until a report carrying it goes out.
    if (this.reportNotes()) this.roleChanged = true;
    const urgent = force || this.roleChanged;
    // A pending report will carry the latest state; checked before status() so a busy
    // leader does not build a status (conf copy, progress views) per Ready only to drop it.
    if (this.statusTimer && !urgent) return;
    // While a Ready's write is held, what the core took since is in its log but not yet
    // written: a report now could show the lab entries (or a term) a kill would lose. The
    // resume runs the loop and reports then — a role change too, still urgent; under
    // continuous load (a write always held) a report goes out at least every
    // STATUS_MAX_DEFER_MS anyway.
    if (!force && this.store instanceof DeferredSync && this.store.pending > 0) {
      const now = performance.now();
      if (this.statusDeferredAt === 0) this.statusDeferredAt = now;
      if (now - this.statusDeferredAt < STATUS_MAX_DEFER_MS) return;
    }
    this.statusDeferredAt = 0;
    if (this.statusTimer && urgent) {
      clearTimeout(this.statusTimer);
      this.statusTimer = null;
    }
    const t0 = TRACE_ON ? traceStart() : 0;
    const st = this.core.status();
    const recovering = this.recovery.recovering;
    const key = `${st.role}|${st.term}|${st.vote}|${st.leader}|${st.commitIndex}|${this.kv.appliedIndex}|${recovering}`;
    if (key === this.statusKey && !urgent) return;
    const wait = this.statusSentAt + STATUS_MIN_GAP_MS - performance.now();
    if (wait > 0 && !urgent) {
      this.statusTimer = setTimeout(() => {
        this.statusTimer = null;
        this.reportStatus(false);
      }, wait);
      return;
    }
    this.statusKey = key;
    this.roleChanged = false;
    this.statusSentAt = performance.now();
    this.emit({ t: 'status', status: st, lastApplied: this.kv.appliedIndex, damaged: recovering });
    if (TRACE_ON) traceSpan('status', t0);
  }

  private event(kind: string, detail: Record<string, unknown>): void {
    this.emit({ t: 'event', kind, detail: { node: this.cfg.id, ...detail } });
  }

  private rejected(where: 'router' | 'client', reason: string, remote: string): void {
    const now = performance.now();
    const w = this.rejectWindow;
    if (now - w.start > 1000) {
      if (w.suppressed > 0)
        this.event('frame-rejected', { where, reason: `${w.suppressed} more rejected frames not logged` });
      this.rejectWindow = { start: now, count: 0, suppressed: 0 };
    }
    if (++this.rejectWindow.count > REJECT_EVENTS_PER_SEC) {
      this.rejectWindow.suppressed++;
      return;
    }
    this.event('frame-rejected', { where, reason, remote });
  }
}
