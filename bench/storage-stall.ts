/**
 * How long a node's storage blocks its event loop per Ready, with SQLite's own checkpoints
 * (inside the commit that crosses 1000 WAL pages) against the checkpoint worker
 * (src-main/node/checkpointer.ts). One process writes the way a node does — write() one
 * Ready, then wait for syncAsync() — and times each write() call; the two modes alternate
 * in one run, so a busy machine slows both alike.
 *
 *   node --import tsx bench/storage-stall.ts [--readies 3000] [--entries 1] [--rounds 3] [--snapshot-every 0]
 *
 * --entries is entries per Ready (1 ≈ one sequential client; 20 ≈ 64 clients' group
 * commit); --snapshot-every N compacts with a 10,000-key snapshot every N entries, as a
 * node does every 10,000 applied entries.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { intOpt } from '../src-main/cli-args';
import { SqliteStorage } from '../src-main/node/sqlite-storage';
import { benchArgs } from './cli';

const USAGE = `usage: node --import tsx bench/storage-stall.ts [--readies N] [--entries N] [--rounds N] [--snapshot-every N]

  --readies N          Readies written per run (default 3000)
  --entries N          entries per Ready (default 1)
  --rounds N           rounds, each one run without and one with the checkpoint worker (default 3)
  --snapshot-every N   compact with a 10,000-key snapshot every N entries (default 0: never)
  --help, -h           this text`;

const args = benchArgs(
  'storage-stall',
  process.argv.slice(2),
  {
    readies: { type: 'string' },
    entries: { type: 'string' },
    rounds: { type: 'string' },
    'snapshot-every': { type: 'string' },
  },
  USAGE,
  (p) => ({
    readies: intOpt(p, 'readies', 1, 10_000_000, 3000),
    entries: intOpt(p, 'entries', 1, 10_000, 1),
    rounds: intOpt(p, 'rounds', 1, 1000, 3),
    snapshotEvery: intOpt(p, 'snapshot-every', 0, 100_000_000, 0),
  }),
);
// Nothing has started yet (no folder, no file): ending here leaves nothing behind.
if (args.exit !== undefined) process.exit(args.exit);
const { readies: READIES, entries: PER, rounds: ROUNDS, snapshotEvery: SNAP_EVERY } = args.opts;
const VALUE = JSON.stringify({ op: 'put', key: 'key-1234', value: 'v'.repeat(256) });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-stall-'));

const synced = (s: SqliteStorage): Promise<void> =>
  new Promise((resolve, reject) => s.syncAsync((err) => (err ? reject(err) : resolve())));

/** compacts: the stalls of the Readies that also compacted (the last run's). */
const compacts: number[] = [];
const snapshotData = (): string =>
  JSON.stringify(Object.fromEntries(Array.from({ length: 10_000 }, (_, k) => [`key-${k}`, VALUE])));

/** run writes READIES Readies and returns the time each write()/compact() blocked the thread (ms). */
async function run(worker: boolean, n: number): Promise<number[]> {
  const file = path.join(dir, `n-${n}.db`);
  const s = new SqliteStorage(file, { deferSync: true, checkpointWorker: worker });
  const stalls: number[] = [];
  compacts.length = 0;
  let i = 0;
  for (let r = 0; r < READIES; r++) {
    const entries = Array.from({ length: PER }, () => ({ index: ++i, term: 1, type: 'normal' as const, data: VALUE }));
    // The snapshot's serialization is the state machine's cost, not the storage's: made before the clock starts.
    const snap = SNAP_EVERY > 0 && i % SNAP_EVERY < PER ? snapshotData() : null;
    const t0 = performance.now();
    s.write({ hardState: { term: 1, vote: 'n1', commit: i }, entries, snapshot: null });
    if (snap !== null)
      s.compact({ index: i - PER, term: 1, conf: { voters: ['n1'], learners: [], votersOutgoing: [] }, data: snap });
    stalls.push(performance.now() - t0);
    if (snap !== null) compacts.push(performance.now() - t0);
    await synced(s);
  }
  s.close();
  return stalls;
}

function summary(xs: number[]): string {
  const s = [...xs].sort((x, y) => x - y);
  const q = (p: number): string => (s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(2);
  const total = xs.reduce((x, y) => x + y, 0);
  const over = xs.filter((x) => x > 2).length;
  return `p50 ${q(0.5)}  p99 ${q(0.99)}  p99.9 ${q(0.999)}  max ${q(1)} ms; >2 ms: ${over}; blocked ${total.toFixed(0)} ms in all`;
}

let n = 0;
for (let r = 1; r <= ROUNDS; r++) {
  for (const worker of [false, true]) {
    const load = os.loadavg()[0]!.toFixed(1);
    const t0 = performance.now();
    const stalls = await run(worker, ++n);
    const wall = ((performance.now() - t0) / 1000).toFixed(1);
    const name = worker ? 'worker  ' : 'sqlite  ';
    const snaps = compacts.length > 0 ? `; with a compact: ${compacts.map((c) => c.toFixed(1)).join(', ')} ms` : '';
    console.log(
      `round ${r} ${name} load ${load}  ${READIES}×${PER} entries in ${wall} s  write(): ${summary(stalls)}${snaps}`,
    );
  }
}
fs.rmSync(dir, { recursive: true, force: true });
