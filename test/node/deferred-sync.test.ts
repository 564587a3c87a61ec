/**
 * The node's deferred sync (node/deferred-sync.ts): a Ready's write goes to the SQLite WAL
 * at once and its fdatasync runs off the event loop while the node keeps stepping
 * messages. What must still hold, checked here with three Raft cores on the shared Ready
 * loop and real SQLite files whose syncs the test releases by hand:
 *  - the leader's appends leave before its own write is durable (Raft dissertation §10.2.1);
 *  - the leader counts its own copy only once durable, so one follower's acknowledgement
 *    commits nothing while the leader's sync is pending (§5.4: a quorum of durable copies);
 *  - no acknowledgement or vote leaves before the write it vouches for is durable (Figure 2);
 *  - no client is answered (applied) before a quorum holds the entry durably, and a leader
 *    that crashes before its sync returns has answered nothing;
 *  - but an entry that is committed is applied (its client answered) at once, even while
 *    the disk is still writing newer entries taken in the same Ready.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HostLoop } from '../../src-main/core/host';
import { RaftNode, type RaftMessage } from '../../src-main/core/raft';
import type { StorageWrite } from '../../src-main/core/storage';
import { seededRng, type Entry, type NodeId } from '../../src-main/core/types';
import { DeferredSync } from '../../src-main/node/deferred-sync';
import { SqliteStorage } from '../../src-main/node/sqlite-storage';
import { ListMachine } from '../core/list-machine';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-deferred-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
const IDS = ['n1', 'n2', 'n3'];

/** HeldDisk is a SqliteStorage (deferSync) whose syncs return only when the test releases them. */
class HeldDisk {
  readonly sql = new SqliteStorage(path.join(tmp, `n${++fileNo}.sqlite`), { deferSync: true });
  held: (() => void)[] = [];
  /** hold: false lets every sync return at once (after the real fdatasync). */
  hold = false;
  mustSync = (w: StorageWrite): boolean => this.sql.mustSync(w);
  write = (w: StorageWrite): boolean => this.sql.write(w);
  save = (w: StorageWrite): void => this.sql.save(w);
  /** syncedNow counts syncs on the event loop (syncAlone); onSyncNow runs just before each. */
  syncedNow = 0;
  onSyncNow: (() => void) | null = null;
  syncNow = (): void => {
    this.onSyncNow?.();
    this.sql.syncNow();
    this.syncedNow++;
  };
  compact = (snap: Parameters<SqliteStorage['compact']>[0]): void => this.sql.compact(snap);
  syncAsync = (done: (err: Error | null) => void): void => {
    syncsInFlight++;
    this.sql.syncAsync((err) => {
      syncsInFlight--;
      if (this.hold) this.held.push(() => done(err));
      else done(err);
    });
  };
  /** release lets the held syncs return; resolves once their callbacks ran. */
  async release(): Promise<void> {
    this.hold = false;
    await settle();
    const h = this.held;
    this.held = [];
    for (const f of h) f();
  }
}

/** syncsInFlight counts the real fdatasyncs started and not yet called back, over every disk. */
let syncsInFlight = 0;

/**
 * settle waits until the thread pool's fdatasyncs have called back (not a fixed time: on a
 * loaded machine one fdatasync can take far longer than any guess), then one more turn.
 */
async function settle(): Promise<void> {
  const until = Date.now() + 20_000;
  do await new Promise((r) => setTimeout(r, 2));
  while (syncsInFlight > 0 && Date.now() < until);
  if (syncsInFlight > 0) throw new Error(`${syncsInFlight} fdatasync(s) still pending after 20 s`);
}

interface TestNode {
  id: NodeId;
  core: RaftNode;
  disk: HeldDisk;
  loop: HostLoop<RaftMessage, null>;
  sync: DeferredSync<RaftMessage>;
  /** applied: entries handed to the state machine (what a client answer follows). */
  applied: Entry[];
  up: boolean;
}

class Cluster {
  readonly nodes = new Map<NodeId, TestNode>();
  /** wire: every message sent, in order, not yet delivered. */
  wire: RaftMessage[] = [];

  /**
   * syncAlone: the nodes sync a Ready that sends nothing first on the event loop; syncSent:
   * also one whose messages left and that applies nothing (the node process runs both).
   */
  constructor(
    private readonly syncAlone = false,
    private readonly syncSent = false,
  ) {
    for (const id of IDS) this.add(id);
  }

