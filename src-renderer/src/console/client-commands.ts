/** The client-side commands: bounded load, the load balancer, locks and leases. */
import type { BalanceAlgorithm } from '../../../src-main/api/contract';
import { MAX_LOAD_CLIENTS, MAX_LOAD_COUNT } from '../../../src-main/api/schemas';
import { BALANCE_ALGORITHMS } from '../../../src-main/core/balance/types';
import { MAX_TTL_MS } from '../../../src-main/core/kv/types';
import { useClusterStore } from '../stores/cluster';
import { useRequestsStore } from '../stores/requests';
import { loadText } from './answers';
import { ALGORITHMS, command } from './command';
import {
  atMost,
  exactly,
  fail,
  int,
  key,
  node,
  parseDuration,
  token,
  value,
  type Args,
  type ParseContext,
} from './grammar';

/** CLIENT_COMMANDS run load, pick the balancer and take locks. */
export const CLIENT_COMMANDS = [
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
