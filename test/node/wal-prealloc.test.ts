/**
 * A node's WAL is preallocated with zeros at open (src-main/node/wal-prealloc.ts) so its
 * fdatasyncs overwrite blocks instead of growing the file. What must hold: the file is
 * written over and kept at its size; SQLite reads zeros past the last valid frame as absent,
 * so a crash image reopens with exactly what was committed; and a WAL that is not empty —
 * frames of a run that was killed, or zeros of a preallocation that was — is never touched.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { StorageWrite } from '../../src-main/core/storage';
import type { Entry } from '../../src-main/core/types';
import { PAGE_BYTES, WAL_FRAME_BYTES, WAL_LIMIT_BYTES, type CheckpointResult } from '../../src-main/node/checkpointer';
import { SqliteStorage } from '../../src-main/node/sqlite-storage';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-walpre-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
const newFile = (): string => path.join(tmp, `node-${++fileNo}.db`);
const walSize = (f: string): number | undefined => fs.statSync(`${f}-wal`, { throwIfNoEntry: false })?.size;
const sha = (f: string): string => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const synced = (s: SqliteStorage): Promise<void> =>
  new Promise((resolve, reject) => s.syncAsync((err) => (err ? reject(err) : resolve())));

/** upTo is 1..n. */
const upTo = (n: number): number[] => Array.from({ length: n }, (_, k) => k + 1);

/** indexesIn opens `file` as a node would and lists the log indexes it loads (closed again after). */
function indexesIn(file: string): number[] {
  const s = new SqliteStorage(file, { deferSync: true });
  try {
    return s.load().entries.map((e) => e.index);
  } finally {
    s.close();
  }
}

const entry = (i: number): Entry => ({ index: i, term: 1, type: 'normal', data: `${i}:${'v'.repeat(256)}` });
const ready = (i: number): StorageWrite => ({
  hardState: { term: 1, vote: 'n1', commit: i },
  entries: [entry(i)],
  snapshot: null,
});

/** writeSynced writes Readies from..to the node's way, each made durable before the next. */
async function writeSynced(s: SqliteStorage, from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i++) {
    s.write(ready(i));
    await synced(s);
  }
}

/** crashImage copies the database and its WAL as a kill would leave them (no close: no checkpoint, WAL kept). */
function crashImage(from: string): string {
  const to = newFile();
  fs.copyFileSync(from, to);
  fs.copyFileSync(`${from}-wal`, `${to}-wal`);
  return to;
}

