import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  applyWrite,
  emptyPersisted,
  type Storage,
  type StorageWrite,
} from '../../src-main/core/storage';
import { seededRng, type Entry, type Persisted, type Snapshot } from '../../src-main/core/types';
import { DAMAGE_KINDS, ImageStorage } from '../../src-main/core/recovery';
import { crc32 } from '../../src-main/node/crc32';
import { WAL_FRAME_BYTES, WAL_LIMIT_BYTES } from '../../src-main/node/checkpointer';
import { SqliteStorage, damageStoreFile } from '../../src-main/node/sqlite-storage';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-storage-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
const newFile = (): string => path.join(tmp, `node-${++fileNo}.db`);

const ent = (index: number, term: number, data = `cmd-${index}-${term}`): Entry => ({
  index,
  term,
  type: 'normal',
  data,
});
const range = (lo: number, hi: number, term: number): Entry[] =>
  Array.from({ length: hi - lo + 1 }, (_, k) => ent(lo + k, term));
const snap = (index: number, term: number, data = `state@${index}`): Snapshot => ({
  index,
  term,
  conf: { voters: ['n1', 'n2', 'n3'], learners: [], votersOutgoing: [] },
  data,
});
const w = (p: Partial<StorageWrite>): StorageWrite => ({ hardState: null, entries: [], snapshot: null, ...p });

/** Impl opens a store and "reopens" it (a process restart for SQLite; the same memory for MemoryStorage). */
interface Impl {
  name: string;
  open(): Storage;
  reopen(s: Storage): Storage;
}
const impls: Impl[] = [
  { name: 'MemoryStorage', open: () => new MemoryStorage(), reopen: (s) => s },
  {
    name: 'SqliteStorage',
    open: () => new SqliteStorage(newFile()),
    reopen: (s) => {
      s.close();
      return new SqliteStorage((s as SqliteStorage).file);
    },
  },
  {
    // What a node runs: commits under synchronous=NORMAL, save() made durable by fdatasync of the WAL.
    name: 'SqliteStorage (deferSync)',
    open: () => new SqliteStorage(newFile(), { deferSync: true }),
    reopen: (s) => {
      s.close();
      return new SqliteStorage((s as SqliteStorage).file, { deferSync: true });
    },
  },
  {
    // With the node's deferCommit: a commit-only save waits for the next write (load and close write it).
    name: 'SqliteStorage (deferSync, deferCommit)',
    open: () => new SqliteStorage(newFile(), { deferSync: true, deferCommit: true }),
    reopen: (s) => {
      s.close();
      return new SqliteStorage((s as SqliteStorage).file, { deferSync: true, deferCommit: true });
    },
  },
];

