/**
 * The console command table: every command the README documents has an entry with help,
 * and every entry's line goes parse → run → the store action → the lab (a fake) → the
 * answer a user reads. Fresh Pinia and fake lab per test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UNSAFE_DEFAULTS } from '../../src-main/api/unsafe';
import { setLabClient } from '../../src-renderer/src/api/lab-client';
import { COMMANDS, findCommand, helpLine } from '../../src-renderer/src/console/commands';
import { complete, parse } from '../../src-renderer/src/console/parse';
import { useClusterStore } from '../../src-renderer/src/stores/cluster';
import { useConnectionStore } from '../../src-renderer/src/stores/connection';
import { useConsoleStore } from '../../src-renderer/src/stores/console';
import { useReplayStore } from '../../src-renderer/src/stores/replay';
import { FakeLabClient, type Call } from './fake-client';

let fake: FakeLabClient;

beforeEach(async () => {
  setActivePinia(createPinia());
  fake = new FakeLabClient(3);
  setLabClient(fake);
  await useConnectionStore().connect();
});
afterEach(() => setLabClient(null));

/** readmeCommands returns the first word of every command the README's console table documents. */
function readmeCommands(): string[] {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  const section = /^## The console\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
  const firstColumns = section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => l.split(/(?<!\\)\|/)[1] ?? '');
  return firstColumns.flatMap((col) => [...col.matchAll(/`([^`\s]+)[^`]*`/g)].map((m) => m[1]!));
}

/** Example is one line per command, what the lab is asked and what the console answers. */
interface Example {
  line: string;
  /** call: the fake lab's last call (method, and args when the fake records them); null: no call. */
  call: Partial<Call> | null;
  text: string | RegExp;
  kind?: string;
}

