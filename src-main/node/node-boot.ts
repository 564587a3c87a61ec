/**
 * What a node process does once at boot, apart from its NodeHost: read its store (and the
 * state machine's snapshot), build its protocol core, and say what it found on its disk.
 */
import type { ReplicatedKv } from '../core/shard/machine';
import { createProtocolNode } from '../core/protocols';
import { seededRng, type Persisted, type ProtocolNode } from '../core/types';
import { coreFlags, type UnsafeSettings } from '../core/unsafe';
import { nodeNumber } from './config';
import type { NodeConfig } from './contract';
import type { SqliteStorage } from './sqlite-storage';

/** electionTicks is the election timeout in core ticks. */
export function electionTicks(cfg: NodeConfig): number {
  return Math.max(2, Math.round(cfg.electionMs / cfg.tickMs));
}

/** createCore builds the protocol core from what the store held (null: a fresh node). */
export function createCore(
  cfg: NodeConfig,
  unsafe: UnsafeSettings,
  restore: Persisted | null,
  applied: number,
  recovering: boolean,
  boot: string,
): ProtocolNode {
  return createProtocolNode(cfg.protocol, {
    id: cfg.id,
    peers: cfg.peers,
    electionTicks: electionTicks(cfg),
    heartbeatTicks: Math.max(1, Math.round(cfg.heartbeatMs / cfg.tickMs)),
    maxInflight: 256,
    maxEntriesPerMsg: 64,
    ...coreFlags(unsafe),
    rng: seededRng(cfg.seed + nodeNumber(cfg.id, cfg.peers)),
    restore,
    applied,
    recovering,
    boot,
  });
}

/** loadStore reads the store and restores the state machine from its snapshot (dropping an unreadable one). */
export function loadStore(storage: SqliteStorage, kv: ReplicatedKv): Persisted {
  const p = storage.load();
  if (!p.snapshot) return p;
  try {
    kv.restore(p.snapshot.data, p.snapshot.index);
    return p;
  } catch (e) {
    // The checksum held but the state machine cannot read it: as good as damaged.
    storage.discardSnapshot(`snapshot at ${p.snapshot.index} unreadable: ${(e as Error).message}`);
    return storage.load();
  }
}

/** bootRecords are the run-log events telling the lab what the node found on its disk: damage, and what it restarts from. */
export function bootRecords(
  storage: SqliteStorage,
  recovering: boolean,
  p: Persisted,
  fresh: boolean,
): [string, Record<string, unknown>][] {
  const out: [string, Record<string, unknown>][] = [];
  if (recovering) {
    out.push([
      'storage-damaged',
      {
        reason: storage.damaged,
        recoveryFloor: storage.recoveryFloor,
        voteLost: storage.voteLost,
        movedAside: storage.movedAside,
      },
    ]);
  }
  if (!fresh)
    out.push([
      'recovered',
      {
        source: 'disk',
        term: p.hardState.term,
        commit: p.hardState.commit,
        snapshotIndex: p.snapshot?.index ?? 0,
        entries: p.entries.length,
      },
    ]);
  return out;
}
