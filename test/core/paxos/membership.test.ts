/**
 * Multi-Paxos membership through the log (core/paxos/README.md, "Membership"): a
 * configuration chosen at slot j governs the slots after j; the leader proposes nothing
 * past an unchosen configuration entry and runs phase 1 again in the new configuration
 * once it is chosen. A new node joins as a learner (its acceptances are no votes),
 * catches up, is promoted; members are removed, the leader too. Every test also checks
 * the network's own safety record: no slot is ever applied with two different values.
 */
import { describe, expect, it } from 'vitest';
import type { ConfChange, NodeId } from '../../../src-main/core/types';
import { runMix } from '../membership-mix';
import { PaxosNetwork } from './helpers';

const three = ['n1', 'n2', 'n3'];

/** change proposes cc on the leader and ticks `ids` until the cluster has a leader again whose configuration has it. */
function change(net: PaxosNetwork, cc: ConfChange, ids: NodeId[]): void {
  const l = net.waitLeader();
  const r = net.node(l).proposeConfChange(cc);
  expect(r, `${cc.type} ${cc.node}`).toMatchObject({ ok: true });
  net.process(l);
  const done = (): boolean => {
    const lead = ids.find((id) => net.member(id).up && net.node(id).status().role === 'leader');
    if (!lead) return false;
    const c = net.node(lead).status().conf;
    if (cc.type === 'addLearner') return c.learners.includes(cc.node);
    if (cc.type === 'promote') return c.voters.includes(cc.node);
    return !c.voters.includes(cc.node) && !c.learners.includes(cc.node);
  };
  expect(runOn(net, done, ids), `${cc.type} ${cc.node} took effect`).toBe(true);
}

/** runOn ticks the given members until cond holds (max ticks). */
function runOn(net: PaxosNetwork, cond: () => boolean, ids: NodeId[], max = 600): boolean {
  for (let i = 0; i < max; i++) {
    if (cond()) return true;
    net.tick(1, ids);
  }
  return cond();
}

/** proposeOn proposes data on the current leader among ids and ticks until `on` all applied it. */
function commitOn(net: PaxosNetwork, data: string, ids: NodeId[], on: NodeId[] = ids): number {
  let index = 0;
  const ok = runOn(
    net,
    () => {
      if (index === 0) {
        const l = ids.find((id) => net.member(id).up && net.node(id).status().role === 'leader');
        const r = l ? net.node(l).propose(data) : null;
        if (r?.ok) {
          index = r.index;
          net.process(l!);
        }
        return false;
      }
      return on.every((id) => net.member(id).sm.appliedIndex >= index);
    },
    ids,
  );
  expect(ok, `${data} applied on ${on.join(',')}`).toBe(true);
  return index;
}

