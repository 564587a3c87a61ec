/**
 * HostLoop is the one Ready loop every host runs — the node process (node/node-host.ts),
 * the simulator (sim/sim-node.ts) and the core tests' in-memory network — so that all of
 * them persist, send, apply and compact by the same rules (see Ready in types.ts):
 *
 *   ready() → send `messages` → persist (possibly later: an asynchronous disk) →
 *   send `messagesAfterPersist` → restore a newer snapshot → apply `committed` once each →
 *   hand over `reads` → advance() → take a snapshot every `snapshotEvery` applied entries.
 *
 * It is pure: no clock, no I/O of its own. What a host adds (a wire, a disk that takes
 * time, client requests waiting on applies, a recovering node's filters, an invariant
 * checker) comes in through HostHooks.
 */
import type { Storage } from './storage';
import type { Entry, HardState, MessageBase, ProtocolNode, ReadState, Ready, Snapshot } from './types';

/** StateMachine is what the loop applies committed entries to (KvStateMachine; the core tests use a list). */
export interface StateMachine<R> {
  /** appliedIndex is the last index applied, skipped or restored: the loop's one record of "applied". */
  readonly appliedIndex: number;
  /** apply applies the command of a normal entry; indexes only increase. */
  apply(index: number, data: string): R;
  /** skipTo advances appliedIndex over an entry that carries no command (noop, config). */
  skipTo(index: number): void;
  /** snapshot serializes the whole state. */
  snapshot(): string;
  /** restore replaces the state with a snapshot taken at `index` (appliedIndex becomes at least index). */
  restore(data: string, index: number): void;
}

/** SnapshotWhy says why a snapshot was taken (`reason`, plus details for the run log). */
export type SnapshotWhy = { reason: string } & Record<string, unknown>;

/** HostHooks is how the loop reaches its host; only `send` is required. */
export interface HostHooks<M extends MessageBase, R> {
  /** send puts messages on the wire (the host may hold some back, e.g. while recovering). */
  send(msgs: M[]): void;
  /**
   * holdPersist lets a host's disk take time: return true to hold this Ready's write (and
   * everything after it) until the host calls HostLoop.resume(rd) — or forever, if the
   * host crashes first. Returning false (or no hook) writes at once.
   */
  holdPersist?(rd: Ready<M>): boolean;
  /** readied: a Ready was taken from the core (its status may have changed). */
  readied?(rd: Ready<M>): void;
  /** persisted: the Ready's hard state is durable. */
  persisted?(hs: HardState): void;
  /** snapshotRestored: the state machine now holds a snapshot received from a peer. */
  snapshotRestored?(snap: Snapshot): void;
  /** applied: a committed entry was applied (result null for noop and config entries). */
  applied?(e: Entry, result: R | null): void;
  /**
   * appliedEarly: a Ready's committed entries were applied ahead of its write
   * (applyWhileHeld): the answers `applied` gave may leave now, before that write.
   */
  appliedEarly?(): void;
  /** skipped: the core handed an entry the state machine already holds; it was not applied again. */
  skipped?(e: Entry): void;
  /** snapshotSkipped: the core handed a snapshot no newer than what is applied; it was not restored. */
  snapshotSkipped?(snap: Snapshot): void;
  /** reads: the Ready's read states (maybe none), after its entries were applied: reads may be served now. */
  reads?(rs: ReadState[]): void;
  /** snapshotTaken: the state machine was snapshotted and the log compacted. */
  snapshotTaken?(snap: Snapshot, why: SnapshotWhy): void;
  /** advanced: the Ready is done (advance() ran); the end of one round. */
  advanced?(rd: Ready<M>): void;
}