const EXAMPLES: Record<string, Example> = {
  put: { line: 'put a 1', call: { method: 'kv', args: [{ op: 'put', key: 'a', value: '1' }] }, text: 'OK' },
  get: {
    line: 'get a',
    call: { method: 'kv', args: [{ op: 'get', key: 'a' }] },
    text: /^\(nil\) — a has no value \(never written, or deleted\); a linearizable read/,
  },
  del: { line: 'del a', call: { method: 'kv', args: [{ op: 'delete', key: 'a' }] }, text: 'deleted' },
  cas: {
    line: 'cas a nil 2',
    call: { method: 'kv', args: [{ op: 'cas', key: 'a', expected: null, value: '2' }] },
    text: 'swapped',
  },
  crash: { line: 'crash n2', call: { method: 'crash', args: ['n2'] }, text: 'n2 crashed' },
  damage: {
    line: 'damage n2 log-tail',
    call: { method: 'damage', args: ['n2', 'log-tail'] },
    text: 'garbled the log-tail: restart n2 and it recovers from its peers before it votes again',
    kind: 'info',
  },
  restart: { line: 'restart n2', call: { method: 'restart', args: ['n2'] }, text: 'n2 restarted' },
  pause: { line: 'pause n3', call: { method: 'pause', args: ['n3'] }, text: 'n3 paused' },
  resume: { line: 'resume n3', call: { method: 'resume', args: ['n3'] }, text: 'n3 resumed' },
  inspect: { line: 'inspect n2', call: null, text: 'inspecting n2', kind: 'info' },
  add: {
    line: 'add',
    call: { method: 'addNode', args: [{}] },
    text: 'n4 joins as a learner; it is promoted to voter once caught up',
  },
  remove: { line: 'remove n3', call: { method: 'removeNode', args: ['n3'] }, text: 'n3 removed' },
  transfer: { line: 'transfer n2', call: { method: 'transfer', args: ['n2'] }, text: 'n2 leads' },
  why: {
    line: 'why n2 entry 1',
    call: { method: 'why', args: ['n2', 1] },
    text: /^No commit record of a leader covering it is kept.*\nWhere entry 1 is \(2 of 3 needed\):\n {2}n1: stores it/,
    kind: 'info',
  },
  partition: {
    line: 'partition n1 | n2,n3',
    call: { method: 'partition', args: [[['n1'], ['n2', 'n3']]] },
    text: 'partitioned n1 | n2,n3',
  },
  heal: { line: 'heal', call: { method: 'heal', args: [] }, text: 'healed: every cut and link rule removed' },
  latency: {
    line: 'latency n1->n2 200ms ±50ms',
    call: { method: 'setLink', args: [{ from: 'n1', to: 'n2', both: false, latencyMs: 200, jitterMs: 50 }] },
    text: 'n1->n2 latency 200 ms ±50 ms',
  },
  bandwidth: {
    line: 'bandwidth n1->n2 64KiB/s',
    call: { method: 'setLink', args: [{ from: 'n1', to: 'n2', both: false, bandwidth: 65536 }] },
    text: 'n1->n2 limited to 64 KiB/s',
  },
  loss: {
    line: 'loss n1<->n3 10%',
    call: { method: 'setLink', args: [{ from: 'n1', to: 'n3', both: true, loss: 0.1 }] },
    text: 'n1<->n3 loss 10%',
  },
  dup: {
    line: 'dup n1->n2 5%',
    call: { method: 'setLink', args: [{ from: 'n1', to: 'n2', both: false, duplicate: 0.05 }] },
    text: 'n1->n2 duplication 5%',
  },
  block: {
    line: 'block n1->n2',
    call: { method: 'setLink', args: [{ from: 'n1', to: 'n2', both: false, blocked: true }] },
    text: 'n1->n2 cut',
  },
  unblock: {
    line: 'unblock n2<->n3',
    call: { method: 'setLink', args: [{ from: 'n2', to: 'n3', both: true, blocked: false }] },
    text: 'n2<->n3 restored',
  },
  load: {
    line: 'load get 10 --clients 2',
    call: { method: 'load', args: [{ op: 'get', count: 10, clients: 2 }] },
    text: /^load get ×10: 10 ok, 0 fail, 0 unknown in 2\.00 s — 5 ops\/s/,
  },
  balance: {
    line: 'balance weighted-round-robin n1=3,n2=1',
    call: { method: 'setBalance', args: ['weighted-round-robin', { n1: 3, n2: 1 }] },
    text: 'balancer: weighted-round-robin',
  },
  lock: { line: 'lock jobs 5s alice', call: { method: 'lock' }, text: 'locked jobs for alice, token 7' },
  renew: { line: 'renew jobs 5s alice 7', call: { method: 'renew' }, text: 'renewed jobs, token 7' },
  unlock: {
    line: 'unlock jobs 7',
    call: { method: 'unlock' },
    text: 'not unlocked: token 7 no longer holds jobs — it expired or was released; lock it again for a new token',
    kind: 'fail',
  },
  fenced: { line: 'fenced file v1 7', call: { method: 'fencedWrite' }, text: 'wrote file with token 7' },
  shards: {
    line: 'shards',
    call: { method: 'shards' },
    text: 'g1 (n4,n5,n6; leader n4; at configuration 1): shards 0 1\ng2 (n7,n8,n9; leader n7; at configuration 1): shards 2 3',
    kind: 'info',
  },
  move: {
    line: 'move 1 g2',
    call: { method: 'moveShard', args: [{ shard: 1, group: 'g2' }] },
    text: /^configuration 2 · 4 shards by hash range · controller n1,n2,n3\ng1 .*: shards 0\ng2 .*: shards 1 2 3$/,
    kind: 'info',
  },
  join: {
    line: 'join g2',
    call: { method: 'joinGroup', args: ['g2'] },
    text: /^g1 \(n4,n5,n6.*\): shards 0 1$/m,
    kind: 'info',
  },
  leave: {
    line: 'leave g2',
    call: { method: 'leaveGroup', args: ['g2'] },
    text: /g2 \(n7,n8,n9; leader n7; not joined\): no shards/,
    kind: 'info',
  },
  speed: { line: 'speed 0.1', call: { method: 'setTimeScale', args: [0.1] }, text: 'timers at 0.1× speed' },
  'freeze-on': {
    line: 'freeze-on role,commit',
    call: { method: 'setPauseOn', args: [{ role: true, commit: true }] },
    text: 'the cluster freezes on a role change or a commit',
  },
  continue: {
    line: 'continue',
    call: { method: 'continueRun' },
    text: 'the cluster is not frozen: nothing to continue',
    kind: 'error',
  },
  cluster: {
    line: 'cluster 5 raft reads=local fsync=off',
    call: {
      method: 'createCluster',
      args: [{ nodes: 5, protocol: 'raft', unsafe: { ...UNSAFE_DEFAULTS, reads: 'local', fsync: false } }],
    },
    text: 'a fresh 5-node cluster (raft) — UNSAFE: reads=local, fsync=false',
  },
  export: {
    line: 'export x',
    call: { method: 'exportRun', args: ['x'] },
    text: 'exported to /runs/x (run.jsonl, history.jsonl, settings.json)',
  },
  check: {
    line: 'check',
    call: { method: 'check' },
    text: 'linearizable: 12 operations on 2 keys checked',
  },
  history: { line: 'history a', call: { method: 'history' }, text: 'history view open on key a', kind: 'info' },
  clear: { line: 'clear', call: null, text: '' },
  help: { line: 'help', call: null, text: 'Tab completes commands and node ids; ↑/↓ walk the history.', kind: 'info' },
};

