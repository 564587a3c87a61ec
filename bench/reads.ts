/**
 * `node --import tsx bench/reads.ts [--base DIR] [--clients N] [--seconds S] [--rounds N] [--protocol raft|paxos] [--to LIST] [--warmup S]`:
 * read throughput of the lab. A fresh `quorum-lab serve` (3 nodes, the bench's timings,
 * heartbeat 100 ms, election 1000 ms, as `npm run bench` starts it) gets 256 keys written
 * and --warmup seconds of unmeasured gets, then N closed-loop clients, one keep-alive
 * connection each, send linearizable gets of them (`POST /api/kv {op:'get'}`: a ReadIndex
 * read, §6.4; every answer checked against the value written, bench/read-load.ts, the part
 * `npm run bench`'s read rows share) for S seconds: through the balancer, or pinned to the
 * leader, to a follower, or to each node in turn (--to), a row each on the same lab. A row
 * is gets/s, p50 and p99, errors, and the CPU the host and its nodes used per get (from
 * /proc, steadier than wall time on a shared machine). With `--base DIR` each round runs
 * DIR's lab and this checkout's one after the other, alternating which goes first, so a
 * busy machine weighs on both alike; the medians of the rounds are printed last.
 *
 * `npm run bench`'s read rows put the same gets beside etcd's; this is a lab-only tool for
 * A/B runs of a change to the read path.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { intOpt, oneOfOpt, stringOpt, UsageError } from '../src-main/cli-args';
import { benchArgs, runMain } from './cli';
import { clientAgent, parseJson, request } from './http';
import { LabCluster, repoRoot } from './lab';
import { stopAll } from './procs';
import { cpuMs } from './profile-lib';
import { ReadSet, runReads, writeReadSet } from './read-load';
import type { ReadClient } from './target';
import { median } from './workload';

const USAGE = `usage: node --import tsx bench/reads.ts [--base DIR] [--clients N] [--seconds S] [--rounds N] [--protocol raft|paxos] [--to LIST] [--warmup S]

  --base DIR      another checkout to compare with, alternating (its node_modules installed or linked)
  --clients N     closed-loop clients, one connection each (default 64)
  --seconds S     seconds per row (default 10)
  --rounds N      rows per checkout (default 3)
  --protocol P    raft or paxos (default raft)
  --to LIST       where the gets go, comma-separated, a row each on the same lab: any (the gateway's
                  balancer, as npm run bench sends them), leader, follower (pinned with {node}),
                  rotate (pinned to each node in turn, as the round-robin balancer spreads them)
                  (default any)
  --warmup S      seconds of unmeasured gets (--clients clients, balanced) on each lab first (default 3)
  --help, -h      this text`;

/** READ_TO: where a row's gets go: the balancer's pick, or pinned to the leader, to a follower, or to each node in turn. */
const READ_TO = ['any', 'leader', 'follower', 'rotate'] as const;
type ReadTo = (typeof READ_TO)[number];

interface Opts {
  base: string | null;
  clients: number;
  seconds: number;
  rounds: number;
  protocol: 'raft' | 'paxos';
  to: ReadTo[];
  warmup: number;
}

/** Row is one checkout's read row. */
interface Row {
  tree: string;
  to: ReadTo;
  getsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** cpuUsPerGet: the host's and the nodes' CPU (user + system) per answered get. */
  cpuUsPerGet: number;
  /** hostUsPerGet: the host's part of it (gateway, router, recorder, live checker). */
  hostUsPerGet: number;
  /** msgsPerGet: node-to-node messages through the router per answered get (the run log's sends). */
  msgsPerGet: number;
  /** byType: the messages per get by type, most first. */
  byType: string;
  load: number;
}

/** cpuMsOf sums the CPU (user + system, /proc) of the given processes, in ms (a process gone counts 0). */
function cpuMsOf(pids: number[]): number {
  return pids.reduce((a, p) => a + cpuMs(p), 0);
}

/** lastSeq is the run log's newest record number. */
async function lastSeq(lab: LabCluster): Promise<number> {
  let seq = 0;
  for (;;) {
    const recs = await logPage(lab, seq);
    if (recs.length === 0) return seq;
    seq = recs[recs.length - 1]!.seq;
  }
}

