/**
 * The sharding bench's measurements, shared by `npm run bench:shards` (bench/shards.ts) and
 * `npm run bench -- --shards` (bench/run.ts): for each replica-group count G, a `quorum-lab
 * serve --groups G --nodes 3` of its own under the same closed-loop put load as `npm run
 * bench` (256-byte values over HTTP/JSON, keys over 10,000), then, on the largest, one shard
 * moved back and forth under a probe — one client writing keys of that shard every few ms;
 * a move's unavailability is the longest gap between two acknowledged probe writes while
 * it runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { shardOf, type ShardScheme } from '../src-main/core/shard/config';
import { clientAgent, parseJson, request, type Endpoint } from './http';
import { startServe } from './lab';
import { sleep } from './procs';
import type { PutClient, Target } from './target';
import { median, percentile, runThroughput, type ThroughputResult } from './workload';

const SCHEME: ShardScheme = { kind: 'range', shards: 12 };

/** ShardedLab is one running `quorum-lab serve --groups G`. */
interface ShardedLab {
  ep: Endpoint;
  stop(): Promise<void>;
}

async function startLab(repo: string, groups: number, dir: string): Promise<ShardedLab> {
  const args = ['bin/quorum-lab.mjs', 'serve', '--port', '0', '--groups', String(groups), '--nodes', '3'];
  const { proc, ep } = await startServe(`quorum-lab serve --groups ${groups}`, repo, [...args, '--data', dir], 90_000);
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

/** fmt prints a number with `d` decimals, or a dash. */
export function fmt(x: number, d = 0): string {
  return Number.isFinite(x) ? x.toFixed(d) : '—';
}

/** ShardsBenchOptions shape one sharding measurement. */
export interface ShardsBenchOptions {
  repo: string;
  seconds: number;
  clients: number;
  groups: number[];
  moves: number;
  log: (line: string) => void;
}

/** ShardsResult is what the sharding bench measured: a throughput row per group count, and each move's unavailability (ms). */
export interface ShardsResult {
  clients: number;
  rows: { groups: number; t: ThroughputResult }[];
  gaps: number[];
  /** movedOn: the group count the moves ran on (0: none measured). */
  movedOn: number;
}

/** measureShards runs the sharding bench (see the file comment). */
export async function measureShards(o: ShardsBenchOptions): Promise<ShardsResult> {
  const out: ShardsResult = { clients: o.clients, rows: [], gaps: [], movedOn: 0 };
  const most = Math.max(...o.groups);
  for (const g of o.groups) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-bench-shards-'));
    o.log(`sharded lab: ${g} group(s) of 3 and a controller of 3, ${o.clients} clients for ${o.seconds} s...`);
    const lab = await startLab(o.repo, g, dir);
    try {
      await settled(lab.ep);
      const t = await runThroughput(target(lab.ep), o.clients, o.seconds, 42 + g);
      out.rows.push({ groups: g, t });
      o.log(`  ${fmt(t.putsPerSec)} puts/s, p50 ${fmt(t.p50Ms, 2)} ms, p99 ${fmt(t.p99Ms, 2)} ms, ${t.errors} errors`);
      if (g === most && g > 1 && o.moves > 0) {
        o.log(`  moving shard 0 back and forth ${o.moves} times under a probe...`);
        out.gaps = await moveGaps(lab.ep, o.moves);
        out.movedOn = g;
      }
    } finally {
      await lab.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

/** shardsTable is the Markdown table of the throughput rows. */
export function shardsTable(r: ShardsResult): string[] {
  return [
    `| groups (3 Raft nodes each) | puts/s (${r.clients} clients) | p50 ms | p99 ms | errors |`,
    '|---|---|---|---|---|',
    ...r.rows.map(
      (x) => `| ${x.groups} | ${fmt(x.t.putsPerSec)} | ${fmt(x.t.p50Ms, 2)} | ${fmt(x.t.p99Ms, 2)} | ${x.t.errors} |`,
    ),
  ];
}

/** moveLine says how long a move made its shard unavailable (median, p99). */
export function moveLine(r: ShardsResult): string {
  if (r.gaps.length === 0) return 'No move measured (needs at least 2 groups).';
  const sorted = [...r.gaps].sort((a, b) => a - b);
  return (
    `A shard move (${r.gaps.length} moves on ${r.movedOn} groups, a probe writing that shard every ~2 ms): ` +
    `unavailable for median ${fmt(median(r.gaps))} ms, p99 ${fmt(percentile(sorted, 0.99))} ms (longest gap between acknowledged writes).`
  );
}
