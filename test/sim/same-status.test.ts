/**
 * The simulator reads a core's status after every Ready only when something but a
 * leader's follower progress changed (ProtocolNode.sameStatus, SimNode.look); otherwise
 * the status it last observed stands in. These tests hold each core's sameStatus to a
 * fresh status() on every call of a faulty run, and show that a run is the same, byte for
 * byte, whether the simulator may skip the status or not. And where a status is built, the
 * simulator and the request layer ask for it without the leader's follower progress
 * (status(false)): a core's answer is held to a twin core's full status on every call.
 */
import { describe, expect, it } from 'vitest';
import { createProtocolNode } from '../../src-main/core/protocols';
import type { MessageBase, NodeStatus, ProtocolNode, Ready, Rng } from '../../src-main/core/types';
import { runSimulation, type SimOptions } from '../../src-main/sim/run';
import type { NodeFactory } from '../../src-main/sim/sim-node';

/** shown: every field of a status but progress, as JSON (conf by content). */
function shown(s: NodeStatus): string {
  const { progress: _, ...rest } = s;
  return JSON.stringify(rest);
}

/** CASES: the faulty runs both kinds of status are held to. */
const CASES: [string, Omit<SimOptions, 'seed'>][] = [
  ['raft', { nodes: 5, protocol: 'raft', faultMs: 2000 }],
  ['paxos', { nodes: 5, protocol: 'paxos', faultMs: 2000 }],
  ['raft, membership', { nodes: 5, protocol: 'raft', faultMs: 2000, membership: true }],
];

describe('sameStatus: the status a host may skip', () => {
  it.each(CASES)('%s: it answers as a fresh status() compares, on every call', (_name, o) => {
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

  it.each(CASES)('%s: a run is the same with and without it', (_name, o) => {
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

/**
 * twin runs a second core beside `a` on the same inputs (every call is made on both; the
 * second draws the numbers the first drew), so the second's full status() can be read
 * after every call without touching the first's own status caches. status(false) of the
 * first is checked against it: every field but progress the same, progress left out.
 */
function twin(
  protocol: Parameters<NodeFactory>[0],
  cfg: Parameters<NodeFactory>[1],
  count: (leftOut: boolean) => void,
): ProtocolNode {
  const drawn: number[] = [];
  const rngA: Rng = {
    next: () => {
      const x = cfg.rng.next();
      drawn.push(x);
      return x;
    },
    int: (lo, hi) => {
      const x = cfg.rng.int(lo, hi);
      drawn.push(x);
      return x;
    },
  };
  const rngB: Rng = { next: () => drawn.shift()!, int: () => drawn.shift()! };
  const a = createProtocolNode(protocol, { ...cfg, rng: rngA });
  const b = createProtocolNode(protocol, { ...cfg, rng: rngB });
  const readies = new Map<Ready<MessageBase>, Ready<MessageBase>>();
  return new Proxy(a, {
    get(target, prop) {
      const v = Reflect.get(target, prop) as unknown;
      if (typeof v !== 'function') return v;
      const fa = v as (...args: unknown[]) => unknown;
      const fb = Reflect.get(b, prop) as (...args: unknown[]) => unknown;
      if (prop === 'status') {
        return (withProgress?: boolean) => {
          const got = fa.call(a, withProgress) as NodeStatus;
          const full = b.status();
          if (withProgress === false) {
            count(got.progress === null && full.progress !== null);
            expect(shown(got)).toBe(shown(full));
            if (got.progress !== null) expect(got.progress).toEqual(full.progress);
          } else expect(got).toEqual(full);
          return got;
        };
      }
      if (prop === 'ready') {
        return () => {
          const ra = a.ready();
          readies.set(ra, b.ready());
          return ra;
        };
      }
      if (prop === 'advance') {
        return (rd: Ready<MessageBase>) => {
          a.advance(rd);
          b.advance(readies.get(rd)!);
          readies.delete(rd);
        };
      }
      return (...args: unknown[]) => {
        const ra = fa.apply(a, args);
        if (prop !== 'sameStatus') fb.apply(b, args);
        return ra;
      };
    },
  });
}

describe('status(false): the status without follower progress', () => {
  it.each(CASES)('%s: shows what a full status() shows but progress, on every call', (_name, o) => {
    let calls = 0;
    let leftOut = 0;
    const factory: NodeFactory = (protocol, cfg) =>
      twin(protocol, cfg, (out) => {
        calls++;
        if (out) leftOut++;
      });
    for (const seed of [3, 4]) {
      const r = runSimulation({ ...o, seed, cluster: { factory } });
      expect(r.violations).toEqual([]);
    }
    // Most are a leader's: its statuses leave out the views a full one builds.
    expect(calls).toBeGreaterThan(500);
    expect(leftOut).toBeGreaterThan(50);
  });
});
