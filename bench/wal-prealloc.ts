/**
 * What an fdatasync costs when the write grows the file against when it overwrites blocks
 * written before (src-main/node/wal-prealloc.ts), on this machine's disk.
 *
 *   node --import tsx bench/wal-prealloc.ts [--ops 2000] [--bytes 8192] [--readies 1000] [--rounds 2]
 *
 * Raw files: --ops writes of --bytes each, every write followed by an fdatasync, into a
 * growing file ("grow"), into a file first filled with real bytes and synced ("over"), and
 * into a file of fallocate's unwritten extents ("falloc"). SQLite: two node stores written
 * the node's way — write() one Ready of one 256-byte entry, then syncAsync() — one with a
 * preallocated WAL, one whose WAL grows. The files take turns write by write, so a busy
 * machine slows them alike.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { intOpt } from '../src-main/cli-args';
import { SqliteStorage } from '../src-main/node/sqlite-storage';
import { benchArgs } from './cli';

const USAGE = `usage: node --import tsx bench/wal-prealloc.ts [--ops N] [--bytes N] [--readies N] [--rounds N]

  --ops N       raw writes + fdatasyncs per file (default 2000)
  --bytes N     bytes per raw write (default 8192; 8240 = two WAL frames, not block-aligned)
  --readies N   Readies per SQLite store (default 1000: all within the preallocated WAL)
  --rounds N    rounds of both (default 2)
  --help, -h    this text`;

const args = benchArgs(
  'wal-prealloc',
  process.argv.slice(2),
  { ops: { type: 'string' }, bytes: { type: 'string' }, readies: { type: 'string' }, rounds: { type: 'string' } },
  USAGE,
  (p) => ({
    ops: intOpt(p, 'ops', 1, 1_000_000, 2000),
    bytes: intOpt(p, 'bytes', 1, 1 << 20, 8192),
    readies: intOpt(p, 'readies', 1, 1_000_000, 1000),
    rounds: intOpt(p, 'rounds', 1, 100, 2),
  }),
);
if (args.exit !== undefined) process.exit(args.exit);
const { ops: OPS, bytes: BYTES, readies: READIES, rounds: ROUNDS } = args.opts;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-walpre-'));
const VALUE = JSON.stringify({ op: 'put', key: 'key-1234', value: 'v'.repeat(256) });

function summary(xs: number[]): string {
  const s = [...xs].sort((x, y) => x - y);
  const q = (p: number): string => (s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(3);
  return `p50 ${q(0.5)}  p90 ${q(0.9)}  p99 ${q(0.99)} ms`;
}

/** rawFile makes one raw file of a kind and returns its descriptor (null: fallocate is missing). */
function rawFile(kind: string, size: number): number | null {
  const f = path.join(dir, `raw-${kind}`);
  if (kind === 'grow') return fs.openSync(f, 'w+');
  if (kind === 'falloc') {
    try {
      execFileSync('fallocate', ['-l', String(size), f]);
    } catch {
      return null;
    }
  } else {
    const fd = fs.openSync(f, 'w');
    const chunk = Buffer.alloc(1 << 20, 0x5a);
    for (let at = 0; at < size; at += chunk.length) fs.writeSync(fd, chunk, 0, chunk.length, at);
    fs.closeSync(fd);
  }
  const fd = fs.openSync(f, 'r+');
  fs.fsyncSync(fd);
  return fd;
}

function raw(): void {
  const size = Math.ceil((OPS * BYTES) / (1 << 20) + 1) * (1 << 20);
  const kinds = ['grow', 'over', 'falloc'];
  const fds = kinds.map((k) => rawFile(k, size));
  const times: number[][] = kinds.map(() => []);
  const buf = Buffer.alloc(BYTES, 7);
  for (let i = 0; i < OPS; i++) {
    for (let k = 0; k < kinds.length; k++) {
      const j = (i + k) % kinds.length; // who goes first rotates
      const fd = fds[j];
      if (fd === null || fd === undefined) continue;
      const t0 = performance.now();
      fs.writeSync(fd, buf, 0, BYTES, i * BYTES);
      fs.fdatasyncSync(fd);
      times[j]!.push(performance.now() - t0);
    }
  }
  kinds.forEach((k, j) => {
    const fd = fds[j];
    if (fd === null || fd === undefined) return console.log(`  raw ${k}: no fallocate here`);
    fs.closeSync(fd);
    fs.rmSync(path.join(dir, `raw-${k}`));
    console.log(`  raw ${k.padEnd(6)} ${BYTES} B write + fdatasync: ${summary(times[j]!)}`);
  });
}

const synced = (s: SqliteStorage): Promise<void> =>
  new Promise((resolve, reject) => s.syncAsync((err) => (err ? reject(err) : resolve())));

async function sqlite(round: number): Promise<void> {
  const names = ['prealloc', 'grow'];
  const stores = names.map(
    (n) =>
      new SqliteStorage(path.join(dir, `${n}-${round}.db`), {
        deferSync: true,
        ...(n === 'grow' ? { walPrealloc: 0 } : {}),
      }),
  );
  const writes: number[][] = [[], []];
  const syncs: number[][] = [[], []];
  for (let i = 1; i <= READIES; i++) {
    for (let k = 0; k < 2; k++) {
      const j = (i + k) % 2;
      const s = stores[j]!;
      const t0 = performance.now();
      s.write({
        hardState: { term: 1, vote: 'n1', commit: i },
        entries: [{ index: i, term: 1, type: 'normal', data: VALUE }],
        snapshot: null,
      });
      const t1 = performance.now();
      await synced(s);
      writes[j]!.push(t1 - t0);
      syncs[j]!.push(performance.now() - t1);
    }
  }
  names.forEach((n, j) => {
    const wal = fs.statSync(`${stores[j]!.file}-wal`).size;
    stores[j]!.close();
    console.log(
      `  sqlite ${n.padEnd(8)} write(): ${summary(writes[j]!)}; fdatasync: ${summary(syncs[j]!)}; WAL ${wal} B`,
    );
  });
}

for (let r = 1; r <= ROUNDS; r++) {
  console.log(`round ${r}, load ${os.loadavg()[0]!.toFixed(1)}`);
  raw();
  await sqlite(r);
}
fs.rmSync(dir, { recursive: true, force: true });
