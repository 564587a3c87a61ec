/**
 * `node --import tsx bench/failover-reads.ts [--rounds N] [--protocol raft|paxos] [--keep DIR]`:
 * a soak of the read-after-failover path on real processes. Each round writes a fresh key,
 * SIGKILLs the leader the moment the write is acknowledged, and as soon as the survivors
 * agree on a new leader reads the key twice at once — once through the balancer, once
 * pinned to the survivor that does not lead (a read it forwards to the new leader). Then
 * the old leader is restarted and the cluster waits until it is whole again.
 *
 * It prints how every read ended (outcome and error), flags each ok read that missed the
 * acknowledged write, and gives the live checker's verdict on the whole client history.
 * `--keep DIR` copies the run log and the history there. Not part of `npm run bench`:
 * it measures nothing, it looks for a lost write under whatever load the machine has.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { intOpt, oneOfOpt, stringOpt } from '../src-main/cli-args';
import type { KvResponse } from '../src-main/api/contract';
import { leaderOf, startLab, waitFor, waitLeader, type TestLab } from '../test/lab/helpers';
import { benchArgs } from './cli';

const USAGE = `usage: node --import tsx bench/failover-reads.ts [--rounds N] [--protocol raft|paxos] [--keep DIR]

  --rounds N       failovers (default 30)
  --protocol P     raft or paxos (default raft)
  --keep DIR       copy the run log and the client history into DIR
  --help, -h       this text`;

/** Tally counts how reads ended, by "outcome error". */
type Tally = Map<string, number>;

function count(t: Tally, key: string): void {
  t.set(key, (t.get(key) ?? 0) + 1);
}

/** round runs one failover and tallies its two reads; returns the ok reads that missed the write. */
async function round(t: TestLab, i: number, tally: Tally): Promise<string[]> {
  const all = (await t.lab.cluster()).nodes.map((n) => n.id);
  await waitFor(async () => (await t.lab.cluster()).nodes.every((n) => n.status === 'up'), 30_000, 'all nodes up');
  const old = await waitLeader(t, 30_000);
  const key = `k${i}`;
  const w = await t.api<KvResponse>('POST', '/api/kv', { op: 'put', key, value: `v${i}` });
  if (w.body.outcome !== 'ok') {
    count(tally, `write ${w.body.outcome} ${w.body.error ?? ''}`);
    return [];
  }
  const writer = w.body.node ?? old;
  await t.api('POST', `/api/nodes/${writer}/crash`);
  const rest = all.filter((n) => n !== writer);
  const fresh = await waitLeader(t, 30_000, rest);
  const other = rest.find((n) => n !== fresh)!;
  const reads = await Promise.all([
    t.api<KvResponse>('POST', '/api/kv', { op: 'get', key }),
    t.api<KvResponse>('POST', '/api/kv', { op: 'get', key, node: other }),
  ]);
  const missed: string[] = [];
  for (const [j, r] of reads.entries()) {
    const b = r.body;
    count(tally, `${j === 0 ? 'balanced' : 'follower'} ${b.outcome} ${b.error ?? ''}`.trim());
    if (b.outcome === 'ok' && b.value !== `v${i}`) missed.push(`round ${i}: read ${key} at ${b.node} = ${b.value}`);
  }
  await t.api('POST', `/api/nodes/${writer}/restart`);
  // Whole again: every node up and following one leader, so the next round starts clean.
  await waitFor(async () => leaderOf(await t.lab.cluster()) !== null, 30_000, 'one leader for all');
  return missed;
}

interface Options {
  rounds: number;
  protocol: 'raft' | 'paxos';
  keep: string | undefined;
}

async function main(): Promise<void> {
  const args = benchArgs(
    'failover-reads',
    process.argv.slice(2),
    { rounds: { type: 'string' }, protocol: { type: 'string' }, keep: { type: 'string' } },
    USAGE,
    (p): Options => ({
      rounds: intOpt(p, 'rounds', 1, 10_000, 30),
      protocol: oneOfOpt(p, 'protocol', ['raft', 'paxos'] as const, 'raft'),
      keep: stringOpt(p, 'keep', undefined),
    }),
  );
  if (args.exit !== undefined) process.exit(args.exit);
  const { rounds, protocol, keep } = args.opts;
  const t = await startLab({ nodes: 3, seed: 11, protocol });
  const tally: Tally = new Map();
  const missed: string[] = [];
  try {
    for (let i = 1; i <= rounds; i++) missed.push(...(await round(t, i, tally)));
    const verdict = await waitFor(
      async () => {
        const v = (await t.api<{ linearizable: boolean | null; lagOps: number }>('GET', '/api/check')).body;
        return v.lagOps === 0 ? v : null;
      },
      60_000,
      'the live checker to catch up',
    );
    console.log(`rounds ${rounds} (${protocol})`);
    for (const [k, n] of [...tally].sort()) console.log(`  ${k}: ${n}`);
    console.log(`ok reads that missed the acknowledged write: ${missed.length}`);
    for (const m of missed) console.log(`  ${m}`);
    console.log(`live checker: linearizable ${String(verdict.linearizable)}`);
    if (keep) {
      mkdirSync(keep, { recursive: true });
      cpSync(t.dir, join(keep, 'lab'), { recursive: true });
    }
  } finally {
    await t.stop();
  }
}

void main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
