/**
 * A Multi-Paxos member whose store was damaged (core/recovery), on the in-memory network.
 * An acceptor that lost its promises or accepted values may not take part in phase 1 or 2
 * ("Paxos Made Simple" §2.2: an acceptor must remember what it promised and accepted) until
 * it has learned every chosen value from its peers; its heartbeat answers keep it caught up
 * but confirm no read and keep no leader in office.
 */
import { describe, expect, it } from 'vitest';
import { PaxosNode } from '../../../src-main/core/paxos';
import { PaxosNetwork } from './helpers';

/** setup: a leader with 20 chosen slots; a follower crashes and loses its log tail; the other is down. */
function setup(opts: { checkQuorum?: boolean } = {}): { c: PaxosNetwork; l: string; f: string; other: string } {
  const c = new PaxosNetwork(3, { seed: 3, checkQuorum: opts.checkQuorum ?? false });
  const l = c.waitLeader();
  for (let i = 0; i < 20; i++) c.proposeAndWait(`v${i}`);
  const [f, other] = c.ids.filter((id) => id !== l) as [string, string];
  c.crash(f);
  expect(c.damage(f, 'log-tail')).toMatch(/garbled log entries/);
  c.crash(other);
  c.restart(f);
  expect(c.member(f).recovery?.recovering).toBe(true);
  return { c, l, f, other };
}

describe('a recovering Multi-Paxos acceptor', () => {
  it('promises nothing and accepts nothing on the record, so the leader cannot choose with it', () => {
    const { c, l, f, other } = setup();
    const r = c.node(l).propose('not-yet');
    c.tick(60, [l, f]);
    expect(r.ok && c.node(l).status().commitIndex < r.index).toBe(true);
    expect(c.violations).toEqual([]);
    c.restart(other);
    c.tick(40);
    expect(r.ok && c.node(l).status().commitIndex >= r.index).toBe(true);
    expect(c.member(f).recovery?.recovering).toBe(false);
    expect(c.member(f).sm.values).toEqual(c.member(l).sm.values);
  });

  it('is caught up from where it really is, not from the commit it reported before the damage', () => {
    const { c, l, f, other } = setup();
    c.restart(other);
    c.tick(60);
    expect(c.member(f).sm.values).toEqual(c.member(l).sm.values);
    expect(c.member(f).recovery?.recovering).toBe(false);
    expect(c.violations).toEqual([]);
  });

  it('does not confirm a read', () => {
    const { c, l, f, other } = setup();
    c.tick(5, [l, f]);
    expect(c.node(l).readIndex('r').ok).toBe(true);
    c.tick(60, [l, f]);
    expect(c.member(l).reads).toEqual([]);
    c.restart(other);
    c.tick(20);
    expect(c.member(l).reads.map((x) => x.ctx)).toEqual(['r']);
  });

  it('does not keep a leader in office under check-quorum, and never stands itself', () => {
    const { c, l, f } = setup({ checkQuorum: true });
    c.tick(60, [l, f]);
    expect(c.node(l).status().role).not.toBe('leader');
    c.tick(200, [l, f]);
    expect(c.node(f).status().role).toBe('follower');
    expect(c.violations).toEqual([]);
  });

  it('answers no prepare until it has caught up, then promises again', () => {
    const restore = {
      hardState: { term: 101, vote: null, commit: 1 },
      snapshot: null,
      entries: [{ index: 1, term: 101, type: 'normal' as const, data: 'a' }],
    };
    const n = new PaxosNode({ ...new PaxosNetwork(3).config('n3', ['n1', 'n2', 'n3'], restore), recovering: true });
    const sent = (): string[] => {
      const rd = n.ready();
      n.advance(rd);
      return [...rd.messages, ...rd.messagesAfterPersist].map((m) => m.type);
    };
    sent();
    // A promise it forgot may have been to a higher ballot: it must not make one now.
    n.step({ type: 'prepare', from: 'n1', to: 'n3', term: 201, fromIndex: 2, force: false });
    expect(sent()).not.toContain('promise');
    n.endRecovery();
    n.step({ type: 'prepare', from: 'n1', to: 'n3', term: 301, fromIndex: 2, force: false });
    expect(sent()).toContain('promise');
  });

  it('raises its promise to the highest ballot in its log when the record was lost', () => {
    const n = new PaxosNode({
      ...new PaxosNetwork(3).config('n3', ['n1', 'n2', 'n3'], {
        hardState: { term: 0, vote: null, commit: 0 },
        snapshot: null,
        entries: [
          { index: 1, term: 302, type: 'normal', data: 'a' },
          { index: 2, term: 0, type: 'noop', data: '' },
        ],
      }),
    });
    expect(n.status().term).toBe(302);
    n.step({ type: 'prepare', from: 'n1', to: 'n3', term: 201, fromIndex: 1, force: false });
    const rd = n.ready();
    expect([...rd.messages, ...rd.messagesAfterPersist]).toEqual([
      expect.objectContaining({ type: 'nack', term: 302, ballot: 201 }),
    ]);
  });
});