  private add(id: NodeId): void {
    const disk = new HeldDisk();
    const core = new RaftNode({
      id,
      peers: IDS,
      electionTicks: 10,
      heartbeatTicks: 1,
      maxInflight: 64,
      maxEntriesPerMsg: 64,
      preVote: false,
      checkQuorum: false,
      rng: seededRng(IDS.indexOf(id) + 1),
      restore: null,
    });
    const n = { id, core, disk, applied: [] as Entry[], up: true } as TestNode;
    n.sync = new DeferredSync<RaftMessage>(
      disk,
      {
        resume: (rd) => {
          n.loop.resume(rd);
          n.loop.pump();
        },
        live: () => n.up,
        failed: (err) => {
          throw err;
        },
      },
      { syncAlone: this.syncAlone, syncSent: this.syncSent },
    );
    n.loop = new HostLoop<RaftMessage, null>({
      core,
      storage: n.sync.storage,
      sm: new ListMachine(id),
      applyWhileHeld: true, // as the node process runs it
      hooks: {
        send: (msgs) => {
          if (n.up) this.wire.push(...msgs);
        },
        holdPersist: (rd) => n.sync.hold(rd),
        applied: (e) => n.applied.push(e),
      },
    });
    this.nodes.set(id, n);
  }

  node(id: NodeId): TestNode {
    return this.nodes.get(id)!;
  }

  /** deliver steps the queued messages matching `pick` into their receivers (others stay queued). */
  deliver(pick: (m: RaftMessage) => boolean = () => true): RaftMessage[] {
    const now = this.wire.filter(pick);
    this.wire = this.wire.filter((m) => !pick(m));
    for (const m of now) {
      const to = this.node(m.to);
      if (!to.up) continue;
      to.core.step(JSON.parse(JSON.stringify(m)) as RaftMessage);
      to.loop.pump();
    }
    return now;
  }

  /** quiesce delivers and syncs until nothing moves (nothing is held). */
  async quiesce(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      for (const n of this.nodes.values()) if (n.up) n.loop.pump();
      await settle();
      if (this.wire.length === 0 && [...this.nodes.values()].every((n) => n.sync.pending === 0)) return;
      this.deliver();
    }
    throw new Error('cluster did not settle');
  }

  /** elect makes n1 leader (its timeout fires first) and commits its no-op everywhere. */
  async elect(): Promise<TestNode> {
    const n1 = this.node('n1');
    for (let t = 0; t < 20 && n1.core.status().role !== 'leader'; t++) {
      n1.core.tick();
      await this.quiesce();
    }
    expect(n1.core.status().role).toBe('leader');
    await this.quiesce();
    return n1;
  }
}

const data = (s: string): string => JSON.stringify({ s });

