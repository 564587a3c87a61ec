/**
 * runCompare runs the same closed-loop put/get workload and the same fault schedule against
 * a fresh cluster of each protocol in turn (real node processes, in-process LabService) and
 * measures what a user would compare: throughput, latency, how long the service stalls after
 * each fault, how often leadership moves, and how many messages each acknowledged op costs.
 *
 * The schedule is fixed relative to the workload's start (fractions of --seconds) and names
 * its targets by role ("the leader"), so both protocols face the same faults even though
 * their leaders are different nodes. Which companions join the leader's minority is drawn
 * from the seed, so the schedule is a pure function of (seed, nodes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterSettings, ClusterView, RunLogRecord } from '../api/contract';
import { assertNever, seededRng, type NodeId, type Rng } from '../core/types';
import type { ProtocolName } from '../node/contract';
import { LabService } from './lab-service';
import { percentile } from './load';

/** CompareOptions are the knobs of one comparison (the CLI's flags). */
export interface CompareOptions {
  nodes: number;
  seconds: number;
  clients: number;
  seed: number;
  heartbeatMs: number;
  electionMs: number;
  protocols: ProtocolName[];
  /** dataDir: keep each run's folder here (the caller removes it); absent = a temp dir removed after. */
  dataDir?: string;
  /** signal: abort the comparison (SIGINT); every node is stopped before runCompare rejects. */
  signal?: AbortSignal;
  /** progress: one line per step, for the CLI. */
  progress?: (line: string) => void;
}

/** FaultKind is one step of the fault schedule. */
export type FaultKind = 'partition-leader' | 'heal' | 'crash-leader' | 'restart' | 'lossy-links' | 'heal-links';

/** FaultStep is a planned step: what happens at which fraction of the run. */
export interface FaultStep {
  kind: FaultKind;
  at: number;
}

/** SCHEDULE is the fault schedule, as fractions of the workload's duration. */
export const SCHEDULE: readonly FaultStep[] = [
  { kind: 'partition-leader', at: 0.2 },
  { kind: 'heal', at: 0.4 },
  { kind: 'crash-leader', at: 0.55 },
  { kind: 'restart', at: 0.7 },
  { kind: 'lossy-links', at: 0.8 },
  { kind: 'heal-links', at: 0.9 },
];

/** LOSSY is the link rule of the 'lossy-links' step (every directed link). */
export const LOSSY = { loss: 0.05, latencyMs: 20, jitterMs: 10 } as const;

/** FAULT_LOG_KIND is the run-log record kind each step writes (the test finds them there). */
export const FAULT_LOG_KIND: Record<FaultKind, string> = {
  'partition-leader': 'partition',
  heal: 'heal',
  'crash-leader': 'crash',
  restart: 'restart',
  'lossy-links': 'link-rule',
  'heal-links': 'heal',
};

/** MAX_OPS bounds a run's operations whatever the clients and seconds. */
export const MAX_OPS = 500_000;

/** FaultResult is one executed step. */
export interface FaultResult {
  kind: FaultKind;
  plannedMs: number;
  /** atMs: when its record appears in the run log, ms after the workload began. */
  atMs: number;
  /** target: the node(s) it hit, and whether the node was the leader then. */
  target: string;
  /** gapMs: the longest stretch without an acknowledged op from this step to the next (or the end). */
  gapMs: number;
}

/** CompareRun is one protocol's measurements. */
export interface CompareRun {
  protocol: ProtocolName;
  settings: ClusterSettings;
  /** runDir: the run's folder (log, history), or null once removed (no dataDir given). */
  runDir: string | null;
  ops: number;
  ok: number;
  /** okWrites: acknowledged puts (the rest of ok are reads). */
  okWrites: number;
  fail: number;
  unknown: number;
  seconds: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  leaderChanges: number;
  messagesSent: number;
  messagesPerOk: number;
  faults: FaultResult[];
}

/** CompareRow is one metric across protocols (the table's row). */
export interface CompareRow {
  metric: string;
  values: Record<string, number | string>;
}

/** CompareResult is the whole comparison. */
export interface CompareResult {
  options: Omit<CompareOptions, 'signal' | 'progress' | 'dataDir'>;
  runs: CompareRun[];
  rows: CompareRow[];
}

