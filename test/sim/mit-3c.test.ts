/**
 * MIT 6.5840 Raft lab, part 3C (persistence), driven in the simulator with the lab's
 * numbers (src/raft/test_test.go). Crashes lose everything not persisted; restarts read
 * only what the node saved. The simulator's invariants are asserted after every scenario.
 */
import { describe, expect, it } from 'vitest';
import { MitConfig, type OneTask, RAFT_ELECTION_TIMEOUT_MS as ELECTION } from '../../src-main/sim/mit';

const SEED = Number(process.env.QUORUM_MIT_SEED ?? 1);

function make(servers: number, unreliable = false): MitConfig {
  return new MitConfig({ servers, unreliable, snapshot: false, seed: SEED });
}

/** figure8Sleep is the lab's pause between iterations: mostly < 13 ms, 10% up to half an election timeout. */
function figure8Sleep(cfg: MitConfig): void {
  if (cfg.randInt(1000) < 100) cfg.sleep(cfg.randInt(ELECTION / 2));
  else cfg.sleep(cfg.randInt(13));
}

describe('MIT 6.5840 3C: persistence', () => {
  it('Persist1', () => {
    const servers = 3;
    const cfg = make(servers);
    cfg.one(11, servers, true);
    // crash and re-start all
    for (let i = 0; i < servers; i++) cfg.start1(i);
    for (let i = 0; i < servers; i++) {
      cfg.disconnect(i);
      cfg.connect(i);
    }
    cfg.one(12, servers, true);
    const leader1 = cfg.checkOneLeader();
    cfg.disconnect(leader1);
    cfg.start1(leader1);
    cfg.connect(leader1);
    cfg.one(13, servers, true);
    const leader2 = cfg.checkOneLeader();
    cfg.disconnect(leader2);
    const i14 = cfg.one(14, servers - 1, true);
    cfg.start1(leader2);
    cfg.connect(leader2);
    cfg.wait(i14, servers, -1); // wait for leader2 to join before killing i3
    const i3 = (cfg.checkOneLeader() + 1) % servers;
    cfg.disconnect(i3);
    cfg.one(15, servers - 1, true);
    cfg.start1(i3);
    cfg.connect(i3);
    cfg.one(16, servers, true);
    cfg.checkSafety();
  });

  it('Persist2', () => {
    const servers = 5;
    const cfg = make(servers);
    let index = 1;
    for (let iters = 0; iters < 5; iters++) {
      cfg.one(10 + index, servers, true);
      index++;
      const leader1 = cfg.checkOneLeader();
      cfg.disconnect((leader1 + 1) % servers);
      cfg.disconnect((leader1 + 2) % servers);
      cfg.one(10 + index, servers - 2, true);
      index++;
      cfg.disconnect((leader1 + 0) % servers);
      cfg.disconnect((leader1 + 3) % servers);
      cfg.disconnect((leader1 + 4) % servers);
      cfg.start1((leader1 + 1) % servers);
      cfg.start1((leader1 + 2) % servers);
      cfg.connect((leader1 + 1) % servers);
      cfg.connect((leader1 + 2) % servers);
      cfg.sleep(ELECTION);
      cfg.start1((leader1 + 3) % servers);
      cfg.connect((leader1 + 3) % servers);
      cfg.one(10 + index, servers - 2, true);
      index++;
      cfg.connect((leader1 + 4) % servers);
      cfg.connect((leader1 + 0) % servers);
    }
    cfg.one(1000, servers, true);
    cfg.checkSafety();
  });

  it('Persist3', () => {
    // partitioned leader and one follower crash, leader restarts
    const servers = 3;
    const cfg = make(servers);
    cfg.one(101, 3, true);
    const leader = cfg.checkOneLeader();
    cfg.disconnect((leader + 2) % servers);
    cfg.one(102, 2, true);
    cfg.crash1((leader + 0) % servers);
    cfg.crash1((leader + 1) % servers);
    cfg.connect((leader + 2) % servers);
    cfg.start1((leader + 0) % servers);
    cfg.connect((leader + 0) % servers);
    cfg.one(103, 2, true);
    cfg.start1((leader + 1) % servers);
    cfg.connect((leader + 1) % servers);
    cfg.one(104, servers, true);
    cfg.checkSafety();
  });

  it('Figure8', () => {
    // Leaders fail quickly (often before committing) while others restart: a new
    // leader must not commit an old-term entry by counting replicas (§5.4.2).
    const servers = 5;
    const cfg = make(servers);
    cfg.one(cfg.randInt(1e9), 1, true);
    let nup = servers;
    for (let iters = 0; iters < 1000; iters++) {
      let leader = -1;
      for (let i = 0; i < servers; i++) {
        if (cfg.alive(i) && cfg.start(i, cfg.randInt(1e9)).ok) leader = i;
      }
      figure8Sleep(cfg);
      if (leader !== -1) {
        cfg.crash1(leader);
        nup--;
      }
      if (nup < 3) {
        const s = cfg.randInt(servers);
        if (!cfg.alive(s)) {
          cfg.start1(s);
          cfg.connect(s);
          nup++;
        }
      }
    }
    for (let i = 0; i < servers; i++) {
      if (!cfg.alive(i)) {
        cfg.start1(i);
        cfg.connect(i);
      }
    }
    cfg.one(cfg.randInt(1e9), servers, true);
    cfg.checkSafety();
  });

  it('UnreliableAgree', () => {
    const servers = 5;
    const cfg = make(servers, true);
    const tasks: OneTask[] = [];
    for (let iters = 1; iters < 50; iters++) {
      // four concurrent one()s (goroutines in the lab) and one in the foreground
      for (let j = 0; j < 4; j++) tasks.push(cfg.oneAsync(100 * iters + j, 1, true));
      cfg.one(iters, 1, true);
    }
    cfg.setUnreliable(false);
    cfg.cluster.runUntilTrue(() => tasks.every((t) => t.done), 60_000);
    for (const t of tasks) expect(t.error).toBeNull();
    expect(tasks.every((t) => t.done)).toBe(true);
    cfg.one(100, servers, true);
    cfg.checkSafety();
  });

  it('Figure8Unreliable', () => {
    const servers = 5;
    const cfg = make(servers, true);
    cfg.one(cfg.randInt(10000), 1, true);
    let nup = servers;
    for (let iters = 0; iters < 1000; iters++) {
      if (iters === 200) cfg.setLongReordering(true);
      let leader = -1;
      for (let i = 0; i < servers; i++) {
        const r = cfg.start(i, cfg.randInt(10000));
        if (r.ok && cfg.connected(i)) leader = i;
      }
      figure8Sleep(cfg);
      if (leader !== -1 && cfg.randInt(1000) < ELECTION / 2) {
        cfg.disconnect(leader);
        nup--;
      }
      if (nup < 3) {
        const s = cfg.randInt(servers);
        if (!cfg.connected(s)) {
          cfg.connect(s);
          nup++;
        }
      }
    }
    for (let i = 0; i < servers; i++) if (!cfg.connected(i)) cfg.connect(i);
    cfg.one(cfg.randInt(10000), servers, true);
    cfg.checkSafety();
  });

  for (const unreliable of [false, true]) {
    it(unreliable ? 'UnreliableChurn' : 'ReliableChurn', () => churn(unreliable));
  }
});

