/**
 * `npm run bench:shards`: how a sharded cluster scales and how long a move makes a shard
 * unavailable. For 1, 2 and 3 replica groups of 3 Raft nodes (plus the controller's 3),
 * each a `quorum-lab serve --groups G` of its own, it runs the same closed-loop put load
 * as `npm run bench` (256-byte values over HTTP/JSON, keys over 10,000, 64 clients), then
 * moves one shard back and forth under a probe: one client writing keys of that shard
 * every few ms; a move's unavailability is the longest gap between two acknowledged probe
 * writes while it runs. Prints the table and rewrites its own fenced section of
 * docs/BENCHMARKS.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { intOpt, parseCli, stringOpt, UsageError } from '../src-main/cli-args';
import { shardOf, type ShardScheme } from '../src-main/core/shard/config';
import { clientAgent, parseJson, request, type Endpoint } from './http';
import { onExit, sleep, startProcess, stopAll } from './procs';
import { machineDescription } from './report';
import type { PutClient, Target } from './target';
import { median, percentile, runThroughput, type ThroughputResult } from './workload';

const USAGE = `usage: npm run bench:shards -- [options]

  --seconds N   seconds per throughput row (default 10)
  --clients N   concurrent clients (default 64)
  --groups L    the group counts to measure (default 1,2,3)
  --moves N     shard moves measured on the largest cluster (default 10)
  --out FILE    where to write the results (default docs/BENCHMARKS.md; 'none' to skip)`;

const START = '<!-- bench:shards:start (written by `npm run bench:shards`; edits inside are overwritten) -->';
const END = '<!-- bench:shards:end -->';
const SCHEME: ShardScheme = { kind: 'range', shards: 12 };

/** ShardedLab is one running `quorum-lab serve --groups G`. */
interface ShardedLab {
  ep: Endpoint;
  stop(): Promise<void>;
}

