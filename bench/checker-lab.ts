/**
 * `npm run bench -- --live-check`: how far behind the live consistency verdict falls on a
 * real lab, and what checking costs the lab. A 3-node Raft lab (in this process, as
 * `quorum-lab serve` runs it) takes a `load put` of 64 clients on 8 keys (small enough
 * that operations on one key overlap all the time) — and, since a put load writes one
 * value over and over, which the checker orders at once, also a mix of 64 clients putting
 * distinct values and reading them back on the same 8 keys (half puts, half gets), whose
 * orders the checker has to search for; meanwhile GET /api/check's numbers are
 * sampled every 20 ms. For each place the checker can run (its worker thread, or the
 * lab's own event loop in slices) it reports the load's throughput, the largest lagOps
 * seen, how long after the load's last operation the lag was back to 0, and the lab's
 * event-loop delay during the load (which every router message and client request waits
 * behind). Rows alternate between the engines; the fenced section of docs/BENCHMARKS.md
 * is rewritten.
 */
import fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { intOpt, parseCli, stringOpt, UsageError } from '../src-main/cli-args';
import { LabService } from '../src-main/lab/lab-service';
import type { CheckEngine } from '../src-main/lab/live-check';
import { machineDescription } from './report';

const USAGE = `usage: npm run bench -- --live-check [options]

  --count N      puts per run (default 20000)
  --clients N    concurrent clients (default 64)
  --keys N       keys the puts spread over (default 8)
  --runs N       runs per engine, alternating (default 2)
  --engines L    worker,inline (default both)
  --out FILE     where to write the results (default docs/BENCHMARKS.md; 'none' to skip)
  --help         this text`;

const OPTIONS = {
  count: { type: 'string' },
  clients: { type: 'string' },
  keys: { type: 'string' },
  runs: { type: 'string' },
  engines: { type: 'string' },
  out: { type: 'string' },
} as const;

interface Options {
  count: number;
  clients: number;
  keys: number;
  runs: number;
  engines: CheckEngine[];
  out: string | null;
}

/** Workload: the lab's own `load put`, or 64 loops of distinct puts and gets. */
type Workload = 'load put' | 'put/get mix';

interface Row {
  workload: Workload;
  engine: CheckEngine;
  ops: number;
  opsPerSec: number;
  maxLag: number;
  catchUpMs: number;
  loopP50: number;
  loopP99: number;
  loopMax: number;
  verdict: string;
}

const ROOT = path.resolve(import.meta.dirname, '..');

function parse(argv: string[]): Options | string {
  try {
    const p = parseCli(argv, OPTIONS);
    const out = stringOpt(p, 'out', undefined);
    const engines = (stringOpt(p, 'engines', undefined) ?? 'worker,inline').split(',');
    if (!engines.every((e): e is CheckEngine => e === 'worker' || e === 'inline'))
      return `--engines takes worker, inline or both, got ${engines.join(',')}`;
    return {
      count: intOpt(p, 'count', 100, 200_000, 20_000),
      clients: intOpt(p, 'clients', 1, 256, 64),
      keys: intOpt(p, 'keys', 1, 100_000, 8),
      runs: intOpt(p, 'runs', 1, 20, 2),
      engines,
      out: out === undefined ? path.join(ROOT, 'docs', 'BENCHMARKS.md') : out === 'none' ? null : path.resolve(out),
    };
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
}

async function leader(lab: LabService): Promise<void> {
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    const v = await lab.cluster();
    if (v.leader) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no leader within 30 s');
}

/** mix runs `count` operations from `clients` loops: half puts of fresh values, half gets, on `keys` keys. */
async function mix(lab: LabService, o: Options): Promise<{ opsPerSec: number }> {
  let next = 0;
  const t0 = performance.now();
  const loop = async (c: number): Promise<void> => {
    for (let i = next++; i < o.count; i = next++) {
      const key = `mix-${i % o.keys}`;
      if ((i + c) % 2 === 0) await lab.kv({ op: 'put', key, value: `v${i}` });
      else await lab.kv({ op: 'get', key });
    }
  };
  await Promise.all(Array.from({ length: o.clients }, (_, c) => loop(c)));
  return { opsPerSec: o.count / ((performance.now() - t0) / 1000) };
}

async function runOnce(workload: Workload, engine: CheckEngine, o: Options): Promise<Row> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ql-bench-check-'));
  const lab = new LabService({ dataDir: dir, checker: engine });
  try {
    await lab.start();
    await leader(lab);
    if (lab.checkEngine !== engine) throw new Error(`asked for the ${engine} engine, got ${lab.checkEngine}`);
    let maxLag = 0;
    const sampler = setInterval(() => {
      void lab.check().then((v) => (maxLag = Math.max(maxLag, v.lagOps)));
    }, 20);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const summary =
      workload === 'load put'
        ? await lab.load({ op: 'put', count: o.count, clients: o.clients, keys: o.keys })
        : await mix(lab, o);
    loop.disable();
    const ended = performance.now();
    let v = await lab.check();
    maxLag = Math.max(maxLag, v.lagOps);
    while (v.lagOps > 0 && v.linearizable !== false && performance.now() - ended < 120_000) {
      await new Promise((r) => setTimeout(r, 5));
      v = await lab.check();
    }
    const catchUpMs = performance.now() - ended;
    clearInterval(sampler);
    const ms = (ns: number): number => ns / 1e6;
    return {
      workload,
      engine,
      ops: v.ops,
      opsPerSec: summary.opsPerSec,
      maxLag,
      catchUpMs: v.lagOps === 0 ? catchUpMs : Infinity,
      loopP50: ms(loop.percentile(50)),
      loopP99: ms(loop.percentile(99)),
      loopMax: ms(loop.max),
      verdict: v.linearizable === null ? `unknown (${v.reason})` : String(v.linearizable),
    };
  } finally {
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function table(rows: Row[]): string {
  const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '—');
  return [
    '| workload | checker runs in | ops checked | ops/s | max lagOps | catch-up after the load (ms) | event-loop delay p50 / p99 / max (ms) | verdict |',
    '|---|---|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.workload} | ${r.engine === 'worker' ? 'worker thread' : 'event loop (slices)'} | ${r.ops} | ${f(r.opsPerSec, 0)} | ${r.maxLag} | ${f(r.catchUpMs, 0)} | ${f(r.loopP50)} / ${f(r.loopP99)} / ${f(r.loopMax)} | ${r.verdict} |`,
    ),
  ].join('\n');
}

