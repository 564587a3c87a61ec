/**
 * A node's local snapshot is written, and the log behind it trimmed, a bounded piece per
 * event-loop turn (src-main/node/compactor.ts), so a large state never blocks the node for
 * long. What must hold whatever the pieces: the stored snapshot is the whole text, a
 * SIGKILL between any two pieces restarts on a consistent file (a snapshot and exactly the
 * entries after it), and a newer snapshot from a leader is never replaced by an older local one.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Entry, Persisted, Snapshot } from '../../src-main/core/types';
import { DROP_PARTS, PART_CHARS, TRIM_ROWS } from '../../src-main/node/compactor';
import { crc32, crc32Table } from '../../src-main/node/crc32';
import { SqliteStorage } from '../../src-main/node/sqlite-storage';
import { snapshotText } from './fixtures/compact-data';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-compact-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
const newFile = (): string => path.join(tmp, `node-${++fileNo}.db`);

const conf = { voters: ['n1'], learners: [], votersOutgoing: [] };
const snap = (index: number, data = snapshotText(index)): Snapshot => ({ index, term: 1, conf, data });
const range = (lo: number, hi: number): Entry[] =>
  Array.from({ length: hi - lo + 1 }, (_, k) => ({ index: lo + k, term: 1, type: 'normal', data: `cmd-${lo + k}` }));
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** filled: a deferSync store (a node's: compaction in pieces) holding entries 1..n. */
function filled(file: string, n: number): SqliteStorage {
  const s = new SqliteStorage(file, { deferSync: true, checkpointWorker: false });
  for (let lo = 1; lo <= n; lo += 100)
    s.save({ hardState: { term: 1, vote: 'n1', commit: n }, entries: range(lo, Math.min(n, lo + 99)), snapshot: null });
  return s;
}

/** reopened is what a fresh store on `file` loads (the file closed again after). */
function reopened(file: string): Persisted {
  const again = new SqliteStorage(file);
  try {
    return again.load();
  } finally {
    again.close();
  }
}

/** look reads the file through a second connection: what a restart right now would find. */
function look(file: string): {
  snapIdx: number | null;
  parts: number;
  firstLog: number | null;
  lastLog: number | null;
} {
  const db = new Database(file, { readonly: true });
  try {
    const snapIdx = db.prepare('SELECT idx FROM snapshot').pluck().get() as number | undefined;
    const parts = db.prepare('SELECT COUNT(*) FROM snapshot_part').pluck().get() as number;
    const lo = db.prepare('SELECT MIN(idx) FROM log').pluck().get() as number | null;
    const hi = db.prepare('SELECT MAX(idx) FROM log').pluck().get() as number | null;
    return { snapIdx: snapIdx ?? null, parts, firstLog: lo, lastLog: hi };
  } finally {
    db.close();
  }
}

async function settle(s: SqliteStorage): Promise<number> {
  let turns = 0;
  while (s.compactor!.pending && turns < 1000) {
    await turn();
    turns++;
  }
  return turns;
}