describe.each(impls)('Storage contract: $name', (impl) => {
  it('a fresh store is empty', () => {
    const s = impl.open();
    expect(s.load()).toEqual(emptyPersisted());
    s.close();
  });

  it('round-trips hard state and entries across a reopen', () => {
    let s = impl.open();
    s.save(w({ hardState: { term: 2, vote: 'n2', commit: 0 }, entries: range(1, 3, 1) }));
    s.save(
      w({ hardState: { term: 2, vote: 'n2', commit: 3 }, entries: [{ index: 4, term: 2, type: 'noop', data: '' }] }),
    );
    s = impl.reopen(s);
    expect(s.load()).toEqual({
      hardState: { term: 2, vote: 'n2', commit: 3 },
      snapshot: null,
      entries: [...range(1, 3, 1), { index: 4, term: 2, type: 'noop', data: '' }],
    });
    s.save(w({ hardState: { term: 3, vote: null, commit: 3 } }));
    s = impl.reopen(s);
    expect(s.load().hardState).toEqual({ term: 3, vote: null, commit: 3 });
    s.close();
  });

  it('loads the hard state saved last, also a commit lower than one saved before', () => {
    let s = impl.open();
    s.save(w({ hardState: { term: 1, vote: 'n1', commit: 0 }, entries: range(1, 3, 1) }));
    s.save(w({ hardState: { term: 1, vote: 'n1', commit: 4 }, entries: range(4, 5, 1) }));
    s.save(w({ hardState: { term: 1, vote: 'n1', commit: 2 } }));
    s = impl.reopen(s);
    expect(s.load().hardState).toEqual({ term: 1, vote: 'n1', commit: 2 });
    s.save(w({ hardState: { term: 1, vote: 'n1', commit: 5 }, entries: range(6, 6, 1) }));
    s = impl.reopen(s);
    expect(s.load().hardState).toEqual({ term: 1, vote: 'n1', commit: 5 });
    s.close();
  });

  it('truncates a conflicting suffix on append (Raft §5.3)', () => {
    let s = impl.open();
    s.save(w({ entries: range(1, 5, 1) }));
    s.save(w({ entries: [ent(4, 2, 'new')] }));
    s = impl.reopen(s);
    expect(s.load().entries).toEqual([...range(1, 3, 1), ent(4, 2, 'new')]);
    s.close();
  });

  it('a snapshot that matches the log keeps the suffix; one that conflicts replaces the log (§7)', () => {
    let s = impl.open();
    s.save(w({ entries: range(1, 5, 1) }));
    s.save(w({ snapshot: snap(3, 1) }));
    s = impl.reopen(s);
    expect(s.load()).toMatchObject({ snapshot: snap(3, 1), entries: range(4, 5, 1) });
    s.save(w({ snapshot: snap(10, 2), hardState: { term: 2, vote: null, commit: 10 } }));
    s = impl.reopen(s);
    expect(s.load()).toEqual({ hardState: { term: 2, vote: null, commit: 10 }, snapshot: snap(10, 2), entries: [] });
    // Snapshot and following entries in one write.
    s.save(w({ snapshot: snap(12, 3), entries: range(13, 14, 3) }));
    s = impl.reopen(s);
    expect(s.load()).toMatchObject({ snapshot: snap(12, 3), entries: range(13, 14, 3) });
    s.close();
  });

  it('compact drops covered entries and ignores an older snapshot', () => {
    let s = impl.open();
    s.save(w({ hardState: { term: 1, vote: 'n1', commit: 10 }, entries: range(1, 10, 1) }));
    s.compact(snap(6, 1));
    s.compact(snap(4, 1));
    s = impl.reopen(s);
    expect(s.load()).toEqual({
      hardState: { term: 1, vote: 'n1', commit: 10 },
      snapshot: snap(6, 1),
      entries: range(7, 10, 1),
    });
    s.close();
  });

  it('matches the reference semantics over a random schedule of writes', () => {
    const rng = seededRng(7);
    let s = impl.open();
    let ref: Persisted = emptyPersisted();
    let term = 1;
    for (let step = 0; step < 150; step++) {
      const last = ref.entries.length > 0 ? ref.entries[ref.entries.length - 1]!.index : (ref.snapshot?.index ?? 0);
      const first = (ref.snapshot?.index ?? 0) + 1;
      const r = rng.next();
      if (r < 0.1) term++;
      let write: StorageWrite | null = null;
      if (r < 0.65) {
        const from = rng.int(Math.max(first, last - 3), last + 1);
        write = w({
          entries: range(from, from + rng.int(0, 4), term),
          hardState: { term, vote: 'n1', commit: Math.max(0, from - 1) },
        });
      } else if (r < 0.8 && last > first) {
        const at = rng.int(first, last);
        const e = ref.entries.find((x) => x.index === at)!;
        s.compact(snap(at, e.term));
        ref = { ...ref, snapshot: snap(at, e.term), entries: ref.entries.filter((x) => x.index > at) };
      } else if (r < 0.9) {
        const at = last + rng.int(-2, 3);
        if (at > (ref.snapshot?.index ?? 0))
          write = w({ snapshot: snap(at, term), hardState: { term, vote: null, commit: at } });
      } else {
        s = impl.reopen(s);
      }
      if (write) {
        s.save(write);
        ref = applyWrite(ref, write);
      }
      expect(s.load()).toEqual(ref);
    }
    s.close();
  });
});

