/**
 * Mutants: a test-only hook that breaks one safety rule on purpose, to show the simulator
 * catches it (`quorum-lab sim --mutant NAME`, test/sim/mutants.test.ts). A mutant is
 * installed by patching the prototype that holds the rule for the length of one run, and
 * removed afterwards, so production paths carry no switch and pay nothing. If a core is
 * refactored so that a patch no longer finds its rule, installMutant throws — and the
 * mutant test, which expects a violation, fails rather than passing on a stub.
 *
 *  - commit-old-term: a Raft leader commits by counting replicas of entries of older terms
 *    (the Figure 8 bug, §5.4.2).
 *  - read-no-heartbeat: a leader answers a ReadIndex read at once, without the heartbeat
 *    round that confirms it still leads (§6.4) — Raft and Multi-Paxos.
 *  - sessions-off: the state machine ignores client sessions, so a retried command applies
 *    twice.
 *  - damaged-term-zero: a Raft node whose term/vote record was damaged restarts in term 0
 *    with its log intact, and its acknowledgements count while it recovers — so a deposed
 *    leader can overwrite a committed entry through it.
 *  - recover-unknown-target: a node whose file was lost (nothing known of what it held)
 *    ends recovery at the first commit index it hears from a leader, and may then vote
 *    without entries it had acknowledged.
 *  - read-ids-restart: read contexts carry no per-boot nonce, so a read point meant for an
 *    earlier process of a node answers a read of the new one.
 *  - paxos-scan-monotonic: the load-time scan holds Multi-Paxos logs to Raft's rule that
 *    terms never go down, declaring healthy logs damaged and dropping accepted slots.
 *  - drop-after-heal: a liveness bug, not a safety one — once the faults have healed
 *    (runSimulation calls markHealed), nodes silently drop the writes of client sessions
 *    begun after the heal: never proposed, never answered. Every command pending at the
 *    heal still goes through, so only a check that writes something new after the heal
 *    (run.ts's probe) sees it.
 */
import { KvStateMachine } from '../core/kv/state-machine';
import { ReadQueue } from '../core/paxos/reads';
import { RaftNode } from '../core/raft/node';
import { Raft } from '../core/raft/raft';
import { RaftLog } from '../core/raft/raft-log';
import { ImageStorage, Recovery, type Recovered, type ScanOptions, type StoreImage } from '../core/recovery';
import type { Persisted, ProtocolNode, ReadResult } from '../core/types';
import type { RaftMessage } from '../core/raft/messages';
import { Requests, type RequestsDeps } from '../node/requests';

/** MUTANTS describes each mutant (name → what it breaks). */
export const MUTANTS = {
  'commit-old-term': 'a Raft leader commits by counting replicas of older-term entries (Figure 8)',
  'read-no-heartbeat': 'a leader answers ReadIndex reads without confirming its leadership with a heartbeat round',
  'sessions-off': 'the state machine ignores client sessions: a retried command applies twice',
  'damaged-term-zero':
    'a Raft node with a damaged term/vote record restarts in term 0, and its acknowledgements count while it recovers',
  'recover-unknown-target': 'a node whose file was lost ends recovery at the first commit index it hears',
  'read-ids-restart': 'read contexts carry no per-boot nonce: a late read point answers a read of a restarted node',
  'paxos-scan-monotonic': 'the load-time scan requires non-decreasing terms in Multi-Paxos logs too',
  'drop-after-heal':
    'once the faults have healed, nodes silently drop the writes of client sessions begun after the heal',
} as const;

/** MutantName names a mutant. */
export type MutantName = keyof typeof MUTANTS;

/** MUTANT_NAMES lists them. */
export const MUTANT_NAMES = Object.keys(MUTANTS) as MutantName[];

/** isMutantName tells whether s names a mutant. */
export function isMutantName(s: string): s is MutantName {
  return Object.prototype.hasOwnProperty.call(MUTANTS, s);
}

type Restore = () => void;

/** phase is what the run has told the installed mutant: whether the faults have healed (markHealed). */
const phase = { healed: false };

