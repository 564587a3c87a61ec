/**
 * The shared host loop (core/host.ts) that the node process, the simulator and the core
 * tests' network all run: what it guarantees whatever the core hands it — an answer that
 * vouches for durable state leaves only after the write (Raft §5.2 Figure 2, "Paxos Made
 * Simple" §2.3), an entry is applied once, a snapshot never moves the state machine back
 * (Raft §7), and the log is compacted every `snapshotEvery` applied entries.
 */
import { describe, expect, it } from 'vitest';
import { HostLoop, type HostHooks } from '../../src-main/core/host';
import { RaftNode, type RaftMessage } from '../../src-main/core/raft';
import { MemoryStorage } from '../../src-main/core/storage';
import {
  seededRng,
  type Entry,
  type MessageBase,
  type NodeStatus,
  type ProtocolNode,
  type Ready,
  type Snapshot,
} from '../../src-main/core/types';
import { ListMachine } from './list-machine';

const conf = { voters: ['n1', 'n2', 'n3'], learners: [], votersOutgoing: [] };
const normal = (index: number, data: string): Entry => ({ index, term: 1, type: 'normal', data });

function emptyReady(over: Partial<Ready> = {}): Ready {
  return {
    hardState: null,
    entries: [],
    snapshot: null,
    messages: [],
    messagesAfterPersist: [],
    committed: [],
    reads: [],
    ...over,
  };
}

/** ScriptedCore hands out the Readies a test queues, as a core with a bug might. */
class ScriptedCore implements ProtocolNode {
  readonly id = 'n1';
  readonly queue: Ready[] = [];
  readonly advanced: Ready[] = [];
  compacted: { index: number; data: string } | null = null;
  tick(): void {}
  step(): void {}
  propose(): never {
    throw new Error('not used');
  }
  proposeConfChange(): never {
    throw new Error('not used');
  }
  readIndex(): never {
    throw new Error('not used');
  }
  transferLeadership(): boolean {
    return false;
  }
  compact(index: number, data: string): void {
    this.compacted = { index, data };
  }
  hasReady(): boolean {
    return this.queue.length > 0;
  }
  ready(): Ready {
    return this.queue.shift()!;
  }
  advance(rd: Ready): void {
    this.advanced.push(rd);
  }
  status(): NodeStatus {
    return {
      id: 'n1',
      ...{ role: 'follower', term: 1, vote: null, leader: null, progress: null },
      ...{ commitIndex: 0, lastIndex: 0, lastTerm: 0, firstIndex: 1 },
      conf: { voters: conf.voters.slice(), learners: [], votersOutgoing: [] },
    };
  }
  entries(): Entry[] {
    return [];
  }
  messageKind(): 'other' {
    return 'other';
  }
  endRecovery(): void {}
}

function loopOver<M extends MessageBase>(core: ProtocolNode<M>, hooks: Partial<HostHooks<M, null>> = {}, every = 0) {
  const storage = new MemoryStorage();
  const sm = new ListMachine('n1');
  const sent: M[] = [];
  const loop = new HostLoop<M, null>({
    core,
    storage,
    sm,
    snapshotEvery: every,
    hooks: { send: (msgs) => sent.push(...msgs), ...hooks },
  });
  return { loop, storage, sm, sent };
}

describe('host loop: durable before revealed', () => {
  function voteGranted(): RaftNode {
    const n = new RaftNode({
      id: 'n2',
      peers: conf.voters,
      electionTicks: 10,
      heartbeatTicks: 1,
      maxInflight: 8,
      maxEntriesPerMsg: 8,
      preVote: false,
      checkQuorum: false,
      rng: seededRng(1),
      restore: null,
    });
    n.step({ type: 'vote', from: 'n1', to: 'n2', term: 1, lastIndex: 0, lastTerm: 0, transfer: false });
    return n;
  }

  it('a vote grant leaves only once the vote is on disk, however long the disk takes', () => {
    let held: Ready<RaftMessage> | null = null;
    const { loop, storage, sent } = loopOver<RaftMessage>(voteGranted(), {
      holdPersist: (rd) => {
        held = rd;
        return true;
      },
    });
    expect(loop.pump()).toBe(false);
    expect(loop.persisting).toBe(true);
    expect(sent).toEqual([]);
    expect(storage.load().hardState.vote).toBeNull();
    loop.resume(held!);
    expect(storage.load().hardState).toMatchObject({ term: 1, vote: 'n1' });
    expect(sent.map((m) => m.type)).toEqual(['voteResp']);
    expect(loop.persisting).toBe(false);
  });

  it('a crash while the write is held loses the write and the grant with it', () => {
    let held: Ready<RaftMessage> | null = null;
    const { loop, storage, sent } = loopOver<RaftMessage>(voteGranted(), {
      holdPersist: (rd) => {
        held = rd;
        return true;
      },
    });
    loop.pump();
    loop.stop();
    loop.resume(held!);
    expect(sent).toEqual([]);
    expect(storage.load().hardState.vote).toBeNull();
  });
});

