/**
 * A member whose store was damaged (core/recovery) on the in-memory network: the damage,
 * scan and recovery rules are the ones the node process and the simulator run.
 *
 * - Raft §5.1: a server's term never goes back — the restored term is at least its log's.
 * - §5.2 / Figure 2: at most one vote per term — a lost vote counts as cast for itself, and a
 *   recovering node grants none.
 * - §5.4.1: the election restriction assumes voters keep what they acknowledged; a recovering
 *   node's acknowledgements count for no commit (§5.4.2), no ReadIndex round (§6.4) and no
 *   CheckQuorum (§6.2 / dissertation §9.6), and it votes only once it holds everything
 *   committed before the damage (a quorum-confirmed read point, dissertation §6.4).
 * - §5.3 (etcd's Progress.maybeDecrTo): a healthy follower's rejection below match is stale;
 *   the first answer of a damaged store's new boot is not — the leader forgets the match
 *   and probes below it (test/core/raft/storm.test.ts: once per boot).
 */
import { describe, expect, it } from 'vitest';
import { RaftNode } from '../../../src-main/core/raft';
import { Progress } from '../../../src-main/core/raft/progress';
import { RaftNetwork, drain, nodeWithLog } from './helpers';

const three = ['n1', 'n2', 'n3'];

/** lastIndex is a running member's last log index. */
function lastIndex(net: RaftNetwork, id: string): number {
  return net.node(id).status().lastIndex;
}

/** storedLast is the last index a (possibly crashed) member's store holds. */
function storedLast(net: RaftNetwork, id: string): number {
  const p = net.member(id).storage.load();
  return p.entries.at(-1)?.index ?? p.snapshot?.index ?? 0;
}

/** electAmong ticks only `ids` until one of them leads (with leases, everyone's clock must run); returns it. */
function electAmong(net: RaftNetwork, ids: string[], max = 500): string {
  for (let i = 0; i < max; i++) {
    const l = net.leaders().find((x) => ids.includes(x));
    if (l) return l;
    net.tick(1, ids);
  }
  throw new Error(`no leader among ${ids.join(', ')}`);
}

describe('a damaged term/vote record (§5.1, Figure 2)', () => {
  it('restores the term from the log: a node never goes back to a term below its last entry', () => {
    const n = nodeWithLog('n3', three, [1, 1, 3, 3], { term: 0, vote: null }, { preVote: true });
    expect(n.status()).toMatchObject({ term: 3, vote: 'n3' });
    // A deposed term-1 leader's append is refused, with the node's term to depose it.
    n.step({ type: 'append', from: 'n1', to: 'n3', term: 1, prevIndex: 2, prevTerm: 1, entries: [], commit: 2 });
    expect(drain(n)).toEqual([expect.objectContaining({ type: 'appendResp', term: 3 })]);
    expect(n.status().lastIndex).toBe(4);
  });

  it('counts the vote in that term as cast for itself: it never grants a second one', () => {
    const n = nodeWithLog('n3', three, [1, 2], { term: 0, vote: null });
    n.step({ type: 'vote', from: 'n2', to: 'n3', term: 2, lastIndex: 9, lastTerm: 2, transfer: false });
    expect(drain(n)).toEqual([expect.objectContaining({ type: 'voteResp', reject: true })]);
    // A later term is a fresh vote.
    n.step({ type: 'vote', from: 'n2', to: 'n3', term: 3, lastIndex: 9, lastTerm: 2, transfer: false });
    expect(drain(n)).toEqual([expect.objectContaining({ type: 'voteResp', term: 3, reject: false })]);
  });

  it('does not let a deposed leader overwrite an entry committed in a later term through the damaged node', () => {
    const net = new RaftNetwork(three, { checkQuorum: true, preVote: true });
    net.elect('n1');
    net.proposeAndWait('x=first');
    // n1 is cut off with a write only it has.
    net.isolate('n1');
    const old = net.node('n1').propose('y=old');
    net.process('n1');
    // n2 and n3 elect a leader of a higher term and commit x=W on both.
    const l2 = electAmong(net, ['n2', 'n3']);
    const f = l2 === 'n2' ? 'n3' : 'n2';
    const w = net.propose(l2, 'x=W');
    net.tick(3, ['n2', 'n3']);
    expect(w.ok && net.node(f).status().commitIndex >= w.index).toBe(true);
    // The follower restarts with its term/vote record garbled; the leader is cut off and n1 is back.
    net.crash(f);
    expect(net.damage(f, 'hardstate')).toBe('garbled the term/vote record');
    net.recover();
    net.isolate(l2);
    net.restart(f);
    net.tick(50, ['n1', f]);
    expect(old.ok).toBe(true);
    // y=old never commits over x=W's slot: n3's term is above n1's, so n1 steps down.
    expect(net.node('n1').status().role).not.toBe('leader');
    expect(net.node('n1').status().commitIndex).toBeLessThan(old.ok ? old.index : 0);
    expect(net.violations).toEqual([]);
    // Healed, the cluster keeps x=W everywhere.
    net.recover();
    net.tick(100);
    expect(net.violations).toEqual([]);
    expect(net.member(f).sm.values).toContain('x=W');
    expect(net.member('n1').sm.values).toContain('x=W');
  });
});