describe('SqliteStorage durability and damage', () => {
  it.each([
    ['save() returned', 'save', 300, false],
    [
      'write() then syncAsync() called back (the node’s deferred sync, past several WAL checkpoints)',
      'defer',
      3000,
      false,
    ],
    ['write() then syncAsync() called back, the checkpoint worker checkpointing all the while', 'ckpt', 3000, false],
    // Its WAL was preallocated with zeros: far fewer valid frames than its size at the kill.
    ['write() then syncAsync(), killed within the first pass over its preallocated WAL', 'defer', 300, true],
  ] as const)(
    'keeps every acknowledged save when the writer is SIGKILLed mid-run: %s',
    async (_what, mode, killAt, firstPass) => {
      const file = newFile();
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(__dirname, 'fixtures/storage-writer.ts'), file, mode!],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let acked = 0;
      let written: number;
      let checkpoints = 0;
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      await new Promise<void>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          const lines = buf.split('\n');
          buf = lines.pop()!;
          for (const l of lines) {
            if (l.startsWith('c')) checkpoints = Number(l.slice(1));
            else acked = Number(l);
          }
          if (acked >= killAt && (mode !== 'ckpt' || checkpoints >= 50)) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.on('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
        setTimeout(() => reject(new Error(`writer too slow (acked ${acked}): ${stderr}`)), 30_000);
      });
      await new Promise((r) => child.once('close', r));
      if (mode === 'save') written = acked;
      else {
        // The writer's synchronous record of each write() that returned (see the fixture).
        const lines = fs.readFileSync(`${file}.progress`, 'utf8').trim().split('\n');
        written = Number(lines[lines.length - 1]!.slice(1));
        expect(written).toBeGreaterThanOrEqual(acked);
      }
      const wal = fs.readFileSync(`${file}-wal`);
      if (firstPass) {
        // Preallocated to the full size, and its end still the zeros: never written by SQLite.
        expect(wal.length).toBe(WAL_LIMIT_BYTES);
        expect(wal.subarray(-WAL_FRAME_BYTES).every((b) => b === 0)).toBe(true);
      }
      const s = new SqliteStorage(file);
      expect(s.damaged).toBeNull();
      const p = s.load();
      const last = p.entries[p.entries.length - 1]!.index;
      expect(last).toBeGreaterThanOrEqual(acked);
      // Exactly what was committed: every write() that returned, and at most the one the kill interrupted.
      expect(last).toBeGreaterThanOrEqual(written);
      expect(last).toBeLessThanOrEqual(written + 1);
      expect(p.entries.map((e) => e.index)).toEqual(Array.from({ length: last }, (_, k) => k + 1));
      expect(p.hardState.commit).toBeGreaterThanOrEqual(acked);
      if (mode === 'ckpt') expect(checkpoints).toBeGreaterThanOrEqual(50);
      s.close();
    },
  );

  function populated(): string {
    const file = newFile();
    const s = new SqliteStorage(file);
    s.save(w({ hardState: { term: 2, vote: 'n1', commit: 10 }, entries: range(1, 10, 2) }));
    s.close();
    return file;
  }
  const raw = (file: string, sql: string): void => {
    const db = new Database(file);
    db.exec(sql);
    db.close();
  };

  it('detects a file that is not SQLite, moves it aside and starts empty', () => {
    const file = populated();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from('this is not an sqlite database at all!'), 0, undefined, 0);
    fs.closeSync(fd);
    const s = new SqliteStorage(file);
    expect(s.damaged).toMatch(/SQLite|not a database/i);
    expect(s.movedAside).not.toBeNull();
    expect(fs.existsSync(s.movedAside!)).toBe(true);
    expect(s.load()).toEqual(emptyPersisted());
    // The fresh file works and still remembers it is recovering after a restart.
    s.save(w({ hardState: { term: 3, vote: null, commit: 0 }, entries: range(1, 2, 3) }));
    s.close();
    const again = new SqliteStorage(file);
    expect(again.damaged).toMatch(/still recovering/);
    expect(again.load().entries).toEqual(range(1, 2, 3));
    again.markRecovered();
    again.close();
    expect(new SqliteStorage(file).damaged).toBeNull();
  });

  it('survives a file cut in half (corrupt pages): moved aside, starts empty', () => {
    const file = newFile();
    const s0 = new SqliteStorage(file);
    for (let i = 1; i <= 200; i++) s0.save(w({ entries: [ent(i, 1, 'x'.repeat(500))] }));
    s0.close(); // checkpoints the WAL into the main file
    const size = fs.statSync(file).size;
    fs.truncateSync(file, Math.floor(size / 2));
    const s = new SqliteStorage(file);
    expect(s.damaged).toMatch(/malformed|corrupt/i);
    expect(s.movedAside).not.toBeNull();
    expect(s.load()).toEqual(emptyPersisted());
    s.close();
  });

  it('detects a wrong format version', () => {
    const file = populated();
    raw(file, 'UPDATE meta SET version = 99');
    const s = new SqliteStorage(file);
    expect(s.damaged).toMatch(/format version 99/);
    expect(s.load()).toEqual(emptyPersisted());
    s.close();
  });

  it('opens a file written before log rows carried a commit, and keeps every commit after', () => {
    const file = newFile();
    const s = new SqliteStorage(file);
    s.save(w({ hardState: { term: 2, vote: 'n1', commit: 3 }, entries: range(1, 5, 2) }));
    s.close();
    raw(file, 'ALTER TABLE log DROP COLUMN commit_at'); // the schema of an earlier build
    const old = new SqliteStorage(file);
    expect(old.damaged).toBeNull();
    expect(old.load().hardState).toEqual({ term: 2, vote: 'n1', commit: 3 });
    old.save(w({ hardState: { term: 2, vote: 'n1', commit: 5 }, entries: range(6, 8, 2) }));
    old.save(w({ hardState: { term: 2, vote: 'n1', commit: 8 }, entries: range(9, 9, 2) }));
    old.close();
    const again = new SqliteStorage(file);
    expect(again.damaged).toBeNull();
    expect(again.load()).toEqual({
      hardState: { term: 2, vote: 'n1', commit: 8 },
      snapshot: null,
      entries: range(1, 9, 2),
    });
    again.close();
  });

  it('detects a bad entry checksum and keeps the good prefix', () => {
    const file = populated();
    raw(file, "UPDATE log SET data = 'tampered' WHERE idx = 6");
    const s = new SqliteStorage(file);
    expect(s.damaged).toMatch(/entry 6 fails its checksum/);
    const p = s.load();
    expect(p.entries).toEqual(range(1, 5, 2));
    expect(p.hardState).toEqual({ term: 2, vote: 'n1', commit: 5 });
    // It held up to 10: it has not caught up until its commit reaches 10 again.
    expect(s.recoveryFloor).toBe(10);
    s.close();
    const again = new SqliteStorage(file);
    expect(again.damaged).toMatch(/still recovering/);
    expect(again.recoveryFloor).toBe(10);
    again.close();
  });

  it('detects a hole in the log and a log truncated below the commit index', () => {
    const file = populated();
    raw(file, 'DELETE FROM log WHERE idx = 4');
    const s = new SqliteStorage(file);
    expect(s.damaged).toMatch(/index 4 missing/);
    expect(s.load().entries).toEqual(range(1, 3, 2));
    s.close();

    const file2 = populated();
    raw(file2, 'DELETE FROM log WHERE idx > 7');
    const s2 = new SqliteStorage(file2);
    expect(s2.damaged).toMatch(/commit index 10 is beyond the last intact log index 7/);
    expect(s2.load().hardState.commit).toBe(7);
    s2.close();
  });

  it('detects a damaged snapshot and drops what depends on it', () => {
    const file = populated();
    const s = new SqliteStorage(file);
    s.compact(snap(5, 2));
    s.close();
    raw(file, "UPDATE snapshot SET data = 'garbage'");
    const s2 = new SqliteStorage(file);
    expect(s2.damaged).toMatch(/snapshot at 5 fails its checksum/);
    expect(s2.load()).toMatchObject({ snapshot: null, entries: [] });
    s2.close();
  });

  it('loads the native binding named by QUORUM_SQLITE_BINDING, and fails clearly on a bad one', () => {
    const real = path.join(
      path.dirname(require.resolve('better-sqlite3/package.json')),
      'build/Release/better_sqlite3.node',
    );
    const s = new SqliteStorage(newFile(), { nativeBinding: real });
    s.save(w({ entries: range(1, 1, 1) }));
    expect(s.load().entries).toHaveLength(1);
    s.close();
    expect(() => new SqliteStorage(newFile(), { nativeBinding: path.join(tmp, 'nope.node') })).toThrow(/nope\.node/);
  });
});