describe('local snapshots written a piece per turn', () => {
  it('stores the whole text, with a character outside the BMP across a cut, and reads it back after a restart', async () => {
    const file = newFile();
    const s = filled(file, 3000);
    const data = snapshotText(2000);
    // The text really has a surrogate pair where a piece would end.
    expect(data.charCodeAt(PART_CHARS - 1)).toBeGreaterThanOrEqual(0xd800);
    expect(data.charCodeAt(PART_CHARS - 1)).toBeLessThanOrEqual(0xdbff);
    s.compact(snap(2000, data));
    await settle(s);
    s.close();
    const again = new SqliteStorage(file);
    expect(again.damaged).toBeNull();
    const p = again.load();
    expect(p.snapshot?.index).toBe(2000);
    expect(p.snapshot?.data === data).toBe(true);
    expect(p.entries).toEqual(range(2001, 3000));
    again.close();
  });

  it('does one bounded piece per turn: the old snapshot stays until the new one is whole, then the log shrinks by at most TRIM_ROWS a turn', async () => {
    const file = newFile();
    const s = filled(file, 6000);
    s.compact(snap(1000));
    await settle(s);
    expect(look(file)).toMatchObject({ snapIdx: 1000, firstLog: 1001, lastLog: 6000 });
    s.compact(snap(5000));
    const seen: ReturnType<typeof look>[] = [look(file)];
    while (s.compactor!.pending) {
      await turn();
      seen.push(look(file));
    }
    // Nothing happened inside compact() itself.
    expect(seen[0]).toMatchObject({ snapIdx: 1000, firstLog: 1001 });
    const parts = Math.ceil(snapshotText(5000).length / PART_CHARS);
    const switched = seen.findIndex((x) => x.snapIdx === 5000);
    // One part per turn, then the row: the text written before the snapshot became the file's.
    expect(switched).toBeGreaterThanOrEqual(parts + 1);
    for (const x of seen.slice(0, switched)) expect(x).toMatchObject({ snapIdx: 1000, firstLog: 1001 });
    for (let k = switched + 1; k < seen.length; k++) {
      const [a, b] = [seen[k - 1]!, seen[k]!];
      expect(a.parts - b.parts).toBeLessThanOrEqual(DROP_PARTS);
      expect((b.firstLog ?? 0) - (a.firstLog ?? 0)).toBeLessThanOrEqual(TRIM_ROWS);
    }
    expect(seen[seen.length - 1]).toMatchObject({ snapIdx: 5000, parts, firstLog: 5001, lastLog: 6000 });
    // Appends went on between the pieces and are all there.
    s.save({ hardState: null, entries: range(6001, 6010), snapshot: null });
    expect(s.load().entries).toEqual(range(5001, 6010));
    s.close();
  });

  it('without deferSync, compact() writes the parts, the row and the trim at once', () => {
    const file = newFile();
    const s = new SqliteStorage(file);
    s.save({ hardState: { term: 1, vote: 'n1', commit: 3000 }, entries: range(1, 3000), snapshot: null });
    s.compact(snap(2000));
    expect(s.compactor!.pending).toBe(false);
    expect(look(file)).toMatchObject({
      snapIdx: 2000,
      parts: Math.ceil(snapshotText(2000).length / PART_CHARS),
      firstLog: 2001,
    });
    s.close();
    expect(reopened(file).snapshot?.data === snapshotText(2000)).toBe(true);
  });

  it('keeps a newer snapshot from a leader that lands while a local one is being written', async () => {
    const file = newFile();
    const s = filled(file, 3000);
    s.compact(snap(2000));
    await turn();
    expect(s.compactor!.writing).toBe(true);
    const leader: Snapshot = { index: 2800, term: 1, conf, data: 'from the leader' };
    s.save({ hardState: { term: 1, vote: 'n1', commit: 2800 }, entries: [], snapshot: leader });
    await settle(s);
    expect(look(file)).toMatchObject({ snapIdx: 2800, parts: 0, firstLog: 2801 });
    s.close();
    expect(reopened(file)).toMatchObject({ snapshot: leader, entries: range(2801, 3000) });
  });

  it('a damaged snapshot does not bring back the log rows it covered that were not trimmed yet', async () => {
    const file = newFile();
    const s = filled(file, 3000);
    s.compact(snap(2000));
    while (s.compactor!.writing) await turn();
    s.close(); // before the trim: rows 1..2000 are still in the file
    expect(look(file)).toMatchObject({ snapIdx: 2000, firstLog: 1 });
    const db = new Database(file);
    db.prepare('DELETE FROM snapshot_part WHERE seq = 1').run();
    db.close();
    const again = new SqliteStorage(file);
    expect(again.damaged).toMatch(/snapshot at 2000 fails its checksum/);
    expect(again.load()).toMatchObject({ snapshot: null, entries: [] });
    again.close();
  });

  it('opens a file from before snapshot parts (its snapshot whole in the row) and compacts it in parts', async () => {
    const file = newFile();
    const old = new SqliteStorage(file);
    old.save({ hardState: { term: 1, vote: 'n1', commit: 3000 }, entries: range(1, 3000), snapshot: null });
    old.compact(snap(500, 'a small state'));
    old.close();
    const db = new Database(file);
    db.exec('DROP TABLE snapshot_part; ALTER TABLE snapshot DROP COLUMN parts');
    db.close();
    const s = new SqliteStorage(file, { deferSync: true, checkpointWorker: false });
    expect(s.damaged).toBeNull();
    expect(s.load()).toMatchObject({ snapshot: snap(500, 'a small state'), entries: range(501, 3000) });
    s.compact(snap(2000));
    await settle(s);
    s.close();
    expect(reopened(file).snapshot?.data === snapshotText(2000)).toBe(true);
  });

  it('a restart finishes the trim a crash interrupted', async () => {
    const file = newFile();
    const s = filled(file, 3000);
    s.compact(snap(2000));
    while (s.compactor!.writing) await turn();
    s.close();
    expect(look(file)).toMatchObject({ snapIdx: 2000, firstLog: 1 });
    const again = new SqliteStorage(file, { deferSync: true, checkpointWorker: false });
    await settle(again);
    expect(look(file)).toMatchObject({ snapIdx: 2000, firstLog: 2001, lastLog: 3000 });
    again.close();
  });
});

