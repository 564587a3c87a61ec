/**
 * `node --import tsx bench/node-start.ts [--rounds N] [--nodes N]`: how long a cluster takes
 * to start when its nodes run the TypeScript entry through tsx (src-main/node/main.ts) and
 * when they run the bundle (out/node/main.mjs, built first), on this Node. Rounds alternate
 * between the two so background load hits both alike; prints the median and each round,
 * from createCluster to every node's 'ready' (fork, module load, SQLite open, sockets).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LabService } from '../src-main/lab/lab-service';
import { forkSpawner, type SpawnNode } from '../src-main/lab/supervisor';
import { intOpt, parseCli } from '../src-main/cli-args';
import { buildNodeEntry } from '../scripts/node-entry-build.mjs';

async function startOnce(spawnNode: SpawnNode, nodes: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ql-bench-start-'));
  const lab = new LabService({ dataDir: dir, spawnNode, settings: { nodes, heartbeatMs: 50, electionMs: 300 } });
  const t0 = performance.now();
  try {
    await lab.start();
    return performance.now() - t0;
  } finally {
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const p = parseCli(process.argv.slice(2), { rounds: { type: 'string' }, nodes: { type: 'string' } });
  const rounds = intOpt(p, 'rounds', 1, 100, 7);
  const nodes = intOpt(p, 'nodes', 1, 15, 3);
  const bundle = (await buildNodeEntry()) as string;
  const variants: [string, SpawnNode][] = [
    ['tsx (src-main/node/main.ts)', forkSpawner()],
    ['bundle (out/node/main.mjs)', forkSpawner({ script: bundle, execArgv: [] })],
  ];
  const times = new Map<string, number[]>(variants.map(([n]) => [n, []]));
  await startOnce(variants[0]![1], nodes); // warm tsx's compile cache and the disk
  for (let r = 0; r < rounds; r++) {
    for (const [name, spawn] of r % 2 === 0 ? variants : [...variants].reverse()) {
      times.get(name)!.push(await startOnce(spawn, nodes));
    }
  }
  console.log(`cluster start (${nodes} nodes, createCluster → all ready), ${rounds} rounds, Node ${process.version}`);
  for (const [name, t] of times)
    console.log(`  ${name.padEnd(30)} median ${median(t).toFixed(0)} ms   [${t.map((x) => x.toFixed(0)).join(', ')}]`);
}

void main();