describe('SqliteStorage.discardSnapshot', () => {
  it('drops an unreadable snapshot and its log, keeps term and vote, and marks the store recovering', () => {
    const file = newFile();
    const s = new SqliteStorage(file);
    s.save(w({ hardState: { term: 4, vote: 'n2', commit: 12 }, entries: range(1, 12, 4) }));
    s.compact(snap(8, 4, '{not a state'));
    s.discardSnapshot('snapshot at 8 unreadable');
    expect(s.load()).toEqual({ hardState: { term: 4, vote: 'n2', commit: 0 }, snapshot: null, entries: [] });
    expect(s.damaged).toBe('snapshot at 8 unreadable');
    expect(s.recoveryFloor).toBe(12);
    s.close();
    expect(new SqliteStorage(file).damaged).toMatch(/still recovering/);
  });
});

describe('SqliteStorage: problems that are not damage', () => {
  it('refuses a directory with a clear error instead of moving it aside', () => {
    const dir = path.join(tmp, 'a-directory.db');
    fs.mkdirSync(dir);
    expect(() => new SqliteStorage(dir)).toThrow(/not a regular file/);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
  });
});

describe('SqliteStorage checks by protocol', () => {
  it('a Multi-Paxos log whose ballots go down (empty slots, re-proposals, learned values) is healthy', () => {
    const file = newFile();
    const s = new SqliteStorage(file, { protocol: 'paxos' });
    const log: Entry[] = [
      { index: 1, term: 201, type: 'normal', data: 'a' },
      { index: 2, term: 0, type: 'noop', data: '' },
      { index: 3, term: 101, type: 'normal', data: 'learned from an older ballot' },
      { index: 4, term: 302, type: 'normal', data: 'b' },
    ];
    s.save(w({ hardState: { term: 302, vote: null, commit: 1 }, entries: log }));
    s.close();
    const again = new SqliteStorage(file, { protocol: 'paxos' });
    expect(again.damaged).toBeNull();
    expect(again.load().entries).toEqual(log);
    again.close();
  });

  it('the same log under Raft (terms must not go down) is damage', () => {
    const file = newFile();
    const s = new SqliteStorage(file, { protocol: 'raft' });
    s.save(w({ hardState: { term: 3, vote: null, commit: 1 }, entries: [ent(1, 3), ent(2, 1)] }));
    s.close();
    const again = new SqliteStorage(file, { protocol: 'raft' });
    expect(again.damaged).toMatch(/entry 2 has term 1 below its predecessor's 3/);
    again.close();
  });

  it.each(['raft', 'paxos'] as const)(
    '%s: a log term (or ballot) above the saved term means the term/vote record is stale',
    (protocol) => {
      const file = newFile();
      const s = new SqliteStorage(file, { protocol });
      s.save(w({ hardState: { term: 5, vote: null, commit: 2 }, entries: [ent(1, 5), ent(2, 5)] }));
      s.close();
      // The record was rolled back (an old copy of the page, say), the log was not.
      const db = new Database(file);
      db.prepare('UPDATE hard_state SET term = 2, crc = ?').run(crc32(`2||2`));
      db.close();
      const again = new SqliteStorage(file, { protocol });
      expect(again.damaged).toMatch(/term 5 above the saved term 2/);
      // The term is at least the highest term in the log (Raft §5.1: terms never go back).
      expect(again.load().hardState.term).toBe(5);
      again.close();
    },
  );
});

describe('disk faults: the SQLite file and the simulator’s in-memory store break alike', () => {
  const log = Array.from({ length: 30 }, (_, i) => ent(i + 1, i < 10 ? 1 : 3));
  const write = (s: Storage): void => {
    s.save(w({ hardState: { term: 3, vote: 'n2', commit: 27 }, entries: log }));
    s.compact(snap(5, 1));
  };

  it.each(DAMAGE_KINDS)('%s', (kind) => {
    const file = newFile();
    const sq = new SqliteStorage(file, { protocol: 'raft', self: 'n1' });
    write(sq);
    sq.close();
    const mem = new ImageStorage({ protocol: 'raft', self: 'n1' });
    write(mem);
    const what = damageStoreFile(file, kind);
    expect(mem.damage(kind)).toBe(what);
    const again = new SqliteStorage(file, { protocol: 'raft', self: 'n1' });
    const fromMem = mem.load();
    expect(again.load()).toEqual(fromMem);
    // The same floor and vote: the node recovers by the same rules in both.
    expect([again.recoveryFloor, again.voteLost]).toEqual([mem.recoveryFloor, mem.voteLost]);
    expect(again.damaged).toMatch(kind === 'file' ? /moved aside/ : /checksum/);
    again.close();
  });

  // A Ready that moves only the commit puts it on its last row, not in the term/vote record
  // (sqlite-image.ts's SCHEMA): after each fault, and again after a restart, the file must
  // still load what the simulator's store loads — a damaged record costs its commit there too.
  const readies = (s: Storage): void => {
    s.save(w({ hardState: { term: 3, vote: 'n2', commit: 0 }, entries: log.slice(0, 10) }));
    s.save(w({ hardState: { term: 3, vote: 'n2', commit: 15 }, entries: log.slice(10, 20) }));
    s.save(w({ hardState: { term: 3, vote: 'n2', commit: 27 }, entries: log.slice(20) }));
    s.compact(snap(5, 1));
  };
  it.each(DAMAGE_KINDS)('%s, with commits carried on log rows, across two restarts', (kind) => {
    const file = newFile();
    const sq = new SqliteStorage(file, { protocol: 'raft', self: 'n1' });
    readies(sq);
    expect(sq.load().hardState.commit).toBe(27);
    sq.close();
    const mem = new ImageStorage({ protocol: 'raft', self: 'n1' });
    readies(mem);
    expect(mem.damage(kind)).toBe(damageStoreFile(file, kind));
    const fromMem = mem.load();
    for (let open = 0; open < 2; open++) {
      const again = new SqliteStorage(file, { protocol: 'raft', self: 'n1' });
      expect(again.load()).toEqual(fromMem);
      expect([again.recoveryFloor, again.voteLost]).toEqual([mem.recoveryFloor, mem.voteLost]);
      again.close();
    }
  });

  it('a damage run on a missing file damages nothing', () => {
    expect(damageStoreFile(path.join(tmp, 'never-written.db'), 'hardstate')).toBeNull();
  });
});
