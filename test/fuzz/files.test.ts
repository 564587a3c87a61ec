/**
 * Fuzzing what the lab reads from files: scenario files (`quorum-lab run FILE`, the
 * bundled ones as samples), saved runs (run.jsonl records, history.jsonl ops,
 * settings.json — as the lab's Open reads them and as the renderer checks and replays
 * them), histories for `quorum-lab check` (the lab's JSONL, Jepsen logs and EDN), and what
 * a node reads back from its own store (KV commands in log entries, snapshots). Inputs are
 * mutations of real samples, mutated text and random JSON (fuzz-kit.ts); the property is
 * a value or a clear error, never another throw, never a write to the input. What a
 * validator accepts is then used as the lab would use it (a saved run replayed into the
 * views' models), which must not throw either. FUZZ_CASES=N raises the number of cases.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import {
  validateHistoryOp,
  validateRunLogRecord,
  validateSavedRun as checkSavedRun,
  validateSavedSettings,
} from '../../src-main/api/saved-run';
import { HistoryError } from '../../src-main/check/history';
import { parseHistory } from '../../src-main/check/parse/formats';
import { decodeCommand, encodeCommand } from '../../src-main/core/kv/codec';
import { parseState } from '../../src-main/core/kv/snapshot';
import { bundledScenarios } from '../../src-main/scenario/bundled';
import { parseScenario, validateScenario } from '../../src-main/scenario/validate';
import { runSimulation } from '../../src-main/sim/run';
import { validateSavedRun, viewAt } from '../../src-renderer/src/model/replay';
import { RunModel } from '../../src-renderer/src/model/run-model';
import {
  KEYS,
  Rand,
  cases,
  contained,
  expectUnpolluted,
  fromChecked,
  fromValueOrError,
  fuzzCases,
  fuzzSeed,
  mutate,
  mutateText,
  show,
} from './fuzz-kit';

const ROOT = join(import.meta.dirname, '..', '..');

/** PROTO_NAMES: keys no validator of a listed shape may let through (none is a field of any lab format). */
const PROTO_NAMES = new Set(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf']);

/** protoKeyPath finds a prototype-named key anywhere in x (iteratively), or null. */
function protoKeyPath(x: unknown): string | null {
  const stack: [unknown, string][] = [[x, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    for (const k of Object.keys(v)) {
      if (!Array.isArray(v) && PROTO_NAMES.has(k)) return `${path}.${k}`;
      stack.push([(v as Record<string, unknown>)[k], Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`]);
    }
  }
  return null;
}

describe('fuzz: scenario files', () => {
  const samples = bundledScenarios();
  const keys = [
    'do',
    'is',
    'check',
    'op',
    'node',
    'nodes',
    'ms',
    'steps',
    'setup',
    'label',
    'until',
    'groups',
    'preset',
    'key',
    'value',
    'contrast',
    'expect',
    'unsafe',
    'protocols',
    'say',
    'requests',
    'count',
  ];

  it('validates mutated scenarios: a scenario or an error naming the field; no unknown field gets through', () => {
    expect(samples.length).toBeGreaterThan(5);
    let accepted = 0;
    for (const c of cases(61, fuzzCases(1200), samples, { keys, mutantShare: 0.9 })) {
      const out = contained(() => fromChecked(validateScenario(c.value)), c.where, c.value);
      if (!out.ok) continue;
      accepted++;
      const bad = protoKeyPath(out.value);
      if (bad !== null) expect.fail(`${c.where}: accepted a scenario with the field ${bad}: ${show(c.value)}`);
    }
    expect(accepted).toBeGreaterThan(0);
    expectUnpolluted('scenario');
  });

  it('parses mutated scenario text: a scenario or an error with the file and line', () => {
    const r = new Rand(fuzzSeed(62));
    const texts = samples.map((s) => JSON.stringify(s, null, 2));
    for (let i = 0; i < fuzzCases(800); i++) {
      const text = mutateText(r, r.pick(texts));
      const out = contained(() => fromChecked(parseScenario(text, 'x.json')), `scenario text case ${i}`, text);
      if (!out.ok) expect(out.error.startsWith('x.json'), out.error).toBe(true);
    }
  });
});

/** labRecords: records shaped as the lab's recorder writes them (kinds the simulator's log does not have). */
const LAB_RECORDS: RunLogRecord[] = [
  { t: 1e6, seq: 1, kind: 'cluster', protocol: 'raft', nodes: ['n1', 'n2', 'n3'] },
  { t: 2e6, seq: 2, kind: 'role', node: 'n1', role: 'leader', term: 2, leader: 'n1' },
  {
    t: 3e6,
    seq: 3,
    kind: 'send',
    id: 5,
    from: 'n1',
    to: 'n2',
    type: 'append',
    term: 2,
    mk: 'append',
    label: 'AppendEntries t2 [1..1] c=0',
    bytes: 120,
  },
  { t: 4e6, seq: 4, kind: 'deliver', id: 5, from: 'n1', to: 'n2', type: 'append' },
  {
    t: 5e6,
    seq: 5,
    kind: 'drop',
    id: 6,
    from: 'n1',
    to: 'n3',
    type: 'append',
    reason: 'loss',
    loss: 0.5,
    inFlight: true,
  },
  { t: 6e6, seq: 6, kind: 'client-invoke', client: 'console', f: 'put', key: 'a', value: '1', process: 0 },
  {
    t: 7e6,
    seq: 7,
    kind: 'client-complete',
    client: 'console',
    f: 'put',
    key: 'a',
    type: 'ok',
    node: 'n1',
    latencyMs: 2.5,
    preview: '1',
  },
  { t: 8e6, seq: 8, kind: 'link-rule', from: 'n1', to: 'n2', latencyMs: 200, loss: 0.1, both: true },
  { t: 9e6, seq: 9, kind: 'partition', groups: [['n1'], ['n2', 'n3']] },
  { t: 1e7, seq: 10, kind: 'heal' },
  {
    t: 1.1e7,
    seq: 11,
    kind: 'node-died',
    node: 'n2',
    code: 1,
    signal: null,
    origin: 'uncaught-exception',
    error: 'Error: x',
    stack: 'at y',
  },
  { t: 1.2e7, seq: 12, kind: 'node-added', node: 'n4' },
  { t: 1.3e7, seq: 13, kind: 'member-removed', node: 'n4' },
  { t: 1.4e7, seq: 14, kind: 'time-scale', scale: 0.1 },
  { t: 1.5e7, seq: 15, kind: 'commit', node: 'n1', commitIndex: 7, lastApplied: 7, lastIndex: 8 },
  { t: 1.6e7, seq: 16, kind: 'leader', node: 'n2', leader: 'n1' },
  { t: 1.7e7, seq: 17, kind: 'damage', node: 'n2', fault: 'log-tail', what: 'garbled log entries 5..7' },
  { t: 1.8e7, seq: 18, kind: 'pause', node: 'n3' },
  { t: 1.9e7, seq: 19, kind: 'resume', node: 'n3' },
  { t: 2e7, seq: 20, kind: 'restart', node: 'n2' },
];

/** simRecords: a short simulated run's log (its records share the lab's shape: t, seq, kind, fields). */
function simRecords(): RunLogRecord[] {
  const r = runSimulation({ seed: 3, nodes: 3, faultMs: 1500, log: true, check: false });
  const lines = (r as { log?: string[] }).log ?? [];
  // A spread of the run: every kind at least once.
  const byKind = new Map<string, RunLogRecord[]>();
  for (const l of lines) {
    const o = JSON.parse(l) as RunLogRecord;
    const list = byKind.get(o.kind) ?? [];
    if (list.length < 4) list.push({ ...o, seq: o.seq + 1 });
    byKind.set(o.kind, list);
  }
  return [...byKind.values()].flat();
}

describe('fuzz: saved runs (Open run…, and the renderer replaying them)', () => {
  const records = [...LAB_RECORDS, ...simRecords()];
  const ops = [
    { index: 0, time: 1e6, process: 0, type: 'invoke', f: 'put', key: 'a', value: '1' },
    { index: 1, time: 2e6, process: 0, type: 'ok', f: 'put', key: 'a', value: '1' },
    { index: 2, time: 3e6, process: 1, type: 'info', f: 'get', key: 'a', value: null },
  ];
  const settings = {
    nodes: 3,
    protocol: 'raft',
    heartbeatMs: 50,
    electionMs: 500,
    seed: 7,
    unsafe: { reads: 'lease' },
  };
  const keys = [
    't',
    'seq',
    'kind',
    'node',
    'from',
    'to',
    'role',
    'term',
    'commit',
    'commitIndex',
    'groups',
    'scale',
    'leader',
    'both',
    'blocked',
    'latencyMs',
    'loss',
    'bandwidth',
    'label',
    'type',
    'f',
    'key',
    'value',
    'index',
    'time',
    'process',
  ];

  it('validates mutated records, ops and settings: a value or an error naming the field', () => {
    for (const c of cases(71, fuzzCases(1500), [...records, ...ops, settings], { keys })) {
      contained(() => fromChecked(validateRunLogRecord(c.value)), c.where, c.value);
      contained(() => fromChecked(validateHistoryOp(c.value)), c.where, c.value);
      contained(() => fromChecked(validateSavedSettings(c.value)), c.where, c.value);
    }
    expectUnpolluted('saved records');
  });

  it('replays every run it accepts: the renderer folds the records into its models without a throw', () => {
    const r = new Rand(fuzzSeed(72));
    let replayed = 0;
    for (let i = 0; i < fuzzCases(250); i++) {
      // A run of 1..60 records, each a sample, a mutant, or random.
      const log = Array.from({ length: 1 + r.int(60) }, () =>
        r.chance(0.6) ? mutate(r, r.pick(records), { keys }) : r.pick(records),
      );
      const run = r.chance(0.8)
        ? { settings: r.chance(0.9) ? settings : mutate(r, settings), log, history: ops }
        : mutate(r, { settings, log, history: ops });
      const where = `saved run case ${i}`;
      const lab = contained(() => fromChecked(checkSavedRun(run)), where, run);
      const ui = contained(() => fromValueOrError(validateSavedRun(structuredClone(run))), where, run);
      expect(ui.ok, `${where}: the lab and the renderer disagree: ${show(run)}`).toBe(lab.ok);
      if (!ui.ok) continue;
      replayed++;
      const saved = ui.value as Parameters<typeof viewAt>[0];
      contained(
        () => {
          const m = new RunModel();
          for (const rec of saved.log) m.ingest(rec);
          for (const t of [0, 5e6, 1e7, Number.MAX_SAFE_INTEGER]) viewAt(saved, t);
          return { ok: true, value: m };
        },
        where,
        run,
        { maxMs: 3000 },
      );
    }
    expect(replayed).toBeGreaterThan(0);
  });
});

describe('fuzz: histories for `quorum-lab check`', () => {
  const fixtures = join(ROOT, 'test', 'check', 'fixtures');
  const texts = [
    readFileSync(join(fixtures, 'porcupine-kv', 'c01-ok.txt'), 'utf8').slice(0, 3000),
    readFileSync(join(fixtures, 'jepsen-etcd', 'etcd_000.log'), 'utf8').slice(0, 3000),
    [
      { index: 0, time: 1, process: 0, type: 'invoke', f: 'put', key: 'a', value: '1' },
      { index: 1, time: 2, process: 0, type: 'ok', f: 'put', key: 'a', value: '1' },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n'),
  ];

  it('reads mutated histories: events or a HistoryError saying what is wrong', () => {
    const r = new Rand(fuzzSeed(81));
    for (let i = 0; i < fuzzCases(800); i++) {
      const text = mutateText(r, r.pick(texts));
      contained(() => ({ ok: true, value: parseHistory(text) }), `history case ${i}`, text, { throws: [HistoryError] });
    }
  });
});

describe('fuzz: what a node reads back from its store', () => {
  it('decodes mutated KV commands (log entry data): a command or the error text', () => {
    const r = new Rand(fuzzSeed(91));
    const samples = [
      { client: 'c1', seq: 1, now: 1000, cmd: { op: 'put', key: 'k', value: 'v' } },
      { client: 'c1', seq: 2, now: 1001, cmd: { op: 'cas', key: 'k', expected: null, value: 'w' } },
      { client: 'c2', seq: 1, now: 5, cmd: { op: 'lock', name: 'l', owner: 'o', ttlMs: 100 } },
      { client: 'c2', seq: 2, now: 6, cmd: { op: 'renew', name: 'l', owner: 'o', token: 3, ttlMs: 100 } },
      { client: 'c2', seq: 3, now: 7, cmd: { op: 'fencedPut', key: 'f', value: 'v', token: 3 } },
    ].map((c) => encodeCommand(c as Parameters<typeof encodeCommand>[0]));
    for (let i = 0; i < fuzzCases(1500); i++) {
      const text = r.chance(0.5)
        ? mutateText(r, r.pick(samples))
        : JSON.stringify(
            mutate(r, JSON.parse(r.pick(samples)), {
              keys: [...KEYS, 'cmd', 'now', 'client', 'expected', 'owner', 'ttlMs', 'token'],
            }),
          );
      contained(() => fromValueOrError(decodeCommand(text)), `command case ${i}`, text);
    }
  });

  it('parses mutated KV snapshots: a state or the error text', () => {
    const r = new Rand(fuzzSeed(92));
    const samples = [
      '{"v":1,"appliedIndex":7,"clock":1000,"data":[["a","1"],["b","2"]],"locks":[],"sessions":[],"fenced":[]}',
    ];
    for (let i = 0; i < fuzzCases(1000); i++) {
      const text = mutateText(r, r.pick(samples));
      contained(() => fromValueOrError(parseState(text)), `snapshot case ${i}`, text);
    }
  });
});