/** HostLoopOptions configure a HostLoop. */
export interface HostLoopOptions<M extends MessageBase, R> {
  core: ProtocolNode<M>;
  storage: Pick<Storage, 'save' | 'compact'>;
  /** sm must already hold `restored` (if any) when the loop is built. */
  sm: StateMachine<R>;
  hooks: HostHooks<M, R>;
  /** snapshotEvery: snapshot after this many applied entries (0 = only when takeSnapshot is called). */
  snapshotEvery?: number;
  /** restored: the snapshot the state machine was restored from at boot (none for a fresh node). */
  restored?: Snapshot | null;
  /**
   * applyWhileHeld: apply a Ready's committed entries at once instead of after its write
   * (see runOne and finish). Off by default; the node process turns it on.
   */
  applyWhileHeld?: boolean;
}

/** HostLoop drives one ProtocolNode through its Readies (see file comment). */
export class HostLoop<M extends MessageBase = MessageBase, R = unknown> {
  private readonly core: ProtocolNode<M>;
  private readonly storage: Pick<Storage, 'save' | 'compact'>;
  private readonly sm: StateMachine<R>;
  private readonly hooks: HostHooks<M, R>;
  private readonly snapshotEvery: number;
  /** waiting is the Ready whose write the disk holds (one at a time). */
  private waiting: Ready<M> | null = null;
  private readonly applyWhileHeld: boolean;
  /** appliedEarly: the held Ready whose committed entries were applied when it was held. */
  private appliedEarly: Ready<M> | null = null;
  private stopped = false;
  private snapIndexValue: number;
  /** appliedTerm is the term of the last applied entry (the fallback snapshot's term). */
  private appliedTerm: number;

  constructor(o: HostLoopOptions<M, R>) {
    this.core = o.core;
    this.storage = o.storage;
    this.sm = o.sm;
    this.hooks = o.hooks;
    this.snapshotEvery = o.snapshotEvery ?? 0;
    this.applyWhileHeld = o.applyWhileHeld === true;
    this.snapIndexValue = o.restored?.index ?? 0;
    this.appliedTerm = o.restored?.term ?? 0;
  }

  /** applied is the last index the state machine holds (noop and config entries included). */
  get applied(): number {
    return this.sm.appliedIndex;
  }

  /** snapIndex is the index of the latest snapshot taken or restored. */
  get snapIndex(): number {
    return this.snapIndexValue;
  }

  /** persisting tells whether a Ready's write is held by the disk. */
  get persisting(): boolean {
    return this.waiting !== null;
  }

  /**
   * pump runs Readies until the core has none, one waits for the disk, or `maxRounds` ran;
   * it returns whether more work could run at once (the host should pump again soon).
   */
  pump(maxRounds = Infinity): boolean {
    for (let round = 0; round < maxRounds; round++) {
      if (!this.canRun()) return false;
      this.runOne();
    }
    return this.canRun();
  }

  /** stop ends the loop: a crash. A held write is never made; nothing else runs. */
  stop(): void {
    this.stopped = true;
    this.waiting = null;
    this.appliedEarly = null;
  }

  /** takeSnapshot snapshots the state machine at what it has applied, compacts the core and the store. */
  takeSnapshot(why: SnapshotWhy): Snapshot {
    const index = this.sm.appliedIndex;
    const data = this.sm.snapshot();
    this.core.compact(index, data);
    // A core that says what it kept (Raft: the term and the membership as of `index`, not
    // now — status().conf may already hold a later, uncommitted change) is believed;
    // otherwise the loop builds the same from what it applied. A crash in between loses
    // nothing: the store still holds every entry the snapshot covers.
    const own = this.core.snapshot?.();
    const snap =
      own && own.index === index ? own : { index, term: this.appliedTerm, conf: this.core.status().conf, data };
    this.storage.compact(snap);
    this.snapIndexValue = index;
    this.hooks.snapshotTaken?.(snap, why);
    return snap;
  }

  private canRun(): boolean {
    return !this.stopped && this.waiting === null && this.core.hasReady();
  }