describe('a recovering node (§5.4, §6.4, §9.6)', () => {
  /** setup: n1 leads 20 entries everyone holds; n3 crashes and its log tail is garbled; n2 is down. */
  function setup(opts: { checkQuorum?: boolean } = {}): { net: RaftNetwork; before: number } {
    const net = new RaftNetwork(three, { checkQuorum: opts.checkQuorum ?? false });
    net.elect('n1');
    for (let i = 0; i < 20; i++) net.proposeAndWait(`e${i}`);
    const before = lastIndex(net, 'n1');
    net.crash('n3');
    expect(net.damage('n3', 'log-tail')).toMatch(/garbled log entries/);
    net.crash('n2');
    net.restart('n3');
    expect(net.member('n3').recovery?.recovering).toBe(true);
    return { net, before };
  }

  it("acknowledges the leader's entries, but they do not commit on its word (§5.4.2)", () => {
    const { net, before } = setup();
    const r = net.propose('n1', 'not-yet');
    net.tick(50, ['n1', 'n3']);
    // n3 holds it (the leader probed below its old match and sent it everything) …
    expect(lastIndex(net, 'n3')).toBe(lastIndex(net, 'n1'));
    // … but with n2 down, n1 has no quorum of healthy copies.
    expect(net.node('n1').status().commitIndex).toBe(before);
    expect(net.member('n3').recovery?.recovering).toBe(true);
    net.restart('n2');
    net.tick(20);
    expect(r.ok && net.node('n1').status().commitIndex >= r.index).toBe(true);
    expect(net.member('n3').recovery?.recovering).toBe(false);
    expect(net.violations).toEqual([]);
  });

  it('does not confirm a read (§6.4)', () => {
    const { net } = setup();
    net.tick(5, ['n1', 'n3']);
    expect(net.node('n1').readIndex('r')).toEqual({ ok: true });
    net.tick(50, ['n1', 'n3']);
    expect(net.member('n1').reads).toEqual([]);
    // A healthy n2 answers the next round, which confirms both reads.
    net.restart('n2');
    net.tick(5);
    expect(net.node('n1').readIndex('r2')).toEqual({ ok: true });
    net.tick(5);
    expect(net.member('n1').reads.map((x) => x.ctx)).toEqual(['r', 'r2']);
  });

  it('does not keep a leader in office under CheckQuorum', () => {
    const { net } = setup({ checkQuorum: true });
    net.tick(35, ['n1', 'n3']);
    expect(net.node('n1').status().role).toBe('follower');
    // …nor can anyone lead: n3 does not campaign, and would not vote.
    net.tick(100, ['n1', 'n3']);
    expect(net.leaders()).toEqual([]);
  });

  it('casts no vote and never campaigns until it has caught up', () => {
    const net = new RaftNetwork(three, { preVote: true });
    net.elect('n1');
    net.proposeAndWait('a');
    net.crash('n3');
    net.damage('n3', 'file');
    net.crash('n1');
    net.restart('n3');
    // n2 and n3 alone: n2 cannot win without n3's vote, and n3 never stands.
    net.tick(200, ['n2', 'n3']);
    expect(net.leaders()).toEqual([]);
    expect(net.violations).toEqual([]);
    // n1 back: a leader is elected by n1 and n2, and n3 catches up and votes again.
    net.restart('n1');
    net.tick(100);
    expect(net.leader()).not.toBeNull();
    expect(net.member('n3').recovery?.recovering).toBe(false);
    expect(net.member('n3').sm.values).toEqual(['a']);
  });
});