/** CompareAborted is thrown when the signal fires. */
export class CompareAborted extends Error {}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** currentLeader is the up node that claims leadership with the highest term (stale leaders lose). */
export function currentLeader(v: ClusterView): NodeId | null {
  let best: { id: NodeId; term: number } | null = null;
  for (const n of v.nodes) {
    if (n.status !== 'up' || n.role !== 'leader') continue;
    if (!best || n.term > best.term) best = { id: n.id, term: n.term };
  }
  return best?.id ?? null;
}

/** longestGap is the longest stretch of [from, to] with no time in `oks` (sorted ms). */
export function longestGap(oks: number[], from: number, to: number): number {
  let prev = from;
  let gap = 0;
  for (const t of oks) {
    if (t < from) continue;
    if (t > to) break;
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return Math.max(gap, to - prev);
}

/** Probe collects what the run log says while a run goes on (the rings may wrap; counting live does not). */
class Probe {
  /** logT0Ms: the workload's start on the run log's clock; null before it starts. */
  logT0Ms: number | null = null;
  private perfT0 = 0;
  sends = 0;
  leaderChanges = 0;
  faultRecords: RunLogRecord[] = [];
  ended = false;

  begin(perfT0: number): void {
    this.perfT0 = perfT0;
    this.logT0Ms = null;
  }

  onRecord(r: RunLogRecord): void {
    if (this.ended) return;
    if (this.logT0Ms === null) {
      if (this.perfT0 === 0) return;
      // A listener runs synchronously inside record(), so the record's t and now coincide.
      this.logT0Ms = r.t / 1e6 - (performance.now() - this.perfT0);
    }
    if (r.kind === 'send') this.sends++;
    else if (r.kind === 'role' && r.role === 'leader') this.leaderChanges++;
    else if (['partition', 'heal', 'crash', 'restart', 'link-rule'].includes(r.kind)) this.faultRecords.push(r);
  }

  relMs(r: RunLogRecord): number {
    return r.t / 1e6 - (this.logT0Ms ?? 0);
  }
}

async function waitLeader(lab: LabService, ms: number, signal?: AbortSignal): Promise<NodeId | null> {
  const end = Date.now() + ms;
  while (!signal?.aborted) {
    const l = currentLeader(await lab.cluster());
    if (l) return l;
    if (Date.now() >= end) return null;
    await sleep(20, signal);
  }
  return null;
}

/** Tally is what the clients saw: when each op succeeded and how long it took, and the failures. */
class Tally {
  ops = 0;
  okWrites = 0;
  fail = 0;
  unknown = 0;
  readonly okAt: number[] = [];
  readonly okLat: number[] = [];
}

/** Workload is one protocol's run in progress: its lab, clock, clients' tally and fault targets. */
interface Workload {
  protocol: ProtocolName;
  o: CompareOptions;
  lab: LabService;
  ids: NodeId[];
  durMs: number;
  elapsed: () => number;
  tally: Tally;
  /** targets: what each schedule step hit, in schedule order. */
  targets: string[];
  /** pending: restarts not awaited (a node's start-up must not shift later steps). */
  pending: Promise<unknown>[];
}

/** runClient is one closed-loop client: a seeded mix of puts and gets until the workload's time is up. */
async function runClient(w: Workload, c: number): Promise<void> {
  const { o, lab, tally } = w;
  const signal = o.signal;
  const timeoutMs = Math.min(5000, Math.max(1000, 2 * o.electionMs));
  // Each client draws its op mix from its own seeded stream so both protocols see the same sequence.
  const r = seededRng((o.seed * 1_000_003 + c) >>> 0);
  for (let i = 0; w.elapsed() < w.durMs && tally.ops < MAX_OPS && !signal?.aborted; i++) {
    tally.ops++;
    const key = `cmp-${r.int(0, 99)}`;
    const write = r.next() < 0.5;
    const res = write
      ? await lab.kv({ op: 'put', key, value: `c${c}-${i}`, timeoutMs })
      : await lab.kv({ op: 'get', key, timeoutMs });
    if (res.outcome === 'ok') {
      if (write) tally.okWrites++;
      tally.okAt.push(w.elapsed());
      tally.okLat.push(res.latencyMs);
    } else {
      if (res.outcome === 'fail') tally.fail++;
      else tally.unknown++;
      await sleep(10, signal); // back off: a refused op (no leader yet) must not spin the loop
    }
  }
}

/** runSchedule applies SCHEDULE's steps at their planned times. */
async function runSchedule(w: Workload): Promise<void> {
  const signal = w.o.signal;
  const rng = seededRng(w.o.seed);
  const state = { crashed: null as NodeId | null };
  for (const [i, step] of SCHEDULE.entries()) {
    await sleep(step.at * w.durMs - w.elapsed(), signal);
    if (signal?.aborted) return;
    const nextAt = SCHEDULE[i + 1]?.at ?? 1;
    const leaderWait = Math.max(0, (nextAt - step.at) * w.durMs * 0.5);
    w.targets.push(await applyStep(w, step.kind, leaderWait, rng, state));
  }
}

/** applyStep applies one fault step and returns what it hit (shown in the table). */
async function applyStep(
  w: Workload,
  kind: FaultStep['kind'],
  leaderWait: number,
  rng: Rng,
  state: { crashed: NodeId | null },
): Promise<string> {
  const { lab, ids } = w;
  switch (kind) {
    case 'partition-leader': {
      const l = await waitLeader(lab, leaderWait, w.o.signal);
      const lead = l ?? ids[rng.int(0, ids.length - 1)]!;
      const others = ids.filter((id) => id !== lead);
      const minority = [lead];
      // A minority: fewer than half the nodes, the leader plus seed-chosen companions.
      while (minority.length < Math.floor((ids.length - 1) / 2)) {
        const k = rng.int(0, others.length - 1);
        minority.push(others.splice(k, 1)[0]!);
      }
      await lab.partition([minority, others]);
      return `${minority.join('+')}${l ? '' : ' (no leader)'}`;
    }
    case 'heal':
    case 'heal-links':
      await lab.heal();
      return 'all';
    case 'crash-leader': {
      const l = await waitLeader(lab, leaderWait, w.o.signal);
      state.crashed = l ?? ids[rng.int(0, ids.length - 1)]!;
      await lab.crash(state.crashed);
      return `${state.crashed}${l ? '' : ' (no leader)'}`;
    }
    case 'restart': {
      const id = state.crashed;
      if (id) {
        // Not awaited: a node's start-up time must not shift the later steps.
        const p = lab.restart(id);
        p.catch(() => undefined);
        w.pending.push(p);
      }
      return id ?? 'none';
    }
    case 'lossy-links':
      for (const from of ids) for (const to of ids) if (from !== to) await lab.setLink({ from, to, ...LOSSY });
      return 'all links';
    default:
      return assertNever(kind, 'fault step');
  }
}

/** faultResults reads each step's time back from the run log (the first record of its kind after the previous step's) and measures the longest gap without a successful op after it. */
function faultResults(w: Workload, probe: Probe): FaultResult[] {
  const faults: FaultResult[] = [];
  let cursor = 0;
  for (const [i, step] of SCHEDULE.entries()) {
    const k = probe.faultRecords.findIndex((r, j) => j >= cursor && r.kind === FAULT_LOG_KIND[step.kind]);
    if (k < 0)
      throw new Error(`${w.protocol}: the run log has no '${FAULT_LOG_KIND[step.kind]}' record for step ${step.kind}`);
    cursor = k + 1;
    faults.push({
      kind: step.kind,
      plannedMs: Math.round(step.at * w.durMs),
      atMs: probe.relMs(probe.faultRecords[k]!),
      target: w.targets[i] ?? '?',
      gapMs: 0,
    });
  }
  const okAt = [...w.tally.okAt].sort((a, b) => a - b);
  for (const [i, f] of faults.entries()) {
    // The window ends at the next step, or when the clients stopped invoking (not after the drain).
    const to = Math.max(f.atMs, faults[i + 1]?.atMs ?? w.durMs);
    f.gapMs = longestGap(okAt, f.atMs, to);
  }
  return faults;
}

/** runProtocol runs one protocol's cluster through the workload and the schedule. */
async function runProtocol(protocol: ProtocolName, o: CompareOptions, dataDir: string): Promise<CompareRun> {
  const signal = o.signal;
  const say = o.progress ?? (() => undefined);
  const settings: ClusterSettings = {
    nodes: o.nodes,
    protocol,
    heartbeatMs: o.heartbeatMs,
    electionMs: o.electionMs,
    seed: o.seed,
  };
  const lab = new LabService({ dataDir, settings });
  const probe = new Probe();
  const off = lab.on((e) => {
    if (e.type === 'log') probe.onRecord(e.record);
  });
  const onAbort = (): void => void lab.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    say(`${protocol}: starting ${o.nodes} nodes`);
    const view = await lab.start();
    const leaderMs = Math.max(15_000, 10 * o.electionMs);
    const first = await waitLeader(lab, leaderMs, signal);
    if (signal?.aborted) throw new CompareAborted('aborted');
    if (!first) throw new Error(`${protocol}: no leader within ${leaderMs} ms`);
    say(`${protocol}: leader ${first}; running ${o.seconds} s with ${o.clients} clients`);

    const t0 = performance.now();
    probe.begin(t0);
    const w: Workload = {
      protocol,
      o,
      lab,
      ids: view.nodes.map((n) => n.id),
      durMs: o.seconds * 1000,
      elapsed: () => performance.now() - t0,
      tally: new Tally(),
      targets: [],
      pending: [],
    };
    await Promise.all([runSchedule(w), ...Array.from({ length: o.clients }, (_, c) => runClient(w, c))]);
    const seconds = w.elapsed() / 1000;
    probe.ended = true;
    await Promise.all(w.pending);
    if (signal?.aborted) throw new CompareAborted('aborted');
    const run = summarize(w, probe, settings, seconds);
    say(`${protocol}: ${run.ok} ok, ${run.fail} fail, ${run.unknown} unknown in ${seconds.toFixed(1)} s`);
    return run;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    off();
    await lab.stop();
  }
}

