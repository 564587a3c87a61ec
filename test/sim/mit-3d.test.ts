/**
 * MIT 6.5840 Raft lab, part 3D (log compaction), driven in the simulator with the lab's
 * numbers (src/raft/test_test.go): the service snapshots every SnapShotInterval applied
 * entries; lagging or restarted followers must catch up through InstallSnapshot.
 */
import { describe, expect, it } from 'vitest';
import { MAX_LOG_ENTRIES, MitConfig, SNAPSHOT_INTERVAL } from '../../src-main/sim/mit';

const SEED = Number(process.env.QUORUM_MIT_SEED ?? 1);

function snapcommon(disconnect: boolean, reliable: boolean, crash: boolean): MitConfig {
  const iters = 30;
  const servers = 3;
  const cfg = new MitConfig({ servers, unreliable: !reliable, snapshot: true, seed: SEED });
  cfg.one(cfg.randInt(1e9), servers, true);
  let leader1 = cfg.checkOneLeader();
  for (let i = 0; i < iters; i++) {
    let victim = (leader1 + 1) % servers;
    let sender = leader1;
    if (i % 3 === 1) {
      sender = (leader1 + 1) % servers;
      victim = leader1;
    }
    if (disconnect) {
      cfg.disconnect(victim);
      cfg.one(cfg.randInt(1e9), servers - 1, true);
    }
    if (crash) {
      cfg.crash1(victim);
      cfg.one(cfg.randInt(1e9), servers - 1, true);
    }
    // perhaps send enough to get a snapshot
    const nn = SNAPSHOT_INTERVAL / 2 + cfg.randInt(SNAPSHOT_INTERVAL);
    for (let k = 0; k < nn; k++) cfg.start(sender, cfg.randInt(1e9));
    // let applier threads catch up with the Start()'s
    if (!disconnect && !crash) {
      // make sure all followers have caught up, so that an InstallSnapshot RPC isn't required for SnapshotBasic.
      cfg.one(cfg.randInt(1e9), servers, true);
    } else {
      cfg.one(cfg.randInt(1e9), servers - 1, true);
    }
    expect(cfg.logEntries(), 'Log size too large').toBeLessThan(MAX_LOG_ENTRIES);
    if (disconnect) {
      // reconnect a follower, who maybe behind and needs to receive a snapshot to catch up.
      cfg.connect(victim);
      cfg.one(cfg.randInt(1e9), servers, true);
      leader1 = cfg.checkOneLeader();
    }
    if (crash) {
      cfg.start1(victim);
      cfg.connect(victim);
      cfg.one(cfg.randInt(1e9), servers, true);
      leader1 = cfg.checkOneLeader();
    }
  }
  cfg.checkSafety();
  return cfg;
}

describe('MIT 6.5840 3D: log compaction', () => {
  it('SnapshotBasic', () => {
    const cfg = snapcommon(false, true, false);
    // The log bound above meant something: at least 30 × 6 entries were committed.
    expect(cfg.cluster.checker.appliedThrough).toBeGreaterThan(180);
  });

  it('SnapshotInstall', () => {
    const cfg = snapcommon(true, true, false);
    // The disconnected follower fell behind the leader's compacted log: it caught up by InstallSnapshot.
    expect(cfg.cluster.stats.snapshotsInstalled).toBeGreaterThan(0);
  });

  it('SnapshotInstallUnreliable', () => {
    const cfg = snapcommon(true, false, false);
    // The disconnected follower fell behind the leader's compacted log: it caught up by InstallSnapshot.
    expect(cfg.cluster.stats.snapshotsInstalled).toBeGreaterThan(0);
  });

  it('SnapshotInstallCrash', () => {
    snapcommon(false, true, true);
  });

  it('SnapshotInstallUnCrash', () => {
    snapcommon(false, false, true);
  });

  it('SnapshotAllCrash', () => {
    // do the servers persist the snapshots, and restart using snapshot along with the tail of the log?
    const servers = 3;
    const cfg = new MitConfig({ servers, unreliable: false, snapshot: true, seed: SEED });
    cfg.one(cfg.randInt(1e9), servers, true);
    for (let i = 0; i < 5; i++) {
      // perhaps enough to get a snapshot
      const nn = SNAPSHOT_INTERVAL / 2 + cfg.randInt(SNAPSHOT_INTERVAL);
      for (let k = 0; k < nn; k++) cfg.one(cfg.randInt(1e9), servers, true);
      const index1 = cfg.one(cfg.randInt(1e9), servers, true);
      // crash all
      for (let k = 0; k < servers; k++) cfg.crash1(k);
      // revive all
      for (let k = 0; k < servers; k++) {
        cfg.start1(k);
        cfg.connect(k);
      }
      const index2 = cfg.one(cfg.randInt(1e9), servers, true);
      expect(index2, `index decreased from ${index1} to ${index2}`).toBeGreaterThanOrEqual(index1 + 1);
    }
    cfg.checkSafety();
  });

  it('SnapshotInit', () => {
    // do servers correctly initialize their in-memory copy of the snapshot, making sure
    // that future writes to persistent state don't lose state?
    const servers = 3;
    const cfg = new MitConfig({ servers, unreliable: false, snapshot: true, seed: SEED });
    cfg.one(cfg.randInt(1e9), servers, true);
    // enough ops to make a snapshot
    for (let k = 0; k < SNAPSHOT_INTERVAL + 1; k++) cfg.one(cfg.randInt(1e9), servers, true);
    const crashAll = (): void => {
      for (let k = 0; k < servers; k++) cfg.crash1(k);
      for (let k = 0; k < servers; k++) {
        cfg.start1(k);
        cfg.connect(k);
      }
    };
    crashAll();
    // a single op, to get something to be written back to persistent storage.
    cfg.one(cfg.randInt(1e9), servers, true);
    crashAll();
    // do another op to trigger potential bug
    cfg.one(cfg.randInt(1e9), servers, true);
    // Every node restarted from a snapshot, not from index 0.
    for (const n of cfg.cluster.nodes)
      expect(n.storage.load().snapshot?.index ?? 0).toBeGreaterThanOrEqual(SNAPSHOT_INTERVAL);
    cfg.checkSafety();
  });
});
