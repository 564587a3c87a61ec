/**
 * The shared recovery module's pure parts: the load-time scan (what of a store can be
 * trusted, per protocol), the three disk faults, and ImageStorage (the in-memory store the
 * simulator runs on), which must judge a damaged store exactly as the SQLite storage does
 * (test/node/storage.test.ts checks the two side by side).
 */
import { describe, expect, it } from 'vitest';
import {
  DAMAGE_KINDS,
  ImageStorage,
  LOG_TAIL_ENTRIES,
  Recovery,
  damageImage,
  emptyImage,
  mayLeaveWhileRecovering,
  scanStore,
  type StoreImage,
} from '../../../src-main/core/recovery';
import type { Entry } from '../../../src-main/core/types';

const ent = (index: number, term: number): Entry => ({ index, term, type: 'normal', data: `e${index}` });

function image(hard: { term: number; vote: string | null; commit: number } | null, entries: Entry[]): StoreImage {
  return {
    ...emptyImage(),
    hard: hard && { ...hard, intact: true },
    log: entries.map((entry) => ({ entry, intact: true })),
  };
}

describe('scanStore', () => {
  it('a healthy store has no problems and hands back what it holds', () => {
    const img = image({ term: 3, vote: 'n2', commit: 2 }, [ent(1, 1), ent(2, 3)]);
    const s = scanStore(img, { protocol: 'raft', self: 'n1' });
    expect(s.problems).toEqual([]);
    expect(s.persisted).toEqual({
      hardState: { term: 3, vote: 'n2', commit: 2 },
      snapshot: null,
      entries: img.log.map((r) => r.entry),
    });
  });

  it('Raft: a term going down along the log is damage; Multi-Paxos: ballots may go down', () => {
    const img = image({ term: 5, vote: null, commit: 0 }, [
      ent(1, 5),
      { index: 2, term: 0, type: 'noop', data: '' },
      ent(3, 2),
    ]);
    expect(scanStore(img, { protocol: 'raft', self: 'n1' })).toMatchObject({
      problems: ["log entry 2 has term 0 below its predecessor's 5"],
      firstBad: 2,
    });
    expect(scanStore(img, { protocol: 'paxos', self: 'n1' }).problems).toEqual([]);
  });

  it('a garbled term/vote record: the term is the highest in the log, the vote counts as cast for itself (Raft)', () => {
    const img = image({ term: 9, vote: 'n2', commit: 4 }, [ent(1, 2), ent(2, 4)]);
    img.hard!.intact = false;
    const raft = scanStore(img, { protocol: 'raft', self: 'n3' });
    expect(raft).toMatchObject({ voteLost: true, rewriteHard: true });
    expect(raft.persisted.hardState).toEqual({ term: 4, vote: 'n3', commit: 0 });
    expect(scanStore(img, { protocol: 'paxos', self: 'n3' }).persisted.hardState).toEqual({
      term: 4,
      vote: null,
      commit: 0,
    });
  });

  it('an unreadable store starts empty with its vote lost and nothing known of what it held', () => {
    const s = scanStore({ ...emptyImage(), unreadable: 'not a database' }, { protocol: 'raft', self: 'n1' });
    expect(s).toMatchObject({ problems: ['not a database'], voteLost: true, highWater: 0 });
  });
});

describe('the disk faults', () => {
  const stored = (): ImageStorage => {
    const s = new ImageStorage({ protocol: 'raft', self: 'n1' });
    s.save({
      hardState: { term: 2, vote: 'n1', commit: 18 },
      entries: Array.from({ length: 20 }, (_, i) => ent(i + 1, 2)),
      snapshot: null,
    });
    return s;
  };

  it('every kind is described and detected on the next load', () => {
    for (const kind of DAMAGE_KINDS) {
      const s = stored();
      expect(s.damage(kind)).not.toBeNull();
      s.load();
      expect(s.damaged).not.toBeNull();
    }
  });

  it(`log-tail garbles the last ${LOG_TAIL_ENTRIES} entries: dropped, and the floor remembers how far the log went`, () => {
    const s = stored();
    expect(s.damage('log-tail')).toBe(`garbled log entries ${21 - LOG_TAIL_ENTRIES}..20`);
    const p = s.load();
    expect(p.entries.at(-1)?.index).toBe(20 - LOG_TAIL_ENTRIES);
    expect(p.hardState).toEqual({ term: 2, vote: 'n1', commit: 20 - LOG_TAIL_ENTRIES });
    expect(s.recoveryFloor).toBe(20);
    expect(s.voteLost).toBe(false);
  });

  it('hardstate loses the vote; file loses everything; the mark lasts until markRecovered', () => {
    const a = stored();
    a.damage('hardstate');
    expect(a.load().hardState).toEqual({ term: 2, vote: 'n1', commit: 0 });
    expect(a.voteLost).toBe(true);
    const b = stored();
    b.damage('file');
    expect(b.load()).toEqual({ hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [] });
    expect(b.damaged).toBe('the file cannot be read');
    b.load();
    expect(b.damaged).toBe('the file cannot be read');
    b.markRecovered();
    expect([b.damaged, b.voteLost, b.recoveryFloor]).toEqual([null, false, 0]);
  });

  it('a store with nothing of that kind is left alone', () => {
    expect(damageImage(emptyImage(), 'hardstate').what).toBeNull();
    expect(damageImage(emptyImage(), 'log-tail').what).toBeNull();
  });
});

describe('Recovery and what a recovering node may send', () => {
  it('a node without damage is never recovering', () => {
    expect(
      new Recovery({ reason: null, floor: 0, voteLost: false, electionTicks: 10, ctxPrefix: 'x' }).recovering,
    ).toBe(false);
  });

  it('only flagged acknowledgements, refusals and forwarded reads leave a recovering node', () => {
    const m = (type: string, extra: object = {}) => ({ type, from: 'n1', to: 'n2', term: 1, ...extra });
    expect(mayLeaveWhileRecovering('raft', m('appendResp', { recovering: true }))).toBe(true);
    expect(mayLeaveWhileRecovering('raft', m('appendResp'))).toBe(false);
    expect(mayLeaveWhileRecovering('raft', m('voteResp', { reject: false }))).toBe(false);
    expect(mayLeaveWhileRecovering('raft', m('voteResp', { reject: true }))).toBe(true);
    expect(mayLeaveWhileRecovering('raft', m('readIndex'))).toBe(true);
    expect(mayLeaveWhileRecovering('paxos', m('promise'))).toBe(false);
    expect(mayLeaveWhileRecovering('paxos', m('accepted'))).toBe(false);
    expect(mayLeaveWhileRecovering('paxos', m('heartbeatAck', { recovering: true }))).toBe(true);
    expect(mayLeaveWhileRecovering('paxos', m('prepare'))).toBe(false);
  });
});
