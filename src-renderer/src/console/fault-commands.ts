/** The network fault commands: partitions and their presets, heal, and one link's rule. */
import type { Preset, PresetRequest } from '../../../src-main/api/scenario-api';
import { MAX_LATENCY_MS } from '../../../src-main/api/schemas';
import { useClusterStore } from '../stores/cluster';
import { command, NODE_IDS } from './command';
import {
  arrowOf,
  exactly,
  fail,
  link,
  node,
  parseDuration,
  partitionGroups,
  percent,
  type Args,
  type ParseContext,
} from './grammar';
import { noArgs, linkWords } from './args';

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

const pct = (p: number): string => `${Math.round(p * 1000) / 10}%`;

/** FAULT_COMMANDS break and heal the network between nodes. */
export const FAULT_COMMANDS = [
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
