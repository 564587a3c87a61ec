/**
 * A shard moves in pages in the simulator as in the lab (core/shard/page-pull.ts): a shard
 * many pages long moves while the destination group's leader crashes after the first page.
 * The pull is cut short and started again from the part the destination holds — not from
 * page 0 — every page lands once, the shard is installed and every key reads back the value
 * written; and the same seed replays the same move.
 */
import { describe, expect, it } from 'vitest';
import { shardOf } from '../../src-main/core/shard/config';
import { drive, waitSettled } from '../../src-main/sim/shard/run-sharded';
import { ShardLayer } from '../../src-main/sim/shard/shard-layer';
import { ShardedSim } from '../../src-main/sim/shard/sharded-sim';

const SCHEME = { kind: 'range', shards: 2 } as const;

/** keysOf lists `n` keys of shard `shard`. */
function keysOf(shard: number, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (shardOf(SCHEME, `key-${i}`) === shard) out.push(`key-${i}`);
  return out;
}

interface Move {
  events: { t: number; kind: string; detail: Record<string, unknown> }[];
  readBack: (string | null)[];
  written: string[];
  violations: string[];
  crashed: string | null;
}

/** moveWhileDestinationLeaderCrashes writes a shard many pages long, moves it and crashes the destination's leader once its first page is in. */
async function moveWhileDestinationLeaderCrashes(seed: number): Promise<Move> {
  const sim = new ShardedSim({
    seed,
    protocol: 'raft',
    groups: 2,
    perGroup: 3,
    scheme: SCHEME,
    heartbeatTicks: 5,
    electionTicks: 50,
    diskMs: [0.05, 1],
    pageChars: 64,
  });
  const layer = new ShardLayer(sim);
  await drive(sim, layer.start(), 20_000);
  await drive(sim, waitSettled(sim, layer), 20_000);
  const from = layer.config.shards[0]!;
  const to = from === 'g1' ? 'g2' : 'g1';
  const keys = keysOf(0, 12);
  const written = keys.map((k) => `${k}=${'v'.repeat(40)}`);
  for (const [i, key] of keys.entries()) {
    const r = await drive(sim, layer.request({ op: 'put', key, value: written[i]! }, 3000), 5000);
    expect(r?.outcome, key).toBe('ok');
  }
  expect(await drive(sim, layer.change({ op: 'move', shard: 0, group: to }), 10_000)).toBeNull();
  const dst = sim.group(to)!;
  let crashed: string | null = null;
  await drive(
    sim,
    (async () => {
      while (!layer.events.some((e) => e.kind === 'shard-part')) await sim.sleep(1);
      crashed = sim.leaderOf(dst);
      if (crashed) sim.crash(crashed);
      await sim.sleep(1500);
      if (crashed) sim.restart(crashed);
    })(),
    20_000,
  );
  await drive(sim, waitSettled(sim, layer), 30_000);
  const readBack: (string | null)[] = [];
  for (const key of keys)
    readBack.push((await drive(sim, layer.request({ op: 'get', key }, 3000), 5000))?.value ?? null);
  layer.close();
  return { events: layer.events, readBack, written, violations: sim.violations(), crashed };
}

describe('a shard moves in pages in the simulator', () => {
  it('resumes from the part the destination holds after its leader crashes; every page lands once, nothing lost', async () => {
    const m = await moveWhileDestinationLeaderCrashes(7);
    expect(m.crashed).not.toBeNull();
    const installed = m.events.filter((e) => e.kind === 'shard-installed');
    expect(installed).toHaveLength(1);
    const pages = installed[0]!.detail.pages as number;
    // Twelve keys of 40-character values and their sessions: many pages of 64 characters.
    expect(pages).toBeGreaterThanOrEqual(8);
    const parts = m.events.filter((e) => e.kind === 'shard-part').map((e) => e.detail.part);
    expect(parts).toEqual(Array.from({ length: pages }, (_, i) => i));
    // The crash cut the first pull short; the next started past page 0, where the destination stood.
    const pulls = m.events.filter((e) => e.kind === 'shard-pull').map((e) => e.detail.part as number);
    expect(pulls.length).toBeGreaterThanOrEqual(2);
    expect(pulls[0]).toBe(0);
    expect(Math.min(...pulls.slice(1))).toBeGreaterThan(0);
    expect(m.readBack).toEqual(m.written);
    expect(m.violations).toEqual([]);
  }, 60_000);

  it('the same seed replays the same paged move', async () => {
    const a = await moveWhileDestinationLeaderCrashes(11);
    const b = await moveWhileDestinationLeaderCrashes(11);
    expect(JSON.stringify(b.events)).toBe(JSON.stringify(a.events));
    expect(a.events.filter((e) => e.kind === 'shard-part').length).toBeGreaterThanOrEqual(8);
  }, 60_000);
});