/** LIVE_START / LIVE_END fence the part of docs/BENCHMARKS.md this bench rewrites. */
export const LIVE_START =
  '<!-- bench:live-check:start (written by `npm run bench -- --live-check`; edits inside are overwritten) -->';
export const LIVE_END = '<!-- bench:live-check:end -->';

function write(file: string, section: string): void {
  let doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const fenced = `${LIVE_START}\n${section}\n${LIVE_END}`;
  const a = doc.indexOf(LIVE_START);
  const b = doc.indexOf(LIVE_END);
  if (a >= 0 && b > a) doc = doc.slice(0, a) + fenced + doc.slice(b + LIVE_END.length);
  else doc = `${doc.trimEnd()}\n\n## The live checker under load\n\n${fenced}\n`;
  fs.writeFileSync(file, doc);
}

/** liveCheckMain is the bench's entry point; returns the exit code. */
export async function liveCheckMain(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const o = parse(argv);
  if (typeof o === 'string') {
    console.error(`bench: ${o}\n\n${USAGE}`);
    return 2;
  }
  const load0 = os.loadavg()[0] ?? 0;
  const rows: Row[] = [];
  for (const workload of ['load put', 'put/get mix'] as const) {
    for (let i = 0; i < o.runs; i++) {
      for (const engine of o.engines) {
        const r = await runOnce(workload, engine, o);
        console.log(table([r]).split('\n')[2]);
        rows.push(r);
      }
    }
  }
  const load1 = os.loadavg()[0] ?? 0;
  const section = [
    `Run on ${new Date().toISOString().slice(0, 10)}: a 3-node Raft lab; \`load put\` of ${o.count} puts by ${o.clients} clients on ${o.keys} keys (256-byte values, all the same), and a mix of ${o.count} operations by ${o.clients} clients on ${o.keys} keys (half puts of distinct values, half gets); GET /api/check sampled every 20 ms.`,
    '',
    `- Machine: ${machineDescription()}; load average (1 min) at start / end: ${load0.toFixed(1)} / ${load1.toFixed(1)}`,
    `- Command: \`npm run bench -- --live-check ${argv.join(' ')}\``.replace(/ `$/, '`'),
    '',
    table(rows),
    '',
    'max lagOps: the most completed operations GET /api/check reported as not yet checked; catch-up: from the',
    "load's last answer until lagOps was 0. Event-loop delay: how late the lab's own timers ran during the load.",
  ].join('\n');
  console.log(`\n${section}`);
  if (o.out) write(o.out, section);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  process.exitCode = await liveCheckMain(process.argv.slice(2));
}
