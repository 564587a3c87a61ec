/**
 * `quorum-lab compare`: run the same workload and fault schedule against a Raft cluster and
 * a Multi-Paxos cluster (see compare.ts) and print the results side by side. Every node is
 * stopped at the end, on an error, and on SIGINT/SIGTERM.
 */
import { writeFileSync } from 'node:fs';
import { validateClusterSettings } from '../api/schemas';
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

/** parseCompareArgs parses argv; returns the options, 'help', or a message saying what is wrong. */
export function parseCompareArgs(argv: string[]): CompareArgs | 'help' | string {
  const out: CompareArgs = {
    nodes: 3,
    seconds: 20,
    clients: 8,
    seed: 1,
    heartbeatMs: 100,
    electionMs: 1000,
    protocols: [...PROTOCOLS],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') return 'help';
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const val = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (!name.startsWith('--')) return `unexpected argument '${a}'`;
    if (val === undefined) return `${name} needs a value`;
    const int = (lo: number, hi: number): number | string => {
      if (!/^\d+$/.test(val)) return `${name} must be a whole number, got '${val}'`;
      const n = Number(val);
      return n < lo || n > hi ? `${name} must be ${lo}..${hi}, got ${n}` : n;
    };
    let n: number | string;
    switch (name) {
      case '--nodes':
        if (typeof (n = int(3, 15)) === 'string') return n;
        out.nodes = n;
        break;
      case '--seconds':
        if (typeof (n = int(2, 600)) === 'string') return n;
        out.seconds = n;
        break;
      case '--clients':
        if (typeof (n = int(1, 256)) === 'string') return n;
        out.clients = n;
        break;
      case '--seed':
        if (typeof (n = int(0, 0xffffffff)) === 'string') return n;
        out.seed = n;
        break;
      case '--heartbeat-ms':
        if (typeof (n = int(1, 60_000)) === 'string') return n;
        out.heartbeatMs = n;
        break;
      case '--election-ms':
        if (typeof (n = int(2, 600_000)) === 'string') return n;
        out.electionMs = n;
        break;
      case '--protocols': {
        const list = val.split(',').map((s) => s.trim());
        const bad = list.find((p) => !(PROTOCOLS as readonly string[]).includes(p));
        if (bad !== undefined)
          return `--protocols takes a comma-separated list of ${PROTOCOLS.join(', ')}; got '${bad}'`;
        if (new Set(list).size !== list.length) return `--protocols lists a protocol twice: '${val}'`;
        out.protocols = list as ProtocolName[];
        break;
      }
      case '--json':
        if (val === '') return '--json needs a file name';
        out.json = val;
        break;
      default:
        return `unknown option '${a}'`;
    }
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
