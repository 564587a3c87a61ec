/**
 * The simulator's agenda decides the order of everything in a run: events must come out
 * by virtual time, and events at the same time in the order they were scheduled (a seed
 * replays exactly only if ties never depend on how the heap happens to lie).
 */
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src-main/core/types';
import { EventQueue } from '../../src-main/sim/event-queue';

/** drain runs the queue to the end, returning the labels in the order they ran, with their times. */
function drain(q: EventQueue): [number, number][] {
  const out: [number, number][] = [];
  for (let at = q.peekTime(); at !== Infinity; at = q.peekTime()) {
    const fn = q.take()!;
    out.push([at, (fn as () => number)()]);
  }
  return out;
}

describe('EventQueue', () => {
  it('runs events by time, ties in the order they were scheduled, across growth', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rng = seededRng(seed);
      const q = new EventQueue();
      const want: { at: number; label: number }[] = [];
      // Few distinct times, so many ties; more events than the first capacity, so the arrays grow.
      for (let label = 0; label < 3000; label++) {
        const at = rng.int(0, 50) / 2;
        want.push({ at, label });
        q.push(at, () => label);
      }
      expect(q.size).toBe(3000);
      // A stable sort by time keeps schedule order within a time.
      want.sort((a, b) => a.at - b.at);
      expect(drain(q)).toEqual(want.map((w) => [w.at, w.label]));
      expect(q.size).toBe(0);
      expect(q.take()).toBeUndefined();
    }
  });

  it('keeps the order when events are scheduled while it runs, as a simulation does', () => {
    const rng = seededRng(7);
    const q = new EventQueue();
    const ran: [number, number][] = [];
    let next = 0;
    const schedule = (at: number): void => {
      const label = next++;
      q.push(at, () => {
        ran.push([at, label]);
        // Each event schedules up to two more at or after its own time.
        if (next < 5000) for (let k = rng.int(0, 2); k > 0; k--) schedule(at + rng.int(0, 3));
      });
    };
    for (let i = 0; i < 50; i++) schedule(rng.int(0, 10));
    for (let at = q.peekTime(); at !== Infinity; at = q.peekTime()) q.take()!();
    expect(ran.length).toBe(next);
    for (let i = 1; i < ran.length; i++) {
      const [t0, l0] = ran[i - 1]!;
      const [t1, l1] = ran[i]!;
      // Time never goes back; at one time, an event scheduled earlier runs first.
      expect(t1 > t0 || (t1 === t0 && l1 > l0), `event ${i}: (${t0}, #${l0}) then (${t1}, #${l1})`).toBe(true);
    }
  });

  it('pop, peekTime and clear', () => {
    const q = new EventQueue();
    expect(q.peekTime()).toBe(Infinity);
    expect(q.pop()).toBeUndefined();
    q.push(5, () => 'b');
    q.push(1.5, () => 'a');
    expect(q.peekTime()).toBe(1.5);
    const ev = q.pop()!;
    expect([ev.at, ev.fn()]).toEqual([1.5, 'a']);
    q.clear();
    expect(q.size).toBe(0);
    expect(q.peekTime()).toBe(Infinity);
    q.push(2, () => 'c');
    expect(q.pop()!.fn()).toBe('c');
  });
});
