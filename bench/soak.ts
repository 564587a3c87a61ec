/**
 * `npm run bench:soak`: a long run that shows the lab's costs stay flat. One `quorum-lab
 * serve` host with a 3-node Raft cluster takes at least 1,000,000 puts through POST
 * /api/load (in runs of --step operations, 100,000 by default), and after each run the
 * soak prints that run's throughput and latency and the resident memory (VmRSS from
 * /proc) of the host and of each node process. Every bounded buffer in the lab (run-log
 * rings, the client history, the state machine, the Raft log between snapshots) fills
 * early and must then cost O(1) per operation: throughput and RSS must not drift.
 * Writes its table into docs/BENCHMARKS.md between the soak markers (--out none to skip).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { intOpt, stringOpt, type ParsedCli } from '../src-main/cli-args';
import { benchArgs } from './cli';
import { clientAgent, parseJson, request, type Endpoint } from './http';
import { LabCluster, repoRoot } from './lab';
import { onExit, stopAll } from './procs';
import { machineDescription } from './report';

const USAGE = `usage: npm run bench:soak -- [options]

  --ops N        puts in all (default 1000000)
  --step N       puts per load run, one table row each (default 100000, at most 200000)
  --clients N    concurrent load clients (default 16)
  --keys N       distinct keys (default 10000)
  --out FILE     where to write the table (default docs/BENCHMARKS.md; 'none' to skip)
  --help         this text`;

/** SoakOptions are the parsed command-line options. */
export interface SoakOptions {
  ops: number;
  step: number;
  clients: number;
  keys: number;
  out: string | null;
}

/** SOAK_OPTIONS are the options the soak takes (names without `--`). */
const SOAK_OPTIONS = {
  ops: { type: 'string' },
  step: { type: 'string' },
  clients: { type: 'string' },
  keys: { type: 'string' },
  out: { type: 'string' },
} as const;

/** readSoakArgs reads the parsed options; it throws a UsageError for a value out of range. */
function readSoakArgs(p: ParsedCli, root: string): SoakOptions {
  const out = stringOpt(p, 'out', undefined);
  return {
    ops: intOpt(p, 'ops', 1, 100_000_000, 1_000_000),
    step: intOpt(p, 'step', 1, 200_000, 100_000),
    clients: intOpt(p, 'clients', 1, 256, 16),
    keys: intOpt(p, 'keys', 1, 1_000_000, 10_000),
    out: out === undefined ? path.join(root, 'docs', 'BENCHMARKS.md') : out === 'none' ? null : path.resolve(out),
  };
}

