/**
 * The results table (printed and written into docs/BENCHMARKS.md). Ratios are oriented so
 * that > 1.0 always means the lab did better: lab/etcd for throughput, etcd/lab for
 * latency, failover time and CPU per request. The header names the lab's protocol.
 */
import fs from 'node:fs';
import os from 'node:os';
import { errorSummary, type FailoverResult, type IdleCpu, type ThroughputResult } from './workload';

/** SideResults are one system's rows; a row is null when it was not run. */
export interface SideResults {
  version: string;
  sequential: ThroughputResult | null;
  concurrent: ThroughputResult | null;
  /** readsSequential, readsConcurrent: the read rows (linearizable gets; putsPerSec is gets/s there). */
  readsSequential: ThroughputResult | null;
  readsConcurrent: ThroughputResult | null;
  failover: FailoverResult | null;
  /** idle: the system's CPU with no requests, measured after the warm-up (null when not measured). */
  idle: IdleCpu | null;
}

/** RunInfo describes the run for the record. */
export interface RunInfo {
  date: string;
  machine: string;
  command: string;
  settings: string;
  /** protocol: the lab's core in this run (etcd is Raft either way). */
  protocol: 'raft' | 'paxos';
  lab: SideResults | null;
  etcd: SideResults | null;
  /** load: 1-minute load averages at the start and the end of the run (the machine may be shared). */
  load: [number, number];
  /** notes: e.g. why a side was skipped. */
  notes: string[];
}

