/**
 * `node --import tsx bench/trace-put.ts [--puts 400] [--warmup 50] [--keep DIR]`: where does
 * one sequential put spend its time? Starts `quorum-lab serve` (3 nodes, as `npm run bench`)
 * with QUORUM_TRACE set (src-main/node/trace.ts: every process stamps the stages of a put
 * into a file of its own), sends the puts one after another through the HTTP host, stops
 * the lab, joins the stamps per put (by the gateway's request id, the entry index, and
 * the message labels the router sees) and prints, per stage, the median and p90 in ms.
 * Not part of `npm run bench`: a tool for finding where the time goes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { intOpt, stringOpt } from '../src-main/cli-args';
import { benchArgs, runMain } from './cli';
import { clientAgent, parseJson, request } from './http';
import { LabCluster, repoRoot } from './lab';
import { onExit, sleep } from './procs';
import { KEY_SPACE, keyOf, makeValue, percentile, Rng } from './workload';

const HELP = `usage: node --import tsx bench/trace-put.ts [--puts N] [--warmup N] [--keep DIR | --from DIR]
  --puts N     sequential puts traced (default 400)
  --warmup N   puts sent first and left out (default 50)
  --keep DIR   write the raw trace files into DIR (an empty or new folder) and keep them
  --from DIR   start nothing: join and report the trace files a --keep run left in DIR
  --help, -h   this text`;

interface Stamp {
  t: number;
  key: string;
}
/** Proc is one process's stamps, by stage, in time order. */
type Proc = Map<string, Stamp[]>;

function readTraces(dir: string): Map<string, Proc> {
  const procs = new Map<string, Proc>();
  for (const f of fs.readdirSync(dir)) {
    const m = /^(.+)-\d+\.trace$/.exec(f);
    if (!m) continue;
    const name = m[1]!;
    const proc = procs.get(name) ?? new Map<string, Stamp[]>();
    procs.set(name, proc);
    for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      const a = line.indexOf(' ');
      const b = line.indexOf(' ', a + 1);
      if (a < 0 || b < 0) continue;
      const stage = line.slice(a + 1, b);
      const list = proc.get(stage) ?? [];
      proc.set(stage, list);
      list.push({ t: Number(line.slice(0, a)), key: line.slice(b + 1) });
    }
  }
  for (const p of procs.values()) for (const l of p.values()) l.sort((x, y) => x.t - y.t);
  return procs;
}

/** firstAfter: the first stamp at or after t whose key passes `ok`. */
function firstAfter(
  list: Stamp[] | undefined,
  t: number | null,
  ok: (k: string) => boolean = () => true,
): Stamp | null {
  if (!list || t === null) return null;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < list.length && i < lo + 5000; i++) if (ok(list[i]!.key)) return list[i]!;
  return null;
}

function lastBefore(list: Stamp[] | undefined, t: number | null): Stamp | null {
  if (!list || t === null) return null;
  let best: Stamp | null = null;
  for (const s of list) {
    if (s.t > t) break;
    best = s;
  }
  return best;
}

/** covers: an AppendEntries label whose index range holds idx. */
function covers(label: string, idx: number): boolean {
  const m = /AppendEntries t\d+ \[(\d+)(?:\.\.(\d+))?\]/.exec(label);
  if (!m) return false;
  const lo = Number(m[1]);
  const hi = m[2] ? Number(m[2]) : lo;
  return lo <= idx && idx <= hi;
}

/** acks: an AppendResp label that acknowledges idx. */
function acks(label: string, idx: number): boolean {
  const m = /AppendResp t\d+ → ok (\d+)/.exec(label);
  return m !== null && Number(m[1]) >= idx;
}

/** PutTimes is every joined stamp of one put (null where a stamp was not found). */
type PutTimes = Record<string, number | null>;