/** rssMiB reads a process's resident set size from /proc (null when it is gone). */
export function rssMiB(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

interface Row {
  ops: number;
  putsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  notOk: number;
  rss: (number | null)[];
}

interface LoadSummary {
  count: number;
  ok: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

async function loadRun(ep: Endpoint, o: SoakOptions, count: number): Promise<LoadSummary> {
  const agent = clientAgent(1);
  try {
    const body = JSON.stringify({ op: 'put', count, clients: o.clients, keys: o.keys, valueBytes: 256 });
    const r = await request(agent, ep, 'POST', '/api/load', body, 30 * 60_000);
    const s = parseJson(r.body) as LoadSummary | null;
    if (r.status !== 200 || !s || typeof s.opsPerSec !== 'number')
      throw new Error(`POST /api/load answered ${r.status} ${r.error ?? r.body.slice(0, 300)}`);
    return s;
  } finally {
    agent.destroy();
  }
}

function table(rows: Row[], names: string[]): string {
  const head = `| puts done | puts/s | p50 ms | p99 ms | not ok | ${names.map((n) => `${n} RSS MiB`).join(' | ')} |`;
  const rule = `|${'---:|'.repeat(5 + names.length)}`;
  const body = rows.map(
    (r) =>
      `| ${r.ops.toLocaleString('en-US')} | ${r.putsPerSec.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.notOk} | ` +
      `${r.rss.map((x) => (x === null ? 'gone' : x.toFixed(0))).join(' | ')} |`,
  );
  return [head, rule, ...body].join('\n');
}

const START = '<!-- soak:results:start (written by `npm run bench:soak`; edits inside are overwritten) -->';
const END = '<!-- soak:results:end -->';

function writeSoak(file: string, section: string): void {
  let doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const fenced = `${START}\n${section}\n${END}`;
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a >= 0 && b > a) doc = doc.slice(0, a) + fenced + doc.slice(b + END.length);
  else doc = `${doc.trimEnd()}\n\n## Soak: a million puts\n\n${fenced}\n`;
  fs.writeFileSync(file, doc);
}

async function soak(o: SoakOptions, lab: LabCluster): Promise<{ rows: Row[]; names: string[] }> {
  const ep = lab.endpoint;
  const pids = await lab.pids();
  const names = ['host', ...pids.slice(1).map((_, i) => `n${i + 1}`)];
  const rows: Row[] = [{ ops: 0, putsPerSec: 0, p50Ms: 0, p99Ms: 0, notOk: 0, rss: pids.map(rssMiB) }];
  console.log(table(rows, names));
  for (let done = 0; done < o.ops;) {
    const n = Math.min(o.step, o.ops - done);
    const s = await loadRun(ep, o, n);
    done += n;
    rows.push({
      ops: done,
      putsPerSec: s.opsPerSec,
      p50Ms: s.p50Ms,
      p99Ms: s.p99Ms,
      notOk: s.count - s.ok,
      rss: pids.map(rssMiB),
    });
    console.log(table(rows.slice(-1), names).split('\n').slice(2).join('\n'));
  }
  return { rows, names };
}

async function main(argv: string[]): Promise<number> {
  const root = repoRoot();
  const args = benchArgs('bench:soak', argv, SOAK_OPTIONS, USAGE, (p) => readSoakArgs(p, root));
  if (args.exit !== undefined) return args.exit;
  const o = args.opts;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quorum-soak-'));
  onExit(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const load0 = os.loadavg()[0] ?? 0;
  const t0 = Date.now();
  console.log(`quorum-lab soak: ${machineDescription()}\ndata under ${tmp}`);
  const lab = await LabCluster.start({ repo: root, dir: tmp, heartbeatMs: 100, electionMs: 1000, log: console.log });
  try {
    const { rows, names } = await soak(o, lab);
    const minutes = ((Date.now() - t0) / 60_000).toFixed(1);
    const section = [
      `Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${machineDescription()}; load average ${load0.toFixed(2)} at the start, ${(os.loadavg()[0] ?? 0).toFixed(2)} at the end; ${minutes} min.`,
      '',
      `Command: \`npm run bench:soak${argv.length ? ` -- ${argv.join(' ')}` : ''}\` — one \`quorum-lab serve\` host, 3 Raft nodes (heartbeat 100 ms, election 1000 ms, fsync on every commit), ` +
        `${o.clients} load clients, 256-byte values over ${o.keys.toLocaleString('en-US')} keys, POST /api/load in runs of ${o.step.toLocaleString('en-US')}. ` +
        'Each row: that run’s puts/s and latency, puts not ok, and VmRSS after it (row 0: before the first).',
      '',
      table(rows, names),
    ].join('\n');
    if (o.out) {
      writeSoak(o.out, section);
      console.log(`\nwritten to ${o.out}`);
    }
    return rows.slice(1).every((r) => r.notOk === 0) ? 0 : 1;
  } finally {
    await lab.stop();
  }
}

main(process.argv.slice(2))
  .then(async (code) => {
    await stopAll();
    process.exit(code);
  })
  .catch(async (e: unknown) => {
    console.error(`bench:soak: ${(e as Error).stack ?? String(e)}`);
    await stopAll();
    process.exit(1);
  });