describe('host loop: the state machine sees each entry once, in order', () => {
  it('an entry the core hands again is not applied twice (the host hears of it)', () => {
    const core = new ScriptedCore();
    const skipped: number[] = [];
    const { loop, sm } = loopOver(core, { skipped: (e) => skipped.push(e.index) });
    core.queue.push(emptyReady({ committed: [normal(1, 'a'), normal(2, 'b')] }));
    core.queue.push(emptyReady({ committed: [normal(2, 'b'), normal(3, 'c')] }));
    loop.pump();
    expect(sm.values).toEqual(['a', 'b', 'c']);
    expect(skipped).toEqual([2]);
    expect(core.advanced).toHaveLength(2);
  });

  it('noop and config entries move the applied index without a command', () => {
    const core = new ScriptedCore();
    const results: (null | undefined)[] = [];
    const { loop, sm } = loopOver(core, { applied: (_e, r) => results.push(r) });
    const noop: Entry = { index: 1, term: 1, type: 'noop', data: '' };
    const cfg: Entry = { index: 2, term: 1, type: 'config', data: '{"type":"addLearner","node":"n4"}' };
    core.queue.push(emptyReady({ committed: [noop, cfg, normal(3, 'x')] }));
    loop.pump();
    expect(sm.appliedIndex).toBe(3);
    expect(loop.applied).toBe(3);
    expect(sm.values).toEqual(['x']);
    expect(results).toEqual([null, null, null]);
  });

  it('a snapshot no newer than what is applied is not restored: the state machine never moves back', () => {
    const core = new ScriptedCore();
    const restored: number[] = [];
    const stale: number[] = [];
    const { loop, sm } = loopOver(core, {
      snapshotRestored: (s) => restored.push(s.index),
      snapshotSkipped: (s) => stale.push(s.index),
    });
    core.queue.push(emptyReady({ committed: [normal(1, 'a'), normal(2, 'b'), normal(3, 'c')] }));
    const old: Snapshot = { index: 2, term: 1, conf, data: JSON.stringify({ values: ['a', 'b'], appliedIndex: 2 }) };
    core.queue.push(emptyReady({ snapshot: old }));
    const newer: Snapshot = {
      index: 5,
      term: 2,
      conf,
      data: JSON.stringify({ values: ['a', 'b', 'c', 'd', 'e'], appliedIndex: 5 }),
    };
    core.queue.push(emptyReady({ snapshot: newer, committed: [normal(5, 'e'), normal(6, 'f')] }));
    loop.pump();
    expect(stale).toEqual([2]);
    expect(restored).toEqual([5]);
    expect(sm.values).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(loop.snapIndex).toBe(5);
  });
});

describe('host loop: compaction', () => {
  it('snapshots the state machine every snapshotEvery applied entries and compacts the store', () => {
    const core = new ScriptedCore();
    const taken: number[] = [];
    const { loop, storage } = loopOver(core, { snapshotTaken: (s) => taken.push(s.index) }, 3);
    const entries = [1, 2, 3, 4, 5, 6, 7].map((i) => normal(i, `v${i}`));
    core.queue.push(emptyReady({ entries, hardState: { term: 1, vote: null, commit: 7 } }));
    for (const e of entries) core.queue.push(emptyReady({ committed: [e] }));
    loop.pump();
    expect(taken).toEqual([3, 6]);
    expect(core.compacted?.index).toBe(6);
    const disk = storage.load();
    expect(disk.snapshot?.index).toBe(6);
    expect(disk.entries.map((e) => e.index)).toEqual([7]);
    expect(JSON.parse(disk.snapshot!.data)).toEqual({ values: ['v1', 'v2', 'v3', 'v4', 'v5', 'v6'], appliedIndex: 6 });
  });

  it('pump(n) runs at most n Readies and says whether more are waiting', () => {
    const core = new ScriptedCore();
    const { loop } = loopOver(core);
    for (let i = 1; i <= 3; i++) core.queue.push(emptyReady({ committed: [normal(i, `v${i}`)] }));
    expect(loop.pump(2)).toBe(true);
    expect(core.advanced).toHaveLength(2);
    expect(loop.pump(2)).toBe(false);
    expect(core.advanced).toHaveLength(3);
  });
});

/**
 * appliedEarly: with applyWhileHeld a Ready's committed entries are applied — their clients
 * answered — before its write, and the host is told right after the last of them, before
 * that write. The node process lets the answers leave then (ClientPort.flushAnswers); until
 * it did, they stayed corked to the end of the pass and so waited for the write they were
 * applied ahead of (a leader's commit-index write, on every put with one client).
 */
describe('host loop: answers before the write (appliedEarly)', () => {
  const commits = (): Ready =>
    emptyReady({ hardState: { term: 1, vote: null, commit: 2 }, committed: [normal(1, 'a'), normal(2, 'b')] });

  /** run pumps `readies` through a loop and returns what it did, in order. */
  function run(readies: Ready[], o: { applyWhileHeld: boolean; hold?: boolean }): string[] {
    const steps: string[] = [];
    const core = new ScriptedCore();
    core.queue.push(...readies);
    const storage = new MemoryStorage();
    const save = storage.save.bind(storage);
    storage.save = (w) => {
      steps.push('save');
      save(w);
    };
    const loop = new HostLoop<MessageBase, null>({
      core,
      storage,
      sm: new ListMachine('n1'),
      applyWhileHeld: o.applyWhileHeld,
      hooks: {
        send: () => undefined,
        holdPersist: o.hold
          ? () => {
              steps.push('write held');
              return true;
            }
          : undefined,
        applied: (e) => steps.push(`applied ${e.index}`),
        appliedEarly: () => steps.push('early'),
      },
    });
    loop.pump();
    return steps;
  }

  it('tells the host after a Ready’s entries are applied and before its write', () => {
    expect(run([commits()], { applyWhileHeld: true })).toEqual(['applied 1', 'applied 2', 'early', 'save']);
    // A Ready the disk holds: its committed entries are answered while the write is under way.
    expect(run([commits()], { applyWhileHeld: true, hold: true })).toEqual([
      'write held',
      'applied 1',
      'applied 2',
      'early',
    ]);
  });

  it('says nothing when entries are applied after the write, or a Ready applies none', () => {
    expect(run([commits()], { applyWhileHeld: false })).toEqual(['save', 'applied 1', 'applied 2']);
    expect(run([emptyReady({ entries: [normal(3, 'c')] })], { applyWhileHeld: true })).toEqual(['save']);
  });
});