function joinPut(procs: Map<string, Proc>, id: string, leader: string, followers: string[]): PutTimes | null {
  const host = procs.get('host')!;
  const L = procs.get(leader)!;
  const gOut = firstAfter(host.get('g.out'), 0, (k) => k === id);
  const gIn = firstAfter(host.get('g.in'), gOut?.t ?? null, (k) => k === id);
  const prop = firstAfter(L.get('n.prop'), gOut?.t ?? null, (k) => k.startsWith(`${id}@`));
  if (!gOut || !gIn || !prop) return null;
  const idx = Number(prop.key.slice(prop.key.indexOf('@') + 1));
  const tm = (s: Stamp | null): number | null => s?.t ?? null;
  const r: PutTimes = {
    hIn: tm(lastBefore(host.get('h.in'), gOut.t)),
    gOut: gOut.t,
    gFlush: tm(firstAfter(host.get('g.flush'), gOut.t)),
    nReq: tm(firstAfter(L.get('n.req'), gOut.t, (k) => k === id)),
    nProp: prop.t,
    lReady: tm(firstAfter(L.get('n.ready'), prop.t)),
  };
  const lWrite = firstAfter(L.get('d.write'), prop.t, (k) => Number(k) >= idx);
  r.lWrite = tm(lWrite);
  r.lSync = tm(firstAfter(L.get('d.sync'), lWrite?.t ?? null, (k) => Number(k) >= idx));
  let fast: Record<string, number | null> | null = null;
  for (const f of followers) {
    const F = procs.get(f);
    if (!F) continue;
    const p: Record<string, number | null> = {};
    const out = firstAfter(L.get('n.out'), prop.t, (k) => k.startsWith(`${f}|`) && covers(k, idx));
    p.aOut = tm(out);
    const rk = (k: string): boolean => k.startsWith(`${leader}>${f}|`) && covers(k, idx);
    p.arIn = tm(firstAfter(host.get('r.in'), p.aOut, rk));
    p.arOut = tm(firstAfter(host.get('r.out'), p.arIn, rk));
    p.arFlush = tm(firstAfter(host.get('r.flush'), p.arOut));
    const fIn = firstAfter(F.get('n.in'), p.arOut, (k) => k.startsWith(`${leader}|`) && covers(k, idx));
    p.fIn = tm(fIn);
    p.fReady = tm(firstAfter(F.get('n.ready'), p.fIn));
    p.fWrite = tm(firstAfter(F.get('d.write'), p.fIn, (k) => Number(k) >= idx));
    p.fSync = tm(firstAfter(F.get('d.sync'), p.fWrite, (k) => Number(k) >= idx));
    p.kOut = tm(firstAfter(F.get('n.out'), p.fSync ?? p.fIn, (k) => k.startsWith(`${leader}|`) && acks(k, idx)));
    const kk = (k: string): boolean => k.startsWith(`${f}>${leader}|`) && acks(k, idx);
    p.krIn = tm(firstAfter(host.get('r.in'), p.kOut, kk));
    p.krOut = tm(firstAfter(host.get('r.out'), p.krIn, kk));
    p.krFlush = tm(firstAfter(host.get('r.flush'), p.krOut));
    p.kIn = tm(firstAfter(L.get('n.in'), p.krOut, (k) => k.startsWith(`${f}|`) && acks(k, idx)));
    if (p.kIn !== null && (fast === null || (fast.kIn ?? Infinity) > p.kIn)) fast = p;
  }
  if (fast) Object.assign(r, fast);
  r.commitGate = r.kIn !== null && r.kIn !== undefined && r.lSync !== null ? Math.max(r.kIn, r.lSync!) : null;
  r.lApply = tm(firstAfter(L.get('n.apply'), prop.t, (k) => Number(k) === idx));
  r.nReply = tm(firstAfter(L.get('n.reply'), prop.t, (k) => k === id));
  r.gIn = gIn.t;
  r.hOut = tm(firstAfter(host.get('h.out'), gIn.t));
  return r;
}