/** churn is the lab's internalChurn: three clients keep proposing while servers crash, restart and disconnect. */
function churn(unreliable: boolean): void {
  const servers = 5;
  const cfg = make(servers, unreliable);
  const c = cfg.cluster;
  let stop = false;
  const clients = [0, 1, 2].map((me) => {
    const st = { done: false, values: [] as number[] };
    const loop = (): void => {
      if (stop) {
        st.done = true;
        return;
      }
      const x = cfg.randInt(2 ** 31);
      let index = -1;
      // try them all, maybe one of them is a leader
      for (let i = 0; i < servers; i++) {
        const r = cfg.start(i, x);
        if (r.ok) index = r.index;
      }
      if (index === -1) {
        c.after(79 + me * 17, loop);
        return;
      }
      // maybe leader will commit our value, maybe not; but don't wait forever.
      const waits = [10, 20, 50, 100, 200];
      const check = (k: number): void => {
        const [nd, cmd] = cfg.nCommitted(index);
        if (nd > 0) {
          if (cmd === x) st.values.push(x);
          loop();
          return;
        }
        if (k >= waits.length) {
          loop();
          return;
        }
        c.after(waits[k]!, () => check(k + 1));
      };
      check(0);
    };
    c.after(0, loop);
    return st;
  });

  for (let iters = 0; iters < 20; iters++) {
    if (cfg.randInt(1000) < 200) cfg.disconnect(cfg.randInt(servers));
    if (cfg.randInt(1000) < 500) {
      const i = cfg.randInt(servers);
      if (!cfg.alive(i)) cfg.start1(i);
      cfg.connect(i);
    }
    if (cfg.randInt(1000) < 200) {
      const i = cfg.randInt(servers);
      if (cfg.alive(i)) cfg.crash1(i);
    }
    // Often enough that peers can't always settle between changes, not so often nothing works.
    cfg.sleep((ELECTION * 7) / 10);
  }
  cfg.sleep(ELECTION);
  cfg.setUnreliable(false);
  for (let i = 0; i < servers; i++) {
    if (!cfg.alive(i)) cfg.start1(i);
    cfg.connect(i);
  }
  stop = true;
  c.runUntilTrue(() => clients.every((x) => x.done), 10_000);
  expect(
    clients.every((x) => x.done),
    'client failed',
  ).toBe(true);
  const values = clients.flatMap((x) => x.values);
  cfg.sleep(ELECTION);
  const lastIndex = cfg.one(cfg.randInt(2 ** 31), servers, true);
  const really = new Set<unknown>();
  for (let index = 1; index <= lastIndex; index++) really.add(cfg.wait(index, servers, -1));
  for (const v of values) expect(really.has(v), `didn't find a value: ${v}`).toBe(true);
  // The clients did get work done through the churn (else the check above is vacuous).
  expect(values.length).toBeGreaterThan(0);
  cfg.checkSafety();
}
