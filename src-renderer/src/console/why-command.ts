/**
 * The console's Explain command: `why <node>` (why it is in its role, last started an
 * election, stepped down, refused a vote) and `why <node> entry <N>` (why entry N is or is
 * not committed on it). An entry of the command table (./commands.ts), written like the
 * others; it runs over a replayed run too (the role question), so it is local.
 */
import { useWhyStore } from '../stores/why';
import { command, NODE_IDS } from './command';
import { fail, int, node } from './grammar';

/** WHY_COMMANDS is the why entry. */
export const WHY_COMMANDS = [
  command({
    name: 'why',
    usage: 'why <node> [entry N]',
    about: 'explain a node: why it is in its role, or why entry N is (not) committed on it',
    details: [
      'why n2: why n2 is follower/candidate/leader, its last election, step-down and refused vote, with the run-log records.',
      'why n2 entry 7 (or why n2 7): which nodes store entry 7, the quorum needed, the leader and whom it reaches.',
      'The node inspector answers the same when you click the role or an entry of the log.',
    ],
    complete: NODE_IDS,
    local: true,
    parse: (a, ctx) => {
      const [who, ...rest] = a.words;
      const n = node(who, ctx, a.usage);
      if (rest[0]?.toLowerCase() === 'entry') rest.shift();
      if (rest.length > 1) fail(`too many arguments: ${a.usage}`);
      if (rest.length === 0 && a.words.length > 1) fail(`missing entry index: ${a.usage}`);
      const entry = rest.length === 0 ? null : int(rest[0], 'entry', 1, Number.MAX_SAFE_INTEGER);
      return { node: n, entry };
    },
    run: async (c, io) => {
      const store = useWhyStore();
      const a = await store.ask(c.node, c.entry);
      if (!a) return io.print('error', store.error ?? 'no answer', c.node);
      io.print('info', a.summary, c.node, store.latencyMs);
      if (a.lines.length > 0) io.print('info', a.lines.join('\n'));
      if (a.cites.length > 0) io.print('info', ['run log:', ...a.cites.map((x) => `  ${x.text}`)].join('\n'));
    },
  }),
];
