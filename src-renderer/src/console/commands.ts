/**
 * The console's commands, one table entry each: the name a user types (and its aliases),
 * the argument grammar (`parse`, pure), the help text (`usage` and `about` for `help`,
 * `details` for `help <cmd>`), what Tab completes, and `run`, which calls the store
 * action and prints the answer. Adding a console command means adding one entry here.
 */
import type { BalanceAlgorithm } from '../../../src-main/api/contract';
import type { Preset, PresetRequest } from '../../../src-main/api/scenario-api';
import { MAX_LATENCY_MS, MAX_LOAD_CLIENTS, MAX_LOAD_COUNT } from '../../../src-main/api/schemas';
import { BALANCE_ALGORITHMS } from '../../../src-main/core/balance/types';
import { MAX_TTL_MS } from '../../../src-main/core/kv/types';
import { DAMAGE_ABOUT, DAMAGE_KINDS, type DamageKind } from '../../../src-main/core/recovery/damage';
import { useClusterStore } from '../stores/cluster';
import { useRequestsStore } from '../stores/requests';
import { useRunStore } from '../stores/run';
import { loadText } from './answers';
import { CHECK_COMMANDS } from './check-commands';
import { LINK_COMMANDS } from './link-commands';
import { MEMBERSHIP_COMMANDS } from './membership-commands';
import { TIME_COMMANDS } from './time-commands';
import { WHY_COMMANDS } from './why-command';
import { SHARD_COMMANDS } from './shard-commands';
import { CLUSTER_COMMANDS } from './cluster-command';
import { ALGORITHMS, command, NODE_IDS, type ConsoleCommand } from './command';
import {
  arrowOf,
  atMost,
  exactly,
  fail,
  int,
  key,
  link,
  node,
  parseDuration,
  partitionGroups,
  percent,
  token,
  value,
  type Args,
  type ParseContext,
} from './grammar';

export type { Bound, Completer, ConsoleCommand } from './command';

const PRESET_WORDS: Record<string, Preset> = {
  halves: 'halves',
  'isolate-leader': 'isolate-leader',
  isolate: 'isolate',
  bridge: 'bridge',
  ring: 'majorities-ring',
  'majorities-ring': 'majorities-ring',
  'one-way': 'one-way',
};

/** presetArgs reads `halves`, `isolate-leader`, `isolate n2`, `bridge n3`, `ring`, `one-way n1->n2` (null: not a preset). */
function presetArgs(a: Args, ctx: ParseContext): PresetRequest | null {
  const preset = PRESET_WORDS[a.words[0] ?? ''];
  if (!preset) return null;
  const rest: Args = { ...a, words: a.words.slice(1), raw: a.raw.trim().slice((a.words[0] ?? '').length) };
  switch (preset) {
    case 'isolate':
    case 'bridge':
      exactly(rest.words, 1, `partition ${preset} <node>`);
      return { preset, node: node(rest.words[0], ctx, `partition ${preset} <node>`) };
    case 'one-way': {
      const l = link(rest.raw, ctx, 'partition one-way n1->n2');
      if (l.both || l.rest.length > 0) fail('a one-way cut is one direction: partition one-way n1->n2');
      return { preset, from: l.from, to: l.to };
    }
    default:
      exactly(rest.words, 0, `partition ${a.words[0]}`);
      return { preset };
  }
}

/** presetText says what a preset did, for the console. */
function presetText(p: PresetRequest): string {
  switch (p.preset) {
    case 'isolate':
      return `isolated ${p.node}`;
    case 'bridge':
      return `${p.node} now bridges two halves that cannot hear each other`;
    case 'one-way':
      return `one-way cut ${p.from}->${p.to}: ${p.to} no longer hears ${p.from}`;
    case 'majorities-ring':
      return 'a ring: each node hears only its nearest neighbours';
    default:
      return `partitioned: ${p.preset}`;
  }
}

/** nodeArg reads exactly one node id. */
function nodeArg(a: Args, ctx: ParseContext): { node: string } {
  exactly(a.words, 1, a.usage);
  return { node: node(a.words[0], ctx, a.usage) };
}

/** keyArg reads exactly one key. */
function keyArg(a: Args): { key: string } {
  exactly(a.words, 1, a.usage);
  return { key: key(a.words[0], a.usage) };
}

/** noArgs refuses any argument. */
function noArgs(a: Args): Record<never, never> {
  exactly(a.words, 0, a.usage);
  return {};
}