async function startLab(repo: string, groups: number, dir: string): Promise<ShardedLab> {
  const args = ['bin/quorum-lab.mjs', 'serve', '--port', '0', '--groups', String(groups), '--nodes', '3'];
  const proc = startProcess(`quorum-lab serve --groups ${groups}`, process.execPath, [...args, '--data', dir], {
    cwd: repo,
  });
  let out = '';
  const ep = await new Promise<Endpoint>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address within 90 s:\n${out.slice(-2000)}`)), 90_000);
    const onData = (b: Buffer): void => {
      out += b.toString('utf8');
      const m = /Quorum Lab on http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9._~-]+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ host: '127.0.0.1', port: Number(m[1]), token: m[2]! });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`serve exited (${code}):\n${out.slice(-2000)}`)));
  });
  return {
    ep,
    stop: async () => {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

interface View {
  config: number;
  shards: { shard: number; group: string; moving?: unknown }[];
  groups: { id: string; joined: boolean; config: number | null }[];
}

async function view(ep: Endpoint): Promise<View | null> {
  const r = await request(clientAgent(1), ep, 'GET', '/api/shards', null, 5000);
  return r.status === 200 ? (parseJson(r.body) as View) : null;
}

async function settled(ep: Endpoint, ms = 60_000): Promise<View> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const v = await view(ep);
    if (
      v &&
      v.config > 0 &&
      v.groups.every((g) => !g.joined || g.config === v.config) &&
      v.shards.every((s) => !s.moving)
    )
      return v;
    await sleep(50);
  }
  throw new Error('the sharded cluster did not settle');
}

async function put(agent: ReturnType<typeof clientAgent>, ep: Endpoint, key: string, value: string): Promise<boolean> {
  const r = await request(agent, ep, 'POST', '/api/kv', JSON.stringify({ op: 'put', key, value }), 10_000);
  return r.status === 200 && (parseJson(r.body) as { outcome?: string } | null)?.outcome === 'ok';
}

/** target adapts a lab to the throughput workload (puts only). */
function target(ep: Endpoint): Target {
  const no = (): never => {
    throw new Error('not measured here');
  };
  return {
    name: 'lab',
    version: 'sharded',
    client: (): PutClient => {
      const agent = clientAgent(1);
      return { put: (k, v) => put(agent, ep, k, v), close: () => agent.destroy() };
    },
    killLeader: no,
    failoverPut: no,
    recover: no,
    stop: no,
  };
}

/** moveGaps moves shard 0 back and forth `n` times under a probe; returns each move's longest gap between acknowledged writes (ms). */
async function moveGaps(ep: Endpoint, n: number): Promise<number[]> {
  const keys: string[] = [];
  for (let i = 0; keys.length < 32; i++) if (shardOf(SCHEME, `probe${i}`) === 0) keys.push(`probe${i}`);
  const gaps: number[] = [];
  const ctl = clientAgent(1);
  for (let m = 0; m < n; m++) {
    const v = await settled(ep);
    const from = v.shards[0]?.group ?? 'g1';
    const to = v.groups.map((g) => g.id).find((g) => g !== from) ?? from;
    const agent = clientAgent(1);
    let last = performance.now();
    let worst = 0;
    let running = true;
    const probe = (async () => {
      for (let i = 0; running; i++) {
        if (await put(agent, ep, keys[i % keys.length]!, `v${i}`)) {
          const now = performance.now();
          worst = Math.max(worst, now - last);
          last = now;
        }
        await sleep(2);
      }
    })();
    await sleep(300);
    worst = 0;
    last = performance.now();
    await request(ctl, ep, 'POST', '/api/shards/move', JSON.stringify({ shard: 0, group: to }), 10_000);
    await settled(ep);
    await sleep(300);
    running = false;
    await probe;
    agent.destroy();
    gaps.push(worst);
  }
  return gaps;
}

function fmt(x: number, d = 0): string {
  return Number.isFinite(x) ? x.toFixed(d) : '—';
}

async function main(argv: string[]): Promise<number> {
  const p = parseCli(argv, {
    seconds: { type: 'string' },
    clients: { type: 'string' },
    groups: { type: 'string' },
    moves: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const);
  if (p.values.help) {
    console.log(USAGE);
    return 0;
  }
  const seconds = intOpt(p, 'seconds', 1, 600, 10);
  const clients = intOpt(p, 'clients', 1, 1024, 64);
  const moves = intOpt(p, 'moves', 1, 100, 10);
  const groups = (stringOpt(p, 'groups', '1,2,3') ?? '1,2,3').split(',').map(Number);
  if (groups.some((g) => !Number.isInteger(g) || g < 1 || g > 7)) throw new UsageError('--groups must list 1..7');
  const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  const outFile = stringOpt(p, 'out', path.join(repo, 'docs', 'BENCHMARKS.md'));
  onExit(() => void stopAll());
  const rows: { groups: number; t: ThroughputResult }[] = [];
  let gaps: number[] = [];
  const load0 = os.loadavg()[0] ?? 0;
  for (const g of groups) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-bench-shards-'));
    const lab = await startLab(repo, g, dir);
    try {
      await settled(lab.ep);
      const t = await runThroughput(target(lab.ep), clients, seconds, 42 + g);
      rows.push({ groups: g, t });
      console.log(`${g} group(s): ${fmt(t.putsPerSec)} puts/s, p50 ${fmt(t.p50Ms, 2)} ms, p99 ${fmt(t.p99Ms, 2)} ms`);
      if (g === Math.max(...groups) && g > 1) gaps = await moveGaps(lab.ep, moves);
    } finally {
      await lab.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const sorted = [...gaps].sort((a, b) => a - b);
  const table = [
    `| groups (3 Raft nodes each) | puts/s (${clients} clients) | p50 ms | p99 ms | errors |`,
    '|---|---|---|---|---|',
    ...rows.map(
      (r) => `| ${r.groups} | ${fmt(r.t.putsPerSec)} | ${fmt(r.t.p50Ms, 2)} | ${fmt(r.t.p99Ms, 2)} | ${r.t.errors} |`,
    ),
  ];
  const moveLine =
    gaps.length > 0
      ? `A shard move (${gaps.length} moves on ${Math.max(...groups)} groups, a probe writing that shard every ~2 ms): ` +
        `unavailable for median ${fmt(median(gaps))} ms, p99 ${fmt(percentile(sorted, 0.99))} ms (longest gap between acknowledged writes).`
      : 'No move measured (needs at least 2 groups).';
  const section = [
    `Command: \`npm run bench:shards -- --seconds ${seconds} --clients ${clients} --groups ${groups.join(',')} --moves ${moves}\` · ${new Date().toISOString()} · load average at start ${load0.toFixed(2)} · ${machineDescription()}`,
    '',
    ...table,
    '',
    moveLine,
  ].join('\n');
  console.log(`\n${table.join('\n')}\n\n${moveLine}`);
  if (outFile && outFile !== 'none') {
    let doc = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : '# Benchmarks\n';
    const fenced = `${START}\n${section}\n${END}`;
    const a = doc.indexOf(START);
    const b = doc.indexOf(END);
    doc =
      a >= 0 && b > a
        ? doc.slice(0, a) + fenced + doc.slice(b + END.length)
        : `${doc.trimEnd()}\n\n## Sharding\n\n${fenced}\n`;
    fs.writeFileSync(outFile, doc);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e instanceof UsageError ? `${e.message}\n${USAGE}` : e);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);
