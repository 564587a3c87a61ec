/**
 * `quorum-lab sim --groups G`: one seed or a sweep of sharded runs (run-sharded.ts), each
 * violating seed printed with what broke and the command that replays it, then one
 * summary line — as the one-group sweep does.
 */
import type { CliOptions } from '../cli';
import { runShardedSimulation, type ShardedRunOptions, type ShardedRunResult } from './run-sharded';

/** shardRunOptions are one seed's run options from the command line. */
export function shardRunOptions(o: CliOptions, seed: number): ShardedRunOptions {
  return {
    seed,
    protocol: o.protocol,
    groups: o.groups ?? 1,
    shards: o.shards,
    perGroup: o.nodesGiven ? o.nodes : 3,
    moves: o.moves,
    scheme: o.scheme,
    ...(o.scheme === 'ring' ? { vnodes: o.vnodes } : {}),
    crashes: o.faults ? 3 : 0,
    partitions: o.faults ? 2 : 0,
    ...(o.clients !== null ? { clients: o.clients } : {}),
  };
}

/** shardReplay is the command line that replays one seed. */
export function shardReplay(o: CliOptions, seed: number): string {
  const r = shardRunOptions(o, seed);
  const parts = ['quorum-lab sim', `--seed ${seed}`, `--protocol ${o.protocol}`, `--groups ${r.groups}`];
  parts.push(`--nodes ${r.perGroup}`, `--shards ${r.shards}`, `--moves ${r.moves}`);
  if (o.scheme === 'ring') parts.push(`--scheme ring --vnodes ${o.vnodes}`);
  if (!o.faults) parts.push('--no-faults');
  if (o.clients !== null) parts.push(`--clients ${o.clients}`);
  return parts.join(' ');
}

function pagesLine(m: { pages: number; repeats: number; resumed: number }): string {
  return `${m.pages} pages, ${m.repeats} resent, ${m.resumed} pulls resumed`;
}

function line(r: ShardedRunResult): string {
  return (
    `seed ${r.seed}: ${r.violations.length} violation(s); ${r.ok + r.fail + r.unknown} requests ` +
    `(${r.ok} ok, ${r.fail} fail, ${r.unknown} unknown), ${r.moves.made} moves (${r.moves.installed} installed, ` +
    `${pagesLine(r.moves)}), ` +
    `${(r.simMs / 1000).toFixed(1)} s simulated; ${r.linearizability}`
  );
}

/** shardSimMain runs the seeds and returns the exit code (1 when a seed broke something). */
export async function shardSimMain(o: CliOptions, out: (l: string) => void = (l) => console.log(l)): Promise<number> {
  const [lo, hi] = o.seeds;
  let bad = 0;
  let violations = 0;
  let requests = 0;
  let moves = 0;
  const pages = { pages: 0, repeats: 0, resumed: 0 };
  let simMs = 0;
  const wall0 = performance.now();
  for (let seed = lo; seed <= hi; seed++) {
    const r = await runShardedSimulation(shardRunOptions(o, seed));
    requests += r.ok + r.fail + r.unknown;
    moves += r.moves.installed;
    pages.pages += r.moves.pages;
    pages.repeats += r.moves.repeats;
    pages.resumed += r.moves.resumed;
    simMs += r.simMs;
    const failed = r.violations.length > 0 || r.linearizable === null;
    if (!o.sweep || failed) out(line(r));
    if (!failed) continue;
    bad++;
    violations += r.violations.length;
    for (const v of r.violations) out(`  ${v}`);
    out(`  reproduce: ${shardReplay(o, seed)}`);
  }
  if (o.sweep) {
    const wall = (performance.now() - wall0) / 1000;
    out(
      `${hi - lo + 1} seeds, ${violations} violations (${bad} seeds failed); ${requests} requests, ${moves} shard moves, ` +
        `${pagesLine(pages)}, ` +
        `${(simMs / 1000).toFixed(0)} s simulated in ${wall.toFixed(1)} s`,
    );
  }
  return bad > 0 ? 1 : 0;
}