/** linkWords reads a link and exactly n more words. */
function linkWords(a: Args, ctx: ParseContext, n: number) {
  const l = link(a.raw, ctx, a.usage);
  exactly(l.rest, n, a.usage);
  return l;
}

const pct = (p: number): string => `${Math.round(p * 1000) / 10}%`;

const KV_COMMANDS = [
  command({
    name: 'put',
    usage: 'put <key> <value>',
    about: 'write a key (quote values with spaces)',
    details: ['Answers OK once a majority has the write on disk.', 'put greeting "hello world"'],
    parse: (a) => {
      exactly(a.words, 2, a.usage);
      return { key: key(a.words[0], a.usage), value: value(a.words[1], a.usage) };
    },
    run: async (c, io) =>
      io.answer(await useRequestsStore().kv({ op: 'put', key: c.key, value: c.value }), 'OK', {
        op: 'put',
        key: c.key,
      }),
  }),
  command({
    name: 'get',
    usage: 'get <key> [on <node>]',
    about: 'linearizable read of a key',
    details: [
      'The leader confirms it still leads (ReadIndex) before it answers; (nil) means absent.',
      'get x on n1 asks n1 only (no redirect, no retry elsewhere): safe modes refuse unless n1 can',
      'answer linearizably; with reads=local a deposed leader answers from its own, stale state.',
    ],
    parse: (a, ctx) => {
      if (a.words.length === 3 && a.words[1] === 'on' && a.tokens[1]?.quoted === false)
        return { key: key(a.words[0], a.usage), node: node(a.words[2], ctx, a.usage) };
      exactly(a.words, 1, a.usage);
      return { key: key(a.words[0], a.usage) };
    },
    run: async (c, io) => {
      const r = await useRequestsStore().kv({ op: 'get', key: c.key, ...('node' in c ? { node: c.node } : {}) });
      io.answer(r, r.value === null ? '(nil)' : r.value, { op: 'get', key: c.key });
    },
  }),
  command({
    name: 'del',
    cmd: 'delete',
    aliases: ['delete'],
    usage: 'del <key>',
    about: 'delete a key',
    parse: keyArg,
    run: async (c, io) =>
      io.answer(await useRequestsStore().kv({ op: 'delete', key: c.key }), 'deleted', { op: 'delete', key: c.key }),
  }),
  command({
    name: 'cas',
    usage: 'cas <key> <old|nil> <new>',
    about: 'set <new> only if the value is <old> (nil = absent)',
    details: ['cas k nil v writes only if k is absent; a quoted "nil" is the three-letter string.'],
    parse: (a) => {
      exactly(a.words, 3, a.usage);
      const k = key(a.words[0], a.usage);
      // nil (unquoted) means "the key is absent"; a quoted "nil" is the literal string.
      const expected = a.words[1] === 'nil' && a.tokens[1]?.quoted === false ? null : value(a.words[1], a.usage);
      return { key: k, expected, value: value(a.words[2], a.usage) };
    },
    run: async (c, io) =>
      io.answer(
        await useRequestsStore().kv({ op: 'cas', key: c.key, expected: c.expected, value: c.value }),
        'swapped',
        { op: 'cas', key: c.key, expected: c.expected, value: c.value },
      ),
  }),
];