/** markHealed tells the installed mutant that every fault has healed (runSimulation calls it at the heal). */
export function markHealed(): void {
  phase.healed = true;
}

/** patch replaces proto[name] (which must be a function) and returns how to put it back. */
function patch<T extends object, K extends keyof T>(proto: T, name: K, make: (orig: T[K]) => T[K]): Restore {
  const orig = proto[name];
  if (typeof orig !== 'function') throw new Error(`mutant: ${String(name)} is not a method any more`);
  proto[name] = make(orig);
  return () => {
    proto[name] = orig;
  };
}

/** installMutant breaks one rule for the current run; call the returned function to restore it. */
export function installMutant(name: MutantName): Restore {
  phase.healed = false;
  switch (name) {
    case 'commit-old-term':
      return commitOldTerm();
    case 'read-no-heartbeat':
      return readNoHeartbeat();
    case 'sessions-off':
      return sessionsOff();
    case 'damaged-term-zero':
      return damagedTermZero();
    case 'recover-unknown-target':
      return recoverUnknownTarget();
    case 'read-ids-restart':
      return readIdsRestart();
    case 'paxos-scan-monotonic':
      return paxosScanMonotonic();
    case 'drop-after-heal':
      return dropAfterHeal();
  }
}

function commitOldTerm(): Restore {
  return patch(
    RaftLog.prototype,
    'maybeCommit',
    (orig) =>
      function (this: RaftLog, i: number, t: number): boolean {
        // The broken rule: whatever term entry i has, a quorum holding it commits it.
        return orig.call(this, i, this.term(i) ?? t);
      },
  );
}

/** RaftInternals is what the read mutant reaches inside the Raft core (checked at run time). */
interface RaftInternals {
  r: Raft;
}

function readNoHeartbeat(): Restore {
  const confirmedOwnTerm = (r: Raft): boolean => r.state.role === 'leader' && r.log.committed >= r.state.termStart;
  const undo = [
    patch(
      RaftNode.prototype,
      'readIndex',
      (orig) =>
        function (this: RaftNode, ctx: string): ReadResult {
          const r = (this as unknown as RaftInternals).r;
          if (!(r instanceof Raft)) throw new Error('mutant read-no-heartbeat: RaftNode.r is gone');
          if (!confirmedOwnTerm(r)) return orig.call(this, ctx);
          r.reads.push({ ctx, index: r.log.committed });
          return { ok: true };
        },
    ),
    patch(
      Raft.prototype,
      'step',
      (orig) =>
        function (this: Raft, m: RaftMessage): void {
          if (m.type !== 'readIndex' || m.term !== this.term || !confirmedOwnTerm(this)) return orig.call(this, m);
          this.send({
            type: 'readIndexResp',
            from: this.id,
            to: m.from,
            term: this.term,
            ctx: m.ctx,
            index: this.log.committed,
          });
        },
    ),
    // Multi-Paxos: every read round counts as confirmed the moment it starts.
    patch(
      ReadQueue.prototype,
      'confirm',
      (orig) =>
        function (this: ReadQueue) {
          return orig.call(this, () => true);
        },
    ),
  ];
  return () => undo.forEach((f) => f());
}