/** machineDescription names the machine: nproc, CPU model, memory, kernel. */
export function machineDescription(): string {
  let model = 'unknown CPU';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) model = m[1].trim();
  } catch {
    model = os.cpus()[0]?.model ?? model;
  }
  const gib = (os.totalmem() / 2 ** 30).toFixed(1);
  return `${os.availableParallelism()} CPUs (nproc), ${model}, ${gib} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
}

type Better = 'higher' | 'lower';

interface Row {
  label: string;
  lab: number | null;
  etcd: number | null;
  better: Better;
  digits: number;
}

/** protocolName names the lab's protocol as the table's header does. */
export function protocolName(p: RunInfo['protocol']): string {
  return p === 'raft' ? 'Raft' : 'Multi-Paxos';
}

type ThroughputRow = 'sequential' | 'concurrent' | 'readsSequential' | 'readsConcurrent';

/** rows are the table's rows; a row neither side ran is left out (a `--rows` run shows its rows only). */
function rows(r: RunInfo, clients: number): Row[] {
  const of = (row: ThroughputRow, label: string, unit: 'puts' | 'gets'): Row[] => {
    const f = (s: SideResults | null, g: (t: ThroughputResult) => number | undefined): number | null => {
      const t = s?.[row];
      return t ? (g(t) ?? null) : null;
    };
    const op = unit.slice(0, -1);
    const row3 = (name: string, g: (t: ThroughputResult) => number | undefined, better: Better, digits: number) => ({
      label: `${label}: ${name}`,
      lab: f(r.lab, g),
      etcd: f(r.etcd, g),
      better,
      digits,
    });
    return [
      row3(`${unit}/s`, (t) => t.putsPerSec, 'higher', 0),
      row3(`${op} p50 ms`, (t) => t.p50Ms, 'lower', 2),
      row3(`${op} p99 ms`, (t) => t.p99Ms, 'lower', 2),
      row3(`server CPU µs per ${op}`, (t) => t.serverUsPerOp, 'lower', 0),
    ];
  };
  const fo = (s: SideResults | null): number | null => (s?.failover ? s.failover.medianMs : null);
  const idle = (s: SideResults | null): number | null => s?.idle?.msPerSec ?? null;
  return [
    { label: 'idle: server CPU ms per s', lab: idle(r.lab), etcd: idle(r.etcd), better: 'lower' as const, digits: 0 },
    ...of('sequential', '1 client', 'puts'),
    ...of('concurrent', `${clients} clients`, 'puts'),
    ...of('readsSequential', '1 client', 'gets'),
    ...of('readsConcurrent', `${clients} clients`, 'gets'),
    {
      label: 'failover: median ms to first ok put',
      lab: fo(r.lab),
      etcd: fo(r.etcd),
      better: 'lower' as const,
      digits: 0,
    },
  ].filter((row) => row.lab !== null || row.etcd !== null);
}

function fmt(v: number | null, digits: number): string {
  if (v === null) return '—';
  if (!Number.isFinite(v)) return 'n/a';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** ratio is lab-better-when->1: lab/etcd for higher-is-better, etcd/lab for lower-is-better. */
export function ratio(lab: number | null, etcd: number | null, better: Better): number | null {
  if (lab === null || etcd === null || !Number.isFinite(lab) || !Number.isFinite(etcd)) return null;
  const num = better === 'higher' ? lab : etcd;
  const den = better === 'higher' ? etcd : lab;
  return den > 0 ? num / den : null;
}

/** markdownTable renders the results as a Markdown table. */
export function markdownTable(r: RunInfo, clients: number): string {
  const lines = [
    `| row | lab (${protocolName(r.protocol)}) | etcd (Raft) | ratio (> 1.0 = lab better) |`,
    '|---|---:|---:|---:|',
  ];
  for (const row of rows(r, clients)) {
    const q = ratio(row.lab, row.etcd, row.better);
    lines.push(
      `| ${row.label} | ${fmt(row.lab, row.digits)} | ${fmt(row.etcd, row.digits)} | ${q === null ? '—' : q.toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

/** textTable renders the results for the terminal. */
export function textTable(r: RunInfo, clients: number): string {
  const head = ['row', `lab (${protocolName(r.protocol)})`, 'etcd (Raft)', 'ratio'];
  const body = rows(r, clients).map((row) => {
    const q = ratio(row.lab, row.etcd, row.better);
    return [row.label, fmt(row.lab, row.digits), fmt(row.etcd, row.digits), q === null ? '—' : q.toFixed(2)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** cpuSplit lists CPU by process (`host 150, n1 (leader) 60, …`), or ''. */
export function cpuSplit(byProcess: Record<string, number> | undefined, digits: number): string {
  return Object.entries(byProcess ?? {})
    .map(([name, v]) => `${name} ${v.toFixed(digits)}`)
    .join(', ');
}

function detail(name: string, s: SideResults | null): string[] {
  if (!s) return [`- ${name}: not run`];
  const out = [`- ${name} (${s.version}):`];
  for (const [label, t, done] of [
    ['1 client', s.sequential, 'puts acknowledged'],
    ['concurrent', s.concurrent, 'puts acknowledged'],
    ['1 client gets', s.readsSequential, 'gets answered right'],
    ['concurrent gets', s.readsConcurrent, 'gets answered right'],
  ] as const) {
    if (t) {
      const why = errorSummary(t);
      const by = cpuSplit(t.serverUsByProcess, 0);
      out.push(
        `  - ${label}: ${t.ok} ${done}, ${t.errors} errors${why ? ` (${why})` : ''}, in ${t.seconds.toFixed(1)} s with ${t.clients} client(s); the bench client itself used ${t.benchCpuPct.toFixed(0)}% of a core${by ? `; server CPU µs per request by process: ${by}` : ''}`,
      );
    }
  }
  if (s.idle)
    out.push(
      `  - idle (no requests, after the warm-up): server CPU ms per s by process: ${cpuSplit(s.idle.byProcess, 0)}`,
    );
  if (s.failover) {
    const f = s.failover;
    out.push(
      `  - failover trials (ms): ${f.trialsMs.map((x) => x.toFixed(0)).join(', ') || 'none'}${f.failedTrials ? `; ${f.failedTrials} trial(s) with no ok put within 30 s` : ''}`,
    );
  }
  return out;
}

/** resultsSection is the generated part of docs/BENCHMARKS.md. */
export function resultsSection(r: RunInfo, clients: number): string {
  return [
    `Run on ${r.date}.`,
    '',
    `- Machine: ${r.machine}`,
    `- Command: \`${r.command}\``,
    `- Settings: ${r.settings}`,
    `- Load average (1 min) at start / end: ${r.load[0].toFixed(1)} / ${r.load[1].toFixed(1)} on ${os.availableParallelism()} CPUs (other work on the machine slows both systems alike; rows alternate between them)`,
    '',
    markdownTable(r, clients),
    '',
    ...detail('lab', r.lab),
    ...detail('etcd', r.etcd),
    ...(r.notes.length ? ['', ...r.notes.map((n) => `Note: ${n}`)] : []),
  ].join('\n');
}

/** RESULTS_START / RESULTS_END fence the part of the doc the bench rewrites. */
export const RESULTS_START = '<!-- bench:results:start (written by `npm run bench`; edits inside are overwritten) -->';
export const RESULTS_END = '<!-- bench:results:end -->';

/** writeResults replaces the fenced results section of the doc (appending one if the doc has none). */
export function writeResults(file: string, section: string): void {
  let doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const fenced = `${RESULTS_START}\n${section}\n${RESULTS_END}`;
  const a = doc.indexOf(RESULTS_START);
  const b = doc.indexOf(RESULTS_END);
  if (a >= 0 && b > a) doc = doc.slice(0, a) + fenced + doc.slice(b + RESULTS_END.length);
  else doc = `${doc.trimEnd()}\n\n## Results\n\n${fenced}\n`;
  fs.writeFileSync(file, doc);
}