const NODE_COMMANDS = [
  command({
    name: 'crash',
    usage: 'crash <node>',
    about: 'kill a node process (SIGKILL)',
    details: ['Its SQLite file stays; restart brings it back.'],
    complete: NODE_IDS,
    parse: nodeArg,
    run: (c, io) => io.control(() => useClusterStore().crash(c.node), `${c.node} crashed`, c.node),
  }),
  command({
    name: 'damage',
    usage: 'damage <node> hardstate|log-tail|file',
    about: "damage a crashed node's SQLite file",
    details: [
      ...DAMAGE_KINDS.map((k) => `${k}: ${DAMAGE_ABOUT[k]}.`),
      'Restarted, the node says "recovering": it neither serves nor votes until it has caught up from its peers.',
      'damage n2 log-tail',
    ],
    complete: NODE_IDS,
    parse: (a, ctx) => {
      exactly(a.words, 2, a.usage);
      const kind = a.words[1]!;
      if (!(DAMAGE_KINDS as readonly string[]).includes(kind))
        fail(`unknown damage '${kind}' (one of ${DAMAGE_KINDS.join(', ')}): ${a.usage}`);
      return { node: node(a.words[0], ctx, a.usage), kind: kind as DamageKind };
    },
    run: async (c, io) => {
      const cluster = useClusterStore();
      let what: string | null = null;
      const act = async (): Promise<boolean> => {
        what = (await cluster.damage(c.node, c.kind))?.what ?? null;
        return what !== null;
      };
      await io.control(act, `${c.node}'s disk damaged (${c.kind})`, c.node);
      if (what !== null)
        io.print('info', `${what}: restart ${c.node} and it recovers from its peers before it votes again`, c.node);
    },
  }),
  command({
    name: 'restart',
    usage: 'restart <node>',
    about: 'start a crashed node again on its SQLite file',
    details: ['It recovers its term, vote and log from the file.'],
    complete: NODE_IDS,
    parse: nodeArg,
    run: (c, io) => io.control(() => useClusterStore().restart(c.node), `${c.node} restarted`, c.node),
  }),
  command({
    name: 'pause',
    usage: 'pause <node>',
    about: 'freeze a node process (SIGSTOP)',
    details: ['Its sockets stay open but it answers nothing until resumed.'],
    complete: NODE_IDS,
    parse: nodeArg,
    run: (c, io) => io.control(() => useClusterStore().pause(c.node), `${c.node} paused`, c.node),
  }),
  command({
    name: 'resume',
    usage: 'resume <node>',
    about: 'unfreeze a paused node (SIGCONT)',
    complete: NODE_IDS,
    parse: nodeArg,
    run: (c, io) => io.control(() => useClusterStore().resume(c.node), `${c.node} resumed`, c.node),
  }),
  command({
    name: 'inspect',
    usage: 'inspect <node>',
    about: 'open the node inspector',
    details: ['Role, term, vote, commit/applied, log, follower progress, SQLite file.'],
    complete: NODE_IDS,
    parse: nodeArg,
    run: (c, io) => {
      useClusterStore().selectNode(c.node);
      io.print('info', `inspecting ${c.node}`);
    },
  }),
];

