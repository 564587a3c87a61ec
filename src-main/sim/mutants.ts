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
 */
import { KvStateMachine } from '../core/kv/state-machine';
import { ReadQueue } from '../core/paxos/reads';
import { RaftNode } from '../core/raft/node';
import { Raft } from '../core/raft/raft';
import { RaftLog } from '../core/raft/raft-log';
import type { ReadResult } from '../core/types';
import type { RaftMessage } from '../core/raft/messages';

/** MUTANTS describes each mutant (name → what it breaks). */
export const MUTANTS = {
  'commit-old-term': 'a Raft leader commits by counting replicas of older-term entries (Figure 8)',
  'read-no-heartbeat': 'a leader answers ReadIndex reads without confirming its leadership with a heartbeat round',
  'sessions-off': 'the state machine ignores client sessions: a retried command applies twice',
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
  switch (name) {
    case 'commit-old-term':
      return commitOldTerm();
    case 'read-no-heartbeat':
      return readNoHeartbeat();
    case 'sessions-off':
      return sessionsOff();
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
