/** The node commands: crash, restart, pause, resume, damage and inspect one node. */
import { DAMAGE_ABOUT, DAMAGE_KINDS, type DamageKind } from '../../../src-main/core/recovery/damage';
import { useClusterStore } from '../stores/cluster';
import { command, NODE_IDS } from './command';
import { exactly, fail, node } from './grammar';
import { nodeArg } from './args';

/** NODE_COMMANDS act on one node process. */
export const NODE_COMMANDS = [
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