const FAULT_COMMANDS = [
  command({
    name: 'partition',
    usage: 'partition n1,n2 | n3,n4,n5 · partition <preset>',
    about: 'cut every link between the groups, or cut the network into a preset shape',
    details: [
      'Nodes left out form one more group. Dragging a node on the graph does the same.',
      'Presets (also on the graph: right-click a node or the background):',
      '  partition halves — a minority and a majority: n1..n⌊N/2⌋ | the rest',
      '  partition isolate-leader · partition isolate n2 — one node alone',
      '  partition bridge n3 — the others in two halves that cannot hear each other; n3 hears both',
      '  partition ring — each node hears only its nearest neighbours: a different majority each (5+ nodes)',
      '  partition one-way n1->n2 — messages n1 to n2 are lost, n2 to n1 still arrive',
    ],
    complete: NODE_IDS,
    parse: (a, ctx): { groups: string[][] } | { preset: PresetRequest } => {
      const preset = presetArgs(a, ctx);
      return preset ? { preset } : { groups: partitionGroups(a.raw, ctx, a.usage) };
    },
    run: (c, io) =>
      'preset' in c
        ? io.control(() => useClusterStore().partitionPreset(c.preset), presetText(c.preset), null)
        : io.control(
            () => useClusterStore().partition(c.groups),
            `partitioned ${c.groups.map((g) => g.join(',')).join(' | ')}`,
            null,
          ),
  }),
  command({
    name: 'heal',
    usage: 'heal',
    about: 'remove every cut and link rule',
    parse: noArgs,
    run: (_c, io) => io.control(() => useClusterStore().heal(), 'healed: every cut and link rule removed', null),
  }),
  command({
    name: 'latency',
    usage: 'latency n1->n2 200ms ±50ms',
    about: 'delay a link (n1<->n2 for both directions)',
    details: ['Jitter may be written ±50ms or +-50ms; units ms, s or m; 0 removes the delay.'],
    complete: NODE_IDS,
    parse: (a, ctx) => {
      const l = link(a.raw, ctx, a.usage);
      const m = /^(\S+)(?:\s*(?:±|\+-|\+\/-)\s*(\S+))?$/.exec(l.rest.join(' '));
      if (!m) fail(`expected a latency like 200ms ±50ms: ${a.usage}`);
      const latencyMs = parseDuration(m[1]!, 'latency', MAX_LATENCY_MS);
      const jitterMs = m[2] === undefined ? 0 : parseDuration(m[2], 'jitter', MAX_LATENCY_MS);
      if (jitterMs > latencyMs) fail('jitter must not exceed the latency');
      return { from: l.from, to: l.to, both: l.both, latencyMs, jitterMs };
    },
    run: (c, io) =>
      io.control(() => useClusterStore().setLink(c), `${arrowOf(c)} latency ${c.latencyMs} ms ±${c.jitterMs} ms`, null),
  }),
  command({
    name: 'loss',
    usage: 'loss n1<->n3 10%',
    about: 'drop a share of the messages on a link',
    complete: NODE_IDS,
    parse: (a, ctx) => {
      const l = linkWords(a, ctx, 1);
      return { from: l.from, to: l.to, both: l.both, loss: percent(l.rest[0], 'loss') };
    },
    run: (c, io) => io.control(() => useClusterStore().setLink(c), `${arrowOf(c)} loss ${pct(c.loss)}`, null),
  }),
  command({
    name: 'dup',
    cmd: 'duplicate',
    aliases: ['duplicate'],
    usage: 'dup n1->n2 5%',
    about: 'duplicate a share of the messages on a link',
    complete: NODE_IDS,
    parse: (a, ctx) => {
      const l = linkWords(a, ctx, 1);
      return { from: l.from, to: l.to, both: l.both, duplicate: percent(l.rest[0], 'duplication') };
    },
    run: (c, io) =>
      io.control(() => useClusterStore().setLink(c), `${arrowOf(c)} duplication ${pct(c.duplicate)}`, null),
  }),
  command({
    name: 'block',
    usage: 'block n1->n2',
    about: 'cut one link (one-way with ->)',
    details: ['n1->n2 drops only what n1 sends to n2; n1<->n2 cuts both ways.'],
    complete: NODE_IDS,
    parse: (a, ctx) => {
      const l = linkWords(a, ctx, 0);
      return { from: l.from, to: l.to, both: l.both };
    },
    run: (c, io) => io.control(() => useClusterStore().setLink({ ...c, blocked: true }), `${arrowOf(c)} cut`, null),
  }),
  command({
    name: 'unblock',
    usage: 'unblock n1->n2',
    about: 'restore a cut link',
    complete: NODE_IDS,
    parse: (a, ctx) => {
      const l = linkWords(a, ctx, 0);
      return { from: l.from, to: l.to, both: l.both };
    },
    run: (c, io) =>
      io.control(() => useClusterStore().setLink({ ...c, blocked: false }), `${arrowOf(c)} restored`, null),
  }),
];