/** summarize turns a finished workload into its CompareRun. */
function summarize(w: Workload, probe: Probe, settings: ClusterSettings, seconds: number): CompareRun {
  const t = w.tally;
  const okLat = [...t.okLat].sort((a, b) => a - b);
  const ok = t.okAt.length;
  return {
    protocol: w.protocol,
    settings,
    runDir: w.lab.runDir,
    ops: t.ops,
    ok,
    okWrites: t.okWrites,
    fail: t.fail,
    unknown: t.unknown,
    seconds,
    opsPerSec: ok / seconds,
    p50Ms: percentile(okLat, 0.5),
    p99Ms: percentile(okLat, 0.99),
    leaderChanges: probe.leaderChanges,
    messagesSent: probe.sends,
    messagesPerOk: ok > 0 ? probe.sends / ok : 0,
    faults: faultResults(w, probe),
  };
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

/** compareRows lays the runs out as metric rows (the table and the JSON's `rows`). */
export function compareRows(runs: CompareRun[]): CompareRow[] {
  const row = (metric: string, f: (r: CompareRun) => number | string): CompareRow => ({
    metric,
    values: Object.fromEntries(runs.map((r) => [r.protocol, f(r)])),
  });
  const rows = [
    row('ops acknowledged (ok)', (r) => r.ok),
    row('  of which writes', (r) => r.okWrites),
    row('ops failed', (r) => r.fail),
    row('ops unknown (timeout)', (r) => r.unknown),
    row('ok ops/s', (r) => r1(r.opsPerSec)),
    row('p50 latency ok (ms)', (r) => r1(r.p50Ms)),
    row('p99 latency ok (ms)', (r) => r1(r.p99Ms)),
  ];
  for (const [i, step] of SCHEDULE.entries()) {
    rows.push(
      row(`longest gap after ${step.kind} @${Math.round(step.at * 100)}% (ms)`, (r) =>
        Math.round(r.faults[i]?.gapMs ?? 0),
      ),
    );
  }
  rows.push(row('leader changes', (r) => r.leaderChanges));
  rows.push(row('messages sent', (r) => r.messagesSent));
  rows.push(row('messages per ok op', (r) => r1(r.messagesPerOk)));
  return rows;
}

/** formatTable prints rows = metrics, columns = protocols. */
export function formatTable(rows: CompareRow[], protocols: string[]): string {
  const head = ['metric', ...protocols];
  const body = rows.map((r) => [r.metric, ...protocols.map((p) => String(r.values[p] ?? ''))]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** runCompare runs every protocol in turn and returns the measurements and the table rows. */
export async function runCompare(o: CompareOptions): Promise<CompareResult> {
  const runs: CompareRun[] = [];
  for (const protocol of o.protocols) {
    if (o.signal?.aborted) throw new CompareAborted('aborted');
    const dir = o.dataDir ?? mkdtempSync(join(tmpdir(), `ql-compare-${protocol}-`));
    try {
      const run = await runProtocol(protocol, o, dir);
      if (!o.dataDir) run.runDir = null;
      runs.push(run);
    } finally {
      if (!o.dataDir) rmSync(dir, { recursive: true, force: true });
    }
  }
  const { signal: _s, progress: _p, dataDir: _d, ...options } = o;
  return { options, runs, rows: compareRows(runs) };
}