describe('SIGKILL while a snapshot is written and the log trimmed', () => {
  it('restarts on the old or the new snapshot and exactly the entries after it, wherever the kill fell', async () => {
    const outcomes = new Set<string>();
    // Kill points 0..14 span every piece: the parts, the row, dropping old parts, the trim, done.
    const points = Array.from({ length: 15 }, (_, k) => k);
    const run = async (k: number): Promise<void> => {
      const file = newFile();
      const { acked, phase } = await killedWriter(file, k);
      const s = new SqliteStorage(file, { deferSync: true, checkpointWorker: false });
      expect(s.damaged).toBeNull();
      const p = s.load();
      const at = p.snapshot!.index;
      expect([1000, 2500]).toContain(at);
      expect(p.snapshot!.data === snapshotText(at)).toBe(true);
      const last = p.entries[p.entries.length - 1]!.index;
      expect(last).toBeGreaterThanOrEqual(acked);
      expect(p.entries).toEqual(range(at + 1, last));
      // The restart drops what the crash left behind: old parts and the rows the snapshot covers.
      await settle(s);
      expect(look(file)).toMatchObject({ snapIdx: at, firstLog: at + 1, lastLog: last });
      expect(look(file).parts).toBe(Math.ceil(snapshotText(at).length / PART_CHARS));
      s.close();
      outcomes.add(`${phase}@${at}`);
    };
    for (let k = 0; k < points.length; k += 2) await Promise.all(points.slice(k, k + 2).map(run));
    // The kills fell in every phase: before the new snapshot was whole, during the trim, after.
    expect(outcomes).toEqual(new Set(['parts@1000', 'trim@2500', 'done@2500']));
  }, 120_000);
});

describe('crc32', () => {
  it('takes the same checksum natively as the table does, whole or in pieces', () => {
    const texts = ['', 'a', '123456789', 'héllo wörld ✓ 😀', snapshotText(7).slice(0, 5000)];
    for (const t of texts) expect(crc32(t)).toBe(crc32Table(t));
    expect(crc32('123456789')).toBe(0xcbf43926);
    const t = 'the first piece|and 😀 the second';
    expect(crc32(t.slice(16), crc32(t.slice(0, 16)))).toBe(crc32(t));
    expect(crc32Table(t.slice(16), crc32Table(t.slice(0, 16)))).toBe(crc32(t));
  });
});

/** killedWriter runs fixtures/compact-writer.ts until it kills itself; returns the last acknowledged index and the phase it died in. */
async function killedWriter(file: string, k: number): Promise<{ acked: number; phase: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'fixtures/compact-writer.ts'), file, String(k)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let acked = 0;
  let phase = '';
  let out = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_c, sig) => resolve(sig)));
  for (const l of out.split('\n')) {
    if (l.startsWith('a')) acked = Math.max(acked, Number(l.slice(1)));
    else if (l.startsWith('k ')) phase = l.slice(2);
  }
  if (signal !== 'SIGKILL' || phase === '') throw new Error(`writer did not kill itself (${signal}): ${stderr}`);
  return { acked, phase };
}
