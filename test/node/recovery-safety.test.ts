/**
 * Regression tests for the recovery and read-id safety bugs, on real node processes with
 * real SQLite files behind a router that can drop, hold and release messages:
 *
 *  1. a node whose term/vote record is damaged must not help a deposed leader overwrite a
 *     committed entry (Raft §5.4: a follower whose term went backwards would accept a
 *     deposed leader's appends);
 *  2. a node whose file was lost must not vote again before it holds every entry that was
 *     committed before the loss (§5.4.1: the election restriction only works if voters
 *     keep what they acknowledged);
 *  3. a follower read must not be answered with a read point meant for an earlier process
 *     of the same node (ReadIndex, dissertation §6.4);
 *  4. a healthy Multi-Paxos log (ballots that go down: padding, re-proposals) is not damage.
 *
 * One file, so the clusters run one after the other.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ProtocolName } from '../../src-main/core/protocols';
import { TestCluster, sleep } from './cluster';
import { waitFor } from './harness';

const SLOW = 180_000;
let cluster: TestCluster | null = null;

afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

async function open(protocol: ProtocolName, ids: string[]): Promise<TestCluster> {
  cluster = new TestCluster({ protocol, ids });
  await cluster.start();
  return cluster;
}

describe('a damaged term/vote record (Raft §5.1, §5.4)', () => {
  it(
    'does not let a deposed leader overwrite a committed entry through the damaged node',
    async () => {
      const c = await open('raft', ['n1', 'n2', 'n3']);
      const l1 = await c.leader();
      const [a, b] = c.live().filter((n) => n.id !== l1.id);
      const cl1 = await c.client(l1.id);
      expect((await cl1.request({ op: 'put', key: 'x', value: 'first' })).outcome).toBe('ok');
      // l1 is cut off with a write only it has (y=old), and frozen before it notices it lost its quorum.
      c.router.blocked.add(l1.id);
      const before = l1.status!.status.lastIndex;
      const old = cl1.request({ op: 'put', key: 'y', value: 'old' }, { timeoutMs: 30_000 });
      await waitFor('l1 appended y=old', () => l1.status!.status.lastIndex > before);
      l1.pause();
      // The other two elect a leader of a higher term and commit x=W.
      const l2 = await c.leader([a!.id, b!.id]);
      const cl2 = await c.client(l2.id);
      expect((await cl2.request({ op: 'put', key: 'x', value: 'W' })).outcome).toBe('ok');
      const f = l2.id === a!.id ? b! : a!;
      await waitFor('the follower committed x=W', () => f.status!.status.commitIndex >= l2.status!.status.commitIndex);
      // The follower restarts with its term/vote record damaged (its log is intact).
      await c.kill(f.id);
      c.raw(f.id, 'UPDATE hard_state SET term = 0, vote = NULL');
      c.router.blocked.add(l2.id);
      c.router.blocked.delete(l1.id);
      const f2 = await c.boot(f.id);
      expect(f2.events('storage-damaged')).toHaveLength(1);
      l1.resume();
      // l1's term is below the one f committed x=W in: it must not commit y=old over it.
      const answer = await old;
      c.router.blocked.clear();
      const l3 = await c.leader(null, 30_000);
      const cl3 = await c.client(l3.id);
      const x = await cl3.request({ op: 'get', key: 'x' });
      const y = await cl3.request({ op: 'get', key: 'y' });
      // Both puts that were acknowledged must be there (the one whose answer was unknown may or may not be).
      expect({ x: x.result?.value, y: answer.outcome === 'ok' ? y.result?.value : 'old' }).toEqual({
        x: 'W',
        y: 'old',
      });
      expect(answer.outcome).not.toBe('ok');
      await waitFor('f recovered', () => f2.events('recovered').some((e) => e.source === 'peers'), 30_000);
      expect(await c.committedDisagreements()).toEqual([]);
    },
    SLOW,
  );
});

describe('a lost data file (Raft §5.4.1)', () => {
  it(
    'keeps the node from voting until it holds everything committed before the loss',
    async () => {
      const c = await open('raft', ['n1', 'n2', 'n3', 'n4', 'n5']);
      const l = await c.leader();
      const [a, b, lag1, lag2] = c.live().filter((n) => n.id !== l.id);
      const lagging = new Set([lag1!.id, lag2!.id]);
      // Two followers never get entries: the writes are acknowledged by l, a and b only.
      c.router.rule = (m) => (lagging.has(m.to) && (m.type === 'append' || m.type === 'snapshot') ? 'drop' : 'pass');
      const cl = await c.client(l.id);
      for (let i = 1; i <= 100; i++)
        expect((await cl.request({ op: 'put', key: `k${i}`, value: `${i}` })).outcome).toBe('ok');
      // a loses its file; then l crashes, and b leads with the lagging nodes' votes.
      await c.kill(a!.id);
      c.garble(a!.id);
      await c.kill(l.id);
      const b2 = await c.leader([b!.id, lag1!.id, lag2!.id], 30_000);
      expect(b2.id).toBe(b!.id);
      // a comes back empty and hears only the first batch (64 entries) of b's log.
      c.router.rule = (m) => {
        if (lagging.has(m.to) && (m.type === 'append' || m.type === 'snapshot')) return 'drop';
        // (b's first probe, far above, must pass: a's rejection is how b finds where to start.)
        const prev = m.prevIndex as number;
        if (m.to === a!.id && m.type === 'append' && prev >= 64 && prev < 100) return 'drop';
        return 'pass';
      };
      const a2 = await c.boot(a!.id);
      expect(a2.events('storage-damaged')[0]?.reason).toMatch(/moved aside/);
      await waitFor('a holds the first batch', () => a2.status!.status.lastIndex >= 64);
      // Give it time to (wrongly) leave recovery, then take b away: a, lag1 and lag2 are left.
      await sleep(1500);
      await c.kill(b!.id);
      c.router.rule = null;
      await sleep(3000);
      // Whoever leads now (or later, once l and b are back) must still have every acknowledged put.
      await c.boot(l.id);
      await c.boot(b!.id);
      const l3 = await c.leader(null, 30_000);
      const cl3 = await c.client(l3.id);
      const missing: number[] = [];
      for (let i = 1; i <= 100; i++) {
        const r = await cl3.request({ op: 'get', key: `k${i}` });
        if (r.result?.value !== `${i}`) missing.push(i);
      }
      expect(missing).toEqual([]);
      await waitFor('a recovered', () => a2.events('recovered').some((e) => e.source === 'peers'), 30_000);
      expect(await c.committedDisagreements()).toEqual([]);
    },
    SLOW,
  );
});

/** LAG_TYPES: the messages that carry entries or chosen values to a follower, per protocol. */
const LAG_TYPES: Record<ProtocolName, string[]> = {
  raft: ['append', 'snapshot'],
  paxos: ['accept', 'catchup', 'snapshot', 'decide'],
};