describe('deferred sync: the fdatasync runs off the event loop, the promises do not move (Raft §5.4, §10.2.1)', () => {
  it('the leader sends its appends before its own write is durable, and counts itself only once it is', async () => {
    const c = new Cluster();
    const leader = await c.elect();
    leader.disk.hold = true;
    const r = leader.core.propose(data('x'));
    expect(r.ok).toBe(true);
    const index = r.ok ? r.index : 0;
    leader.loop.pump();
    // §10.2.1: the appends are on the wire while the leader's own sync is still pending.
    expect(leader.sync.pending).toBe(1);
    const appends = c.wire.filter((m) => m.type === 'append' && m.entries.some((e) => e.index === index));
    expect(appends.map((m) => m.to).sort()).toEqual(['n2', 'n3']);

    // n2 makes it durable and acknowledges: with the leader's copy not yet durable, that is one of three.
    c.deliver((m) => m.to === 'n2');
    await settle();
    c.deliver((m) => m.type === 'appendResp' && m.from === 'n2');
    expect(leader.core.status().commitIndex).toBeLessThan(index);
    expect(leader.applied.some((e) => e.index === index)).toBe(false);

    // The leader's sync returns: its own copy and n2's are a quorum.
    await leader.disk.release();
    expect(leader.core.status().commitIndex).toBeGreaterThanOrEqual(index);
    leader.loop.pump();
    expect(leader.applied.some((e) => e.index === index)).toBe(true);
  });

  it('a committed entry is applied while the same Ready’s newer entries are still being written', async () => {
    const c = new Cluster();
    const leader = await c.elect();
    const a = leader.core.propose(data('a'));
    const ia = a.ok ? a.index : 0;
    leader.loop.pump();
    c.deliver((m) => m.type === 'append');
    await settle(); // every copy of a is durable; the acknowledgements are on the wire
    leader.disk.hold = true;
    const b = leader.core.propose(data('b'));
    const ib = b.ok ? b.index : 0;
    // The acknowledgements commit a; the next Ready carries b's write and a to apply.
    c.deliver((m) => m.type === 'appendResp');
    await settle();
    expect(leader.sync.pending).toBe(1);
    expect(leader.core.status().commitIndex).toBeGreaterThanOrEqual(ia);
    expect(leader.applied.map((e) => e.index)).toContain(ia);
    expect(leader.applied.map((e) => e.index)).not.toContain(ib);
    await leader.disk.release();
    // Finishing the Ready applies nothing twice.
    expect(leader.applied.filter((e) => e.index === ia)).toHaveLength(1);
  });

  it('the client of a committed entry is answered before the write that only moves the commit index', async () => {
    const c = new Cluster();
    const leader = await c.elect();
    const r = leader.core.propose(data('c'));
    const index = r.ok ? r.index : 0;
    leader.loop.pump();
    c.deliver((m) => m.type === 'append');
    // Every copy durable (the leader's too), the acknowledgements on the wire; a loaded machine's syncs take longer.
    const durable = (): boolean =>
      [...c.nodes.values()].every((n) => n.sync.pending === 0) &&
      c.wire.filter((m) => m.type === 'appendResp').length === 2;
    for (let i = 0; i < 100 && !durable(); i++) await settle();
    expect(durable()).toBe(true);
    // What the leader had applied when each commit-only write (no sync: it vouches for nothing) began.
    const appliedAtCommitWrite: boolean[] = [];
    const save = leader.disk.save;
    leader.disk.save = (w) => {
      if (!leader.disk.mustSync(w) && w.hardState && w.hardState.commit >= index)
        appliedAtCommitWrite.push(leader.applied.some((e) => e.index === index));
      save(w);
    };
    c.deliver((m) => m.type === 'appendResp');
    expect(leader.core.status().commitIndex).toBeGreaterThanOrEqual(index);
    expect(appliedAtCommitWrite.length).toBeGreaterThan(0);
    expect(appliedAtCommitWrite.every((a) => a)).toBe(true);
    expect(leader.applied.filter((e) => e.index === index)).toHaveLength(1);
  });

  it('a follower acknowledges an append only once its write is durable', async () => {
    const c = new Cluster();
    const leader = await c.elect();
    const n2 = c.node('n2');
    n2.disk.hold = true;
    const r = leader.core.propose(data('y'));
    const index = r.ok ? r.index : 0;
    leader.loop.pump();
    c.deliver((m) => m.to === 'n2');
    await settle();
    // The write is in n2's WAL and its core has the entry, but the sync has not returned.
    expect(n2.core.status().lastIndex).toBe(index);
    expect(n2.sync.pending).toBe(1);
    expect(c.wire.some((m) => m.from === 'n2' && m.type === 'appendResp')).toBe(false);
    await n2.disk.release();
    const acks = c.wire.filter((m) => m.from === 'n2' && m.type === 'appendResp');
    expect(acks.some((m) => m.type === 'appendResp' && !m.reject && m.index >= index)).toBe(true);
  });

  it('a vote is granted only once the new term and vote are durable', async () => {
    const c = new Cluster();
    await c.elect();
    const n3 = c.node('n3');
    const n2 = c.node('n2');
    n3.disk.hold = true;
    // n2 times out and asks for votes in a new term (no CheckQuorum lease here).
    for (let t = 0; t < 25 && n2.core.status().role !== 'candidate'; t++) {
      n2.core.tick();
      n2.loop.pump();
      await settle();
    }
    expect(n2.core.status().role).toBe('candidate');
    c.deliver((m) => m.type === 'vote' && m.to === 'n3');
    await settle();
    expect(n3.core.status().vote).toBe('n2');
    expect(c.wire.some((m) => m.type === 'voteResp' && m.from === 'n3')).toBe(false);
    await n3.disk.release();
    expect(c.wire.some((m) => m.type === 'voteResp' && m.from === 'n3' && !m.reject)).toBe(true);
  });

  it('a leader that crashes before its sync returns answered nothing; the entry lives on the followers that acknowledged it', async () => {
    const c = new Cluster();
    const leader = await c.elect();
    leader.disk.hold = true;
    const r = leader.core.propose(data('z'));
    const index = r.ok ? r.index : 0;
    leader.loop.pump();
    c.deliver((m) => m.type === 'append');
    await settle();
    // Both followers acknowledged: a quorum holds it durably even though the leader does not.
    c.deliver((m) => m.type === 'appendResp');
    expect(leader.applied.some((e) => e.index === index)).toBe(false);
    // Crash: the held sync's callback finds the node gone and finishes nothing.
    leader.up = false;
    leader.loop.stop();
    await leader.disk.release();
    expect(leader.applied.some((e) => e.index === index)).toBe(false);
    for (const id of ['n2', 'n3']) {
      const f = c.node(id);
      f.disk.sql.close();
      const back = new SqliteStorage(f.disk.sql.file, { deferSync: true }).load();
      expect(back.entries.some((e) => e.index === index && e.data === data('z'))).toBe(true);
    }
  });
  it('with syncAlone a follower syncs its append on the event loop, then acknowledges; the leader still holds its own write', async () => {
    const c = new Cluster(true);
    const leader = await c.elect();
    const n2 = c.node('n2');
    const syncsBefore = leader.disk.syncedNow;
    const r = leader.core.propose(data('z'));
    const index = r.ok ? r.index : 0;
    leader.loop.pump();
    // The leader's Ready sends appends before its write: held, synced on the thread pool.
    expect(leader.sync.pending).toBe(1);
    expect(leader.disk.syncedNow).toBe(syncsBefore);
    const acked = (): boolean =>
      c.wire.some((m) => m.from === 'n2' && m.type === 'appendResp' && !m.reject && m.index >= index);
    let ackedAtSync: boolean | null = null;
    n2.disk.onSyncNow = () => (ackedAtSync ??= acked());
    const before = n2.disk.syncedNow;
    c.deliver((m) => m.to === 'n2' && m.type === 'append');
    // Within the same pump: written, synced (before the acknowledgement existed), acknowledged; nothing held.
    expect(n2.disk.syncedNow).toBe(before + 1);
    expect(ackedAtSync).toBe(false);
    expect(n2.sync.pending).toBe(0);
    expect(acked()).toBe(true);
    await c.quiesce();
    expect(leader.core.status().commitIndex).toBeGreaterThanOrEqual(index);
  });

  it('with syncSent a leader syncs on the event loop only after its appends left, and only when it answers nobody', async () => {
    const c = new Cluster(true, true);
    const leader = await c.elect();
    const appendOf = (index: number): boolean =>
      c.wire.some((m) => m.from === 'n1' && m.type === 'append' && m.entries.some((e) => e.index === index));
    // A Ready with a new entry and nothing committed to apply: synced right here, after the appends were sent.
    const a = leader.core.propose(data('a'));
    const ia = a.ok ? a.index : 0;
    let sentAtSync: boolean | null = null;
    leader.disk.onSyncNow = () => (sentAtSync ??= appendOf(ia));
    const before = leader.disk.syncedNow;
    leader.loop.pump();
    expect(leader.disk.syncedNow).toBe(before + 1);
    expect(sentAtSync).toBe(true);
    expect(leader.sync.pending).toBe(0);
    expect(leader.sync.syncedCount).toBeGreaterThan(0);
    // The followers take 'a'; their acknowledgements wait on the wire while 'b' is proposed.
    c.deliver((m) => m.type === 'append');
    const b = leader.core.propose(data('b'));
    const ib = b.ok ? b.index : 0;
    leader.disk.hold = true;
    const heldBefore = leader.sync.heldCount;
    // One acknowledgement commits 'a' (the leader's copy is durable): that Ready applies 'a'
    // and writes 'b'. Its client must not wait for b's sync, so it is held, 'a' applied first.
    c.deliver((m) => m.type === 'appendResp' && m.from === 'n2');
    expect(leader.sync.heldCount).toBe(heldBefore + 1);
    expect(leader.sync.pending).toBe(1);
    expect(leader.applied.map((e) => e.index)).toContain(ia);
    expect(leader.applied.map((e) => e.index)).not.toContain(ib);
    expect(appendOf(ib)).toBe(true);
    await leader.disk.release();
    await c.quiesce();
    expect(leader.core.status().commitIndex).toBeGreaterThanOrEqual(ib);
  });
});
