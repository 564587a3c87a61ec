/**
 * Joins and reports the stamp files of a traced lab run (bench/trace-put.ts; the stamps:
 * src-main/node/trace.ts): per put, the stages of its critical path; the stages' median,
 * p90 and p99; the slowest 5% and what overlapped them; the stalls that began early in a
 * put against the puts without; each process's periodic work and long callbacks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { percentile } from './workload';

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
export function covers(label: string, idx: number): boolean {
  const m = /AppendEntries t\d+ \[(\d+)(?:\.\.(\d+))?\]/.exec(label);
  if (!m) return false;
  const lo = Number(m[1]);
  const hi = m[2] ? Number(m[2]) : lo;
  return lo <= idx && idx <= hi;
}

/** acks: an AppendResp label that acknowledges idx ("AppendResp t3 → ok, match 7"; before 2026-12-03 "→ ok 7"). */
export function acks(label: string, idx: number): boolean {
  const m = /AppendResp t\d+ → ok,? (?:match )?(\d+)/.exec(label);
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

function report(puts: PutTimes[], client: number[], stalls: Stall[]): void {
  const f = (x: number): string => x.toFixed(3).padStart(8);
  console.log(
    `\n${puts.length} puts joined; ms per stage (median, p90, p99; stamps are wall clock, µs digits, taken just before each socket write)`,
  );
  console.log(`${'stage'.padEnd(62)}   median      p90      p99   n`);
  for (const [name, a, b] of STAGES) {
    const d: number[] = [];
    for (const p of puts) {
      const x = p[a];
      const y = p[b];
      if (typeof x === 'number' && typeof y === 'number') d.push(y - x);
    }
    d.sort((x, y) => x - y);
    if (d.length === 0) console.log(`${name.padEnd(62)} (no stamps)`);
    else
      console.log(
        `${name.padEnd(62)} ${f(percentile(d, 0.5))} ${f(percentile(d, 0.9))} ${f(percentile(d, 0.99))}   ${d.length}`,
      );
  }
  reportTail(puts, stalls);
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
 * Stall is something that may hold a process up, stamped in the trace: a garbage
 * collection (`gc`), a long event-loop callback (`cb`, with QUORUM_TRACE_SLOW_MS), a WAL
 * checkpoint on a node's worker thread (`ckpt`, request to result), a status report a
 * node sent the host (`status`), a heartbeat or an empty append the leader sent.
 */
interface Stall {
  proc: string;
  kind: string;
  t0: number;
  t1: number;
}

/** stallsOf collects every process's stalls from the trace (see Stall). */
function stallsOf(procs: Map<string, Proc>, leader: string, cbCpuMs: number): Stall[] {
  const out: Stall[] = [];
  const ms = (key: string): number => Number(key.slice(key.lastIndexOf(':') + 1)) || 0;
  for (const [proc, p] of procs) {
    for (const s of p.get('gc') ?? [])
      out.push({ proc, kind: `gc ${s.key.slice(0, s.key.indexOf(':'))}`, t0: s.t, t1: s.t + ms(s.key) });
    for (const s of p.get('cb') ?? []) {
      // key `type:cpu:wall`; what counts is the CPU the process spent in it, not the time it was preempted.
      const [type, cpu, wall] = s.key.split(':');
      if (Number(cpu) >= cbCpuMs) out.push({ proc, kind: `cb ${type}`, t0: s.t, t1: s.t + Number(wall) });
    }
    for (const s of p.get('ck.done') ?? []) out.push({ proc, kind: 'ckpt', t0: s.t - ms(s.key), t1: s.t });
    for (const [stage, list] of p)
      if (stage.startsWith('x.'))
        for (const s of list) out.push({ proc, kind: stage.slice(2), t0: s.t, t1: s.t + parseFloat(s.key) });
    for (const s of p.get('s.emit') ?? []) out.push({ proc, kind: 'status', t0: s.t, t1: s.t });
    if (proc !== leader) continue;
    for (const s of p.get('n.out') ?? []) {
      if (s.key.includes('|Heartbeat ')) out.push({ proc, kind: 'heartbeat', t0: s.t, t1: s.t });
      else if (s.key.includes('[] after')) out.push({ proc, kind: 'empty append', t0: s.t, t1: s.t });
    }
  }
  return out.sort((a, b) => a.t0 - b.t0);
}

/** overlapping: the stalls that overlap [a, b]. */
function overlapping(stalls: Stall[], a: number, b: number): Stall[] {
  const r: Stall[] = [];
  for (const s of stalls) {
    if (s.t0 > b) break;
    if (s.t1 >= a) r.push(s);
  }
  return r;
}

/** OWN_SYNC: the stages of the leader's own write, which gate the commit only when they end after the acknowledgement. */
const OWN_SYNC = new Set(['lWrite', 'lSync']);
/** FOLLOWER_PATH: the stages (by their first stamp) from the leader's append to its first acknowledgement. */
const FOLLOWER_PATH = new Set([
  'aOut',
  'arIn',
  'arOut',
  'arFlush',
  'fIn',
  'fReady',
  'fWrite',
  'fSync',
  'kOut',
  'krIn',
  'krFlush',
]);

/**
 * reportTail names, for the slowest 5% of puts (host total), the stage on the put's
 * critical path that exceeded its own median by the most (the leader's own write counts
 * only when its sync ended after the first acknowledgement, the follower's path only
 * when it did not), then which stalls (Stall) overlapped those puts and those stages,
 * against how often they overlap any put: what lands in p99, and what came with it.
 */
function reportTail(puts: PutTimes[], stalls: Stall[]): void {
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
  const blame = new Map<string, { n: number; excess: number; with: Map<string, number> }>();
  const kinds = (list: Stall[]): Set<string> => new Set(list.map((s) => `${s.kind} (${s.proc})`));
  const inSlow = new Map<string, number>();
  const inAll = new Map<string, number>();
  let slow = 0;
  for (const p of puts) {
    const t = span(p, 'hIn', 'hOut');
    const during = t === null ? new Set<string>() : kinds(overlapping(stalls, p.hIn!, p.hOut!));
    for (const k of during) inAll.set(k, (inAll.get(k) ?? 0) + 1);
    if ((t ?? 0) < cut) continue;
    slow++;
    for (const k of during) inSlow.set(k, (inSlow.get(k) ?? 0) + 1);
    const ownGated = typeof p.lSync === 'number' && typeof p.kIn === 'number' && p.lSync > p.kIn;
    let worst = '';
    let excess = 0;
    let at: [number, number] | null = null;
    TAIL_STAGES.forEach(([name, a, b], i) => {
      // Off the critical path: the own write when the ack came last, the follower's path when the own sync did.
      if (OWN_SYNC.has(b) ? !ownGated : FOLLOWER_PATH.has(a) && ownGated) return;
      const d = span(p, a, b);
      if (d !== null && d - (medians[i] ?? 0) > excess) {
        excess = d - (medians[i] ?? 0);
        worst = name;
        at = [p[a]!, p[b]!];
      }
    });
    const e = blame.get(worst) ?? { n: 0, excess: 0, with: new Map<string, number>() };
    blame.set(worst, { n: e.n + 1, excess: e.excess + excess, with: e.with });
    if (at !== null) for (const k of kinds(overlapping(stalls, at[0], at[1]))) e.with.set(k, (e.with.get(k) ?? 0) + 1);
  }
  console.log(
    `\nslowest 5% (${slow} puts, host total ≥ ${cut.toFixed(3)} ms): the critical-path stage furthest over its median, [and the stalls inside that stage]`,
  );
  for (const [name, e] of [...blame].sort((x, y) => y[1].n - x[1].n)) {
    const w = [...e.with]
      .sort((x, y) => y[1] - x[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    console.log(
      `  ${String(e.n).padStart(4)} × ${name || '(none over its median)'}: ${(e.excess / e.n).toFixed(3)} ms over on average${w ? ` [${w}]` : ''}`,
    );
  }
  if (stalls.length === 0) return;
  console.log(`\nstalls overlapping a put (HTTP request read → answer written): % of the slowest 5% / % of all puts`);
  for (const [k, n] of [...inAll].sort((x, y) => (inSlow.get(y[0]) ?? 0) - (inSlow.get(x[0]) ?? 0) || y[1] - x[1])) {
    const pct = (x: number, of: number): string => `${((100 * x) / Math.max(1, of)).toFixed(0).padStart(3)}%`;
    console.log(`  ${k.padEnd(40)} ${pct(inSlow.get(k) ?? 0, slow)} / ${pct(n, puts.length)}`);
  }
  const sum = (kind: string): string => {
    const l = stalls.filter((s) => s.kind.startsWith(kind));
    const d = l.map((s) => s.t1 - s.t0).sort((x, y) => x - y);
    return d.length === 0
      ? `${kind} none`
      : `${kind} ${d.length}, median ${percentile(d, 0.5).toFixed(3)} ms, max ${d.at(-1)!.toFixed(3)} ms`;
  };
  console.log(`  (all processes, whole run: ${sum('gc')}; ${sum('cb')}; ${sum('ckpt')})`);
  reportEarly(puts, stalls, totals);
}

/**
 * reportEarly compares, per stall kind, the puts in which such a stall began within the
 * first W ms (W: the fastest put's total, so every put spans the whole window) with the
 * puts in which none did: host total p50 / p90 / p99 of each group. Unlike the overlap
 * shares above, this is not biased by a put's length (a slow put meets more stalls only
 * after its first W ms), so a difference is what a stall's start costs the put in flight.
 */
function reportEarly(puts: PutTimes[], stalls: Stall[], totals: number[]): void {
  const w = totals[0] ?? 0;
  if (w <= 0 || stalls.length === 0) return;
  const byKind = new Map<string, { hit: number[]; miss: number[] }>();
  const all = [...new Set(stalls.map((s) => `${s.kind} (${s.proc})`))];
  for (const k of all) byKind.set(k, { hit: [], miss: [] });
  for (const p of puts) {
    if (typeof p.hIn !== 'number' || typeof p.hOut !== 'number') continue;
    const total = p.hOut - p.hIn;
    const early = new Set<string>();
    for (const s of stalls) {
      if (s.t0 > p.hIn + w) break;
      if (s.t0 >= p.hIn) early.add(`${s.kind} (${s.proc})`);
    }
    for (const [k, e] of byKind) (early.has(k) ? e.hit : e.miss).push(total);
  }
  const q = (d: number[]): string => [0.5, 0.9, 0.99].map((x) => percentile(d, x).toFixed(2).padStart(6)).join(' ');
  console.log(
    `\nstalls that began in a put's first ${w.toFixed(3)} ms (its fastest total): host total p50 p90 p99 ms, puts with one / without`,
  );
  const rows = [...byKind].filter(([, e]) => e.hit.length >= Math.max(5, puts.length / 100));
  for (const [k, e] of rows.sort((x, y) => y[1].hit.length - x[1].hit.length)) {
    e.hit.sort((x, y) => x - y);
    e.miss.sort((x, y) => x - y);
    console.log(
      `  ${k.padEnd(40)} ${String(e.hit.length).padStart(5)}: ${q(e.hit)}  / ${String(e.miss.length).padStart(5)}: ${q(e.miss)}`,
    );
  }
}

/**
 * reportCallbacks sums the long callbacks (`cb` stamps, with --slow-ms) per process and
 * kind: how many, their CPU time (median, max) and wall time (max).
 */
function reportCallbacks(procs: Map<string, Proc>): void {
  const rows: string[] = [];
  for (const [proc, p] of procs) {
    const by = new Map<string, { cpu: number[]; wall: number[] }>();
    for (const s of p.get('cb') ?? []) {
      const [type, cpu, wall] = s.key.split(':');
      const e = by.get(type!) ?? { cpu: [], wall: [] };
      by.set(type!, e);
      e.cpu.push(Number(cpu));
      e.wall.push(Number(wall));
    }
    for (const [type, e] of [...by].sort((x, y) => y[1].cpu.length - x[1].cpu.length)) {
      e.cpu.sort((x, y) => x - y);
      const sum = e.cpu.reduce((a, b) => a + b, 0);
      rows.push(
        `  ${proc.padEnd(5)} ${type.padEnd(34)} ${String(e.cpu.length).padStart(6)} ${sum.toFixed(1).padStart(8)} ${percentile(e.cpu, 0.5).toFixed(3).padStart(8)} ${e.cpu.at(-1)!.toFixed(3).padStart(8)} ${Math.max(
          ...e.wall,
        )
          .toFixed(3)
          .padStart(8)}`,
      );
    }
  }
  if (rows.length === 0) return;
  console.log(
    `\ncallbacks over --slow-ms (wall), whole run: process, kind, count, CPU ms total / median / max, wall ms max`,
  );
  for (const r of rows) console.log(r);
}

/**
 * reportSpans sums the periodic work each process stamped as a span (`x.<what>`, key
 * `<wall ms>:<CPU ms>`; traces before the CPU part was added show wall time only): how
 * many, per second of the run, wall and CPU ms median / p99, CPU ms per second in all.
 */
function reportSpans(procs: Map<string, Proc>): void {
  const rows: string[] = [];
  for (const [proc, p] of procs) {
    const all = [...p.values()].flat();
    const secs = all.length < 2 ? 1 : (Math.max(...all.map((s) => s.t)) - Math.min(...all.map((s) => s.t))) / 1000;
    for (const [stage, list] of [...p].sort((x, y) => x[0].localeCompare(y[0]))) {
      if (!stage.startsWith('x.') || list.length === 0) continue;
      const wall = list.map((s) => parseFloat(s.key)).sort((x, y) => x - y);
      const cpu = list.map((s) => Number(s.key.split(':')[1] ?? NaN)).sort((x, y) => x - y);
      const sum = cpu.reduce((a, b) => a + b, 0);
      const n = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '-').padStart(8);
      rows.push(
        `  ${proc.padEnd(5)} ${stage.slice(2).padEnd(10)} ${String(list.length).padStart(6)} ${(list.length / secs).toFixed(1).padStart(7)} ${n(percentile(wall, 0.5))} ${n(percentile(wall, 0.99))} ${n(percentile(cpu, 0.5))} ${n(percentile(cpu, 0.99))} ${n(sum / secs)}`,
      );
    }
  }
  if (rows.length === 0) return;
  console.log(
    `\nperiodic work (spans), whole run: process, kind, count, per s, wall ms p50 / p99, CPU ms p50 / p99, CPU ms per s`,
  );
  for (const r of rows) console.log(r);
}

/** analyze joins the trace files in `traceDir` (the last `puts` requests) and prints the stages. */
/** TraceSummary: a joined run's host totals (HTTP request read → answer written), ms. */
export interface TraceSummary {
  puts: number;
  p50: number;
  p90: number;
  p99: number;
}

/**
 * analyze joins the trace files in `traceDir` (the last `puts` requests), prints the report
 * (unless `quiet`) and returns the host totals; null when the files cannot be joined.
 */
export function analyze(
  traceDir: string,
  puts: number,
  client: number[],
  cbCpuMs: number,
  quiet = false,
): TraceSummary | null {
  const procs = readTraces(traceDir);
  const leaders = [...procs].filter(([n, p]) => n !== 'host' && (p.get('n.prop')?.length ?? 0) > 0);
  if (!procs.get('host') || leaders.length !== 1) {
    console.log(`cannot join: host ${procs.has('host')}, ${leaders.length} nodes proposed (one leader expected)`);
    return null;
  }
  const leader = leaders[0]![0];
  const followers = [...procs.keys()].filter((n) => n !== 'host' && n !== leader);
  const gateIds = (procs.get('host')!.get('g.out') ?? []).map((s) => s.key);
  const joined: PutTimes[] = [];
  for (const id of gateIds.slice(-puts)) {
    const p = joinPut(procs, id, leader, followers);
    if (p) joined.push(p);
  }
  const totals = joined
    .map((p) => (typeof p.hIn === 'number' && typeof p.hOut === 'number' ? p.hOut - p.hIn : null))
    .filter((x): x is number => x !== null)
    .sort((x, y) => x - y);
  if (!quiet) {
    console.log(`leader ${leader}, followers ${followers.join(', ')}`);
    report(joined, client, stallsOf(procs, leader, cbCpuMs));
    reportSpans(procs);
    reportCallbacks(procs);
  }
  return {
    puts: totals.length,
    p50: percentile(totals, 0.5),
    p90: percentile(totals, 0.9),
    p99: percentile(totals, 0.99),
  };
}
