import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Entry } from '../../src-main/core/types';
import { MAX_WAL_FRAMES, WAL_LIMIT_BYTES, type CheckpointResult } from '../../src-main/node/checkpointer';
import { SqliteStorage } from '../../src-main/node/sqlite-storage';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-ckpt-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
const newFile = (): string => path.join(tmp, `node-${++fileNo}.db`);
const size = (f: string): number => fs.statSync(f, { throwIfNoEntry: false })?.size ?? 0;
const synced = (s: SqliteStorage): Promise<void> =>
  new Promise((resolve, reject) => s.syncAsync((err) => (err ? reject(err) : resolve())));

const VALUE = 'v'.repeat(1000);
const entries = (from: number, n: number): Entry[] =>
  Array.from({ length: n }, (_, k) => ({ index: from + k, term: 1, type: 'normal', data: `${from + k}:${VALUE}` }));

/** writeMany appends `rounds` × 3 entries of ~1 KB the node's way (write, then an fdatasync), tracking the WAL's largest size. */
async function writeMany(s: SqliteStorage, rounds: number): Promise<number> {
  let maxWal = 0;
  for (let r = 0; r < rounds; r++) {
    const from = r * 3 + 1;
    s.write({ hardState: { term: 1, vote: 'n1', commit: from + 2 }, entries: entries(from, 3), snapshot: null });
    await synced(s);
    maxWal = Math.max(maxWal, size(`${s.file}-wal`));
  }
  return maxWal;
}

describe('SqliteStorage checkpoints on a worker thread (deferSync)', () => {
  it('keeps the WAL bounded while writes never stop, every entry still there after a reopen', async () => {
    const file = newFile();
    const results: CheckpointResult[] = [];
    const s = new SqliteStorage(file, { deferSync: true, checkpointed: (r) => results.push(r) });
    expect(s.checkpointing).toBe(true);
    // ~36 MB of entries: without checkpoints the WAL would hold all of it.
    const maxWal = await writeMany(s, 12_000);
    expect(results.length).toBeGreaterThanOrEqual(3);
    // Bounded: restarted at MAX_WAL_FRAMES, plus what was committed while that checkpoint ran.
    expect(results.some((r) => r.mode === 'restart')).toBe(true);
    expect(maxWal).toBeLessThan(2 * MAX_WAL_FRAMES * 4096);
    // The entries reached the database file itself, not only the WAL.
    expect(size(file)).toBeGreaterThan(20_000_000);
    s.close();
    const again = new SqliteStorage(file, { deferSync: true });
    const p = again.load();
    expect(p.entries.length).toBe(36_000);
    expect(p.entries[35_999]!.data).toBe(`36000:${VALUE}`);
    again.close();
  }, 120_000);

  it('closes the worker’s connection first, so close() still folds the WAL into the file and removes it', async () => {
    const file = newFile();
    const s = new SqliteStorage(file, { deferSync: true, checkpointBytes: 1 });
    await writeMany(s, 50);
    // A large write asks for a checkpoint that is still copying when close() comes.
    s.write({ hardState: null, entries: entries(151, 3000), snapshot: null });
    s.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    const again = new SqliteStorage(file, { deferSync: true });
    expect(again.load().entries.length).toBe(3150);
    again.close();
  });

  it('leaves checkpoints to SQLite when asked to (QUORUM_CHECKPOINT_WORKER=0, or a worker that failed)', async () => {
    const file = newFile();
    const s = new SqliteStorage(file, { deferSync: true, checkpointWorker: false });
    expect(s.checkpointing).toBe(false);
    // SQLite's automatic checkpoint (1000 pages) restarts the WAL, so it never grows past
    // the size it was preallocated to (without checkpoints these writes would take ~40 MB).
    const maxWal = await writeMany(s, 3000);
    expect(maxWal).toBeLessThanOrEqual(WAL_LIMIT_BYTES);
    s.close();
  }, 60_000);
});
