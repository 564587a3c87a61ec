/**
 * The simulated wire hands a receiver the very message object its sender built (no copy
 * per delivery). That is sound only while no core writes to a message it sent or received:
 * these tests show the 'freeze' mode the sweeps run in catches a core that does, and that
 * sharing, freezing and copying give the same run, byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { createProtocolNode } from '../../src-main/core/protocols';
import type { MessageBase } from '../../src-main/core/types';
import type { MessagePassing } from '../../src-main/sim/cluster-options';
import { runSimulation, type SimOptions } from '../../src-main/sim/run';
import type { NodeFactory } from '../../src-main/sim/sim-node';

/** scribbler builds cores that write to every message they receive (a field they already have). */
const scribbler: NodeFactory = (protocol, cfg) => {
  const core = createProtocolNode(protocol, cfg);
  const step = core.step.bind(core);
  core.step = (m: MessageBase) => {
    (m as { term: number }).term = m.term;
    step(m);
  };
  return core;
};

describe('message passing on the simulated wire', () => {
  it.each(['raft', 'paxos'] as const)('%s: sharing, freezing and copying give the same run', (protocol) => {
    for (const seed of [3, 4]) {
      const run = (messages: MessagePassing): string => {
        const o: SimOptions = { seed, nodes: 5, protocol, faultMs: 2000, log: true, cluster: { messages } };
        const r = runSimulation(o);
        expect(r.violations).toEqual([]);
        return r.log.join('\n');
      };
      const shared = run('share');
      expect(shared.split('\n').filter((l) => l.includes('"deliver"')).length).toBeGreaterThan(100);
      expect(run('freeze')).toBe(shared);
      expect(run('copy')).toBe(shared);
    }
  });

  it('freeze catches a core that writes to a message it received', () => {
    const o: SimOptions = { seed: 1, nodes: 3, faultMs: 500, faults: false, cluster: { factory: scribbler } };
    // Shared, the write goes unnoticed (it changes nothing here, but it could corrupt the sender).
    expect(runSimulation(o).violations).toEqual([]);
    expect(() => runSimulation({ ...o, cluster: { ...o.cluster, messages: 'freeze' } })).toThrow(TypeError);
  });
});
