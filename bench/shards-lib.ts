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
import { cpuMs } from './profile-lib';
import { sleep } from './procs';
import type { PutClient, Target } from './target';
import { errorSummary, median, percentile, runThroughput, type ThroughputResult } from './workload';

const SCHEME: ShardScheme = { kind: 'range', shards: 12 };

/** ShardedLab is one running `quorum-lab serve --groups G`. */
interface ShardedLab {
  ep: Endpoint;
  /** pid: the host process's. */
  pid: number;
  stop(): Promise<void>;
}

async function startLab(repo: string, groups: number, dir: string): Promise<ShardedLab> {
  const args = ['bin/quorum-lab.mjs', 'serve', '--port', '0', '--groups', String(groups), '--nodes', '3'];
  const { proc, ep } = await startServe(`quorum-lab serve --groups ${groups}`, repo, [...args, '--data', dir], 90_000);
  return {
    ep,
    pid: proc.pid ?? 0,
    stop: async () => {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

interface View {
  config: number;
  controller: string[];
  shards: { shard: number; group: string; moving?: unknown }[];
  groups: { id: string; nodes: string[]; joined: boolean; config: number | null }[];
}

/** Health is what GET /api/cluster says of a sharded cluster: each group's highest term (the controller's as `controller`), the nodes not up, and each node's PID and role. */
interface Health {
  terms: Record<string, number>;
  down: string[];
  nodes: { id: string; pid: number | null; role: string }[];
}

async function health(ep: Endpoint, v: View): Promise<Health> {
  const r = await request(clientAgent(1), ep, 'GET', '/api/cluster', null, 5000);
  const body = r.status === 200 ? (parseJson(r.body) as { nodes?: unknown } | null) : null;
  const nodes = Array.isArray(body?.nodes)
    ? (body.nodes as { id: string; term: number; status: string; pid: number | null; role: string }[])
    : [];
  const termOf = (ids: string[]): number => Math.max(0, ...nodes.filter((n) => ids.includes(n.id)).map((n) => n.term));
  return {
    terms: Object.fromEntries([
      ['controller', termOf(v.controller)],
      ...v.groups.map((g) => [g.id, termOf(g.nodes)] as const),
    ]),
    down: nodes.filter((n) => n.status !== 'up').map((n) => n.id),
    nodes: nodes.map((n) => ({ id: n.id, pid: n.pid, role: n.role })),
  };
}

/** CpuSample is the CPU time (ms, /proc) of the host and of each node process at one moment. */
type CpuSample = { host: number; nodes: Record<string, number> };

function cpuSample(hostPid: number, h: Health): CpuSample {
  return {
    host: cpuMs(hostPid),
    nodes: Object.fromEntries(h.nodes.map((n) => [n.id, n.pid !== null ? cpuMs(n.pid) : 0])),
  };
}

/** CpuSplit is a row's CPU time (ms) per 1,000 acknowledged puts, by process kind, and the cores used in all. */
export interface CpuSplit {
  host: number;
  leaders: number;
  followers: number;
  controller: number;
  cores: number;
}

/** cpuSplit divides the CPU used between two samples by what each process is (host, group leader or follower, controller node). */
function cpuSplit(a: CpuSample, b: CpuSample, h: Health, v: View, ok: number, seconds: number): CpuSplit {
  const per = (ms: number): number => (ok > 0 ? (ms * 1000) / ok : Number.NaN);
  const used = (id: string): number => Math.max(0, (b.nodes[id] ?? 0) - (a.nodes[id] ?? 0));
  const sum = (ids: string[]): number => ids.reduce((t, id) => t + used(id), 0);
  const inGroups = new Set(v.groups.flatMap((g) => g.nodes));
  const leaders = h.nodes.filter((n) => inGroups.has(n.id) && n.role === 'leader').map((n) => n.id);
  const followers = h.nodes.filter((n) => inGroups.has(n.id) && n.role !== 'leader').map((n) => n.id);
  const host = b.host - a.host;
  const all = host + sum(leaders) + sum(followers) + sum(v.controller);
  return {
    host: per(host),
    leaders: per(sum(leaders)),
    followers: per(sum(followers)),
    controller: per(sum(v.controller)),
    cores: all / 1000 / seconds,
  };
}

/** cpuLine says where a row's CPU went. */
export function cpuLine(c: CpuSplit): string {
  return (
    `CPU ms per 1,000 puts: host ${fmt(c.host)}, group leaders ${fmt(c.leaders)}, followers ${fmt(c.followers)}, ` +
    `controller ${fmt(c.controller)}; ${fmt(c.cores, 2)} cores busy`
  );
}

/** incidents says what happened to the cluster during a row (`g1 term 1→3; n6 not up`), or 'none'. */
function incidents(before: Health, after: Health): string {
  const moved = Object.entries(after.terms).filter(([g, t]) => t !== before.terms[g]);
  const out = moved.map(([g, t]) => `${g} elected (term ${before.terms[g] ?? '?'}→${t})`);
  const lost = after.down.filter((id) => !before.down.includes(id));
  if (lost.length > 0) out.push(`${lost.join(', ')} not up at the end`);
  return out.length === 0 ? 'none' : out.join('; ');
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

/** putWhy writes one key: true if acknowledged, else why not (HTTP status, outcome and the lab's error). */
async function putWhy(
  agent: ReturnType<typeof clientAgent>,
  ep: Endpoint,
  key: string,
  value: string,
): Promise<true | string> {
  const r = await request(agent, ep, 'POST', '/api/kv', JSON.stringify({ op: 'put', key, value }), 10_000);
  if (r.status === 0) return `no answer: ${r.error ?? 'connection closed'}`;
  const body = parseJson(r.body) as { outcome?: unknown; error?: unknown } | null;
  if (r.status === 200 && body?.outcome === 'ok') return true;
  const outcome = typeof body?.outcome === 'string' ? ` ${body.outcome}` : '';
  const error = typeof body?.error === 'string' ? `: ${errorKindOf(body.error)}` : '';
  return `HTTP ${r.status}${outcome}${error}`;
}

/** errorKindOf strips the numbers out of an error message so equal kinds count together. */
export function errorKindOf(message: string): string {
  return message.replace(/\d+(\.\d+)?/g, 'N').slice(0, 160);
}

async function put(agent: ReturnType<typeof clientAgent>, ep: Endpoint, key: string, value: string): Promise<boolean> {
  return (await putWhy(agent, ep, key, value)) === true;
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
      return { put: (k, v) => putWhy(agent, ep, k, v), close: () => agent.destroy() };
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
  /** rows: per group count, the throughput and what happened during it (elections, nodes lost; 'none'). */
  rows: { groups: number; t: ThroughputResult; events: string; cpu: CpuSplit }[];
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
      const v = await settled(lab.ep);
      const before = await health(lab.ep, v);
      const cpu0 = cpuSample(lab.pid, before);
      const t = await runThroughput(target(lab.ep), o.clients, o.seconds, 42 + g);
      const after = await health(lab.ep, v);
      const cpu = cpuSplit(cpu0, cpuSample(lab.pid, after), after, v, t.ok, t.seconds);
      const events = incidents(before, after);
      out.rows.push({ groups: g, t, events, cpu });
      o.log(`  ${fmt(t.putsPerSec)} puts/s, p50 ${fmt(t.p50Ms, 2)} ms, p99 ${fmt(t.p99Ms, 2)} ms, ${t.errors} errors`);
      if (t.errors > 0) o.log(`  errors by kind: ${errorSummary(t)}`);
      if (events !== 'none') o.log(`  during the row: ${events}`);
      o.log(`  ${cpuLine(cpu)}`);
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

/** shardsTable is the Markdown table of the throughput rows, then what went wrong in them (errors by kind, elections, nodes lost), if anything. */
export function shardsTable(r: ShardsResult): string[] {
  const notes = r.rows.flatMap((x) => {
    const what = [
      ...(x.t.errors > 0 ? [`errors: ${errorSummary(x.t)}`] : []),
      ...(x.events !== 'none' ? [x.events] : []),
    ];
    return what.length > 0 ? [`- ${x.groups} group(s): ${what.join('; ')}`] : [];
  });
  return [
    `| groups (3 Raft nodes each) | puts/s (${r.clients} clients) | p50 ms | p99 ms | errors | CPU ms per 1,000 puts: host · group leaders · followers · controller | cores busy |`,
    '|---|---|---|---|---|---|---|',
    ...r.rows.map(
      (x) =>
        `| ${x.groups} | ${fmt(x.t.putsPerSec)} | ${fmt(x.t.p50Ms, 2)} | ${fmt(x.t.p99Ms, 2)} | ${x.t.errors} | ` +
        `${fmt(x.cpu.host)} · ${fmt(x.cpu.leaders)} · ${fmt(x.cpu.followers)} · ${fmt(x.cpu.controller)} | ${fmt(x.cpu.cores, 2)} |`,
    ),
    ...(notes.length > 0 ? ['', ...notes] : []),
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
