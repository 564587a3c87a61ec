/**
 * Membership change, one server at a time (Raft dissertation §4.1–§4.2): a new node
 * catches up as a non-voting learner, is promoted, and members are removed; the leader
 * allows one unapplied change at a time and only after committing an entry of its term.
 */
import { describe, expect, it } from 'vitest';
import type { ConfChange } from '../../../src-main/core/types';
import { runMix } from '../membership-mix';
import { RaftNetwork } from './helpers';

const three = ['n1', 'n2', 'n3'];

function change(net: RaftNetwork, leader: string, cc: ConfChange): void {
  const r = net.node(leader).proposeConfChange(cc);
  expect(r.ok).toBe(true);
  net.process(leader);
  net.deliverAll();
  net.tick(
    2,
    [...net.members.keys()].filter((id) => net.member(id).up),
  );
}

describe('membership change (dissertation §4)', () => {
  it('a leader that removed itself but lost office before the removal committed can still be elected (§4.2.2)', () => {
    // Four voters, one down: a leader needs three votes.
    const four = [...three, 'n4'];
    const net = new RaftNetwork(four, { preVote: true, checkQuorum: true, seed: 4 });
    net.elect('n1');
    net.propose('n1', 'a');
    net.crash('n4');
    // Cut off, n1 appends its own removal: only its log has it, and its log is the longest.
    net.isolate('n1');
    expect(net.node('n1').proposeConfChange({ type: 'remove', node: 'n1' }).ok).toBe(true);
    net.process('n1');
    net.tick(40, three);
    expect(net.node('n1').status().role).not.toBe('leader');
    net.recover();
    // n2 and n3 cannot win without n1's vote, which their shorter logs do not get; n1 must run.
    expect(net.runUntil(() => ['n2', 'n3'].some((id) => net.node(id).status().role === 'leader'), 600)).toBe(true);
    for (const id of ['n2', 'n3']) expect(net.node(id).status().conf.voters).toEqual(['n2', 'n3', 'n4']);
    expect(net.node('n1').status().role).not.toBe('leader');
  });

  it('add learner -> catch up -> promote -> remove', () => {
    const net = new RaftNetwork(three);
    net.elect('n1');
    for (let i = 0; i < 10; i++) net.propose('n1', `c${i}`);
    // n4 starts knowing only the initial members: it is nobody's voter, so it waits quietly.
    net.add('n4', three);
    change(net, 'n1', { type: 'addLearner', node: 'n4' });
    expect(net.node('n1').status().conf).toEqual({ voters: three, learners: ['n4'], votersOutgoing: [] });
    // The learner catches up but does not count towards commit and never campaigns.
    expect(net.member('n4').sm.values).toHaveLength(10);
    expect(net.node('n4').status().role).toBe('learner');
    net.isolate('n4');
    const t = net.node('n4').status().term;
    net.tick(60, ['n4']);
    expect(net.node('n4').status().term).toBe(t);
    net.recover();
    // Promote: now four voters, so commit needs three.
    change(net, 'n1', { type: 'promote', node: 'n4' });
    for (const id of [...three, 'n4']) expect(net.node(id).status().conf.voters).toEqual([...three, 'n4']);
    net.isolate('n2');
    net.isolate('n3');
    net.propose('n1', 'needs-three');
    net.tick(2, ['n1', 'n4']);
    expect(net.member('n1').sm.values).not.toContain('needs-three');
    net.recover();
    net.tick(2, ['n1', 'n2', 'n3', 'n4']);
    expect(net.member('n1').sm.values).toContain('needs-three');
    // Remove n2: three voters again, and n2 is no longer replicated to.
    change(net, 'n1', { type: 'remove', node: 'n2' });
    expect(net.node('n1').status().conf.voters).toEqual(['n1', 'n3', 'n4']);
    expect(
      net
        .node('n1')
        .status()
        .progress!.map((p) => p.id)
        .sort(),
    ).toEqual(['n1', 'n3', 'n4']);
    net.crash('n2');
    net.propose('n1', 'without-n2');
    net.tick(2, ['n1', 'n3', 'n4']);
    for (const id of ['n1', 'n3', 'n4']) expect(net.member(id).sm.values.at(-1)).toBe('without-n2');
  });

  it('the leader removing itself steps down once the removal commits, and the rest elect a leader', () => {
    const net = new RaftNetwork(three);
    net.elect('n1');
    net.propose('n1', 'a');
    change(net, 'n1', { type: 'remove', node: 'n1' });
    net.crash('n1');
    net.tick(40, ['n2', 'n3']);
    const leaders = net.leaders();
    expect(leaders).toHaveLength(1);
    expect(['n2', 'n3']).toContain(leaders[0]);
    expect(net.node(leaders[0]!).status().conf.voters).toEqual(['n2', 'n3']);
  });

  it('a removed leader that stays up stops leading by itself', () => {
    const net = new RaftNetwork(three);
    net.elect('n1');
    change(net, 'n1', { type: 'remove', node: 'n1' });
    net.tick(3);
    expect(net.node('n1').status().role).not.toBe('leader');
  });

  it("allows one unapplied change at a time, and none before an entry of the leader's term commits (Ongaro's fix)", () => {
    const net = new RaftNetwork(three);
    net.add('n4', three);
    net.add('n5', three);
    // A fresh leader whose no-op is not yet committed refuses.
    net.drop = (m) => m.type === 'append';
    net.campaign('n1');
    expect(net.node('n1').status().role).toBe('leader');
    expect(net.node('n1').proposeConfChange({ type: 'addLearner', node: 'n4' })).toMatchObject({
      ok: false,
      reason: 'busy',
    });
    net.drop = null;
    net.tick(2, three);
    expect(net.node('n1').proposeConfChange({ type: 'addLearner', node: 'n4' }).ok).toBe(true);
    // The first change is not applied yet: a second one waits.
    expect(net.node('n1').proposeConfChange({ type: 'addLearner', node: 'n5' })).toMatchObject({
      ok: false,
      reason: 'busy',
    });
    net.process('n1');
    net.deliverAll();
    net.tick(1, three);
    expect(net.node('n1').proposeConfChange({ type: 'addLearner', node: 'n5' }).ok).toBe(true);
    // Inapplicable changes are refused.
    const n = net.node('n2');
    expect(n.proposeConfChange({ type: 'promote', node: 'n4' })).toMatchObject({ ok: false, reason: 'not-leader' });
  });

  it('refuses inapplicable changes', () => {
    const net = new RaftNetwork(['n1']);
    net.elect('n1');
    net.tick(1);
    const n = net.node('n1');
    expect(n.proposeConfChange({ type: 'promote', node: 'n7' })).toMatchObject({ ok: false });
    expect(n.proposeConfChange({ type: 'addLearner', node: 'n1' })).toMatchObject({ ok: false });
    expect(n.proposeConfChange({ type: 'remove', node: 'n1' })).toMatchObject({ ok: false });
    expect(n.checkConfChange({ type: 'remove', node: 'n1' })).toBe('cannot remove the last voter');
  });

  it('a crash in the middle: leader dies after adding a learner; the next leader promotes it; restarts rebuild the config from the log', () => {
    const net = new RaftNetwork(three);
    net.elect('n1');
    net.propose('n1', 'a');
    net.add('n4', three);
    change(net, 'n1', { type: 'addLearner', node: 'n4' });
    net.crash('n1');
    net.tick(40, ['n2', 'n3', 'n4']);
    const lead = net.leaders()[0]!;
    expect(['n2', 'n3']).toContain(lead);
    // The new leader knows n4 is a learner (the config entry is in its log) and keeps it fed.
    expect(net.node(lead).status().conf.learners).toEqual(['n4']);
    net.propose(lead, 'b');
    // Followers learn a commit from the next append or heartbeat (one tick here).
    net.tick(1);
    expect(net.member('n4').sm.values).toEqual(['a', 'b']);
    change(net, lead, { type: 'promote', node: 'n4' });
    net.restart('n1');
    net.tick(5);
    for (const id of ['n1', 'n2', 'n3', 'n4']) {
      expect(net.node(id).status().conf).toEqual({ voters: [...three, 'n4'], learners: [], votersOutgoing: [] });
    }
    // Now a majority of four is three: with two of four up, nothing commits and nobody new is elected.
    const other = lead === 'n2' ? 'n3' : 'n2';
    net.crash('n1');
    net.crash(other);
    net.propose(lead, 'no-quorum');
    net.tick(40, [lead, 'n4']);
    expect(net.member(lead).sm.values).not.toContain('no-quorum');
    expect(net.node('n4').status().role).not.toBe('leader');
    net.restart(other);
    // Both back: the cluster goes on.
    net.restart('n1');
    net.tick(60);
    expect(net.leaders()).toHaveLength(1);
    for (const id of ['n1', 'n2', 'n3', 'n4']) expect(net.member(id).sm.values).toEqual(['a', 'b', 'no-quorum']);
  });

  it('an uncommitted config entry overwritten by a new leader rolls the configuration back', () => {
    const net = new RaftNetwork(three);
    net.elect('n1');
    net.tick(1);
    net.isolate('n1');
    expect(net.node('n1').proposeConfChange({ type: 'addLearner', node: 'n9' }).ok).toBe(true);
    net.process('n1');
    // Config takes effect on append: n1 already uses it.
    expect(net.node('n1').status().conf.learners).toEqual(['n9']);
    net.tick(40, ['n2', 'n3']);
    const lead = net.leaders().find((l) => l !== 'n1')!;
    net.propose(lead, 'x');
    net.recover();
    net.tick(5);
    expect(net.node('n1').status().conf.learners).toEqual([]);
    expect(net.member('n1').sm.values).toEqual(['x']);
  });

  it('a snapshot carries the configuration to a node that missed the config entries', () => {
    const net = new RaftNetwork(three);
    net.elect('n1');
    net.isolate('n3');
    net.add('n4', three);
    change(net, 'n1', { type: 'addLearner', node: 'n4' });
    change(net, 'n1', { type: 'promote', node: 'n4' });
    net.propose('n1', 'a');
    net.tick(1, ['n1', 'n2', 'n4']);
    net.compact('n1');
    net.recover();
    net.tick(3);
    expect(net.node('n3').status().conf.voters).toEqual([...three, 'n4']);
    expect(net.member('n3').sm.values).toEqual(['a']);
    net.crash('n3');
    net.restart('n3');
    expect(net.node('n3').status().conf.voters).toEqual([...three, 'n4']);
  });

  it('a snapshot taken below a newer config entry carries the membership at its own index', () => {
    const net = new RaftNetwork(three);
    net.elect('n1');
    net.propose('n1', 'a');
    net.tick(1);
    net.isolate('n1');
    expect(net.node('n1').proposeConfChange({ type: 'addLearner', node: 'n4' }).ok).toBe(true);
    net.process('n1');
    const snap = net.compact('n1');
    expect(net.node('n1').status().conf.learners).toEqual(['n4']);
    expect(snap.conf.learners).toEqual([]);
  });
});

