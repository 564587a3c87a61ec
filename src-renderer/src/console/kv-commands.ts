/** The key-value commands: put, get, delete, cas and their kin, through the gateway. */
import { useClusterStore } from '../stores/cluster';
import { useRequestsStore } from '../stores/requests';
import { absentText } from './answers';
import { command } from './command';
import { exactly, key, node, value } from './grammar';
import { keyArg } from './args';

/** KV_COMMANDS are the key-value requests a user sends through the gateway. */
export const KV_COMMANDS = [
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
      'The leader confirms it still leads (ReadIndex) before it answers; (nil) means the key has no value: never written, or deleted.',
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
      // The live cluster answered (a replay's view may be of another): its read mode says what the empty answer is worth.
      const live = useClusterStore().live;
      const reads = live?.unsafe?.reads ?? live?.settings.unsafe?.reads;
      io.answer(r, r.value === null ? absentText(c.key, r.node, reads) : r.value, { op: 'get', key: c.key });
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