describe('console command table', () => {
  it('has an entry, with help, for every command the README documents', () => {
    const documented = readmeCommands();
    expect(documented.length).toBeGreaterThanOrEqual(26);
    for (const name of documented) {
      const c = findCommand(name);
      expect(c, `README command '${name}'`).toBeDefined();
      expect(c!.usage.startsWith(c!.name), c!.usage).toBe(true);
      expect(c!.about.length, `${name} about`).toBeGreaterThan(3);
    }
    // …and documents every entry the table has.
    expect(COMMANDS.map((c) => c.name).filter((n) => !documented.includes(n))).toEqual([]);
  });

  it('has one example below per entry (a new entry needs its parse → run test)', () => {
    expect(COMMANDS.map((c) => c.name).sort()).toEqual(Object.keys(EXAMPLES).sort());
  });

  it.each(Object.entries(EXAMPLES))('%s: the line reaches the lab and prints the answer', async (name, ex) => {
    const con = useConsoleStore();
    expect(parse(ex.line, { nodes: ['n1', 'n2', 'n3'] }).ok, ex.line).toBe(true);
    if (name === 'resume') await con.run('pause n3');
    if (name === 'damage') await con.run('crash n2');
    const before = fake.calls.length;
    await con.run(ex.line);
    const calls = fake.calls.slice(before);
    if (ex.call === null) expect(calls).toEqual([]);
    // A command may read the cluster back after its own call (add does): find its call by method.
    else expect(calls.find((c) => c.method === ex.call!.method) ?? calls.at(-1)).toMatchObject(ex.call);
    if (name === 'clear') return expect(con.lines).toEqual([]);
    const last = con.lines.at(-1)!;
    if (typeof ex.text === 'string') expect(last.text).toBe(ex.text);
    else expect(last.text).toMatch(ex.text);
    expect(last.kind).toBe(ex.kind ?? 'ok');
  });

  it('help <command> prints that entry’s usage, meaning and details; help lists every entry', async () => {
    const con = useConsoleStore();
    await con.run('help latency');
    const text = con.lines.at(-1)!.text;
    expect(text.split('\n')[0]).toBe('latency n1->n2 200ms ±50ms — delay a link (n1<->n2 for both directions)');
    expect(text).toContain('+-50ms');
    await con.run('help delete');
    expect(con.lines.at(-1)!.text).toMatch(/^del <key> — delete a key\n.*also written: delete/);
    await con.run('clear');
    await con.run('help');
    const shown = con.lines.filter((l) => l.kind === 'info').map((l) => l.text);
    for (const c of COMMANDS) expect(shown).toContain(helpLine(c));
  });

  it('damage: only a down node, and only one of the three kinds', async () => {
    const con = useConsoleStore();
    expect(parse('damage n2 bitrot', { nodes: ['n1', 'n2'] })).toMatchObject({
      ok: false,
      error: "unknown damage 'bitrot' (one of hardstate, log-tail, file): damage <node> hardstate|log-tail|file",
    });
    await con.run('damage n2 hardstate');
    expect(con.lines.at(-1)).toMatchObject({ kind: 'error', text: 'n2 is up; crash it first' });
    await con.run('help damage');
    expect(con.lines.at(-1)!.text).toMatch(/hardstate: the term\/vote record fails its checksum/);
  });

  it('partition takes the presets too, with the nodes each needs', async () => {
    const ctx = { nodes: ['n1', 'n2', 'n3'] };
    const con = useConsoleStore();
    await con.run('partition isolate n2');
    expect(fake.calls.at(-1)).toMatchObject({ method: 'partitionPreset', args: [{ preset: 'isolate', node: 'n2' }] });
    expect(con.lines.at(-1)!.text).toBe('isolated n2');
    expect(fake.view.groups).toEqual([['n2'], ['n1', 'n3']]);
    expect(parse('partition bridge n3', ctx)).toMatchObject({
      ok: true,
      command: { cmd: 'partition', preset: { preset: 'bridge', node: 'n3' } },
    });
    expect(parse('partition ring', ctx)).toMatchObject({
      ok: true,
      command: { preset: { preset: 'majorities-ring' } },
    });
    expect(parse('partition one-way n1->n3', ctx)).toMatchObject({
      ok: true,
      command: { preset: { preset: 'one-way', from: 'n1', to: 'n3' } },
    });
    expect(parse('partition isolate', ctx)).toMatchObject({ ok: false });
    expect(parse('partition halves n1', ctx)).toMatchObject({ ok: false });
    expect(parse('partition one-way n1<->n3', ctx)).toMatchObject({ ok: false, error: /one direction/ });
    expect(parse('partition bridge n7', ctx)).toMatchObject({ ok: false });
    // Not a preset word: the groups grammar, as before.
    expect(parse('partition n1 | n2,n3', ctx)).toMatchObject({ ok: true, command: { groups: [['n1'], ['n2', 'n3']] } });
  });

  it('get on <node> asks that node only; anything else after the key is refused', async () => {
    const ctx = { nodes: ['n1', 'n2', 'n3'] };
    const con = useConsoleStore();
    await con.run('get a on n2');
    expect(fake.calls.at(-1)).toMatchObject({ method: 'kv', args: [{ op: 'get', key: 'a', node: 'n2' }] });
    expect(parse('get a on n9', ctx)).toMatchObject({ ok: false });
    expect(parse('get a at n2', ctx)).toMatchObject({ ok: false, error: /get <key> \[on <node>\]/ });
    expect(parse('get a "on" n2', ctx)).toMatchObject({ ok: false });
    expect(parse('get a n2', ctx)).toMatchObject({ ok: false });
    expect(parse('get on', ctx)).toMatchObject({ ok: true, command: { key: 'on' } });
  });

  it('aliases parse to the same command as the name', () => {
    const ctx = { nodes: ['n1', 'n2'] };
    expect(parse('delete a', ctx)).toEqual(parse('del a', ctx));
    expect(parse('duplicate n1->n2 5%', ctx)).toEqual(parse('dup n1->n2 5%', ctx));
  });

  it('Tab completes what each entry says: node ids, algorithms, command names after help', () => {
    const nodes = ['n1', 'n2', 'n3'];
    expect(complete('dup n1->', nodes).options).toEqual(nodes);
    expect(complete('duplicate n1->n', nodes).options).toEqual(nodes);
    expect(complete('balance power', nodes).line).toBe('balance power-of-two ');
    expect(complete('help par', nodes).line).toBe('help partition ');
    expect(complete('put ', nodes).options).toEqual([]);
  });

  it('while a saved run is replayed, only the entries that touch no live cluster run', async () => {
    fake.savedRuns.set('a', { settings: fake.view.settings, log: [], history: [] });
    expect(await useReplayStore().open('/runs/a')).toBe(true);
    const con = useConsoleStore();
    const before = fake.calls.length;
    for (const c of COMMANDS) {
      await con.run(EXAMPLES[c.name]!.line);
      const refused = con.lines.at(-1)?.text.includes('replaying a saved run') ?? false;
      expect(refused, c.name).toBe(!c.local);
    }
    expect(fake.calls.length).toBe(before);
    // why answers over the replayed run itself (its role question; an entry needs the live cluster).
    expect(COMMANDS.filter((c) => c.local).map((c) => c.name)).toEqual(['why', 'check', 'history', 'clear', 'help']);
    expect(useClusterStore().selectedNode).toBeNull();
  });
});
