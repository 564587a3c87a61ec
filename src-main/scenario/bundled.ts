/**
 * The bundled scenarios (src-main/scenario/scenarios/*.json), imported so that a bundled
 * build carries them, validated once on first use, in their `number` order — and
 * loadScenario, which finds a scenario by bundled name or reads a file (a regular file,
 * bounded in size; errors name the file and the line).
 */
import { basename } from 'node:path';
import { openRegular, readSmall } from '../lab/safe-files';
import type { Scenario } from './types';
import { MAX_SCENARIO_BYTES, parseScenario, validateScenario } from './validate';
import addNodeUnderLoad from './scenarios/add-node-under-load.json';
import churn from './scenarios/churn.json';
import clientRetry from './scenarios/client-retry.json';
import commitmentRule from './scenarios/commitment-rule.json';
import disruptiveRejoin from './scenarios/disruptive-rejoin.json';
import electionBasics from './scenarios/election-basics.json';
import faultTolerance from './scenarios/fault-tolerance.json';
import laggingFollowerReads from './scenarios/lagging-follower-reads.json';
import leaderCrash from './scenarios/leader-crash.json';
import leaseReadPause from './scenarios/lease-read-pause.json';
import loadBalancing from './scenarios/load-balancing.json';
import lockFencing from './scenarios/lock-fencing.json';
import logRepair from './scenarios/log-repair.json';
import minorityLeader from './scenarios/minority-leader.json';
import moveShardUnderLoad from './scenarios/move-shard-under-load.json';
import noQuorum from './scenarios/no-quorum.json';
import partialPartitions from './scenarios/partial-partitions.json';
import paxosAdopt from './scenarios/paxos-adopt.json';
import paxosDueling from './scenarios/paxos-dueling.json';
import paxosHoles from './scenarios/paxos-holes.json';
import paxosRound from './scenarios/paxos-round.json';
import splitVote from './scenarios/split-vote.json';
import staleRead from './scenarios/stale-read.json';

/** RAW lists the bundled files' contents. */
const RAW: unknown[] = [
  addNodeUnderLoad,
  churn,
  clientRetry,
  commitmentRule,
  disruptiveRejoin,
  electionBasics,
  faultTolerance,
  laggingFollowerReads,
  leaderCrash,
  leaseReadPause,
  loadBalancing,
  lockFencing,
  logRepair,
  minorityLeader,
  moveShardUnderLoad,
  noQuorum,
  partialPartitions,
  paxosAdopt,
  paxosDueling,
  paxosHoles,
  paxosRound,
  splitVote,
  staleRead,
];

let cache: Scenario[] | null = null;

/** bundledScenarios returns every bundled scenario, validated, in order (throws if one is invalid: a build bug the tests catch). */
export function bundledScenarios(): Scenario[] {
  if (cache) return cache;
  const out = RAW.map((raw) => {
    const r = validateScenario(raw);
    if (!r.ok) throw new Error(`bundled scenario ${(raw as { name?: string }).name ?? '?'}: ${r.error}`);
    return r.value;
  });
  cache = out.sort((a, b) => (a.number ?? 99) - (b.number ?? 99) || a.name.localeCompare(b.name));
  return cache;
}

/** bundledScenario finds a bundled scenario by name (or null). */
export function bundledScenario(name: string): Scenario | null {
  return bundledScenarios().find((s) => s.name === name) ?? null;
}

/** loadScenario resolves `nameOrFile`: a bundled name first, else a file path; returns the scenario or an error message. */
export async function loadScenario(
  nameOrFile: string,
): Promise<{ ok: true; value: Scenario } | { ok: false; error: string }> {
  const b = bundledScenario(nameOrFile);
  if (b) return { ok: true, value: b };
  if (!/[./\\]/.test(nameOrFile)) {
    const names = bundledScenarios().map((s) => s.name);
    return {
      ok: false,
      error: `no bundled scenario '${nameOrFile}' (run --list to see them: ${names.slice(0, 4).join(', ')}, …)`,
    };
  }
  let text: string;
  try {
    // A regular file only (a FIFO or a device is refused before it is read), bounded in size.
    const f = await openRegular(nameOrFile, MAX_SCENARIO_BYTES);
    if (!f) return { ok: false, error: `${nameOrFile}: no such file` };
    try {
      text = await readSmall(f.fh, nameOrFile, MAX_SCENARIO_BYTES);
    } finally {
      await f.fh.close();
    }
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  return parseScenario(text, basename(nameOrFile));
}
