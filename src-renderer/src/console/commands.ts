/**
 * The console's commands, one table entry each: the name a user types (and its aliases),
 * the argument grammar (`parse`, pure), the help text (`usage` and `about` for `help`,
 * `details` for `help <cmd>`), what Tab completes, and `run`, which calls the store
 * action and prints the answer. The entries live in one file per area (kv-commands.ts,
 * node-commands.ts, …); this file puts them in order and adds the lab's own (export, clear,
 * help). Adding a console command means adding one entry to its area's list.
 */
import { useRunStore } from '../stores/run';
import { CHECK_COMMANDS } from './check-commands';
import { CLIENT_COMMANDS } from './client-commands';
import { CLUSTER_COMMANDS } from './cluster-command';
import { command, type ConsoleCommand } from './command';
import { FAULT_COMMANDS } from './fault-commands';
import { atMost, fail } from './grammar';
import { noArgs } from './args';
import { KV_COMMANDS } from './kv-commands';
import { LINK_COMMANDS } from './link-commands';
import { MEMBERSHIP_COMMANDS } from './membership-commands';
import { NODE_COMMANDS } from './node-commands';
import { SHARD_COMMANDS } from './shard-commands';
import { TIME_COMMANDS } from './time-commands';
import { WHY_COMMANDS } from './why-command';

export type { Bound, Completer, ConsoleCommand } from './command';

const LAB_COMMANDS = [
  command({
    name: 'export',
    usage: 'export [name]',
    about: "save the run (log, history, settings, check) under a name in the lab's data folder",
    details: [
      'Writes run.jsonl, history.jsonl, settings.json and check.json into a new folder; without a name, a',
      'timestamped one. A name is letters, digits, . _ - (up to 64); an existing run is never overwritten.',
      'Prints the consistency verdict: every acknowledged write must read back as a value that could be last.',
    ],
    parse: (a) => {
      atMost(a.words, 1, a.usage);
      return { name: a.words[0] ?? null };
    },
    // The console prints every export's outcome as it lands in the run store (the header's button too).
    run: async (c) => void (await useRunStore().exportRun(c.name ?? undefined)),
  }),
  command({
    name: 'clear',
    usage: 'clear',
    about: 'clear the console',
    local: true,
    parse: noArgs,
    run: (_c, io) => io.clear(),
  }),
  command({
    name: 'help',
    usage: 'help [command]',
    about: 'this list',
    details: ['help <command> adds the details of one command.'],
    local: true,
    complete: { options: commandNames, word: /(\S*)$/, space: true },
    parse: (a) => {
      atMost(a.words, 1, a.usage);
      const topic = a.words[0]?.toLowerCase() ?? null;
      if (topic !== null && !lookup(topic)) fail(`no command '${topic}' (help lists them)`);
      return { topic };
    },
    run: (c, io) => {
      const one = c.topic === null ? undefined : lookup(c.topic);
      if (one) return io.print('info', [helpLine(one), ...detailsOf(one)].join('\n'));
      for (const h of COMMANDS) io.print('info', helpLine(h));
      io.print('info', 'Tab completes commands and node ids; ↑/↓ walk the history.');
    },
  }),
];

/** COMMANDS is every console command, in the order `help` lists them and Tab offers them. */
export const COMMANDS = [
  ...KV_COMMANDS,
  ...NODE_COMMANDS,
  ...MEMBERSHIP_COMMANDS,
  ...WHY_COMMANDS,
  ...FAULT_COMMANDS,
  ...LINK_COMMANDS,
  ...CLIENT_COMMANDS,
  ...TIME_COMMANDS,
  ...CHECK_COMMANDS,
  ...SHARD_COMMANDS,
  ...CLUSTER_COMMANDS,
  ...LAB_COMMANDS,
];

/** Command is one parsed console line (the union of every entry's parsed command). */
export type Command = ReturnType<(typeof COMMANDS)[number]['read']>['command'];

/** CommandEntry is one entry of COMMANDS, typed with its own parsed command. */
export type CommandEntry = (typeof COMMANDS)[number];

/** findCommand looks a command up by its name or an alias (lower-case). */
export function findCommand(word: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === word || c.aliases.includes(word));
}

/** lookup is findCommand for the help entry, whose own type must not depend on the table's. */
function lookup(word: string): ConsoleCommand | undefined {
  return COMMANDS.find((c) => c.name === word || c.aliases.includes(word));
}

/** commandNames lists every command's name, in table order. */
export function commandNames(): string[] {
  return COMMANDS.map((c) => c.name);
}

/** helpLine is a command's line in `help`: usage — about. */
export function helpLine(c: ConsoleCommand): string {
  return `${c.usage} — ${c.about}`;
}

function detailsOf(c: ConsoleCommand): string[] {
  const also = c.aliases.length > 0 ? [`also written: ${c.aliases.join(', ')}`] : [];
  return [...c.details, ...also].map((d) => `  ${d}`);
}
