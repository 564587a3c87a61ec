/**
 * The commit-only write that waits for the next write (SqliteStorage's deferCommit, on in
 * the node): what a SIGKILL leaves on disk, at the store and in real node processes. A
 * restart must come back consistent — its log whole, its commit at most its log and at
 * least its snapshot, every put a client was answered for still there — with a commit that
 * may be lower than the one the node had reached before the kill (SqliteStorage.write says
 * why that is safe).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ProtocolName } from '../../src-main/core/protocols';
import { SqliteStorage } from '../../src-main/node/sqlite-storage';
import { TestCluster, sleep } from './cluster';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-defer-commit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
const newFile = (): string => path.join(tmp, `node-${++fileNo}.db`);

/** killedWriter runs fixtures/commit-writer.ts to its SIGKILL; returns the last put whose entry was durable. */
async function killedWriter(file: string, puts: number, at: string): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'fixtures/commit-writer.ts'), file, String(puts), at],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_c, sig) => resolve(sig)));
  const lines = out.trim().split('\n');
  if (signal !== 'SIGKILL' || lines[lines.length - 1] !== 'k') throw new Error(`writer did not kill itself: ${stderr}`);
  return Math.max(...lines.filter((l) => l.startsWith('a')).map((l) => Number(l.slice(1))));
}

/** reopen opens a killed writer's file as a node would and returns what a load finds. */
function reopen(file: string) {
  const s = new SqliteStorage(file, { deferSync: true, deferCommit: true, checkpointWorker: false });
  expect(s.damaged).toBeNull();
  const p = s.load();
  s.close();
  const first = p.snapshot ? p.snapshot.index + 1 : 1;
  const last = p.entries.length > 0 ? p.entries[p.entries.length - 1]!.index : first - 1;
  // The log is whole: contiguous from the snapshot on.
  expect(p.entries.map((e) => e.index)).toEqual(Array.from({ length: last - first + 1 }, (_, k) => first + k));
  return { commit: p.hardState.commit, snapIndex: p.snapshot?.index ?? 0, last };
}

describe('SqliteStorage deferCommit: a SIGKILL after a commit-only write', () => {
  it('right after it: the log is whole, the commit is the one the last entry carried', async () => {
    const file = newFile();
    const acked = await killedWriter(file, 40, 'commit');
    const r = reopen(file);
    expect(r.last).toBe(acked);
    // The last commit-only write was never written; the one before rode on the last entry's row.
    expect(r.commit).toBe(acked - 1);
    expect(r.commit).toBeLessThanOrEqual(r.last);
  });

  it('after flushCommit: the last commit is on disk', async () => {
    const file = newFile();
    const acked = await killedWriter(file, 40, 'flush');
    expect(reopen(file)).toEqual({ commit: acked, snapIndex: 0, last: acked });
  });

  it('after a snapshot at the last entry: the commit on disk covers the snapshot', async () => {
    const file = newFile();
    const acked = await killedWriter(file, 40, 'compact');
    const r = reopen(file);
    expect(r.snapIndex).toBe(acked);
    expect(r.commit).toBeGreaterThanOrEqual(r.snapIndex);
    expect(r.last).toBe(acked);
  });

  it('a graceful close and a load write the pending commit; the next write carries it on its row', () => {
    const file = newFile();
    const open = () => new SqliteStorage(file, { deferSync: true, deferCommit: true, checkpointWorker: false });
    const e = (i: number) => ({ index: i, term: 1, type: 'normal' as const, data: `e${i}` });
    let s = open();
    s.save({ hardState: { term: 1, vote: 'n1', commit: 0 }, entries: [e(1), e(2)], snapshot: null });
    const writes = s.pending!.writes;
    s.save({ hardState: { term: 1, vote: 'n1', commit: 1 }, entries: [], snapshot: null });
    expect(s.pending!.hard).not.toBeNull();
    expect(s.pending!.writes).toBe(writes); // no transaction
    s.save({ hardState: null, entries: [e(3)], snapshot: null });
    expect(s.pending!.hard).toBeNull();
    expect(s.load().hardState.commit).toBe(1);
    s.save({ hardState: { term: 1, vote: 'n1', commit: 3 }, entries: [], snapshot: null });
    s.close();
    s = open();
    expect(s.load().hardState.commit).toBe(3);
    s.save({ hardState: { term: 1, vote: 'n1', commit: 3 }, entries: [e(4)], snapshot: null });
    s.save({ hardState: { term: 1, vote: 'n1', commit: 4 }, entries: [], snapshot: null });
    expect(s.load().hardState.commit).toBe(4);
    expect(s.pending!.hard).toBeNull();
    s.close();
  });
});