/** STAGES: consecutive stamps of a put's critical path (through the first follower to acknowledge). */
const STAGES: [string, string, string][] = [
  ['host: HTTP request read → request frame written', 'hIn', 'gOut'],
  ['host: request frame written → gateway uncork', 'gOut', 'gFlush'],
  ['wire: gateway uncork → leader reads request', 'gFlush', 'nReq'],
  ['leader: request read → proposed', 'nReq', 'nProp'],
  ['leader: proposed → Ready loop runs', 'nProp', 'lReady'],
  ['leader: Ready loop runs → appends written', 'lReady', 'aOut'],
  ['leader: appends written → own WAL write done', 'aOut', 'lWrite'],
  ['leader: own fdatasync', 'lWrite', 'lSync'],
  ['wire: append written → router reads it', 'aOut', 'arIn'],
  ['router: append read → written (corked)', 'arIn', 'arOut'],
  ['router: written → uncork', 'arOut', 'arFlush'],
  ['wire: router uncork → follower reads append', 'arFlush', 'fIn'],
  ['follower: append read → Ready loop runs', 'fIn', 'fReady'],
  ['follower: Ready loop runs → WAL write done', 'fReady', 'fWrite'],
  ['follower: fdatasync', 'fWrite', 'fSync'],
  ['follower: sync done → ack written', 'fSync', 'kOut'],
  ['wire: ack written → router reads it', 'kOut', 'krIn'],
  ['router: ack read → written → uncork', 'krIn', 'krFlush'],
  ['wire: router uncork → leader reads ack', 'krFlush', 'kIn'],
  ['leader: own sync end − ack read (> 0: own sync waited on)', 'kIn', 'lSync'],
  ['leader: ack read and own sync → applied', 'commitGate', 'lApply'],
  ['leader: applied → answer written', 'lApply', 'nReply'],
  ['wire: answer written → gateway reads it', 'nReply', 'gIn'],
  ['host: answer read → HTTP answer written', 'gIn', 'hOut'],
  ['TOTAL host: HTTP request read → answer written', 'hIn', 'hOut'],
  ['  of which leader: request read → answer written', 'nReq', 'nReply'],
  ['  of which append written → ack read', 'aOut', 'kIn'],
];

function report(puts: PutTimes[], client: number[]): void {
  const f = (x: number): string => x.toFixed(3).padStart(8);
  console.log(
    `\n${puts.length} puts joined; ms per stage (median, p90; stamps are wall clock, µs digits, taken just before each socket write)`,
  );
  console.log(`${'stage'.padEnd(62)}   median      p90   n`);
  for (const [name, a, b] of STAGES) {
    const d: number[] = [];
    for (const p of puts) {
      const x = p[a];
      const y = p[b];
      if (typeof x === 'number' && typeof y === 'number') d.push(y - x);
    }
    d.sort((x, y) => x - y);
    if (d.length === 0) console.log(`${name.padEnd(62)} (no stamps)`);
    else console.log(`${name.padEnd(62)} ${f(percentile(d, 0.5))} ${f(percentile(d, 0.9))}   ${d.length}`);
  }
  reportTail(puts);
  const c = [...client].sort((x, y) => x - y);
  if (c.length === 0) return;
  console.log(
    `${'client: request sent → answer read (bench process)'.padEnd(62)} ${f(percentile(c, 0.5))} ${f(percentile(c, 0.9))}   ${c.length}  (p99 ${percentile(c, 0.99).toFixed(3)})`,
  );
}

/** TAIL_STAGES: the non-overlapping stages of the critical path, for blaming the slowest puts. */
const TAIL_STAGES = STAGES.filter(
  ([name]) => !name.startsWith('TOTAL') && !name.startsWith('  ') && !name.includes('−'),
);

/**
 * reportTail names, for the slowest 5% of puts (host total), the stage that exceeded its
 * own median by the most: what lands in p99.
 */
function reportTail(puts: PutTimes[]): void {
  const span = (p: PutTimes, a: string, b: string): number | null => {
    const x = p[a];
    const y = p[b];
    return typeof x === 'number' && typeof y === 'number' ? y - x : null;
  };
  const medians = TAIL_STAGES.map(([, a, b]) => {
    const d = puts.map((p) => span(p, a, b)).filter((x): x is number => x !== null);
    return percentile(
      d.sort((x, y) => x - y),
      0.5,
    );
  });
  const totals = puts.map((p) => span(p, 'hIn', 'hOut') ?? 0).sort((x, y) => x - y);
  const cut = percentile(totals, 0.95);
  const blame = new Map<string, { n: number; excess: number }>();
  let slow = 0;
  for (const p of puts) {
    if ((span(p, 'hIn', 'hOut') ?? 0) < cut) continue;
    slow++;
    let worst = '';
    let excess = 0;
    TAIL_STAGES.forEach(([name, a, b], i) => {
      const d = span(p, a, b);
      if (d !== null && d - (medians[i] ?? 0) > excess) {
        excess = d - (medians[i] ?? 0);
        worst = name;
      }
    });
    const e = blame.get(worst) ?? { n: 0, excess: 0 };
    blame.set(worst, { n: e.n + 1, excess: e.excess + excess });
  }
  console.log(`\nslowest 5% (${slow} puts, host total ≥ ${cut.toFixed(3)} ms): the stage furthest over its median`);
  for (const [name, e] of [...blame].sort((x, y) => y[1].n - x[1].n))
    console.log(
      `  ${String(e.n).padStart(4)} × ${name || '(none over its median)'}: ${(e.excess / e.n).toFixed(3)} ms over on average`,
    );
}

