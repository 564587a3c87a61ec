/**
 * A node's writes while another connection holds its file's writer lock — as the checkpoint
 * worker's RESTART checkpoint does for a moment (src-main/node/checkpointer.ts). Every write
 * must wait in SQLite's busy handler until the lock is free, as a Ready's append does.
 *
 * The bug this guards: a compaction piece (src-main/node/compactor.ts) read the file before
 * it wrote, inside a deferred transaction, and SQLite does not run the busy handler for a
 * transaction that must turn from reading into writing (it could deadlock): it fails at
 * once with SQLITE_BUSY. The piece ran on a setImmediate, so the error killed the node — in
 * `npm run bench:shards`, the leader of the only group at its periodic snapshot, and every
 * client request in flight ended as unknown.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { Entry, Snapshot } from '../../src-main/core/types';
import { SqliteStorage } from '../../src-main/node/sqlite-storage';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-compact-lock-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
const newFile = (): string => path.join(tmp, `node-${++fileNo}.db`);

const conf = { voters: ['n1'], learners: [], votersOutgoing: [] };
const range = (lo: number, hi: number): Entry[] =>
  Array.from({ length: hi - lo + 1 }, (_, k) => ({ index: lo + k, term: 1, type: 'normal', data: `cmd-${lo + k}` }));

/** HOLD_MS: how long the other connection keeps the writer lock (far below the busy handler's 5 s). */
const HOLD_MS = 300;

// The lock holder runs on its own thread, as the checkpoint worker does: SQLite's locks
// between two connections of one process are the same as between two processes.
const HOLDER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.file);
db.exec('BEGIN IMMEDIATE');
parentPort.postMessage('held');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
db.exec('COMMIT');
db.close();
`;

/** holdWriterLock resolves once another thread holds the file's writer lock; `released` settles when it let go. */
async function holdWriterLock(file: string): Promise<{ released: Promise<void> }> {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const w = new Worker(HOLDER, { eval: true, workerData: { sqlite, file, holdMs: HOLD_MS } });
  const released = new Promise<void>((resolve, reject) => {
    w.once('error', reject);
    w.once('exit', () => resolve());
  });
  await new Promise<void>((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', reject);
  });
  return { released };
}

/** filled: a deferSync store (a node's) holding entries 1..n, compacted in pieces. */
function filled(file: string, n: number): SqliteStorage {
  const s = new SqliteStorage(file, { deferSync: true, checkpointWorker: false });
  for (let lo = 1; lo <= n; lo += 100)
    s.save({ hardState: { term: 1, vote: 'n1', commit: n }, entries: range(lo, Math.min(n, lo + 99)), snapshot: null });
  return s;
}

describe('writes while another connection holds the writer lock (a RESTART checkpoint)', () => {
  it('a compaction piece waits for the lock instead of failing with SQLITE_BUSY', async () => {
    const file = newFile();
    const s = filled(file, 3000);
    const lock = await holdWriterLock(file);
    // A small snapshot is one piece: it reads which snapshot the file holds, then writes the row.
    s.compact({ index: 2000, term: 1, conf, data: 'the state at 2000' });
    const t0 = performance.now();
    // The same pieces the node runs a turn at a time, run here at once.
    expect(() => s.compactor!.finish(true)).not.toThrow();
    // It waited for the lock rather than going around it.
    expect(performance.now() - t0).toBeGreaterThan(HOLD_MS / 3);
    await lock.released;
    expect(s.load()).toMatchObject({
      snapshot: { index: 2000, data: 'the state at 2000' },
      entries: range(2001, 3000),
    });
    s.close();
  });

  it('a snapshot from the leader is stored after the lock is let go, not refused', async () => {
    const file = newFile();
    const s = filled(file, 3000);
    const lock = await holdWriterLock(file);
    const leader: Snapshot = { index: 2500, term: 1, conf, data: 'from the leader' };
    // Storing it first reads the log (is the entry at 2500 of the same term?), then writes.
    expect(() =>
      s.save({ hardState: { term: 1, vote: 'n1', commit: 2500 }, entries: [], snapshot: leader }),
    ).not.toThrow();
    await lock.released;
    expect(s.load()).toMatchObject({ snapshot: leader, entries: range(2501, 3000) });
    s.close();
  });
});