const SLOW = 120_000;
let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

/** recoveredFromDisk is what a restarted node's boot event says it found. */
function recoveredFromDisk(c: TestCluster, id: string): { commit: number; snapshotIndex: number; entries: number } {
  const r = c
    .node(id)
    .events('recovered')
    .find((e) => e.source === 'disk');
  if (!r) throw new Error(`${id} did not recover from disk`);
  return { commit: r.commit as number, snapshotIndex: r.snapshotIndex as number, entries: r.entries as number };
}

describe.each(['raft', 'paxos'] as ProtocolName[])(
  'node processes (%s): SIGKILL right after the answers',
  (protocol) => {
    it(
      'every answered put survives a kill of all three nodes; each restart is consistent',
      async () => {
        const ids = ['n1', 'n2', 'n3'];
        cluster = new TestCluster({ protocol, ids, snapshotEvery: 7 });
        const c = cluster;
        await c.start();
        const l = await c.leader();
        const cl = await c.client(l.id);
        for (let i = 0; i < 24; i++)
          expect((await cl.request({ op: 'put', key: `k${i}`, value: `v${i}` })).outcome).toBe('ok');
        // At once: the leader's commit-only write for the last put is pending (or just made).
        await Promise.all(ids.map((id) => c.kill(id)));
        for (const id of ids) await c.boot(id);
        for (const id of ids) {
          const r = recoveredFromDisk(c, id);
          // The commit found is at most the log on disk, and at least the snapshot on disk.
          expect(r.commit).toBeLessThanOrEqual(r.snapshotIndex + r.entries);
          expect(r.commit).toBeGreaterThanOrEqual(r.snapshotIndex);
        }
        const l2 = await c.leader(null, 30_000);
        const cl2 = await c.client(l2.id);
        for (let i = 0; i < 24; i++)
          expect(await cl2.request({ op: 'get', key: `k${i}` })).toMatchObject({
            outcome: 'ok',
            result: { value: `v${i}` },
          });
        expect(await c.committedDisagreements()).toEqual([]);
      },
      SLOW,
    );
  },
);

describe('node processes: an idle node writes its last commit', () => {
  it(
    'after the puts stop, every node’s file holds the commit it reached (raft)',
    async () => {
      const ids = ['n1', 'n2', 'n3'];
      cluster = new TestCluster({ protocol: 'raft', ids });
      const c = cluster;
      await c.start();
      const l = await c.leader();
      const cl = await c.client(l.id);
      for (let i = 0; i < 6; i++)
        expect((await cl.request({ op: 'put', key: `k${i}`, value: `v${i}` })).outcome).toBe('ok');
      // The last put is the last entry of the leader's log (asked now: status reports lag).
      const commit = (await l.inspect(1)).status.lastIndex;
      const committed = async (): Promise<boolean> => {
        for (const n of c.live()) if ((await n.inspect(1)).status.commitIndex < commit) return false;
        return true;
      };
      for (let k = 0; k < 100 && !(await committed()); k++) await sleep(20);
      expect(await committed()).toBe(true);
      // Longer than a heartbeat and FLUSH_MS: the loop has run on each node since.
      await sleep(300);
      await Promise.all(ids.map((id) => c.kill(id)));
      for (const id of ids) {
        await c.boot(id);
        expect(recoveredFromDisk(c, id).commit).toBeGreaterThanOrEqual(commit);
      }
    },
    SLOW,
  );
});
