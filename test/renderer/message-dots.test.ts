/**
 * The topology's messages in flight under heavy traffic: a dot moves from its sender to
 * its receiver (a dropped one stops half-way, red) and is gone when its flight ends; at
 * most MAX_PER_LINK dots fly on one link, MAX_DOTS in all and MAX_NEW_PER_SECOND start a
 * second; a message that finds no room is counted into a dot on its link, which grows,
 * and one on a link with no dot is not drawn.
 */
import { describe, expect, it } from 'vitest';
import {
  DotFlights,
  MAX_DOTS,
  MAX_NEW_PER_SECOND,
  MAX_PER_LINK,
  type FlightSpec,
} from '../../src-renderer/src/composables/message-dots';
import { DROPPED_COLOR, MESSAGE_COLORS } from '../../src-renderer/src/composables/topology-colors';

const spec = (link: string, over: Partial<FlightSpec> = {}): FlightSpec => ({
  link,
  from: { x: 0, y: 0 },
  to: { x: 100, y: 0 },
  kind: 'append',
  dropped: false,
  ms: 400,
  ...over,
});

describe('message dots', () => {
  it('a dot in flight keeps to its link when its nodes move (a drag, a partition laid out again)', () => {
    const f = new DotFlights();
    const at: Record<string, { x: number; y: number }> = { n1: { x: 0, y: 0 }, n2: { x: 100, y: 0 } };
    const where = (id: string) => at[id] ?? null;
    f.add(spec('n1>n2', { ends: { from: 'n1', to: 'n2', half: false } }), 1000);
    f.add(
      spec('n2>n1', {
        from: { x: 100, y: 0 },
        to: { x: 50, y: 0 },
        dropped: true,
        ends: { from: 'n2', to: 'n1', half: true },
      }),
      1000,
    );
    expect(f.at(1200, where)[0]!.x).toBeCloseTo(50);
    // n1 is dragged away: both dots now run on its new link, not from where it was.
    at.n1 = { x: 0, y: 400 };
    const [d, drop] = f.at(1200, where);
    expect(d!.x).toBeCloseTo(50);
    expect(d!.y).toBeCloseTo(200);
    // The drop stops half-way along the link as it is now: half-way from n2 to the middle.
    expect(drop!.x).toBeCloseTo(75);
    expect(drop!.y).toBeCloseTo(100);
    // A node no longer on the graph: the points the dot started with hold.
    delete at.n2;
    const held = f.at(1200, where)[0]!;
    expect([held.x, held.y].map(Math.round)).toEqual([50, 0]);
  });

  it('a dot travels from sender to receiver and is gone when its flight ends', () => {
    const f = new DotFlights();
    expect(f.add(spec('n1>n2'), 1000)).toBe('drawn');
    expect(f.at(1000)).toMatchObject([{ x: 0, y: 0, color: MESSAGE_COLORS.append, dropped: false }]);
    expect(f.at(1200)[0]!.x).toBeCloseTo(50);
    expect(f.at(1399)[0]!.x).toBeGreaterThan(99);
    expect(f.at(1400)).toEqual([]);
    expect(f.size).toBe(0);
    f.add(spec('n1>n2', { dropped: true, to: { x: 50, y: 0 } }), 2000);
    expect(f.at(2000)[0]).toMatchObject({ color: DROPPED_COLOR, dropped: true });
  });

  it('caps dots per link and merges the rest into the link’s youngest dot, which grows', () => {
    const f = new DotFlights();
    for (let i = 0; i < MAX_PER_LINK; i++) expect(f.add(spec('n1>n2'), 1000 + i)).toBe('drawn');
    const r0 = f.at(1010).map((d) => d.r);
    for (let i = 0; i < 7; i++) expect(f.add(spec('n1>n2'), 1010)).toBe('merged');
    const dots = f.at(1010);
    expect(dots).toHaveLength(MAX_PER_LINK);
    // The youngest stands for 8 messages now: bigger than the one message it was.
    expect(dots.at(-1)!.r).toBeGreaterThan(r0.at(-1)!);
    expect(dots[0]!.r).toBe(r0[0]);
    // Another link still gets its own dot.
    expect(f.add(spec('n2>n1'), 1010)).toBe('drawn');
  });

  it('caps all dots and the dots started a second; a link with no dot to join is skipped', () => {
    const f = new DotFlights();
    let drawn = 0;
    for (let i = 0; i < 100; i++) if (f.add(spec(`n${i}>x`, { ms: 10_000 }), 1000) === 'drawn') drawn++;
    expect(drawn).toBe(MAX_DOTS);
    expect(f.add(spec('other>y', { ms: 10_000 }), 1000)).toBe('skipped');
    const g = new DotFlights();
    let started = 0;
    for (let i = 0; i < 200; i++) if (g.add(spec(`l${i}`, { ms: 1 }), 5000 + i * 2) === 'drawn') started++;
    expect(started).toBe(MAX_NEW_PER_SECOND);
    // A new second, new dots.
    expect(g.add(spec('late', { ms: 1 }), 7000)).toBe('drawn');
  });
});
