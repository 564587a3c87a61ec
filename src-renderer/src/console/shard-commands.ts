/**
 * The console's sharding commands: `shards` (the map), `move 7 g2`, `join g4`, `leave g1`.
 * Entries of the command table (./commands.ts), written like the others; they need a
 * live sharded cluster (serve --groups G).
 */
import { shardMapLines } from '../model/shards';
import { useShardsStore } from '../stores/shards';
import { command } from './command';
import { exactly, fail, int } from './grammar';
import type { ConsoleIO } from './io';
import type { ShardsView } from '../../../src-main/api/shards';

const GROUP = /^g[1-9][0-9]{0,2}$/;

function group(tok: string | undefined, usage: string): string {
  if (tok === undefined) fail(`missing group: ${usage}`);
  if (!GROUP.test(tok)) fail(`${tok} is not a group id like g2: ${usage}`);
  return tok;
}

/** printMap prints the map (or the store's error). */
function printMap(v: ShardsView | null, io: ConsoleIO, first?: string): void {
  const s = useShardsStore();
  if (!v) return io.print('error', s.error ?? 'no answer');
  const lines = shardMapLines(v);
  io.print('ok', first ?? lines[0] ?? '', undefined, s.latencyMs ?? undefined);
  const rest = first ? lines : lines.slice(1);
  if (rest.length > 0) io.print('info', rest.join('\n'));
}

/** SHARD_COMMANDS are the shards, move, join and leave entries. */
export const SHARD_COMMANDS = [
  command({
    name: 'shards',
    usage: 'shards',
    about:
      'the shard map of a sharded cluster: the configuration, each group with its nodes and shards, moves under way',
    details: ['A sharded cluster is made with serve --groups G (a shard controller group and G replica groups).'],
    parse: (a) => {
      exactly(a.words, 0, a.usage);
      return {};
    },
    run: async (_c, io) => printMap(await useShardsStore().refresh(), io),
  }),
  command({
    name: 'move',
    usage: 'move <shard> <group>',
    about:
      'move a shard to another group: the source stops serving it, its data crosses the router, the destination takes over',
    details: [
      'move 7 g2: the controller makes the next configuration; the source freezes shard 7, the lab carries its data and',
      'client sessions over the router to g2’s leader (link rules apply), g2 installs it, then the source drops its copy.',
    ],
    parse: (a) => {
      exactly(a.words, 2, a.usage);
      return { shard: int(a.words[0], 'shard', 0, 63), group: group(a.words[1], a.usage) };
    },
    run: async (c, io) =>
      printMap(await useShardsStore().move({ shard: c.shard, group: c.group }), io, `shard ${c.shard} → ${c.group}`),
  }),
  command({
    name: 'join',
    usage: 'join <group>',
    about: 'a group joins the configuration: shards move to it, as few as keep the spread even',
    details: [
      'A group the cluster runs (a spare one, or one that left) joins at once. The next new group (g4 after g1…g3)',
      'is started first: new node processes on new SQLite files, as many as the other groups have, same protocol;',
      'the lab waits until it has a leader, then joins it (at most 7 groups and 24 processes in all).',
    ],
    parse: (a) => {
      exactly(a.words, 1, a.usage);
      return { group: group(a.words[0], a.usage) };
    },
    run: async (c, io) => printMap(await useShardsStore().join(c.group), io, `${c.group} joined`),
  }),
  command({
    name: 'leave',
    usage: 'leave <group>',
    about: 'a group leaves the configuration: its shards move to the other groups (its processes keep running)',
    parse: (a) => {
      exactly(a.words, 1, a.usage);
      return { group: group(a.words[0], a.usage) };
    },
    run: async (c, io) => printMap(await useShardsStore().leave(c.group), io, `${c.group} left`),
  }),
];
