/**
 * One good call per command of the table (the arguments a caller passes), and refused
 * wire arguments with the message the row's validator gives. Shared by the table, HTTP
 * host, IPC and client tests; a command without a sample does not compile.
 */
import type { ArgsOf, CommandName, HostedLab } from '../../src-main/api/commands';

/** SAMPLES: one good argument list per command. */
export const SAMPLES: { [K in CommandName]: ArgsOf<K> } = {
  cluster: [],
  createCluster: [{ nodes: 5, protocol: 'paxos' }],
  crash: ['n2'],
  restart: ['n2'],
  pause: ['n3'],
  resume: ['n3'],
  damage: ['n2', 'log-tail'],
  inspect: ['n1'],
  addNode: [{ id: 'n4' }],
  removeNode: ['n3'],
  transfer: ['n2'],
  partition: [[['n1'], ['n2', 'n3']]],
  heal: [],
  partitionPreset: [{ preset: 'isolate', node: 'n2' }],
  setLink: [{ from: 'n1', to: 'n2', latencyMs: 200, jitterMs: 50, both: true }],
  setTimeScale: [0.1],
  setPauseOn: [{ role: true, commit: false }],
  continueRun: [],
  setBalance: ['weighted-round-robin', { n1: 3 }],
  kv: [{ op: 'put', key: 'a', value: '1' }],
  lock: [{ name: 'l', ttlMs: 1000, owner: 'me' }],
  renew: [{ name: 'l', ttlMs: 1000, owner: 'me', token: 4 }],
  unlock: [{ name: 'l', token: 4 }],
  fencedWrite: [{ key: 'f', value: 'v', token: 4 }],
  load: [{ op: 'put', count: 10, clients: 2 }],
  stopLoad: [],
  log: [7, 100],
  history: [{ key: 'a', from: 0, to: 5_000_000_000, limit: 100 }],
  check: [],
  message: [42],
  exportRun: ['run-1'],
  openRun: ['run-1'],
  version: [],
  scenarios: [],
  scenario: [],
  scenarioStart: [{ name: 'split-vote', protocol: 'raft', seed: 3 }],
  scenarioControl: ['next'],
  why: ['n2', 7],
  shards: [],
  moveShard: [{ shard: 7, group: 'g2' }],
  joinGroup: ['g4'],
  leaveGroup: ['g1'],
};

