/** The console's sharding commands: what a user types, what the lab is asked, what they read back. */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLabClient } from '../../src-renderer/src/api/lab-client';
import { parse } from '../../src-renderer/src/console/parse';
import { useConnectionStore } from '../../src-renderer/src/stores/connection';
import { useConsoleStore } from '../../src-renderer/src/stores/console';
import { useShardsStore } from '../../src-renderer/src/stores/shards';
import { FakeLabClient } from './fake-client';

let fake: FakeLabClient;

beforeEach(async () => {
  setActivePinia(createPinia());
  fake = new FakeLabClient(3);
  setLabClient(fake);
  await useConnectionStore().connect();
});
afterEach(() => setLabClient(null));

describe('console: shards, move, join, leave', () => {
  it('move prints what moved, then the new map; the store keeps the map', async () => {
    const con = useConsoleStore();
    await con.run('move 3 g1');
    const [ok, map] = con.lines.slice(-2);
    expect([ok?.kind, ok?.text]).toEqual(['ok', 'shard 3 → g1']);
    expect(map?.text).toContain('g1 (n4,n5,n6; leader n4; at configuration 1): shards 0 1 3');
    expect(useShardsStore().view?.config).toBe(2);
  });

  it.each([
    ['move', 'missing'],
    ['move seven g2', 'shard must be'],
    ['move 7 n2', 'n2 is not a group id like g2'],
    ['move 64 g2', 'shard must be'],
    ['join', 'missing arguments: join <group>'],
    ['leave g1 g2', 'leave <group>'],
    ['shards now', 'shards'],
  ])('%s is refused before anything is sent: %s', (line, error) => {
    const p = parse(line, { nodes: ['n1'] });
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.error).toContain(error);
  });

  it("prints the lab's refusal for a group the cluster does not run", async () => {
    const con = useConsoleStore();
    await con.run('move 1 g9');
    const last = con.lines.at(-1);
    expect([last?.kind, last?.text]).toEqual(['error', 'no group g9: this cluster runs g1, g2']);
  });
});
