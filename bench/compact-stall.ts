/**
 * How long a node's periodic snapshot blocks its event loop: one process applies puts the
 * way a busy node does — a Ready of `--entries` puts (256-byte values over 10,000 keys, 64
 * clients' sessions) applied to a KvStateMachine, written to a deferSync SqliteStorage and
 * held until its fdatasync returns — and every `--snapshot-every` applied entries takes a
 * snapshot as HostLoop.takeSnapshot does (serialize the state machine, storage.compact).
 * A 1 ms ticker records every gap in the event loop; a gap is time nothing else could run
 * (no acknowledgement read, no client answered). Reported per compaction: the serialize
 * time, the time compact() itself took, and the longest gap from the snapshot's start
 * until the storage had finished with it (+50 ms); and the gaps outside those windows.
 *
 *   node --import tsx bench/compact-stall.ts [--puts 55000] [--entries 20] [--snapshot-every 10000]
 *
 * It uses only SqliteStorage's and KvStateMachine's public methods, so the same file runs
 * on an older tree for an A/B.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { intOpt } from '../src-main/cli-args';
import { encodeCommand } from '../src-main/core/kv/codec';
import { KvStateMachine } from '../src-main/core/kv/state-machine';
import { SqliteStorage } from '../src-main/node/sqlite-storage';
import { benchArgs } from './cli';

const USAGE = `usage: node --import tsx bench/compact-stall.ts [--puts N] [--entries N] [--snapshot-every N]

  --puts N             puts applied in all (default 55000)
  --entries N          puts per Ready (default 20, about what 64 clients' group commit makes)
  --snapshot-every N   snapshot after this many applied entries (default 10000, as a node)
  --help, -h           this text`;

const args = benchArgs(
  'compact-stall',
  process.argv.slice(2),
  { puts: { type: 'string' }, entries: { type: 'string' }, 'snapshot-every': { type: 'string' } },
  USAGE,
  (p) => ({
    puts: intOpt(p, 'puts', 1, 10_000_000, 55_000),
    entries: intOpt(p, 'entries', 1, 10_000, 20),
    every: intOpt(p, 'snapshot-every', 1, 100_000_000, 10_000),
  }),
);
if (args.exit !== undefined) process.exit(args.exit);
const { puts: PUTS, entries: PER, every: EVERY } = args.opts;

const KEYS = 10_000;
const CLIENTS = 64;
const VALUE = 'v'.repeat(256);
const conf = { voters: ['n1', 'n2', 'n3'], learners: [], votersOutgoing: [] };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-compact-stall-'));

/** gaps: [when the gap ended, its length] for every ticker turn. */
const gaps: [number, number][] = [];
let ticking = true;
let last = performance.now();
const tick = (): void => {
  const now = performance.now();
  gaps.push([now, now - last - 1]);
  last = now;
  if (ticking) setTimeout(tick, 1);
};

interface Compaction {
  start: number;
  end: number;
  serializeMs: number;
  compactMs: number;
}

async function run(): Promise<{ compactions: Compaction[]; cpuMs: number }> {
  const s = new SqliteStorage(path.join(dir, 'n1.db'), { deferSync: true });
  const sm = new KvStateMachine();
  const seqs = new Array<number>(CLIENTS).fill(0);
  let x = 12345;
  const rand = (n: number): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n) >>> 0;
  const compactions: Compaction[] = [];
  let snapAt = 0;
  const cpu0 = process.cpuUsage();
  setTimeout(tick, 1);
  for (let i = 0; i < PUTS;) {
    const entries = [];
    for (let k = 0; k < PER && i < PUTS; k++) {
      const c = rand(CLIENTS);
      const data = encodeCommand({
        client: `c${c}`,
        seq: ++seqs[c]!,
        now: i,
        cmd: { op: 'put', key: `key-${rand(KEYS)}`, value: VALUE },
      });
      entries.push({ index: ++i, term: 1, type: 'normal' as const, data });
    }
    s.write({ hardState: { term: 1, vote: 'n1', commit: i }, entries, snapshot: null });
    await new Promise<void>((resolve, reject) => s.syncAsync((err) => (err ? reject(err) : resolve())));
    for (const e of entries) sm.apply(e.index, e.data);
    if (sm.appliedIndex - snapAt >= EVERY) {
      const start = performance.now();
      const data = sm.snapshot();
      const mid = performance.now();
      s.compact({ index: sm.appliedIndex, term: 1, conf, data });
      const done = performance.now();
      compactions.push({ start, end: done, serializeMs: mid - start, compactMs: done - mid });
      snapAt = sm.appliedIndex;
    }
    // The window ends once the storage has finished the snapshot (a tree that writes it in pieces).
    const c = compactions[compactions.length - 1];
    const busy = (s as unknown as { compactor?: { pending: boolean } | null }).compactor?.pending === true;
    if (c && busy) c.end = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  ticking = false;
  s.close();
  return { compactions, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const load = os.loadavg()[0]!.toFixed(1);
const t0 = performance.now();
const { compactions, cpuMs } = await run();
const wall = (performance.now() - t0) / 1000;
const inWindow = (t: number): Compaction | undefined => compactions.find((c) => t >= c.start && t <= c.end + 50);
const outside = gaps.filter(([t]) => !inWindow(t)).map(([, g]) => g);
for (const [i, c] of compactions.entries()) {
  const worst = Math.max(0, ...gaps.filter(([t]) => inWindow(t) === c).map(([, g]) => g));
  console.log(
    `compaction ${i + 1}: serialize ${c.serializeMs.toFixed(1)} ms, compact() ${c.compactMs.toFixed(1)} ms, ` +
      `longest gap ${worst.toFixed(1)} ms (window ${(c.end - c.start).toFixed(0)} ms)`,
  );
}
const sorted = [...outside].sort((a, b) => a - b);
const q = (p: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(1);
console.log(
  `${PUTS} puts, ${PER} per Ready, in ${wall.toFixed(1)} s, CPU ${cpuMs.toFixed(0)} ms; load ${load} at start, ` +
    `${os.loadavg()[0]!.toFixed(1)} at end; gaps outside compactions: p99 ${q(0.99)}, max ${q(1)} ms`,
);
fs.rmSync(dir, { recursive: true, force: true });
