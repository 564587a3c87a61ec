/**
 * Fuzzing what crosses the lab's sockets: protocol messages (Raft, Multi-Paxos) as a node
 * validates them, the router link's binary message frames, the JSON frame stream of the
 * client port and the router (Hello, requests, answers, batches), a peer-closed frame, the
 * host → node IPC messages and the remote agent's control frames. Every input is a
 * mutation of a real sample or random JSON (fuzz-kit.ts); the property is that each
 * validator answers a value or a clear error, never throws, never writes to its input,
 * and that what it accepts it accepts again (a validated message re-validates to itself).
 * FUZZ_CASES=N raises the number of cases.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { validateMessage, type ProtocolName } from '../../src-main/core/protocols';
import { parseConfChange } from '../../src-main/core/raft/validate';
import { RAFT_MESSAGE_TYPES } from '../../src-main/core/raft/messages';
import { PAXOS_MESSAGE_TYPES } from '../../src-main/core/paxos/messages';
import type { MessageBase } from '../../src-main/core/types';
import {
  FrameDecoder,
  RawFrameDecoder,
  batchItems,
  encodeFrame,
  parseJsonFrame,
  validateClientRequest,
  validateClientResponse,
  validateHello,
} from '../../src-main/node/frames';
import { decodeMsgFrame, encodeMsgFrame, readMsgHeader } from '../../src-main/node/msg-frame';
import { validatePeerClosed } from '../../src-main/node/peer-closed-frame';
import { validateHostToNode } from '../../src-main/node/ipc';
import { validateAgentToLab, validateLabToAgent } from '../../src-main/node/remote-contract';
import {
  Rand,
  cases,
  contained,
  expectUnpolluted,
  fromValueOrError,
  fuzzCases,
  fuzzSeed,
  mutateBytes,
  mutateText,
  show,
} from './fuzz-kit';
import { harvestMessages } from './samples';

const MESSAGE_KEYS = [
  'type',
  'from',
  'to',
  'term',
  'entries',
  'prevIndex',
  'prevTerm',
  'commit',
  'index',
  'reject',
  'rejectHint',
  'logTerm',
  'ctx',
  'snapshot',
  'conf',
  'voters',
  'learners',
  'votersOutgoing',
  'data',
  'recovering',
  'boot',
  'epoch',
  'lo',
  'hi',
  'seq',
  'hbCommit',
  'fromIndex',
  'force',
  'ballot',
  'lastIndex',
  'lastTerm',
  'transfer',
];

const messages: Record<ProtocolName, MessageBase[]> = { raft: [], paxos: [] };

beforeAll(() => {
  messages.raft = harvestMessages('raft');
  messages.paxos = harvestMessages('paxos');
});

describe.each(['raft', 'paxos'] as const)('fuzz: %s messages as a node validates them', (protocol) => {
  const types: readonly string[] = protocol === 'raft' ? RAFT_MESSAGE_TYPES : PAXOS_MESSAGE_TYPES;

  it('the harvest holds every message type, and the validator accepts each sample as it is', () => {
    const got = new Set(messages[protocol].map((m) => m.type));
    // Every type the protocol sends in a faulty run with membership changes (timeoutNow needs a transfer).
    for (const t of types) if (t !== 'timeoutNow') expect(got, `${protocol} harvest has no ${t}`).toContain(t);
    for (const m of messages[protocol]) {
      const v = validateMessage(protocol, m);
      expect(typeof v, `${show(m)}: ${String(v)}`).toBe('object');
    }
  });

  it('answers every mutated or random message with a message or a clear error; what it accepts re-validates to itself', () => {
    const n = fuzzCases(2500);
    let accepted = 0;
    for (const c of cases(protocol === 'raft' ? 11 : 12, n, messages[protocol], {
      keys: MESSAGE_KEYS,
      strings: [...types, 'normal', 'noop', 'config'],
    })) {
      const out = contained(() => fromValueOrError(validateMessage(protocol, c.value)), c.where, c.value);
      if (!out.ok) continue;
      accepted++;
      // A fresh object of known fields: re-validating it (and its JSON) gives the same message.
      const json = JSON.stringify(out.value);
      const again = validateMessage(protocol, JSON.parse(json));
      if (typeof again === 'string' || JSON.stringify(again) !== json)
        expect.fail(`${c.where}: accepted ${json.slice(0, 300)}, but not again: ${show(again)}`);
      if (Object.getPrototypeOf(out.value) !== Object.prototype)
        expect.fail(`${c.where}: the message has another prototype`);
    }
    // Mutations keep many messages valid (a changed data string, a dropped optional field): both paths are exercised.
    expect(accepted).toBeGreaterThan(n / 20);
    expect(accepted).toBeLessThan(n);
    expectUnpolluted(protocol);
  });

  it('reads mutated binary message frames (header and message) with a value or a clear error', () => {
    const n = fuzzCases(1500);
    const r = new Rand(fuzzSeed(protocol === 'raft' ? 21 : 22));
    const frames = messages[protocol].map((m) => encodeMsgFrame('other', m, { label: `${m.type} t${m.term}` }));
    for (let i = 0; i < n; i++) {
      const f = mutateBytes(r, r.pick(frames));
      const where = `${protocol} frame case ${i}`;
      // The router reads the header alone; a node reads the whole frame and validates the message.
      contained(() => fromValueOrError(readMsgHeader(f)), where, f);
      const d = contained(() => fromValueOrError(decodeMsgFrame(f)), where, f);
      if (d.ok) {
        const { msg } = d.value as { msg: unknown };
        contained(() => fromValueOrError(validateMessage(protocol, msg)), where, f);
      }
    }
  });

  it('answers config entry data (a ConfChange in JSON text) with a change or a clear error', () => {
    const r = new Rand(fuzzSeed(31));
    const samples = [
      '{"type":"addLearner","node":"n6"}',
      '{"type":"promote","node":"n6"}',
      '{"type":"remove","node":"n2"}',
    ];
    for (let i = 0; i < fuzzCases(1000); i++) {
      const text = mutateText(r, r.pick(samples));
      contained(() => fromValueOrError(parseConfChange(text)), `conf change case ${i}`, text);
    }
  });
});

describe('fuzz: JSON frame streams (client port, router Hello, gateway answers)', () => {
  const hello = { t: 'hello', token: 'a'.repeat(48), from: 'n1', batch: true };
  const req = { t: 'req', id: 7, client: 'gw-1', seq: 3, op: { op: 'put', key: 'k', value: 'v' }, timeoutMs: 2000 };
  const cas = {
    t: 'req',
    id: 8,
    client: 'gw-1',
    seq: 4,
    op: { op: 'cas', key: 'k', expected: null, value: 'v' },
    timeoutMs: 5,
  };
  const lock = {
    t: 'req',
    id: 9,
    client: 'c',
    seq: 1,
    op: { op: 'lock', name: 'l', owner: 'o', ttlMs: 1000 },
    timeoutMs: 1,
  };
  const res = { t: 'res', id: 7, outcome: 'ok', result: { ok: true, value: 'v' }, node: 'n1', leader: 'n1' };
  const fail = { t: 'res', id: 7, outcome: 'fail', result: null, node: 'n2', leader: null, error: 'not-leader' };
  const reqs = { t: 'reqs', reqs: [req, cas] };
  const ress = { t: 'ress', ress: [res, fail] };
  const samples = [hello, req, cas, lock, res, fail, reqs, ress];
  const keys = [
    't',
    'token',
    'from',
    'batch',
    'id',
    'client',
    'seq',
    'op',
    'timeoutMs',
    'outcome',
    'result',
    'node',
    'leader',
    'error',
    'reqs',
    'ress',
    'allowFollowerRead',
    'key',
    'value',
    'expected',
    'name',
    'owner',
    'ttlMs',
  ];

  /** validateAny runs the validator a reader would for this frame's tag. */
  function validateAny(x: unknown): unknown {
    const o = x as Record<string, unknown>;
    if (o.t === 'reqs' || o.t === 'ress') {
      const items = batchItems(o, o.t);
      if (typeof items === 'string') return items;
      for (const it of items) {
        const v = o.t === 'reqs' ? validateClientRequest(it) : validateClientResponse(it);
        if (typeof v === 'string') return v;
      }
      return o;
    }
    return (
      [validateHello, validateClientRequest, validateClientResponse]
        .map((f) => f(x))
        .find((v) => typeof v !== 'string') ?? validateClientRequest(x)
    );
  }

  it('validates mutated and random frames: a frame or a clear error', () => {
    let accepted = 0;
    for (const c of cases(41, fuzzCases(1500), samples, {
      keys,
      strings: ['hello', 'req', 'res', 'reqs', 'ress', 'ok', 'fail', 'unknown'],
    })) {
      for (const f of [validateHello, validateClientRequest, validateClientResponse, validatePeerClosed])
        contained(() => fromValueOrError(f(c.value)), c.where, c.value);
      if (typeof c.value === 'object' && c.value !== null && !Array.isArray(c.value)) {
        const o = contained(() => fromValueOrError(validateAny(c.value)), c.where, c.value);
        if (o.ok) accepted++;
      }
    }
    expect(accepted).toBeGreaterThan(0);
    expectUnpolluted('frames');
  });

  it('decodes a stream of mutated frames cut at random places: frames and at most one error, never a throw', () => {
    const r = new Rand(fuzzSeed(42));
    for (let i = 0; i < fuzzCases(600); i++) {
      const parts = Array.from({ length: 1 + r.int(4) }, () => encodeFrame(r.pick(samples)));
      let bytes: Buffer = Buffer.concat(parts);
      if (r.chance(0.8)) bytes = mutateBytes(r, bytes);
      const where = `stream case ${i}`;
      for (const firstMax of [64 * 1024, 4096]) {
        const d = new FrameDecoder(1024 * 1024, firstMax);
        const raw = new RawFrameDecoder(1024 * 1024, firstMax);
        let failed: string | null = null;
        for (let at = 0; at < bytes.length;) {
          const k = 1 + r.int(r.chance(0.3) ? 8 : 200);
          const chunk = bytes.subarray(at, at + k);
          at += k;
          const out = contained(
            () => {
              const x = d.push(chunk);
              raw.push(chunk);
              return x.error === null ? { ok: true, value: x } : { ok: false, error: x.error };
            },
            where,
            bytes,
          );
          if (!out.ok) {
            // Once failed, it stays failed with the same error.
            if (failed !== null && out.error !== failed)
              expect.fail(`${where}: error changed from ${failed} to ${out.error}`);
            failed = out.error;
          } else if (failed !== null) expect.fail(`${where}: decoded after failing`);
          for (const f of out.ok ? (out.value as { frames: unknown[] }).frames : []) {
            contained(() => fromValueOrError(validateAny(f)), where, f);
          }
        }
        expect(d.bufferedBytes).toBeLessThanOrEqual(bytes.length);
      }
    }
  });

  it('parses mutated JSON frame text: an object or a clear error', () => {
    const r = new Rand(fuzzSeed(43));
    const texts = samples.map((s) => JSON.stringify(s));
    for (let i = 0; i < fuzzCases(1500); i++) {
      const text = mutateText(r, r.pick(texts));
      const body = Buffer.from(text, 'utf8');
      const frame = Buffer.concat([Buffer.alloc(4), body]);
      frame.writeUInt32BE(body.length, 0);
      contained(() => fromValueOrError(parseJsonFrame(frame)), `text case ${i}`, text);
    }
  });
});