async function main(argv: string[]): Promise<number> {
  const args = benchArgs(
    'trace-put',
    argv,
    { puts: { type: 'string' }, warmup: { type: 'string' }, keep: { type: 'string' }, from: { type: 'string' } },
    HELP,
    (p) => ({
      puts: intOpt(p, 'puts', 0, 100_000, 400),
      warmup: intOpt(p, 'warmup', 0, 100_000, 50),
      keep: stringOpt(p, 'keep', undefined),
      from: stringOpt(p, 'from', undefined),
    }),
  );
  if (args.exit !== undefined) return args.exit;
  const { puts, warmup, keep, from } = args.opts;
  if (from !== undefined) return analyze(path.resolve(from), puts, []);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quorum-trace-'));
  onExit(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const traceDir = keep !== undefined ? path.resolve(keep) : path.join(tmp, 'trace');
  fs.mkdirSync(traceDir, { recursive: true });
  if (fs.readdirSync(traceDir).length > 0) throw new Error(`${traceDir} is not empty`);
  process.env.QUORUM_TRACE = traceDir;
  const lab = await LabCluster.start({
    repo: repoRoot(),
    dir: path.join(tmp, 'lab'),
    heartbeatMs: 100,
    electionMs: 1000,
    log: console.log,
  });
  delete process.env.QUORUM_TRACE;
  const ep = lab.endpoint;
  const rng = new Rng(7);
  const value = makeValue(rng);
  const agent = clientAgent(1);
  const client: number[] = [];
  const t0 = performance.now();
  try {
    for (let n = 0; n < warmup + puts; n++) {
      const t = performance.now();
      const body = JSON.stringify({ op: 'put', key: keyOf(rng.int(KEY_SPACE)), value });
      const r = await request(agent, ep, 'POST', '/api/kv', body, 10_000);
      const j = parseJson(r.body) as { outcome?: string } | null;
      if (n >= warmup && r.status === 200 && j?.outcome === 'ok') client.push(performance.now() - t);
    }
    await sleep(1500); // every process flushes its stamps at least once a second
  } finally {
    agent.destroy();
    await lab.stop();
  }
  console.log(
    `${warmup + puts} puts in ${((performance.now() - t0) / 1000).toFixed(1)} s; load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  return analyze(traceDir, puts, client);
}

/** analyze joins the trace files in `traceDir` (the last `puts` requests) and prints the stages. */
function analyze(traceDir: string, puts: number, client: number[]): number {
  const procs = readTraces(traceDir);
  const leaders = [...procs].filter(([n, p]) => n !== 'host' && (p.get('n.prop')?.length ?? 0) > 0);
  if (!procs.get('host') || leaders.length !== 1) {
    console.log(`cannot join: host ${procs.has('host')}, ${leaders.length} nodes proposed (one leader expected)`);
    return 1;
  }
  const leader = leaders[0]![0];
  const followers = [...procs.keys()].filter((n) => n !== 'host' && n !== leader);
  const gateIds = (procs.get('host')!.get('g.out') ?? []).map((s) => s.key);
  const joined: PutTimes[] = [];
  for (const id of gateIds.slice(-puts)) {
    const p = joinPut(procs, id, leader, followers);
    if (p) joined.push(p);
  }
  console.log(`leader ${leader}, followers ${followers.join(', ')}`);
  report(joined, client);
  return 0;
}

runMain(main);
