/**
 * Valid samples for the fuzz tests to mutate. Protocol messages are harvested from short
 * simulator runs (faults, disk damage and membership changes on, so snapshots, config
 * entries, reads and recovering answers all appear), a few of each message type: real
 * messages in every shape the cores send, rather than hand-written guesses of them.
 */
import type { ProtocolName } from '../../src-main/core/protocols';
import type { MessageBase } from '../../src-main/core/types';
import { runSimulation } from '../../src-main/sim/run';
import { Wire } from '../../src-main/sim/wire';

/** PER_TYPE: how many messages of each type a harvest keeps (the first ones and a spread of later ones). */
const PER_TYPE = 6;

/** harvestMessages runs the simulator for `protocol` and returns up to PER_TYPE messages of each type it sent, as JSON copies. */
export function harvestMessages(protocol: ProtocolName, seeds: readonly number[] = [1, 2]): MessageBase[] {
  const byType = new Map<string, MessageBase[]>();
  const seen = new Map<string, number>();
  const send = Wire.prototype.send;
  Wire.prototype.send = function (this: Wire, from, m) {
    const n = (seen.get(m.type) ?? 0) + 1;
    seen.set(m.type, n);
    // Keep the first few, then every 2^k-th, so long runs still add later shapes (snapshots, big appends).
    const list = byType.get(m.type) ?? [];
    if (list.length < PER_TYPE || (n & (n - 1)) === 0) {
      if (list.length >= PER_TYPE * 2) list.splice(PER_TYPE, 1);
      list.push(JSON.parse(JSON.stringify(m)) as MessageBase);
      byType.set(m.type, list);
    }
    return send.call(this, from, m);
  };
  try {
    for (const seed of seeds) {
      runSimulation({
        seed,
        nodes: 5,
        protocol,
        faultMs: 3000,
        membership: true,
        diskFaults: true,
        check: false,
        cluster: { snapshotEvery: 20 },
      });
    }
  } finally {
    Wire.prototype.send = send;
  }
  return [...byType.values()].flat();
}
