/**
 * The console's commands about consistency: `check` prints the run's linearizability
 * verdict (and for a violation its sentence and window), `history [key]` opens the
 * history view. Entries of the command table (./commands.ts), written like the others;
 * both also work on a replayed run.
 */
import { verdictLines } from '../model/history-verdict';
import { useCheckStore } from '../stores/check';
import { useHistoryStore } from '../stores/history';
import { useReplayStore } from '../stores/replay';
import { command } from './command';
import { atMost, exactly, key } from './grammar';

/** CHECK_COMMANDS are the check and history entries. */
export const CHECK_COMMANDS = [
  command({
    name: 'check',
    usage: 'check',
    about: "is the run's client history linearizable? (the header's verdict, with its reason)",
    details: [
      'Every completed operation is checked as it completes; a violation names the key, the time, what went wrong',
      'and the smallest window of operations that cannot be ordered. On a replayed run: the saved run’s verdict.',
    ],
    local: true,
    parse: (a) => {
      exactly(a.words, 0, a.usage);
      return {};
    },
    run: async (_c, io) => {
      const check = useCheckStore();
      const replaying = useReplayStore().active;
      const v = replaying ? check.displayed : await check.refresh();
      if (!v) return io.print('error', check.error ?? 'no verdict yet: the saved run is still being checked');
      const kind = v.linearizable === true ? 'ok' : v.linearizable === false ? 'fail' : 'unknown';
      const [first, ...rest] = verdictLines(v, replaying);
      io.print(kind, first ?? '');
      if (rest.length > 0) io.print('info', rest.join('\n'));
    },
  }),
  command({
    name: 'history',
    usage: 'history [key]',
    about: 'open the history view (a lane per client, a bar per operation), optionally on one key',
    local: true,
    parse: (a) => {
      atMost(a.words, 1, a.usage);
      return { key: a.words[0] === undefined ? null : key(a.words[0], a.usage) };
    },
    run: async (c, io) => {
      const h = useHistoryStore();
      h.show();
      await h.setKey(c.key);
      io.print('info', c.key === null ? 'history view open' : `history view open on key ${c.key}`);
    },
  }),
];