describe.each(['raft', 'paxos'] as const)('a follower read after a restart (%s, ReadIndex §6.4)', (protocol) => {
  it(
    'is never answered with a read point meant for the previous process',
    async () => {
      const c = await open(protocol, ['n1', 'n2', 'n3']);
      const l = await c.leader();
      const f = c.live().find((n) => n.id !== l.id)!;
      const cl = await c.client(l.id);
      expect((await cl.request({ op: 'put', key: 'x', value: '1' })).outcome).toBe('ok');
      await waitFor('f applied x=1', () => f.status!.lastApplied >= l.status!.lastApplied);
      // f stops learning new entries, and every read point sent to it is held back.
      c.router.rule = (m) => {
        if (m.to !== f.id) return 'pass';
        if (LAG_TYPES[protocol].includes(m.type)) return 'drop';
        return m.type === 'readIndexResp' ? 'hold' : 'pass';
      };
      const cf = await c.client(f.id);
      const first = await cf.request({ op: 'get', key: 'x' }, { allowFollowerRead: true, timeoutMs: 500 });
      expect(first.outcome).toBe('fail');
      await waitFor('the first read point held', () => c.router.held.length === 1);
      // x=2 is acknowledged; then f restarts (its file does not have x=2).
      expect((await cl.request({ op: 'put', key: 'x', value: '2' })).outcome).toBe('ok');
      await c.kill(f.id);
      const f2 = await c.boot(f.id);
      await waitFor('f2 follows the leader', () => f2.status?.status.leader === l.id);
      const cf2 = await c.client(f.id);
      const read = cf2.request({ op: 'get', key: 'x' }, { allowFollowerRead: true, timeoutMs: 5000 });
      await waitFor('the new read point held', () => c.router.held.length === 2);
      // The answer meant for the old process arrives first.
      const stale = c.router.held[0]!.msg;
      expect(c.router.release((m) => m === stale)).toBe(1);
      await sleep(300);
      c.router.rule = null;
      c.router.release();
      const r = await read;
      // x=2 was acknowledged before this read began: 1 would be a stale read.
      if (r.outcome === 'ok') expect(r.result?.value).toBe('2');
      else expect(r.outcome).toBe('fail');
    },
    SLOW,
  );
});

describe('Multi-Paxos on SQLite', () => {
  it(
    'keeps a healthy log whose ballots go down (an empty slot below an accepted one) across a restart',
    async () => {
      const c = await open('paxos', ['n1', 'n2', 'n3']);
      const l = await c.leader();
      const f = c.live().find((n) => n.id !== l.id)!;
      const cl = await c.client(l.id);
      expect((await cl.request({ op: 'put', key: 'a', value: '1' })).outcome).toBe('ok');
      await waitFor('f applied a=1', () => f.status!.lastApplied >= l.status!.lastApplied);
      // f misses the accept of the next slot but gets the one after: it pads the hole with an
      // empty slot (ballot 0) below the accepted one, as an acceptor may.
      let armed = true;
      c.router.rule = (m) => {
        if (armed && m.to === f.id && m.type === 'accept') {
          armed = false;
          return 'drop';
        }
        return 'pass';
      };
      expect((await cl.request({ op: 'put', key: 'b', value: '2' })).outcome).toBe('ok');
      c.router.rule = (m) => (m.to === f.id && m.type !== 'accept' ? 'drop' : 'pass');
      const before = f.status!.status.lastIndex;
      expect((await cl.request({ op: 'put', key: 'c', value: '3' })).outcome).toBe('ok');
      await waitFor('f accepted the slot above the hole', () => f.status!.status.lastIndex > before);
      // From here nothing reaches f: a re-sent accept for the hole, arriving between this
      // look at its log and the kill, would fill the hole and change what the restart must keep.
      c.router.rule = (m) => (m.to === f.id ? 'drop' : 'pass');
      const held = (await f.inspect(10)).entries;
      expect(held.some((e) => e.term === 0) && held[held.length - 1]!.term > 0).toBe(true);
      await c.kill(f.id);
      c.router.rule = null;
      const f2 = await c.boot(f.id);
      expect(f2.events('storage-damaged')).toEqual([]);
      expect((await f2.inspect(10)).entries).toEqual(held);
    },
    SLOW,
  );
});