describe('membership changes in a random fault mix (§4.1, with Ongaro’s one-at-a-time rule)', () => {
  it('one leader per term and no committed entry lost or changed, over 40 seeds', () => {
    const total = new Map<string, number>();
    for (let seed = 1; seed <= 40; seed++) {
      const net = new RaftNetwork(three, { seed, minDelay: 1, maxDelay: 4, preVote: true, checkQuorum: true });
      for (const id of ['n4', 'n5']) net.add(id, three);
      const r = runMix(net, three, ['n4', 'n5'], 100);
      expect(r.violations, `seed ${seed}`).toEqual([]);
      for (const [k, n] of r.changes) total.set(k, (total.get(k) ?? 0) + n);
      // Live again: the cluster still commits, on every voter.
      const all = [...three, 'n4', 'n5'];
      const lead = all.find((id) => net.node(id).status().role === 'leader');
      expect(lead, `seed ${seed}: a leader after the heal`).toBeDefined();
      const voters = net.node(lead!).status().conf.voters;
      const res = net.node(lead!).propose('final');
      expect(res.ok, `seed ${seed}`).toBe(true);
      net.tick(30, all);
      for (const v of voters) expect(net.member(v).sm.values.at(-1), `seed ${seed} ${v}`).toBe('final');
      expect(net.violations, `seed ${seed}`).toEqual([]);
    }
    for (const k of ['addLearner', 'promote', 'remove']) expect(total.get(k) ?? 0, k).toBeGreaterThan(5);
  });
});
