/**
 * The commit rule (Raft §5.4.2, Figure 8): a leader commits by counting replicas only for
 * entries of its own term; an older-term entry stored on a majority can still be
 * overwritten by a later leader, so counting it would lose a committed entry.
 */
import { describe, expect, it } from 'vitest';
import type { RaftMessage } from '../../../src-main/core/raft';
import { RaftNetwork } from './helpers';

const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];

/** electAfterRetries campaigns id until it wins (a candidate may need a few terms to catch up). */
function electEventually(net: RaftNetwork, id: string): void {
  for (let i = 0; i < 6 && net.node(id).status().role !== 'leader'; i++) net.campaign(id);
  expect(net.node(id).status().role).toBe('leader');
}

describe('Figure 8 (§5.4.2): a leader never commits an older-term entry by counting replicas', () => {
  function figure8(): { net: RaftNetwork; oldTerm: number } {
    const net = new RaftNetwork(ids, { maxEntriesPerMsg: 1 });
    net.elect('n1');
    // (a) n1 (term T) puts "A" at index 2 but it reaches only n2.
    net.node('n1').propose('A');
    net.process('n1');
    net.take((m) => m.type === 'append' && m.to !== 'n2');
    net.deliverAll();
    const oldTerm = net.node('n1').status().term;
    expect(net.node('n2').entries(2, 3)[0]?.data).toBe('A');
    // (b) n1 crashes; n5 wins with n3, n4 and writes its own entry at index 2, which nobody receives.
    net.crash('n1');
    net.drop = (m: RaftMessage) => m.from === 'n5' && m.type === 'append';
    electEventually(net, 'n5');
    net.drop = null;
    net.crash('n5');
    // (c) n1 restarts and wins a later term; it sends "A" (index 2) to everyone but its own
    // new-term entries are lost, so "A" is stored on a majority (n1, n2, n3, n4).
    net.restart('n1');
    net.rewrite = (m: RaftMessage): RaftMessage =>
      m.from === 'n1' && m.type === 'append'
        ? { ...m, entries: m.entries.filter((e) => e.term !== net.node('n1').status().term) }
        : m;
    electEventually(net, 'n1');
    net.tick(3, ['n1', 'n2', 'n3', 'n4']);
    return { net, oldTerm };
  }

  it('does not commit "A" though a majority stores it, since it is from an older term', () => {
    const { net, oldTerm } = figure8();
    const lead = net.node('n1').status();
    expect(lead.term).toBeGreaterThan(oldTerm);
    const replicas = ['n1', 'n2', 'n3', 'n4'].filter((id) => net.node(id).entries(2, 3)[0]?.data === 'A');
    expect(replicas.length).toBeGreaterThanOrEqual(3);
    expect(lead.commitIndex).toBe(1);
    for (const id of ['n1', 'n2', 'n3', 'n4']) expect(net.member(id).sm.values).not.toContain('A');
  });

  it('(d) so a later leader may overwrite it, and nobody has applied it', () => {
    const { net } = figure8();
    net.rewrite = null;
    net.crash('n1');
    net.restart('n5');
    electEventually(net, 'n5');
    net.tick(5, ['n2', 'n3', 'n4', 'n5']);
    for (const id of ['n2', 'n3', 'n4', 'n5']) {
      expect(net.node(id).entries(2, 3)[0]?.data).not.toBe('A');
      expect(net.member(id).sm.values).not.toContain('A');
    }
    net.node('n5').propose('B');
    net.tick(3, ['n2', 'n3', 'n4', 'n5']);
    for (const id of ['n2', 'n3', 'n4', 'n5']) expect(net.member(id).sm.values).toEqual(['B']);
  });

  it('(e) once an entry of the current term is on a majority, it and "A" before it commit together', () => {
    const { net } = figure8();
    net.rewrite = null;
    net.tick(3, ['n1', 'n2', 'n3', 'n4']);
    expect(net.node('n1').status().commitIndex).toBeGreaterThanOrEqual(3);
    for (const id of ['n1', 'n2', 'n3', 'n4']) expect(net.member(id).sm.values).toEqual(['A']);
  });
});