function sessionsOff(): Restore {
  return patch(
    KvStateMachine.prototype,
    'apply',
    (orig) =>
      function (this: KvStateMachine, index: number, data: string) {
        // seq 0 opts a command out of its session: every copy of a retried command applies.
        return orig.call(this, index, data.replace(/^(\{"client":"[^"]*","seq":)\d+/, '$10'));
      },
  );
}

/** StorageInternals is what the storage mutants reach inside ImageStorage (checked at run time). */
interface StorageInternals {
  img: StoreImage;
  o: ScanOptions;
}

function storageOf(s: ImageStorage): StorageInternals {
  const i = s as unknown as StorageInternals;
  if (!i.img || !Array.isArray(i.img.log) || !i.o) throw new Error('mutant: ImageStorage internals are gone');
  return i;
}

function damagedTermZero(): Restore {
  const undo = [
    patch(
      ImageStorage.prototype,
      'load',
      (orig) =>
        function (this: ImageStorage): Persisted {
          const s = storageOf(this);
          const lost = s.img.hard !== null && !s.img.hard.intact;
          const p = orig.call(this);
          if (!lost || s.o.protocol !== 'raft') return p;
          // The broken rule: a garbled record reads as term 0, no vote, whatever the log holds.
          s.img.hard = { term: 0, vote: null, commit: 0, intact: true };
          return { ...p, hardState: { term: 0, vote: null, commit: 0 } };
        },
    ),
    patch(
      Raft.prototype as unknown as { restoreTermFloor: () => void },
      'restoreTermFloor',
      () =>
        function () {
          // The term is no longer raised to the last log term.
        },
    ),
    patch(
      Raft.prototype,
      'step',
      (orig) =>
        function (this: Raft, m: RaftMessage): void {
          // The leader counts a recovering node's acknowledgements as any other's.
          if ((m.type === 'appendResp' && !m.reject) || m.type === 'heartbeatResp') delete m.recovering;
          orig.call(this, m);
        },
    ),
  ];
  return () => undo.forEach((f) => f());
}

/** RecoveryInternals is what the recovery mutant reaches inside Recovery (checked at run time). */
interface RecoveryInternals {
  on: boolean;
}

function recoverUnknownTarget(): Restore {
  return patch(
    Recovery.prototype,
    'poll',
    (orig) =>
      function (this: Recovery, core: ProtocolNode, applied: number): Recovered | null {
        const self = this as unknown as RecoveryInternals;
        if (typeof self.on !== 'boolean') throw new Error('mutant recover-unknown-target: Recovery.on is gone');
        if (!self.on || this.init.floor !== 0) return orig.call(this, core, applied);
        // The broken rule: with nothing known of what the file held, the first commit index
        // heard from a leader (and applied) ends recovery.
        const st = core.status();
        if (st.leader === null || st.leader === st.id || st.commitIndex === 0 || applied < st.commitIndex) return null;
        self.on = false;
        return { leader: st.leader, commit: st.commitIndex, target: 0 };
      },
  );
}

function readIdsRestart(): Restore {
  return patch(
    Requests.prototype,
    'handle',
    (orig) =>
      function (this: Requests, ...args: Parameters<Requests['handle']>): void {
        const d = (this as unknown as { d: RequestsDeps }).d;
        if (typeof d?.bootId !== 'string') throw new Error('mutant read-ids-restart: Requests.d.bootId is gone');
        // The broken rule: every process of a node numbers its reads the same way.
        d.bootId = '';
        orig.apply(this, args);
      },
  );
}

function paxosScanMonotonic(): Restore {
  return patch(
    ImageStorage.prototype,
    'load',
    (orig) =>
      function (this: ImageStorage): Persisted {
        const s = storageOf(this);
        if (s.o.protocol === 'paxos') garbleFirstTermDrop(s.img);
        return orig.call(this);
      },
  );
}

/** garbleFirstTermDrop marks the first row whose term is below its predecessor's as failing its check (Raft's rule). */
function garbleFirstTermDrop(img: StoreImage): void {
  let last = img.snapshot?.snapshot?.term ?? 0;
  const base = img.snapshot?.index ?? 0;
  for (let i = 0; i < img.log.length; i++) {
    const r = img.log[i]!;
    if (r.entry.index <= base) continue;
    if (r.entry.term < last) {
      img.log[i] = { ...r, intact: false };
      return;
    }
    last = r.entry.term;
  }
}

function dropAfterHeal(): Restore {
  /** seen: every client session any node heard from before the heal. */
  const seen = new Set<string>();
  const undo = patch(
    Requests.prototype,
    'handle',
    (orig) =>
      function (this: Requests, ...args: Parameters<Requests['handle']>): void {
        const req = args[0];
        if (!phase.healed) seen.add(req.client);
        // The broken rule: after the heal a new session's write is dropped without an answer.
        else if (req.op.op !== 'get' && !seen.has(req.client)) return;
        orig.apply(this, args);
      },
  );
  return () => {
    undo();
    phase.healed = false;
  };
}
