/**
 * `quorum-lab compare`: run the same workload and fault schedule against a Raft cluster and
 * a Multi-Paxos cluster (see compare.ts) and print the results side by side. Every node is
 * stopped at the end, on an error, and on SIGINT/SIGTERM.
 */
import { writeFileSync } from 'node:fs';
import { validateClusterSettings } from '../api/schemas';
import { clip, flagOpt, intOpt, parseCli, stringOpt, UsageError } from '../cli-args';
import type { ProtocolName } from '../node/contract';
import { CompareAborted, formatTable, runCompare, SCHEDULE, type CompareOptions } from './compare';

const USAGE = `usage: quorum-lab compare [options]

  --nodes N          cluster size, 3..15 (default 3)
  --seconds N        workload duration per protocol, 2..600 (default 20)
  --clients N        closed-loop clients, 1..256 (default 8)
  --seed N           seed of the schedule's choices, the clients and the router (default 1)
  --heartbeat-ms N   heartbeat interval (default 100)
  --election-ms N    election timeout, randomized up to 2x (default 1000)
  --protocols LIST   comma-separated, from raft,paxos (default raft,paxos)
  --json FILE        also write the full result as JSON

fault schedule (same for every protocol, relative to the workload's start):
${SCHEDULE.map((s) => `  ${String(Math.round(s.at * 100)).padStart(3)}%  ${s.kind}`).join('\n')}`;

const PROTOCOLS: readonly ProtocolName[] = ['raft', 'paxos'];

/** CompareArgs are the parsed options (no signal or progress yet). */
export type CompareArgs = Omit<CompareOptions, 'signal' | 'progress' | 'dataDir'> & { json?: string };

/** COMPARE_OPTIONS are the options `compare` takes (names without `--`). */
const COMPARE_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  nodes: { type: 'string' },
  seconds: { type: 'string' },
  clients: { type: 'string' },
  seed: { type: 'string' },
  'heartbeat-ms': { type: 'string' },
  'election-ms': { type: 'string' },
  protocols: { type: 'string' },
  json: { type: 'string' },
} as const;

/** protocolList reads `--protocols raft,paxos`. */
function protocolList(val: string): ProtocolName[] {
  const list = val.split(',').map((s) => s.trim());
  const bad = list.find((p) => !(PROTOCOLS as readonly string[]).includes(p));
  if (bad !== undefined)
    throw new UsageError(`--protocols takes a comma-separated list of ${PROTOCOLS.join(', ')}; got '${clip(bad)}'`);
  if (new Set(list).size !== list.length) throw new UsageError(`--protocols lists a protocol twice: '${clip(val)}'`);
  return list as ProtocolName[];
}

/** parseCompareArgs parses argv; returns the options, 'help', or a message saying what is wrong. */
export function parseCompareArgs(argv: string[]): CompareArgs | 'help' | string {
  let out: CompareArgs;
  try {
    const p = parseCli(argv, COMPARE_OPTIONS);
    if (flagOpt(p, 'help')) return 'help';
    out = {
      nodes: intOpt(p, 'nodes', 3, 15, 3),
      seconds: intOpt(p, 'seconds', 2, 600, 20),
      clients: intOpt(p, 'clients', 1, 256, 8),
      seed: intOpt(p, 'seed', 0, 0xffffffff, 1),
      heartbeatMs: intOpt(p, 'heartbeat-ms', 1, 60_000, 100),
      electionMs: intOpt(p, 'election-ms', 2, 600_000, 1000),
      protocols: protocolList(stringOpt(p, 'protocols', PROTOCOLS.join(','))),
    };
    const json = stringOpt(p, 'json', undefined);
    if (json !== undefined) out.json = json;
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  // The lab's own settings check has the last word (e.g. election must exceed heartbeat).
  const s = validateClusterSettings({
    nodes: out.nodes,
    heartbeatMs: out.heartbeatMs,
    electionMs: out.electionMs,
    seed: out.seed,
  });
  if (!s.ok) return s.error;
  return out;
}

/** compareMain runs `quorum-lab compare` and returns the exit code (2 = bad options, 130 = interrupted). */
export async function compareMain(argv: string[]): Promise<number> {
  const args = parseCompareArgs(argv);
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (typeof args === 'string') {
    console.error(`quorum-lab compare: ${args}\n\n${USAGE}`);
    return 2;
  }
  const { json, ...opts } = args;
  const ac = new AbortController();
  const stop = (): void => {
    process.stderr.write('quorum-lab compare: stopping every node…\n');
    ac.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const result = await runCompare({ ...opts, signal: ac.signal, progress: (l) => process.stderr.write(l + '\n') });
    console.log(formatTable(result.rows, opts.protocols));
    if (json) {
      try {
        writeFileSync(json, JSON.stringify(result, null, 2) + '\n');
      } catch (e) {
        console.error(`quorum-lab compare: cannot write ${json}: ${(e as Error).message}`);
        return 1;
      }
    }
    return 0;
  } catch (e) {
    if (ac.signal.aborted || e instanceof CompareAborted) {
      console.error('quorum-lab compare: interrupted');
      return 130;
    }
    console.error(`quorum-lab compare: ${(e as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
