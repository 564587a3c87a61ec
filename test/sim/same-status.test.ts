/**
 * The simulator reads a core's status after every Ready only when something but a
 * leader's follower progress changed (ProtocolNode.sameStatus, SimNode.look); otherwise
 * the status it last observed stands in. These tests hold each core's sameStatus to a
 * fresh status() on every call of a faulty run, and show that a run is the same, byte for
 * byte, whether the simulator may skip the status or not.
 */
import { describe, expect, it } from 'vitest';
import { createProtocolNode } from '../../src-main/core/protocols';
import type { NodeStatus } from '../../src-main/core/types';
import { runSimulation, type SimOptions } from '../../src-main/sim/run';
import type { NodeFactory } from '../../src-main/sim/sim-node';

/** shown: every field of a status but progress, as JSON (conf by content). */
function shown(s: NodeStatus): string {
  const { progress: _, ...rest } = s;
  return JSON.stringify(rest);
}

describe('sameStatus: the status a host may skip', () => {
  const cases: [string, Omit<SimOptions, 'seed'>][] = [
    ['raft', { nodes: 5, protocol: 'raft', faultMs: 2000 }],
    ['paxos', { nodes: 5, protocol: 'paxos', faultMs: 2000 }],
    ['raft, membership', { nodes: 5, protocol: 'raft', faultMs: 2000, membership: true }],
  ];

  it.each(cases)('%s: it answers as a fresh status() compares, on every call', (_name, o) => {
    let same = 0;
    let changed = 0;
    const checked: NodeFactory = (protocol, cfg) => {
      const core = createProtocolNode(protocol, cfg);
      const own = core.sameStatus!.bind(core);
      core.sameStatus = (s) => {
        const got = own(s);
        expect(got).toBe(shown(s) === shown(core.status()));
        if (got) same++;
        else changed++;
        return got;
      };
      return core;
    };
    for (const seed of [3, 4]) {
      const r = runSimulation({ ...o, seed, cluster: { factory: checked } });
      expect(r.violations).toEqual([]);
    }
    // Both answers are common: most Readies of a leader move only its followers' progress.
    expect(same).toBeGreaterThan(100);
    expect(changed).toBeGreaterThan(100);
  });

  it.each(cases)('%s: a run is the same with and without it', (_name, o) => {
    const without: NodeFactory = (protocol, cfg) => {
      const core = createProtocolNode(protocol, cfg);
      core.sameStatus = undefined;
      return core;
    };
    for (const seed of [5, 6]) {
      const run = (factory: NodeFactory): string => {
        const r = runSimulation({ ...o, seed, log: true, cluster: { factory } });
        expect(r.violations).toEqual([]);
        return [...r.log, JSON.stringify(r.history)].join('\n');
      };
      expect(run(createProtocolNode)).toBe(run(without));
    }
  });
});