const CLIENT_COMMANDS = [
  command({
    name: 'load',
    usage: 'load put 1000 --clients 16',
    about: 'run a bounded load and summarize ops/s, p50, p99 (`load stop` or Esc ends it early)',
    details: [
      `put or get; up to ${MAX_LOAD_COUNT} operations and ${MAX_LOAD_CLIENTS} concurrent clients.`,
      '`load stop` (or Esc in the console) ends a running load early; its summary counts what ran.',
    ],
    parse: (a) => parseLoad(a),
    run: async (c, io) => {
      if (c.op === 'stop') {
        const s = await useRequestsStore().stopLoad();
        return io.print('info', `load stopped after ${s.count} operations`);
      }
      io.setLoadProgress({ done: 0, total: c.count });
      try {
        const s = await useRequestsStore().load({ op: c.op, count: c.count, clients: c.clients });
        io.print(s.ok === s.count ? 'ok' : 'unknown', loadText(c.op, s));
      } finally {
        io.setLoadProgress(null);
      }
    },
  }),
  command({
    name: 'balance',
    usage: 'balance <algorithm> [n1=3,n2=1]',
    about: "pick the gateway's load-balancing algorithm",
    details: [`Algorithms: ${BALANCE_ALGORITHMS.join(', ')}. Weights (0–1000) are for the weighted ones.`],
    complete: ALGORITHMS,
    parse: (a, ctx) => parseBalance(a, ctx),
    run: (c, io) =>
      io.control(
        () => useClusterStore().setBalance(c.algorithm, c.weights ?? undefined),
        `balancer: ${c.algorithm}`,
        null,
      ),
  }),
  command({
    name: 'lock',
    usage: 'lock <name> <ttlMs> <owner>',
    about: 'acquire a lease lock; prints its fencing token',
    details: ['The ttl takes units too (5s). The token grows with every grant: pass it to fenced.'],
    parse: (a) => {
      exactly(a.words, 3, a.usage);
      return {
        name: key(a.words[0], a.usage),
        ttlMs: parseDuration(a.words[1]!, 'ttl', MAX_TTL_MS),
        owner: key(a.words[2], a.usage),
      };
    },
    run: async (c, io) => {
      const r = await useRequestsStore().lock(c);
      io.answer(r, `locked ${c.name} for ${c.owner}, token ${r.token ?? '?'}`, { op: 'lock', ...c });
    },
  }),
  command({
    name: 'renew',
    usage: 'renew <name> <ttlMs> <owner> <token>',
    about: 'extend a held lock',
    parse: (a) => {
      exactly(a.words, 4, a.usage);
      return {
        name: key(a.words[0], a.usage),
        ttlMs: parseDuration(a.words[1]!, 'ttl', MAX_TTL_MS),
        owner: key(a.words[2], a.usage),
        token: token(a.words[3]),
      };
    },
    run: async (c, io) => {
      const r = await useRequestsStore().renew(c);
      io.answer(r, `renewed ${c.name}, token ${r.token ?? c.token}`, { op: 'renew', ...c });
    },
  }),
  command({
    name: 'unlock',
    usage: 'unlock <name> <token>',
    about: 'release a lock',
    parse: (a) => {
      exactly(a.words, 2, a.usage);
      return { name: key(a.words[0], a.usage), token: token(a.words[1]) };
    },
    run: async (c, io) => io.answer(await useRequestsStore().unlock(c), `unlocked ${c.name}`, { op: 'unlock', ...c }),
  }),
  command({
    name: 'fenced',
    usage: 'fenced <key> <value> <token>',
    about: 'write guarded by a fencing token',
    details: ['Refused (stale-token) when a newer token has written: a paused lock holder cannot clobber.'],
    parse: (a) => {
      exactly(a.words, 3, a.usage);
      return { key: key(a.words[0], a.usage), value: value(a.words[1], a.usage), token: token(a.words[2]) };
    },
    run: async (c, io) =>
      io.answer(await useRequestsStore().fencedWrite(c), `wrote ${c.key} with token ${c.token}`, {
        op: 'fenced',
        key: c.key,
        token: c.token,
      }),
  }),
];

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

function parseLoad(a: Args): { op: 'put' | 'get' | 'stop'; count: number; clients: number } {
  const [op, count, ...opts] = a.words;
  if (op === 'stop') {
    atMost(a.words, 1, 'load stop');
    return { op, count: 0, clients: 0 };
  }
  if (op !== 'put' && op !== 'get') fail(`load runs put or get: ${a.usage}`);
  const n = int(count, 'count', 1, MAX_LOAD_COUNT);
  let clients = 1;
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i]!;
    const eq = /^--clients=(.*)$/.exec(o);
    if (eq) clients = int(eq[1], 'clients', 1, MAX_LOAD_CLIENTS);
    else if (o === '--clients') clients = int(opts[++i], 'clients', 1, MAX_LOAD_CLIENTS);
    else fail(`unknown option '${o}': ${a.usage}`);
  }
  return { op, count: n, clients };
}

function parseBalance(a: Args, ctx: ParseContext) {
  if (a.words.length === 0) fail(`missing algorithm (${BALANCE_ALGORITHMS.join(', ')})`);
  atMost(a.words, 2, a.usage);
  const algorithm: BalanceAlgorithm | undefined = BALANCE_ALGORITHMS.find((x) => x === a.words[0]);
  if (!algorithm) fail(`unknown algorithm '${a.words[0]}' (${BALANCE_ALGORITHMS.join(', ')})`);
  const pairs = a.words[1];
  if (pairs === undefined) return { algorithm, weights: null };
  const weights: Record<string, number> = {};
  for (const pair of pairs.split(',')) {
    const m = /^([^=]+)=(\d+)$/.exec(pair);
    if (!m) fail(`weights look like n1=3,n2=1, got '${pair}'`);
    const n = node(m[1], ctx, a.usage);
    weights[n] = int(m[2], `weight of ${n}`, 0, 1000);
  }
  return { algorithm, weights };
}

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
