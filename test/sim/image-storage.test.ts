/**
 * The simulator's disk is core/recovery's ImageStorage (the store the node process's scan
 * rules run over). Undamaged, it must mean exactly what core/storage.ts's MemoryStorage
 * means (the reference applyWrite semantics): checked on long random sequences of appends,
 * overwrites, received snapshots (agreeing and conflicting), compactions and hard state.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type StorageWrite } from '../../src-main/core/storage';
import { seededRng, type Entry, type Snapshot } from '../../src-main/core/types';
import { ImageStorage } from '../../src-main/core/recovery';

const conf = { voters: ['n1', 'n2', 'n3'], learners: [], votersOutgoing: [] };

describe('ImageStorage, the simulator’s disk', () => {
  it('agrees with MemoryStorage on random write sequences', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rng = seededRng(seed);
      const ref = new MemoryStorage();
      const sim = new ImageStorage({ protocol: 'raft', self: 'n1' });
      let term = 1;
      for (let step = 0; step < 300; step++) {
        const cur = ref.load();
        const last = cur.entries.at(-1)?.index ?? cur.snapshot?.index ?? 0;
        const first = cur.snapshot ? cur.snapshot.index + 1 : 1;
        const r = rng.next();
        if (r < 0.1) term++;
        if (r < 0.55) {
          // append, sometimes overwriting a suffix (a new leader's entries)
          const from = rng.next() < 0.3 ? rng.int(first, last + 1) : last + 1;
          const n = rng.int(1, 5);
          const entries: Entry[] = Array.from({ length: n }, (_, k) => ({
            index: from + k,
            term,
            type: 'normal',
            data: `d${seed}-${step}-${k}`,
          }));
          // A node writes an entry of a term only with that term saved (the scan holds a store to it).
          const hs = { term, vote: rng.next() < 0.5 ? 'n2' : null, commit: rng.int(0, from + n - 1) };
          const w: StorageWrite = { hardState: hs, entries, snapshot: null };
          ref.save(w);
          sim.save(w);
          // The writer keeps and mutates its objects: the store must have copied them.
          entries[0]!.data = 'mutated';
        } else if (r < 0.7 && last > 0) {
          // a snapshot from the leader: sometimes agreeing with our entry there, sometimes not
          const at = rng.int(Math.max(1, first - 1), last + 3);
          const have = cur.entries.find((e) => e.index === at);
          const snap: Snapshot = {
            index: at,
            term: have && rng.next() < 0.6 ? have.term : term + 1,
            conf,
            data: `s${at}`,
          };
          const w: StorageWrite = {
            hardState: { term: term + 1, vote: null, commit: at },
            entries: [],
            snapshot: snap,
          };
          ref.save(w);
          sim.save(w);
          term++;
        } else if (r < 0.85 && last >= first) {
          const at = rng.int(first, last);
          const snap: Snapshot = {
            index: at,
            term: cur.entries.find((e) => e.index === at)?.term ?? term,
            conf,
            data: `c${at}`,
          };
          ref.compact(snap);
          sim.compact(snap);
        } else {
          const w: StorageWrite = {
            hardState: { term, vote: 'n1', commit: rng.int(0, last) },
            entries: [],
            snapshot: null,
          };
          ref.save(w);
          sim.save(w);
        }
        const a = ref.load();
        const b = sim.load();
        if (JSON.stringify(a) !== JSON.stringify(b)) {
          expect(b, `seed ${seed} step ${step}`).toEqual(a);
        }
      }
    }
  });

  it('load() hands out copies: a core mutating what it loaded cannot change the disk', () => {
    const s = new ImageStorage({ protocol: 'raft', self: 'n1' });
    s.save({
      hardState: { term: 2, vote: 'n1', commit: 1 },
      entries: [{ index: 1, term: 2, type: 'normal', data: 'a' }],
      snapshot: null,
    });
    const p = s.load();
    p.entries[0]!.data = 'b';
    p.hardState.term = 9;
    expect(s.load().entries[0]!.data).toBe('a');
    expect(s.load().hardState.term).toBe(2);
  });

  it('a garbled term/vote record is replaced by the next save, and an image taken before a save keeps what it showed', () => {
    const s = new ImageStorage({ protocol: 'raft', self: 'n1' });
    const entries: Entry[] = [{ index: 1, term: 2, type: 'normal', data: 'a' }];
    s.save({ hardState: { term: 2, vote: 'n1', commit: 0 }, entries, snapshot: null });
    expect(s.damage('hardstate')).not.toBeNull();
    const garbled = s.image;
    // The node comes back (recovering, as the scan says), votes in a new term and writes it.
    expect(s.load().hardState.term).toBe(2);
    expect(s.damaged).not.toBeNull();
    s.markRecovered();
    s.save({ hardState: { term: 3, vote: 'n2', commit: 1 }, entries: [], snapshot: null });
    expect(s.image.hard).toEqual({ term: 3, vote: 'n2', commit: 1, intact: true });
    expect(garbled.hard!.intact).toBe(false);
    // Saves that rewrite the record leave an earlier image as it was.
    const before = s.image;
    s.save({ hardState: { term: 4, vote: null, commit: 1 }, entries: [], snapshot: null });
    expect(before.hard).toEqual({ term: 3, vote: 'n2', commit: 1, intact: true });
    expect(s.load().hardState).toEqual({ term: 4, vote: null, commit: 1 });
    expect(s.damaged).toBeNull();
  });
});
