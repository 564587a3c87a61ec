/**
 * `node --import tsx bench/shards-snapshots.ts`: does a sharded cluster's only group survive
 * its periodic snapshots under load? Each run starts a lab in this process (a controller
 * and one group of 3 Raft nodes, behind the HTTP host), snapshots every --snapshot-every
 * entries (the lab's default is 10,000), puts from --clients closed-loop clients for
 * --seconds, and prints the throughput, the errors by kind, the snapshots taken and the
 * node processes that died (the run log's `node-died`). Before the compactor took its
 * writer lock at BEGIN, a node now and then died of SQLITE_BUSY right after a snapshot
 * (docs/BENCHMARKS.md, Sharding).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { intOpt } from '../src-main/cli-args';
import { LabService } from '../src-main/lab/lab-service';
import { HttpHost } from '../src-main/web/http-host';
import { benchArgs, runMain } from './cli';
import { clientAgent, parseJson, request, type Endpoint } from './http';
import { errorKindOf } from './shards-lib';
import type { PutClient, Target } from './target';
import { errorSummary, runThroughput } from './workload';

const USAGE = `usage: node --import tsx bench/shards-snapshots.ts [options]

  --runs N            runs, each on a fresh cluster (default 5)
  --seconds N         seconds of load per run (default 30)
  --clients N         concurrent clients (default 64)
  --snapshot-every N  entries between a node's snapshots (default 4000)
  --help, -h          this text`;

function target(ep: Endpoint): Target {
  const no = (): never => {
    throw new Error('not measured here');
  };
  const put = async (agent: ReturnType<typeof clientAgent>, key: string, value: string): Promise<true | string> => {
    const r = await request(agent, ep, 'POST', '/api/kv', JSON.stringify({ op: 'put', key, value }), 10_000);
    const b = parseJson(r.body) as { outcome?: unknown; error?: unknown } | null;
    if (r.status === 200 && b?.outcome === 'ok') return true;
    return `HTTP ${r.status} ${String(b?.outcome ?? r.error)}: ${errorKindOf(String(b?.error ?? ''))}`;
  };
  return {
    name: 'lab',
    version: 'sharded',
    client: (): PutClient => {
      const agent = clientAgent(1);
      return { put: (k, v) => put(agent, k, v), close: () => agent.destroy() };
    },
    killLeader: no,
    failoverPut: no,
    recover: no,
    stop: no,
  };
}

async function oneRun(seconds: number, clients: number, snapshotEvery: number, seed: number): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-bench-shard-snap-'));
  const lab = new LabService({
    dataDir: dir,
    snapshotEvery,
    settings: { nodes: 3, shards: { groups: 1, scheme: { kind: 'range', shards: 12 } } },
  });
  const host = new HttpHost({ lab, webRoot: path.join(dir, 'no-web') });
  try {
    await lab.start();
    const port = await host.listen(0, '127.0.0.1');
    const t = await runThroughput(target({ host: '127.0.0.1', port, token: host.token }), clients, seconds, seed);
    const log = await lab.log(0, 1_000_000);
    const snaps = log.filter((r) => r.kind === 'snapshot-taken').length;
    const died = log.filter((r) => r.kind === 'node-died').map((r) => String(r.node));
    return (
      `${t.putsPerSec.toFixed(0)} puts/s, ${snaps} snapshots taken, ` +
      `nodes died: ${died.length > 0 ? died.join(', ') : 'none'}; ${t.errors} errors${t.errors > 0 ? ` (${errorSummary(t)})` : ''}`
    );
  } finally {
    await host.close();
    await lab.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const opts = {
    runs: { type: 'string' },
    seconds: { type: 'string' },
    clients: { type: 'string' },
    'snapshot-every': { type: 'string' },
  } as const;
  const args = benchArgs('shards-snapshots', argv, opts, USAGE, (p) => ({
    runs: intOpt(p, 'runs', 1, 100, 5),
    seconds: intOpt(p, 'seconds', 1, 600, 30),
    clients: intOpt(p, 'clients', 1, 1024, 64),
    snapshotEvery: intOpt(p, 'snapshot-every', 100, 1_000_000, 4000),
  }));
  if (args.exit !== undefined) return args.exit;
  const o = args.opts;
  console.log(`load average at start ${(os.loadavg()[0] ?? 0).toFixed(2)}`);
  for (let i = 1; i <= o.runs; i++)
    console.log(`run ${i}/${o.runs}: ${await oneRun(o.seconds, o.clients, o.snapshotEvery, 42 + i)}`);
  console.log(`load average at end ${(os.loadavg()[0] ?? 0).toFixed(2)}`);
  return 0;
}

runMain(main);
