/**
 * Multi-Paxos in the deterministic simulator: the same seeded fault sweeps as Raft, disk
 * faults and event-triggered faults included (election safety per ballot, commit agreement
 * and leader completeness, state machine safety, durability of acknowledged commands,
 * liveness after the heal, and a linearizable client history with reads through the leader
 * and through followers, locks and fenced writes), plus scripted scenarios in virtual time
 * with the simulator's MIT-lab harness. QUORUM_PAXOS_SEEDS=N widens the sweep.
 */
import { describe, expect, it } from 'vitest';
import { MitConfig } from '../../../src-main/sim/mit';
import { runSimulation } from '../../../src-main/sim/run';
import { addResult, emptyStats, total } from '../../sim/sweep-stats';

const SEEDS = Math.max(1, Number(process.env.QUORUM_PAXOS_SEEDS ?? 100) || 100);

describe('paxos in the simulator', () => {
  it(`${SEEDS} seeded fault schedules on 3 and 5 nodes: no invariant violated, every history linearizable`, () => {
    const s = emptyStats();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const nodes = seed % 2 === 1 ? 5 : 3;
      // Frozen messages: a core that writes to a message it sent or received throws (the wire shares them).
      const r = runSimulation({ seed, nodes, protocol: 'paxos', faultMs: 3000, cluster: { messages: 'freeze' } });
      addResult(
        s,
        r,
        `quorum-lab sim --seed ${seed} --nodes ${nodes} --protocol paxos --duration 3 --log sim-${seed}.jsonl`,
      );
    }
    expect(s.failures, s.failures.join('\n')).toEqual([]);
    expect(s.unknown, `seeds the checker could not decide: ${s.unknown.join(', ')}`).toEqual([]);
    // The sweep did real work: faults fired, and clients got answers through all of them.
    expect(s.crashes).toBeGreaterThan(SEEDS / 2);
    for (const kind of ['hardstate', 'log-tail', 'file'])
      expect(s.damaged[kind] ?? 0, `${kind} damage`).toBeGreaterThan(0);
    expect(total(s.triggered)).toBeGreaterThan(SEEDS / 2);
    for (const t of ['lease:strand', 'recovered:crash', 'read:bounce'])
      expect(s.triggered[t] ?? 0, `${t} triggers fired`).toBeGreaterThan(0);
    expect(s.checkedOps).toBeGreaterThan(SEEDS * 50);
    for (const f of ['read', 'write', 'delete', 'cas', 'lock', 'fenced-write'])
      expect(s.ok[f] ?? 0, `acknowledged ${f}s`).toBeGreaterThan(SEEDS / 10);
  }, 300_000);

  it('the leader crashes with commands in open slots: the survivors agree and go on', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const cfg = new MitConfig({ servers: 5, unreliable: false, snapshot: false, seed, protocol: 'paxos' });
      cfg.one(100, 5, false);
      const l = cfg.checkOneLeader();
      const starts = [101, 102, 103].map((x) => cfg.start(l, x));
      expect(starts.every((s) => s.ok)).toBe(true);
      cfg.sleep(2); // some accepts may be in flight, none decided everywhere
      cfg.crash1(l);
      cfg.checkOneLeader();
      const idx = cfg.one(200, 4, true);
      // Every slot below the new command is settled the same on all survivors (a value or a no-op).
      for (let i = 1; i < idx; i++) expect(cfg.nCommitted(i)[0]).toBeGreaterThanOrEqual(4);
      cfg.start1(l);
      cfg.connect(l);
      cfg.one(300, 5, true);
      cfg.checkSafety();
    }
  });

  it('acceptors crash and restart around their replies on an unreliable network: nothing acknowledged is lost', () => {
    const cfg = new MitConfig({ servers: 5, unreliable: true, snapshot: true, seed: 7, protocol: 'paxos' });
    const acked: number[] = [];
    for (let iter = 0; iter < 12; iter++) {
      const idx = cfg.one(1000 + iter, 3, true);
      acked.push(idx);
      // Kill up to two random servers (leader included) right after a decision, then bring them back.
      const victims = new Set([cfg.randInt(5), cfg.randInt(5)]);
      for (const v of victims) cfg.crash1(v);
      cfg.sleep(cfg.randInt(300));
      for (const v of victims) {
        cfg.start1(v);
        cfg.connect(v);
      }
    }
    cfg.one(9999, 5, true);
    for (let i = 0; i < acked.length; i++) expect(cfg.nCommitted(acked[i]!)[1]).toBe(1000 + i);
    cfg.checkSafety();
  });
});