/** logPage is up to 50,000 run log records after `since`. */
async function logPage(lab: LabCluster, since: number): Promise<{ seq: number; kind: string; type?: unknown }[]> {
  const r = await request(clientAgent(1), lab.endpoint, 'GET', `/api/log?since=${since}&limit=50000`, null, 60_000);
  if (r.status !== 200) throw new Error(`GET /api/log: HTTP ${r.status}`);
  return parseJson(r.body) as { seq: number; kind: string; type?: unknown }[];
}

/** sendsSince counts the router's sends in the run log after `since`, by message type. */
async function sendsSince(lab: LabCluster, since: number): Promise<Map<string, number>> {
  const n = new Map<string, number>();
  let seq = since;
  for (;;) {
    const recs = await logPage(lab, seq);
    if (recs.length === 0) return n;
    for (const x of recs) if (x.kind === 'send') n.set(String(x.type), (n.get(String(x.type)) ?? 0) + 1);
    seq = recs[recs.length - 1]!.seq;
  }
}

/** rows starts `tree`'s lab, writes the keys, warms it up, runs a read row per --to and stops the lab. */
async function rows(tree: string, o: Opts, round: number): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qlab-reads-'));
  const lab = await LabCluster.start({
    repo: tree,
    dir,
    heartbeatMs: 100,
    electionMs: 1000,
    protocol: o.protocol,
    log: (s) => console.log(s),
  });
  try {
    const set = new ReadSet();
    await writeReadSet(lab, set);
    if (o.warmup > 0) await runReads(lab, set, o.clients, o.warmup, 1);
    const out: Row[] = [];
    for (const to of round % 2 === 0 ? o.to : [...o.to].reverse()) out.push(await row(tree, lab, set, o, to, round));
    return out;
  } finally {
    await lab.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** rotating is a read client that pins its gets to each node in turn, as the round-robin balancer spreads them. */
function rotating(lab: LabCluster, check: ReadSet['check'], nodes: string[]): ReadClient {
  const rs = nodes.map((n) => lab.reader(check, n));
  let i = 0;
  return {
    get: (key) => rs[i++ % rs.length]!.get(key),
    close: () => {
      for (const r of rs) r.close();
    },
  };
}

/** row runs one read row on a running lab, its gets sent as `to` says. */
async function row(tree: string, lab: LabCluster, set: ReadSet, o: Opts, to: ReadTo, round: number): Promise<Row> {
  const procs = await lab.processes();
  const leader = procs.find((p) => p.name.endsWith('(leader)'))?.name.split(' ')[0];
  const follower = procs.find((p) => p.name !== 'host' && !p.name.endsWith('(leader)'))?.name;
  const node = to === 'leader' ? leader : to === 'follower' ? follower : undefined;
  if ((to === 'leader' || to === 'follower') && node === undefined) throw new Error(`no ${to} to send the gets to`);
  const nodes = procs.flatMap((p) => (p.name === 'host' ? [] : [p.name.split(' ')[0]!]));
  const target = {
    reader: (check: ReadSet['check']): ReadClient =>
      to === 'rotate' ? rotating(lab, check, nodes) : lab.reader(check, node),
  };
  // The host first (LabCluster.processes), then its nodes.
  const seq0 = await lastSeq(lab);
  const pids = procs.map((p) => p.pid);
  const host = pids.slice(0, 1);
  const c0 = cpuMsOf(pids);
  const h0 = cpuMsOf(host);
  const t = await runReads(target, set, o.clients, o.seconds, 1000 + round);
  const used = cpuMsOf(pids) - c0;
  const hostUsed = cpuMsOf(host) - h0;
  const sends = await sendsSince(lab, seq0);
  return {
    tree,
    to,
    getsPerSec: t.putsPerSec,
    p50Ms: t.p50Ms,
    p99Ms: t.p99Ms,
    errors: t.errors,
    cpuUsPerGet: t.ok > 0 ? (used * 1000) / t.ok : Number.NaN,
    hostUsPerGet: t.ok > 0 ? (hostUsed * 1000) / t.ok : Number.NaN,
    msgsPerGet: t.ok > 0 ? [...sends.values()].reduce((a, b) => a + b, 0) / t.ok : Number.NaN,
    byType: [...sends]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${(v / Math.max(1, t.ok)).toFixed(2)}`)
      .join(', '),
    load: os.loadavg()[0]!,
  };
}

function show(name: string, r: Omit<Row, 'tree' | 'to' | 'byType'>): string {
  return (
    `${name.padEnd(15)} ${r.getsPerSec.toFixed(0).padStart(6)} gets/s  p50 ${r.p50Ms.toFixed(2)} ms  ` +
    `p99 ${r.p99Ms.toFixed(2)} ms  errors ${r.errors}  CPU ${r.cpuUsPerGet.toFixed(0)} µs/get (host ${r.hostUsPerGet.toFixed(0)})  ${r.msgsPerGet.toFixed(2)} msgs/get  load ${r.load.toFixed(1)}`
  );
}

/** toList reads --to: a comma-separated list of READ_TO, each once. */
function toList(v: string): ReadTo[] {
  const out: ReadTo[] = [];
  for (const x of v.split(',')) {
    if (!(READ_TO as readonly string[]).includes(x))
      throw new UsageError(`--to takes a comma-separated list of ${READ_TO.join(', ')}; got '${x.slice(0, 40)}'`);
    if (!out.includes(x as ReadTo)) out.push(x as ReadTo);
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  const a = benchArgs(
    'reads',
    argv,
    {
      base: { type: 'string' },
      clients: { type: 'string' },
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      protocol: { type: 'string' },
      to: { type: 'string' },
      warmup: { type: 'string' },
    },
    USAGE,
    (p): Opts => ({
      base: stringOpt(p, 'base', null),
      clients: intOpt(p, 'clients', 1, 1024, 64),
      seconds: intOpt(p, 'seconds', 1, 600, 10),
      rounds: intOpt(p, 'rounds', 1, 50, 3),
      protocol: oneOfOpt(p, 'protocol', ['raft', 'paxos'] as const, 'raft'),
      to: toList(stringOpt(p, 'to', 'any')),
      warmup: intOpt(p, 'warmup', 0, 120, 3),
    }),
  );
  if (a.exit !== undefined) return a.exit;
  const o = a.opts;
  const here = repoRoot();
  const trees: [string, string][] =
    o.base === null
      ? [['this', here]]
      : [
          ['base', path.resolve(o.base)],
          ['this', here],
        ];
  console.log(
    `reads: ${o.clients} clients, ${o.seconds} s a row after ${o.warmup} s warm-up, ${o.rounds} rounds, ${o.protocol}, to ${o.to.join(', ')}; load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  const names = trees.flatMap(([n]) => o.to.map((to) => `${n} ${to}`));
  const byName = new Map<string, Row[]>(names.map((n) => [n, []]));
  try {
    for (let i = 0; i < o.rounds; i++) {
      const order = i % 2 === 0 ? trees : [...trees].reverse();
      for (const [name, tree] of order) {
        for (const r of await rows(tree, o, i)) {
          byName.get(`${name} ${r.to}`)!.push(r);
          console.log(`round ${i + 1}: ${show(`${name} ${r.to}`, r)}\n         messages per get: ${r.byType}`);
        }
      }
    }
  } finally {
    await stopAll();
  }
  for (const name of names) {
    const rs = byName.get(name)!;
    const med = (f: (r: Row) => number): number => median(rs.map(f));
    console.log(
      `median ${show(name, {
        getsPerSec: med((r) => r.getsPerSec),
        p50Ms: med((r) => r.p50Ms),
        p99Ms: med((r) => r.p99Ms),
        errors: med((r) => r.errors),
        cpuUsPerGet: med((r) => r.cpuUsPerGet),
        hostUsPerGet: med((r) => r.hostUsPerGet),
        msgsPerGet: med((r) => r.msgsPerGet),
        load: med((r) => r.load),
      })}`,
    );
  }
  return 0;
}

runMain(main);
