/**
 * The console's membership commands: `add [n7]` starts a node that joins as a learner
 * and is promoted once caught up, `remove n4` takes one out (a leader hands over first),
 * `transfer n3` hands leadership over. Entries of the command table (./commands.ts),
 * written like the others.
 */
import { useClusterStore } from '../stores/cluster';
import { command, NODE_IDS } from './command';
import { atMost, exactly, fail, node } from './grammar';

/** MEMBERSHIP_COMMANDS are the add, remove and transfer entries. */
export const MEMBERSHIP_COMMANDS = [
  command({
    name: 'add',
    usage: 'add [node]',
    about: 'add a node while the cluster serves (it joins as a learner)',
    details: [
      'A new process on an empty SQLite file: the leader adds it as a learner, it catches up from',
      "the log or a snapshot, then it is promoted to voter. Without an id it takes the next unused one; ids are never reused in a run. The graph's config line shows the steps.",
    ],
    parse: (a) => {
      atMost(a.words, 1, a.usage);
      const id = a.words[0];
      if (id !== undefined && !/^n[1-9][0-9]?$/.test(id)) fail(`'${id}' is not a node id (n1 … n99)`);
      return { node: id ?? null };
    },
    run: async (c, io) => {
      const store = useClusterStore();
      const added = await store.addNode(c.node ?? undefined);
      if (added === null) io.print('error', store.error ?? 'the lab refused');
      else io.print('ok', `${added} joins as a learner; it is promoted to voter once caught up`, added);
    },
  }),
  command({
    name: 'remove',
    aliases: ['rm'],
    usage: 'remove <node>',
    about: 'take a node out of the cluster (a leader hands over first)',
    details: [
      'The remaining voters commit the change, so a node that is down can be removed; its process stops and its file stays in the run folder.',
    ],
    complete: NODE_IDS,
    parse: (a, ctx) => {
      exactly(a.words, 1, a.usage);
      return { node: node(a.words[0], ctx, a.usage) };
    },
    run: (c, io) => io.control(() => useClusterStore().removeNode(c.node), `${c.node} removed`, null),
  }),
  command({
    name: 'transfer',
    usage: 'transfer <node>',
    about: 'hand leadership to a voter',
    details: ['The leader brings it up to date, then tells it to campaign at once (Raft §3.10).'],
    complete: NODE_IDS,
    parse: (a, ctx) => {
      exactly(a.words, 1, a.usage);
      return { node: node(a.words[0], ctx, a.usage) };
    },
    run: (c, io) => io.control(() => useClusterStore().transfer(c.node), `${c.node} leads`, c.node),
  }),
];