describe('when recovery ends (dissertation §6.4)', () => {
  it('not before the node holds everything committed before the loss, even if it heard one batch', () => {
    // The scenario of a lost file: 100 entries acknowledged by n1–n3 while n4, n5 lag; n2
    // loses its file; n1 crashes; n3 leads with n4 and n5; n2 hears one batch; n3 crashes.
    const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const net = new RaftNetwork(ids, { maxEntriesPerMsg: 16, checkQuorum: true, preVote: true });
    net.elect('n1');
    const lag = (m: { to: string; type: string }): boolean => ['n4', 'n5'].includes(m.to) && m.type === 'append';
    net.drop = lag;
    for (let i = 1; i <= 100; i++) net.proposeAndWait(`k${i}`, 2000, ['n1', 'n2', 'n3']);
    net.crash('n2');
    net.damage('n2', 'file');
    net.crash('n1');
    expect(electAmong(net, ['n3', 'n4', 'n5'])).toBe('n3');
    // n2 comes back empty and hears only n3's first batch.
    net.drop = (m) => lag(m) || (m.to === 'n2' && m.type === 'append' && m.prevIndex >= 16 && m.prevIndex < 100);
    net.restart('n2');
    net.tick(60, ['n2', 'n3', 'n4', 'n5']);
    expect(lastIndex(net, 'n2')).toBeLessThan(100);
    expect(net.member('n2').recovery?.recovering).toBe(true);
    // n3 crashes: n2 must not be able to win with the lagging n4 and n5.
    net.crash('n3');
    net.drop = null;
    net.tick(300, ['n2', 'n4', 'n5']);
    expect(net.leaders()).toEqual([]);
    // n1 and n3 come back; everything acknowledged survives, and n2 recovers.
    net.restart('n1');
    net.restart('n3');
    net.tick(300);
    expect(net.member('n2').recovery?.recovering).toBe(false);
    expect(net.member('n4').sm.values.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => `k${i + 1}`));
    expect(net.violations).toEqual([]);
  });

  it('after a lost vote, not before two election timeouts have passed', () => {
    const net = new RaftNetwork(three);
    net.elect('n1');
    net.proposeAndWait('a');
    net.crash('n3');
    net.damage('n3', 'hardstate');
    net.restart('n3');
    const start = net.now;
    net.tick(100);
    const at = net.member('n3').recoveredAt;
    expect(at).not.toBeNull();
    expect(at! - start).toBeGreaterThanOrEqual(2 * net.opts.electionTicks);
  });
});

describe("the leader's view of a follower that lost acknowledged entries (etcd's maybeDecrTo)", () => {
  it('a healthy follower rejecting below match is a stale message: ignored', () => {
    const pr = new Progress('n2', 21, 8);
    pr.maybeUpdate(20);
    pr.becomeReplicate();
    expect(pr.maybeDecrTo(15, 10, pr.epoch)).toBe(false);
    expect(pr).toMatchObject({ match: 20, next: 21, state: 'replicate' });
  });

  it('a recovering follower answering from a new boot may have lost entries: match is forgotten, probing restarts', () => {
    const pr = new Progress('n2', 21, 8);
    pr.maybeUpdate(20);
    pr.becomeReplicate();
    pr.forget('b2', 31);
    expect(pr).toMatchObject({ match: 0, next: 31, state: 'probe', boot: 'b2' });
  });

  it('catches such a follower up from the log, without a snapshot', () => {
    const net = new RaftNetwork(three);
    net.elect('n1');
    for (let i = 0; i < 30; i++) net.proposeAndWait(`e${i}`);
    net.crash('n3');
    net.damage('n3', 'log-tail');
    expect(storedLast(net, 'n3')).toBe(lastIndex(net, 'n1') - 8);
    net.restart('n3');
    net.tick(20);
    expect(lastIndex(net, 'n3')).toBe(lastIndex(net, 'n1'));
    expect(net.member('n3').recovery?.recovering).toBe(false);
    expect(net.node('n1').status().firstIndex).toBe(1);
    expect(net.violations).toEqual([]);
  });
});

describe('the recovering flag on the wire', () => {
  it('marks only a recovering node’s acknowledgements', () => {
    const n = new RaftNode({ ...new RaftNetwork([]).config('n2', three, null), recovering: true });
    n.step({ type: 'heartbeat', from: 'n1', to: 'n2', term: 1, commit: 0, ctx: 'r' });
    expect(drain(n)).toEqual([expect.objectContaining({ type: 'heartbeatResp', ctx: 'r', recovering: true })]);
    n.endRecovery();
    n.step({ type: 'heartbeat', from: 'n1', to: 'n2', term: 1, commit: 0, ctx: 's' });
    const [resp] = drain(n);
    expect(resp).toMatchObject({ type: 'heartbeatResp', ctx: 's' });
    expect(resp).not.toHaveProperty('recovering');
  });
});
