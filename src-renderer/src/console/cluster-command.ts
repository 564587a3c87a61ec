/**
 * The console's cluster command: replace the cluster with a fresh one — its size, its
 * protocol and the unsafe modes it breaks on purpose (`cluster 3 raft reads=local
 * fsync=off`). Every unsafe setting left out is kept safe, whatever the cluster before
 * broke. An entry of the command table (./commands.ts), written like the others.
 */
import type { ClusterSettings, ProtocolName } from '../../../src-main/api/contract';
import { MAX_NODES, MIN_NODES } from '../../../src-main/api/schemas';
import {
  UNSAFE_DEFAULTS,
  UNSAFE_KEYS,
  activeUnsafe,
  parseUnsafeValue,
  unsafeProtocolError,
  type UnsafeKey,
  type UnsafeSettings,
} from '../../../src-main/api/unsafe';
import { useClusterStore } from '../stores/cluster';
import { command } from './command';
import { fail, int, type Args } from './grammar';

const USAGE = 'cluster [nodes] [raft|paxos] [setting=value …]';

/** unsafeKey finds a setting by name, case aside (checkquorum = checkQuorum). */
function unsafeKey(name: string): UnsafeKey {
  const k = UNSAFE_KEYS.find((x) => x.toLowerCase() === name.toLowerCase());
  if (!k) fail(`unknown setting '${name.slice(0, 40)}': one of ${UNSAFE_KEYS.join(', ')}`);
  return k;
}

/** setting reads one `name=value` word into `u`. */
function setting(word: string, u: UnsafeSettings): void {
  const eq = word.indexOf('=');
  const k = unsafeKey(word.slice(0, eq));
  try {
    (u as unknown as Record<string, unknown>)[k] = parseUnsafeValue(k, word.slice(eq + 1));
  } catch (e) {
    fail((e as Error).message);
  }
}

/** parseCluster reads the command's words: a size, a protocol and settings, in any order, each at most once. */
export function parseCluster(a: Args): { nodes: number | null; protocol: ProtocolName | null; unsafe: UnsafeSettings } {
  let nodes: number | null = null;
  let protocol: ProtocolName | null = null;
  const unsafe: UnsafeSettings = { ...UNSAFE_DEFAULTS };
  for (const w of a.words) {
    if (w.includes('=')) setting(w, unsafe);
    else if (/^\d+$/.test(w) && nodes === null) nodes = int(w, 'nodes', MIN_NODES, MAX_NODES);
    else if ((w === 'raft' || w === 'paxos') && protocol === null) protocol = w;
    else fail(`unexpected '${w.slice(0, 40)}': ${USAGE}`);
  }
  const misfit = protocol === null ? null : unsafeProtocolError(protocol, unsafe);
  if (misfit) fail(misfit);
  return { nodes, protocol, unsafe };
}

/** describeCluster is the console's answer: what was started and which rules it breaks. */
function describeCluster(c: ReturnType<typeof parseCluster>): string {
  const what = [c.nodes === null ? 'a fresh cluster' : `a fresh ${c.nodes}-node cluster`];
  if (c.protocol) what.push(`(${c.protocol})`);
  const broken = activeUnsafe(c.unsafe);
  return broken.length > 0 ? `${what.join(' ')} — UNSAFE: ${broken.join(', ')}` : `${what.join(' ')}, every rule kept`;
}

/** CLUSTER_COMMANDS holds the cluster entry. */
export const CLUSTER_COMMANDS = [
  command({
    name: 'cluster',
    aliases: ['new-cluster'],
    usage: USAGE,
    about: 'replace the cluster with a fresh one, optionally breaking a safety rule on purpose',
    details: [
      'Unsafe settings: reads=read-index|lease|local, commitRule=paper|count-old-terms (Raft), fsync=on|off,',
      'sessions=on|off, fencing=on|off, prevote=on|off (Raft), checkQuorum=on|off, adoptHighestAccepted=on|off (Paxos).',
      'Each one left out is safe. e.g. cluster 3 raft reads=local — then partition the leader and read on it.',
      'The run starts over (export it first to keep it); the header shows the broken rules in red.',
    ],
    parse: parseCluster,
    run: (c, io) => {
      const s: Partial<ClusterSettings> = { unsafe: c.unsafe };
      if (c.nodes !== null) s.nodes = c.nodes;
      if (c.protocol !== null) s.protocol = c.protocol;
      return io.control(() => useClusterStore().createCluster(s), describeCluster(c), null);
    },
  }),
];