describe('fuzz: IPC messages to a node and the remote agent control frames', () => {
  it('validates mutated host → node IPC messages (also with NaN and undefined, which IPC carries)', () => {
    const samples = [
      { t: 'inspect', reqId: 1, lastN: 50, from: 3 },
      { t: 'time-scale', scale: 0.1 },
      { t: 'conf-change', reqId: 2, change: { type: 'addLearner', node: 'n6' } },
      { t: 'transfer', reqId: 3, to: 'n2' },
      { t: 'shutdown' },
      { t: 'token', token: 'x'.repeat(48) },
    ];
    for (const c of cases(51, fuzzCases(1500), samples, {
      nonJson: true,
      keys: ['t', 'reqId', 'lastN', 'from', 'scale', 'change', 'type', 'node', 'to', 'token'],
    }))
      contained(() => fromValueOrError(validateHostToNode(c.value)), c.where, c.value);
  });

  it('validates mutated remote agent control frames, both ways', () => {
    const settings = {
      peers: ['n1', 'n2', 'n3'],
      protocol: 'raft',
      heartbeatMs: 50,
      electionMs: 500,
      tickMs: 10,
      timeScale: 1,
      seed: 7,
      snapshotEvery: 1000,
      maxStoreBytes: 1 << 28,
    };
    const toAgent = [
      { t: 'welcome', id: 'n4', cluster: 'c-1', token: 'tok', settings },
      { t: 'inspect', reqId: 1, lastN: 20 },
      { t: 'time-scale', scale: 2 },
      { t: 'open-client', stream: 3 },
      { t: 'stop', reason: 'closed' },
      { t: 'ping' },
    ];
    const status = {
      id: 'n4',
      role: 'follower',
      term: 3,
      vote: null,
      leader: 'n1',
      commitIndex: 9,
      lastIndex: 9,
      lastTerm: 3,
      firstIndex: 1,
      conf: { voters: ['n1'] },
      progress: null,
    };
    const toLab = [
      { t: 'ready', pid: 4242, paused: false },
      { t: 'status', status, lastApplied: 9, damaged: false },
      { t: 'event', kind: 'role', detail: { role: 'leader' } },
      { t: 'inspect-reply', reqId: 1, inspect: { id: 'n4' } },
      {
        t: 'exit',
        code: 1,
        signal: null,
        expected: false,
        fatal: { origin: 'uncaught-exception', message: 'boom', stack: 'at x' },
      },
    ];
    for (const c of cases(52, fuzzCases(1500), [...toAgent, ...toLab])) {
      contained(() => fromValueOrError(validateLabToAgent(c.value)), c.where, c.value);
      contained(() => fromValueOrError(validateAgentToLab(c.value)), c.where, c.value);
    }
    expectUnpolluted('remote');
  });
});