/** REFUSED: wire arguments a row's validator refuses, with (part of) its message. */
export const REFUSED: { name: CommandName; wire: unknown; error: string }[] = [
  { name: 'crash', wire: { id: '../etc' }, error: 'node id must be a node id like "n1", got "../etc"' },
  { name: 'crash', wire: 'n1', error: 'expected { id: "n1" }' },
  { name: 'heal', wire: { sneaky: true }, error: 'heal takes no argument' },
  { name: 'damage', wire: { id: 'n2', kind: 'bitrot' }, error: 'kind must be one of hardstate, log-tail, file' },
  { name: 'damage', wire: { id: 'n2', kind: 'file', how: 'badly' }, error: "damage request: unknown field 'how'" },
  { name: 'partition', wire: { groups: [['n1'], ['n1']] }, error: 'node n1 appears in more than one group' },
  { name: 'setLink', wire: { from: 'n1', to: 'n1' }, error: 'from and to must be different nodes (both are n1)' },
  { name: 'setLink', wire: { from: 'n1', to: 'n2', loss: 5 }, error: 'loss must be a probability in 0..1, got 5' },
  {
    name: 'setLink',
    wire: { from: 'n1', to: 'n2', bandwidth: -1 },
    error: 'bandwidth must be whole bytes a second in 0..1073741824 (0 = unlimited), got -1',
  },
  { name: 'setTimeScale', wire: { scale: 0 }, error: 'scale must be a number in 0.001..10' },
  { name: 'setPauseOn', wire: { role: true }, error: 'commit must be true or false' },
  { name: 'setPauseOn', wire: { role: true, commit: false, step: 1 }, error: "pause-on request: unknown field 'step'" },
  { name: 'kv', wire: { op: 'put', key: 'a', value: '1', extra: 1 }, error: "kv request: unknown field 'extra'" },
  { name: 'kv', wire: { op: 'put', key: '', value: 'x' }, error: 'key must be a string of 1–256 bytes' },
  { name: 'load', wire: { op: 'put', count: 10_000_000, clients: 1 }, error: 'count must be an integer in 1..200000' },
  { name: 'log', wire: { since: -1 }, error: 'since must be a non-negative integer' },
  { name: 'log', wire: { since: 1, limit: 'x' }, error: 'limit must be a non-negative integer' },
  { name: 'openRun', wire: {}, error: "name is required: the name of a saved run in the lab's data folder" },
  { name: 'openRun', wire: { name: '../etc' }, error: 'name must be' },
  { name: 'exportRun', wire: { name: '/tmp/x' }, error: 'name must be' },
  { name: 'setBalance', wire: { algorithm: 'fastest' }, error: 'algorithm must be one of' },
  { name: 'version', wire: { verbose: true }, error: 'version takes no argument' },
  { name: 'history', wire: { limit: 0 }, error: 'limit must be an integer in 1..20000' },
  { name: 'history', wire: { from: '-5' }, error: 'from must be a time in ns since the run began' },
  { name: 'history', wire: { from: 10, to: 5 }, error: 'to (5) must not be before from (10)' },
  { name: 'history', wire: { key: 'a', since: 3 }, error: "history query: unknown field 'since'" },
  { name: 'check', wire: { verbose: true }, error: 'check takes no argument' },
  { name: 'partitionPreset', wire: { preset: 'isolate' }, error: 'node is required by the isolate preset' },
  { name: 'partitionPreset', wire: { preset: 'halves', node: 'n1' }, error: 'node: the halves preset takes no node' },
  { name: 'partitionPreset', wire: { preset: 'pentagon' }, error: 'preset must be one of halves, isolate-leader' },
  { name: 'scenarioStart', wire: { name: '../x' }, error: 'name must be a scenario name like "split-vote"' },
  { name: 'scenarioStart', wire: { name: 'split-vote', contrast: 0 }, error: 'contrast must be an integer in 1..8' },
  { name: 'scenarioControl', wire: { action: 'rewind' }, error: 'action must be one of next, auto, stop' },
  { name: 'addNode', wire: { id: 'node4' }, error: 'id must be a node id like "n1", got "node4"' },
  { name: 'addNode', wire: { id: 'n4', voter: true }, error: "add-node request: unknown field 'voter'" },
  { name: 'removeNode', wire: { id: 'n100' }, error: 'node id must be a node id like "n1"' },
  { name: 'transfer', wire: { to: 5 }, error: 'to must be a node id like "n1", got 5' },
  { name: 'transfer', wire: { to: 'n2', force: true }, error: "transfer request: unknown field 'force'" },
  { name: 'why', wire: { id: 'n1', entry: 0 }, error: 'entry must be a log index (an integer ≥ 1), got 0' },
  { name: 'why', wire: { id: 'n1', entry: '7x' }, error: 'entry must be a log index (an integer ≥ 1), got "7x"' },
  { name: 'why', wire: { id: 'n1', entry: 1.5 }, error: 'entry must be a log index' },
  { name: 'why', wire: { id: 'x1' }, error: 'node id must be a node id like "n1"' },
  { name: 'why', wire: { id: 'n1', term: 3 }, error: "why: unknown field 'term' (only id and entry)" },
  { name: 'moveShard', wire: { shard: 64, group: 'g2' }, error: 'shard must be an integer in 0..63, got 64' },
  { name: 'moveShard', wire: { shard: 1, group: 'n2' }, error: 'group must be a group id like "g2", got "n2"' },
  { name: 'moveShard', wire: { shard: 1, group: 'g2', to: 'g3' }, error: "a shard move: unknown field 'to'" },
  { name: 'joinGroup', wire: { group: 'g0' }, error: 'group must be a group id like "g2"' },
  { name: 'leaveGroup', wire: 'g1', error: 'body must be an object {group}' },
  { name: 'shards', wire: { all: true }, error: 'shards takes no argument' },
];

/** recordingLab answers every command with `answer(name, args)` (default: its own name) and records each call's arguments; `on` subscribes to nothing. */
export function recordingLab(answer: (name: string, a: unknown[]) => unknown = (name) => ({ called: name })): {
  lab: HostedLab;
  calls: unknown[][];
} {
  const calls: unknown[][] = [];
  const lab = new Proxy(
    {},
    {
      get(_t, name) {
        if (name === 'on') return () => () => undefined;
        // Not a thenable: awaiting the lab itself must not call a command.
        if (typeof name !== 'string' || name === 'then') return undefined;
        return async (...a: unknown[]) => {
          calls.push([name, ...a]);
          return answer(name, a);
        };
      },
    },
  ) as HostedLab;
  return { lab, calls };
}
