/**
 * Property tests with a seeded random source: histories generated from a correct sequential
 * store with random concurrency (and lost completions) are linearizable; the checker agrees
 * with an independent brute-force oracle on small histories, mutated or not; a read flipped
 * to a value it provably cannot see is caught; and the live checker, fed event by event,
 * gives the batch checker's verdict.
 */
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../src-main/check/check';
import { generateHistory } from '../../src-main/check/generate';
import { LiveChecker } from '../../src-main/check/live';
import type { HistoryEvent } from '../../src-main/check/types';
import { seededRng, type Rng } from '../../src-main/core/types';
import { bruteForce } from './helpers';

function live(events: HistoryEvent[], every: number): ReturnType<LiveChecker['check']> {
  const lc = new LiveChecker();
  events.forEach((e, i) => {
    lc.ingest(e);
    if (i % every === every - 1) lc.check();
  });
  return lc.check(100_000_000);
}

/** flipRead changes one ok read's result to another value of the domain (or absent). */
function flipRead(rng: Rng, events: HistoryEvent[], values: number): HistoryEvent[] | null {
  const reads = events.map((e, i) => (e.type === 'ok' && e.f === 'read' ? i : -1)).filter((i) => i >= 0);
  if (reads.length === 0) return null;
  const at = reads[rng.int(0, reads.length - 1)] as number;
  const old = (events[at] as HistoryEvent).value;
  const choices = [null, ...Array.from({ length: values }, (_, i) => String(i))].filter((v) => v !== old);
  const out = events.slice();
  out[at] = { ...(events[at] as HistoryEvent), value: choices[rng.int(0, choices.length - 1)] };
  return out;
}

/**
 * staleRead makes a read return a value that was overwritten before it began: values are
 * unique per write, so once a later write has completed, no order lets the read see it.
 */
function staleRead(events: HistoryEvent[]): HistoryEvent[] | null {
  const invokeAt = new Map<number, number>();
  const done: { key: string; f: string; value: unknown; call: number; ret: number }[] = [];
  events.forEach((e, i) => {
    if (e.type === 'invoke') invokeAt.set(e.process, i);
    else if (e.type === 'ok') {
      const call = invokeAt.get(e.process) as number;
      done.push({ key: e.key, f: e.f, value: (events[call] as HistoryEvent).value, call, ret: i });
    }
  });
  for (const r of done) {
    if (r.f !== 'read') continue;
    const writes = done.filter((w) => w.key === r.key && w.f === 'write' && w.ret < r.call);
    for (const old of writes) {
      if (writes.some((w) => w.call > old.ret)) {
        const out = events.slice();
        out[r.ret] = { ...(events[r.ret] as HistoryEvent), value: old.value };
        return out;
      }
    }
  }
  return null;
}

describe('generated histories', () => {
  it('are linearizable, batch and live alike, under random concurrency and lost completions', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const events = generateHistory(seededRng(seed).next, {
        ops: 300,
        clients: 5,
        keys: 3,
        values: 4,
        infoRate: 0.03,
      });
      const b = checkHistory(events);
      expect(b.linearizable, `seed ${seed}`).toBe(true);
      const l = live(events, 1 + (seed % 17));
      expect(l.linearizable, `seed ${seed} (live)`).toBe(true);
      expect(l.ops).toBe(b.ops);
      expect(l.lagOps).toBe(0);
    }
  });

  it('agree with a brute-force oracle on small histories, mutated and not', () => {
    let violations = 0;
    let total = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const rng = seededRng(seed * 7919);
      const events = generateHistory(rng.next, { ops: 8, clients: 3, keys: 1 + (seed % 2), values: 2, infoRate: 0.1 });
      const mutated = seed % 2 === 0 ? flipRead(rng, events, 2) : events;
      if (!mutated) continue;
      const truth = bruteForce(mutated);
      const b = checkHistory(mutated);
      expect(b.linearizable, `seed ${seed}`).toBe(truth);
      expect(live(mutated, 1 + (seed % 5)).linearizable, `seed ${seed} (live)`).toBe(truth);
      total++;
      if (!truth) violations++;
    }
    // The mutations must produce real violations often enough for this to mean something.
    expect(violations).toBeGreaterThan(total / 10);
  });

  it('a read flipped to an overwritten value is caught in long histories, batch and live', () => {
    let caught = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const events = generateHistory(seededRng(seed).next, {
        ops: 1000,
        clients: 6,
        keys: 4,
        values: 0,
        infoRate: 0.02,
      });
      const bad = staleRead(events);
      if (!bad) continue;
      const b = checkHistory(bad);
      expect(b.linearizable, `seed ${seed}`).toBe(false);
      expect(b.violation?.explanation, `seed ${seed}`).toMatch(/^read k\d returned v\d+ /);
      expect(live(bad, 10).linearizable, `seed ${seed} (live)`).toBe(false);
      caught++;
    }
    expect(caught).toBeGreaterThan(20);
  });
});