  private runOne(): void {
    const rd = this.core.ready();
    this.hooks.readied?.(rd);
    // Messages that reveal nothing durable go out at once, in parallel with the write.
    this.hooks.send(rd.messages);
    const hold = this.hooks.holdPersist;
    if (hold) {
      this.waiting = rd;
      if (hold(rd) && this.waiting === rd) {
        // Committed entries are on a quorum's disks already (a leader counts its own copy
        // only once its write returned), so applying them — and answering their clients —
        // need not wait for this Ready's write, which concerns its new entries. A snapshot
        // must be restored first, after the write: then everything waits.
        this.applyEarly(rd);
        return;
      }
      // Not held, or resumed already: finish now unless resume() did.
      if (this.waiting !== rd) return;
      this.waiting = null;
    }
    this.finish(rd);
  }

  /**
   * resume finishes the Ready whose write the disk held, once the write is done: its
   * answers go out, its entries are applied and the core advances. A resume for any other
   * Ready, or after stop(), does nothing. The host pumps again afterwards.
   */
  resume(rd: Ready<M>): void {
    if (this.stopped || this.waiting !== rd) return;
    this.waiting = null;
    this.finish(rd);
  }

  /** finish completes one Ready once its durable part may be written. */
  private finish(rd: Ready<M>): void {
    // A Ready the disk did not hold needs no sync (it only moves the commit index, or
    // writes nothing): its save vouches for nothing, so with applyWhileHeld the clients of
    // its committed entries (on a quorum's disks already) are answered before that write.
    this.applyEarly(rd);
    // The Ready is the write itself (a StorageWrite: its hard state, entries and snapshot);
    // every store reads those three fields and keeps none of the object.
    if (rd.hardState || rd.entries.length > 0 || rd.snapshot) this.storage.save(rd);
    if (rd.hardState) this.hooks.persisted?.(rd.hardState);
    // Vote grants, promises and acknowledgements leave only now that what they vouch for is durable.
    this.hooks.send(rd.messagesAfterPersist);
    if (rd.snapshot) this.restoreSnapshot(rd.snapshot);
    if (this.appliedEarly !== rd) this.applyAll(rd.committed);
    this.appliedEarly = null;
    this.hooks.reads?.(rd.reads);
    this.core.advance(rd);
    this.maybeCompact();
    this.hooks.advanced?.(rd);
  }

  /** applyEarly applies a Ready's committed entries ahead of its write, once (applyWhileHeld only; a snapshot must be restored first). */
  private applyEarly(rd: Ready<M>): void {
    if (!this.applyWhileHeld || rd.snapshot || this.appliedEarly === rd) return;
    this.applyAll(rd.committed);
    this.appliedEarly = rd;
    if (rd.committed.length > 0) this.hooks.appliedEarly?.();
  }

  /**
   * applyAll applies a Ready's committed entries in order. An index loop: a Ready's lists
   * are plain or (when empty) shared frozen arrays, and for-of over both kinds ran slower.
   */
  private applyAll(committed: readonly Entry[]): void {
    for (let i = 0; i < committed.length; i++) this.applyEntry(committed[i]!);
  }

  private restoreSnapshot(snap: Snapshot): void {
    // Only a newer snapshot: restoring an older one would move the state machine backwards
    // and apply the entries in between a second time.
    if (snap.index <= this.sm.appliedIndex) {
      this.hooks.snapshotSkipped?.(snap);
      return;
    }
    this.sm.restore(snap.data, snap.index);
    this.snapIndexValue = snap.index;
    this.appliedTerm = snap.term;
    this.hooks.snapshotRestored?.(snap);
  }

  private applyEntry(e: Entry): void {
    if (e.index <= this.sm.appliedIndex) {
      // Never twice: the replicas would diverge (a counter bumped twice, say).
      this.hooks.skipped?.(e);
      return;
    }
    let result: R | null = null;
    if (e.type === 'normal') result = this.sm.apply(e.index, e.data);
    else this.sm.skipTo(e.index);
    this.appliedTerm = e.term;
    this.hooks.applied?.(e, result);
  }

  /** maybeCompact takes the periodic snapshot when it is due; returns whether it did. */
  private maybeCompact(): boolean {
    if (this.snapshotEvery <= 0 || this.sm.appliedIndex - this.snapIndexValue < this.snapshotEvery) return false;
    this.takeSnapshot({ reason: 'periodic' });
    return true;
  }
}