describe('Multi-Paxos membership', () => {
  it('add learner → catch up → promote → remove; quorums follow the configuration in force', () => {
    const net = new PaxosNetwork(3, { seed: 3 });
    for (let i = 0; i < 10; i++) net.proposeAndWait(`c${i}`);
    // n4 starts knowing only the first members: it is nobody's voter, so it never campaigns.
    net.add('n4', three);
    const all = [...three, 'n4'];
    change(net, { type: 'addLearner', node: 'n4' }, all);
    commitOn(net, 'after-add', all);
    expect(net.member('n4').sm.values).toEqual([...Array.from({ length: 10 }, (_, i) => `c${i}`), 'after-add']);
    expect(net.node('n4').status().role).toBe('learner');
    // A learner's acceptances are no votes: with two of three voters cut off, nothing is chosen.
    const lead = net.waitLeader();
    const others = three.filter((id) => id !== lead);
    for (const id of others) net.isolate(id);
    const r = net.node(lead).propose('needs-a-voter');
    expect(r.ok).toBe(true);
    net.tick(20, [lead, 'n4']);
    expect(net.member(lead).sm.values).not.toContain('needs-a-voter');
    net.recover();
    runOn(net, () => net.member(lead).sm.values.includes('needs-a-voter'), all);
    // Promote: four voters, so a choice needs three.
    change(net, { type: 'promote', node: 'n4' }, all);
    for (const id of all) expect(net.node(id).status().conf.voters, id).toEqual(all);
    // Remove n2: three voters again, and nothing more reaches it.
    change(net, { type: 'remove', node: 'n2' }, all);
    const rest = ['n1', 'n3', 'n4'];
    net.crash('n2');
    commitOn(net, 'without-n2', rest);
    for (const id of rest) expect(net.member(id).sm.values.at(-1)).toBe('without-n2');
    expect(net.violations).toEqual([]);
  });

  it('one change at a time, and nothing is proposed past an unchosen configuration', () => {
    const net = new PaxosNetwork(3, { seed: 4 });
    const l = net.waitLeader();
    net.proposeAndWait('x');
    const n = net.node(l);
    expect(n.proposeConfChange({ type: 'addLearner', node: 'n4' }).ok).toBe(true);
    expect(n.proposeConfChange({ type: 'addLearner', node: 'n5' })).toMatchObject({ ok: false, reason: 'busy' });
    expect(n.propose('too-early')).toMatchObject({ ok: false, reason: 'busy' });
    // Inapplicable changes are refused, with the reason in words.
    expect(n.checkConfChange({ type: 'promote', node: 'n7' })).toBe('n7 is not a learner');
    expect(net.node(three.find((id) => id !== l)!).proposeConfChange({ type: 'remove', node: 'n3' })).toMatchObject({
      ok: false,
      reason: 'not-leader',
    });
    expect(net.violations).toEqual([]);
  });

  it('the leader removing itself stands down once the removal is chosen; the rest elect a leader', () => {
    const net = new PaxosNetwork(3, { seed: 5 });
    const l = net.waitLeader();
    net.proposeAndWait('a');
    change(
      net,
      { type: 'remove', node: l },
      three.filter((id) => id !== l),
    );
    const rest = three.filter((id) => id !== l);
    expect(runOn(net, () => rest.some((id) => net.node(id).status().role === 'leader'), three)).toBe(true);
    net.tick(60, three);
    // The removed node never campaigns again, and is not leading.
    expect(net.node(l).status().role).not.toBe('leader');
    expect(net.node(l).status().role).not.toBe('candidate');
    commitOn(net, 'b', rest);
    expect(net.violations).toEqual([]);
  });

  it('notes: a chosen configuration sends its leader through phase 1 again; check-quorum counts voters only', () => {
    const net = new PaxosNetwork(3, { seed: 8 });
    const l = net.waitLeader();
    net.proposeAndWait('a');
    net.add('n4', three);
    const all = [...three, 'n4'];
    net.node(l).takeNotes();
    change(net, { type: 'addLearner', node: 'n4' }, all);
    const again = net
      .node(l)
      .takeNotes()
      .find((n) => n.type === 'role' && n.prev === 'leader');
    expect(again).toMatchObject({ role: 'candidate', cause: { kind: 'reconfigured', voters: three } });
    // Cut off from the other voters, the leader still hears learner n4: that keeps no leader in office.
    const lead = net.waitLeader();
    commitOn(net, 'b', all);
    for (const id of three.filter((x) => x !== lead)) net.isolate(id);
    expect(runOn(net, () => net.node(lead).status().role !== 'leader', [lead, 'n4'], 300)).toBe(true);
    const down = net
      .node(lead)
      .takeNotes()
      .find((n) => n.type === 'role' && n.prev === 'leader');
    expect(down).toMatchObject({ cause: { kind: 'check-quorum', active: [lead], voters: three } });
    expect(net.violations).toEqual([]);
  });

  it('a leader whose configuration entry lost its slot to another leader proposes again when it leads anew', () => {
    const net = new PaxosNetwork(3, { seed: 9 });
    const l = net.waitLeader();
    net.proposeAndWait('a');
    net.add('n4', three);
    const all = [...three, 'n4'];
    // Cut off, the leader proposes a change that can never be chosen where it stands.
    net.isolate(l);
    expect(net.node(l).proposeConfChange({ type: 'addLearner', node: 'n4' }).ok).toBe(true);
    net.process(l);
    // The majority elects another leader, whose values take that slot and the next.
    const rest = three.filter((id) => id !== l);
    commitOn(net, 'b', rest);
    commitOn(net, 'c', rest);
    net.recover();
    const other = net.waitLeader();
    expect(other).not.toBe(l);
    // Leadership goes back to the old leader by a transfer: it must serve, not wait for ever
    // on an entry whose slot now holds another value.
    expect(runOn(net, () => net.node(other).transferLeadership(l), all)).toBe(true);
    expect(runOn(net, () => net.node(l).status().role === 'leader' && net.waitLeader() === l, all)).toBe(true);
    let index = 0;
    const served = runOn(
      net,
      () => {
        if (index === 0) {
          const r = net.node(l).propose('after');
          if (r.ok) {
            index = r.index;
            net.process(l);
          }
          return false;
        }
        return three.every((id) => net.member(id).sm.appliedIndex >= index);
      },
      all,
      300,
    );
    expect(served, `${l} proposes again (pendingConf cleared)`).toBe(true);
    expect(net.node(l).status().conf.learners).toEqual([]);
    expect(net.violations).toEqual([]);
  });

  it('a learner whose leader fell silent answers prepares (its lease runs out like a voter’s)', () => {
    const net = new PaxosNetwork(3, { seed: 10 });
    const l = net.waitLeader();
    net.add('n4', three);
    const all = [...three, 'n4'];
    change(net, { type: 'addLearner', node: 'n4' }, all);
    const lead = net.waitLeader();
    net.crash(lead);
    net.tick(40, ['n4']);
    const other = three.find((id) => id !== lead)!;
    const n4 = net.node('n4');
    n4.takeNotes();
    n4.step({ type: 'prepare', from: other, to: 'n4', term: n4.status().term + 1000, fromIndex: 1, force: false });
    const answer = n4.takeNotes().find((n) => n.type === 'vote');
    expect(answer, `n4 answered ${other} (leader ${lead} down, was ${l})`).toMatchObject({ granted: true });
  });

  it('a crash in the middle: the leader dies with the change proposed; the next leader finishes or drops it, consistently', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const net = new PaxosNetwork(3, { seed, minDelay: 1, maxDelay: 3 });
      const l = net.waitLeader();
      net.proposeAndWait('a');
      net.add('n4', three);
      const all = [...three, 'n4'];
      expect(net.node(l).proposeConfChange({ type: 'addLearner', node: 'n4' }).ok).toBe(true);
      net.process(l);
      // Some of the accepts may be on their way: crash the leader a random moment later.
      net.tick(net.rng.int(0, 3), all);
      net.crash(l);
      const rest = all.filter((id) => id !== l);
      commitOn(
        net,
        'after-crash',
        rest,
        three.filter((id) => id !== l),
      );
      net.restart(l);
      net.tick(40, all);
      // Every node that knows the configuration agrees on it.
      const confs = new Set(all.map((id) => JSON.stringify(net.node(id).status().conf.learners)));
      const lead = net.waitLeader();
      const learners = net.node(lead).status().conf.learners;
      expect(['[]', '["n4"]']).toContain(JSON.stringify(learners));
      if (learners.length === 0) change(net, { type: 'addLearner', node: 'n4' }, all);
      change(net, { type: 'promote', node: 'n4' }, all);
      commitOn(net, 'four-voters', all);
      expect(net.violations, `seed ${seed}`).toEqual([]);
      expect(confs.size).toBeGreaterThan(0);
    }
  });

  it('a snapshot carries the configuration to a node that missed the configuration entries', () => {
    const net = new PaxosNetwork(3, { seed: 6 });
    net.waitLeader();
    net.isolate('n3');
    net.add('n4', three);
    const four = ['n1', 'n2', 'n4'];
    change(net, { type: 'addLearner', node: 'n4' }, four);
    change(net, { type: 'promote', node: 'n4' }, four);
    commitOn(net, 'a', four);
    const lead = net.waitLeader();
    const snap = net.compact(lead);
    expect(snap.conf.voters).toEqual([...three, 'n4']);
    net.recover();
    expect(runOn(net, () => net.member('n3').sm.values.includes('a'), [...three, 'n4'])).toBe(true);
    expect(net.node('n3').status().conf.voters).toEqual([...three, 'n4']);
    net.crash('n3');
    net.restart('n3');
    expect(net.node('n3').status().conf.voters).toEqual([...three, 'n4']);
    expect(net.violations).toEqual([]);
  });

  it('random faults with membership changes in the mix: one leader per ballot, no slot chosen twice, 40 seeds', () => {
    const total = new Map<string, number>();
    for (let seed = 1; seed <= 40; seed++) {
      const net = new PaxosNetwork(3, { seed, minDelay: 1, maxDelay: 4 });
      for (const id of ['n4', 'n5']) net.add(id, three);
      const r = runMix(net, three, ['n4', 'n5'], 100);
      expect(r.violations, `seed ${seed}`).toEqual([]);
      for (const [k, n] of r.changes) total.set(k, (total.get(k) ?? 0) + n);
      // Live again: a leader, and a new value reaches every voter.
      const all = [...three, 'n4', 'n5'];
      const lead = all.find((id) => net.node(id).status().role === 'leader') ?? net.waitLeader();
      commitOn(net, 'final', all, net.node(lead).status().conf.voters);
      expect(net.violations, `seed ${seed}`).toEqual([]);
    }
    // The mix really changed membership, every way, many times.
    for (const k of ['addLearner', 'promote', 'remove']) expect(total.get(k) ?? 0, k).toBeGreaterThan(5);
  });
});