describe('a preallocated WAL (written over, not grown)', () => {
  it('a new store’s WAL is zeros of the size the checkpointer lets it reach, and writes keep that size', async () => {
    const file = newFile();
    const s = new SqliteStorage(file, { deferSync: true });
    expect(walSize(file)).toBe(WAL_LIMIT_BYTES);
    // Real blocks written and allocated, not a hole (a sparse file would grow under SQLite's writes).
    expect(fs.statSync(`${file}-wal`).blocks * 512).toBeGreaterThanOrEqual(WAL_LIMIT_BYTES);
    await writeSynced(s, 1, 300);
    // SQLite wrote its frames over the zeros: the file neither grew nor was cut back.
    expect(walSize(file)).toBe(WAL_LIMIT_BYTES);
    s.close();
    // A clean close deletes the WAL; the next open preallocates a new one.
    expect(walSize(file)).toBeUndefined();
    const again = new SqliteStorage(file, { deferSync: true });
    expect(walSize(file)).toBe(WAL_LIMIT_BYTES);
    expect(again.load().entries).toHaveLength(300);
    again.close();
  });

  it('a WAL restarted by the checkpointer keeps its preallocated blocks (journal_size_limit agrees)', async () => {
    const file = newFile();
    const results: CheckpointResult[] = [];
    const s = new SqliteStorage(file, {
      deferSync: true,
      checkpointBytes: 1,
      maxWalFrames: 20,
      checkpointed: (r) => results.push(r),
    });
    let i = 0;
    while (!results.some((r) => r.mode === 'restart')) {
      await writeSynced(s, i + 1, i + 10);
      i += 10;
      expect(i).toBeLessThan(20_000);
    }
    // The first commit after a restart is where SQLite cuts the WAL to journal_size_limit.
    await writeSynced(s, i + 1, i + 10);
    expect(walSize(file)).toBe(WAL_LIMIT_BYTES);
    s.close();
  });

  it('a crash image with fewer valid frames than the WAL’s size reopens with exactly the committed entries', async () => {
    const file = newFile();
    const s = new SqliteStorage(file, { deferSync: true });
    await writeSynced(s, 1, 200);
    const image = crashImage(file);
    s.close();
    const wal = fs.readFileSync(`${image}-wal`);
    expect(wal.readUInt32BE(0) & 0xfffffffe).toBe(0x377f0682); // SQLite's header...
    expect(wal.subarray(-64 * 1024).every((b) => b === 0)).toBe(true); // ...and our zeros at the end
    const before = sha(`${image}-wal`);
    const back = new SqliteStorage(image, { deferSync: true });
    // Open found SQLite's frames in the WAL and left every byte of it alone.
    expect(sha(`${image}-wal`)).toBe(before);
    expect(back.damaged).toBeNull();
    const p = back.load();
    expect(p.entries.map((e) => e.index)).toEqual(upTo(200));
    expect(p.hardState).toEqual({ term: 1, vote: 'n1', commit: 200 });
    // It goes on from there, and a second crash image holds both runs' entries.
    await writeSynced(back, 201, 250);
    const second = crashImage(image);
    back.close();
    expect(indexesIn(second)).toEqual(upTo(250));
  });

  it.each([
    ['a kill in the middle of preallocating (some zeros, not a whole frame)', 100_003],
    ['a kill right after preallocating, before SQLite wrote a frame', WAL_LIMIT_BYTES],
  ])('zeros left by %s are an empty WAL, left alone', async (_what, zeros) => {
    const file = newFile();
    const s = new SqliteStorage(file, { deferSync: true });
    await writeSynced(s, 1, 20);
    s.close();
    fs.writeFileSync(`${file}-wal`, Buffer.alloc(zeros));
    const back = new SqliteStorage(file, { deferSync: true });
    expect(walSize(file)).toBe(zeros);
    expect(back.damaged).toBeNull();
    expect(back.load().entries).toHaveLength(20);
    await writeSynced(back, 21, 40);
    const image = crashImage(file);
    back.close();
    expect(indexesIn(image)).toEqual(upTo(40));
  });

  it('frames are as wal-prealloc sizes them, and nothing is preallocated when asked not to or when nothing syncs', () => {
    const file = newFile();
    new SqliteStorage(file).close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('page_size', { simple: true })).toBe(PAGE_BYTES);
    db.close();
    expect(WAL_FRAME_BYTES).toBe(PAGE_BYTES + 24);
    for (const opts of [{ walPrealloc: 0 }, { sync: false }]) {
      const f = newFile();
      const s = new SqliteStorage(f, { deferSync: true, ...opts });
      expect(walSize(f)).toBeLessThan(WAL_FRAME_BYTES * 10);
      expect(s.walPreallocBytes()).toBe(0);
      s.close();
    }
  });

  it('says how much of the file size is the preallocated WAL (what the inspector shows apart)', async () => {
    const file = newFile();
    const s = new SqliteStorage(file, { deferSync: true });
    await writeSynced(s, 1, 20);
    // The file is 16 MiB of which nearly all is room made ahead, not data.
    expect(s.fileBytes()).toBeGreaterThan(WAL_LIMIT_BYTES);
    expect(s.walPreallocBytes()).toBe(WAL_LIMIT_BYTES);
    expect(s.fileBytes() - s.walPreallocBytes()).toBeLessThan(1024 * 1024);
    s.close();
  });
});
