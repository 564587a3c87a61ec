/**
 * Validators for every LabApi input, written with the validation kit (core/validate.ts).
 * Each takes an untrusted value (parsed JSON from HTTP, an IPC argument) and returns
 * `{ ok: true, value }` with the typed value or `{ ok: false, error }` with a message that
 * names the field and says what is wrong. The HTTP adapter
 * (src-main/web) and the Electron IPC adapter both use these, so a bad request is refused
 * the same way on either transport and never reaches LabService.
 */
import { shardSettingsAt } from './shards';
import { BALANCE_ALGORITHMS } from '../core/balance/types';
import { MAX_BANDWIDTH } from '../core/link-queue';
import { MAX_KEY_BYTES, MAX_TTL_MS, MAX_VALUE_BYTES } from '../core/kv/types';
import { DAMAGE_KINDS, type DamageKind } from '../core/recovery/damage';
import type { NodeId } from '../core/types';
import { checkUnsafeFor, unsafeAt } from '../core/unsafe';
import {
  array,
  bool,
  checked,
  describe,
  fail,
  int,
  isRecord,
  must,
  nullable,
  num,
  oneOf,
  onlyFields,
  optional,
  parseJsonBounded,
  record,
  str,
  type Checked,
  type Rec,
} from '../core/validate';
import { KV_OPS } from './contract';
import type {
  BalanceAlgorithm,
  ClusterSettings,
  FencedWriteRequest,
  KvRequest,
  LinkRule,
  LoadRequest,
  LockRequest,
  PauseOn,
  RenewRequest,
  UnlockRequest,
} from './contract';

/** Checked is a validator's answer: the typed value, or why the input was refused (the kit's type). */
export type { Checked };

/** LinkRuleInput is what setLink takes: a partial rule for one directed link, or both directions. */
export type LinkRuleInput = Partial<Omit<LinkRule, 'queue'>> & { from: NodeId; to: NodeId; both?: boolean };

/** BalanceInput is POST /api/balance. */
export interface BalanceInput {
  algorithm: BalanceAlgorithm;
  weights?: Record<NodeId, number>;
}

/** MIN_NODES / MAX_NODES bound a cluster's size (1–9 is the UI's range; up to 15 allowed). */
export const MIN_NODES = 1;
export const MAX_NODES = 15;
/** MAX_TIMEOUT_MS bounds a client request's timeoutMs. */
export const MAX_TIMEOUT_MS = 120_000;
/** MAX_LATENCY_MS bounds a link's latency and jitter (one minute is already absurd on loopback). */
export const MAX_LATENCY_MS = 60_000;
/** MAX_LOAD_COUNT / MAX_LOAD_CLIENTS bound one load run. */
export const MAX_LOAD_COUNT = 200_000;
export const MAX_LOAD_CLIENTS = 256;
/** MAX_BODY_DEPTH bounds the nesting of a request body (every real one is at most 3 deep). */
export const MAX_BODY_DEPTH = 32;

/** MAX_NODE_IDS is the size of the node id space ("n1" … "n99"), which bounds lists of ids. */
const MAX_NODE_IDS = 99;
const PROTOCOL_NAMES = ['raft', 'paxos'] as const;
const NODE_ID = /^n([1-9][0-9]?)$/;
const NODE_ID_WHAT = 'a node id like "n1"';

// isRecord and show (= describe) are the kit's; re-exported for the transports and the renderer.
export { isRecord, describe as show };

/**
 * parseJsonBody parses a request body (HTTP, the seed's POST /) bounded in depth, so a
 * deeply nested body is a 400 with a message rather than a stack overflow further on.
 */
export function parseJsonBody(text: string): Checked<unknown> {
  const parsed = parseJsonBounded(text, { maxDepth: MAX_BODY_DEPTH });
  return parsed.ok ? parsed : { ok: false, error: `request body is ${parsed.error}` };
}

function nodeIdAt(x: unknown, path: string): NodeId {
  return str(x, path, { min: 2, max: 3, pattern: NODE_ID, what: NODE_ID_WHAT });
}

/** validateNodeId checks a node id's shape ("n1" … "n99"); whether it exists is LabService's to say. */
export function validateNodeId(x: unknown, what = 'node id'): Checked<NodeId> {
  return checked(() => nodeIdAt(x, what));
}

/** validateDamage checks POST /api/nodes/:id/damage's body: {kind: "hardstate" | "log-tail" | "file"}. */
export function validateDamage(x: unknown): Checked<{ id: NodeId; kind: DamageKind }> {
  return checked(() => {
    const o = body(x, ['id', 'kind'], 'a damage request');
    return { id: nodeIdAt(o.id, 'node id'), kind: oneOf(o.kind, 'kind', DAMAGE_KINDS) };
  });
}

function key(x: unknown, path: string): string {
  return str(x, path, { min: 1, max: MAX_KEY_BYTES });
}

function value(x: unknown, path: string): string {
  return str(x, path, { max: MAX_VALUE_BYTES });
}

function timeout(x: unknown): number | undefined {
  return optional(x, (v) => num(v, 'timeoutMs', 0, MAX_TIMEOUT_MS, { loOpen: true }));
}

/** body checks x is a JSON object with only the `allowed` fields. */
function body(x: unknown, allowed: readonly string[], what: string): Rec {
  const o = record(x, what, 'a JSON object');
  onlyFields(o, allowed, what.replace(/^an? /, ''));
  return o;
}

/** validateKvRequest checks POST /api/kv {op, key, value, expected, timeoutMs, node}. */
export function validateKvRequest(x: unknown): Checked<KvRequest> {
  return checked(() => {
    const o = body(x, ['op', 'key', 'value', 'expected', 'timeoutMs', 'node'], 'a kv request');
    const op = oneOf(o.op, 'op', KV_OPS);
    const req: KvRequest = { op, key: key(o.key, 'key') };
    if (op === 'put' || op === 'cas') req.value = value(o.value, 'value');
    if (op === 'cas') req.expected = nullable(o.expected ?? null, (v) => value(v, 'expected'));
    const timeoutMs = timeout(o.timeoutMs);
    if (timeoutMs !== undefined) req.timeoutMs = timeoutMs;
    const node = optional(o.node, (v) => nodeIdAt(v, 'node'));
    if (node !== undefined) req.node = node;
    return req;
  });
}

/** validatePartition checks POST /api/partition {groups}: disjoint non-empty groups of node ids. */
export function validatePartition(x: unknown): Checked<NodeId[][]> {
  return checked(() => {
    const seen = new Set<NodeId>();
    const member = (id: unknown, path: string): NodeId => {
      const v = nodeIdAt(id, path);
      if (seen.has(v)) fail(`node ${v} appears in more than one group`);
      seen.add(v);
      return v;
    };
    const group = (g: unknown, path: string): NodeId[] =>
      array(g, path, { min: 1, max: MAX_NODE_IDS, what: 'a non-empty array of node ids' }, member);
    return array(
      isRecord(x) ? x.groups : x,
      'groups',
      { min: 1, max: MAX_NODE_IDS, what: 'a non-empty array of arrays of node ids, e.g. [["n1"],["n2","n3"]]' },
      group,
    );
  });
}

function probability(x: unknown, path: string): number | undefined {
  return optional(x, (v) => num(v, path, 0, 1, { what: 'a probability in 0..1' }));
}

function ms(x: unknown, path: string): number | undefined {
  return optional(x, (v) =>
    num(v, path, 0, MAX_LATENCY_MS, { what: `a number of milliseconds in 0..${MAX_LATENCY_MS}` }),
  );
}

function flag(x: unknown, path: string): boolean | undefined {
  return optional(x, (v) => bool(v, path, 'true or false'));
}

/** copyDefined copies the fields of `from` that are not undefined onto `to`. */
function copyDefined<T extends object>(to: T, from: Partial<T>): T {
  for (const [k, v] of Object.entries(from)) if (v !== undefined) (to as Rec)[k] = v;
  return to;
}

/** validateLinkRule checks POST /api/links {from, to, latencyMs, jitterMs, loss, duplicate, blocked, bandwidth, both}. */
export function validateLinkRule(x: unknown): Checked<LinkRuleInput> {
  return checked(() => {
    const o = body(
      x,
      ['from', 'to', 'latencyMs', 'jitterMs', 'loss', 'duplicate', 'blocked', 'bandwidth', 'both'],
      'a link rule',
    );
    const from = nodeIdAt(o.from, 'from');
    const to = nodeIdAt(o.to, 'to');
    if (from === to) fail(`from and to must be different nodes (both are ${from})`);
    return copyDefined<LinkRuleInput>(
      { from, to },
      {
        latencyMs: ms(o.latencyMs, 'latencyMs'),
        jitterMs: ms(o.jitterMs, 'jitterMs'),
        loss: probability(o.loss, 'loss'),
        duplicate: probability(o.duplicate, 'duplicate'),
        blocked: flag(o.blocked, 'blocked'),
        // Bytes a second, whole: 0 lifts the limit.
        bandwidth: optional(o.bandwidth, (v) =>
          int(v, 'bandwidth', 0, MAX_BANDWIDTH, `whole bytes a second in 0..${MAX_BANDWIDTH} (0 = unlimited)`),
        ),
        both: flag(o.both, 'both'),
      },
    );
  });
}

/** AddNodeInput is POST /api/nodes: the new node's id, or none for the next free one. */
export interface AddNodeInput {
  id?: NodeId;
}

/** validateAddNode checks POST /api/nodes {id?} (an empty body picks the next free id). */
export function validateAddNode(x: unknown): Checked<AddNodeInput> {
  return checked(() => {
    if (x === undefined || x === null) return {};
    const o = body(x, ['id'], 'an add-node request');
    return o.id === undefined ? {} : { id: nodeIdAt(o.id, 'id') };
  });
}

/** validateTransfer checks POST /api/transfer {to}: the voter that should lead. */
export function validateTransfer(x: unknown): Checked<NodeId> {
  return checked(() => nodeIdAt(body(x, ['to'], 'a transfer request').to, 'to'));
}

/**
 * validateClusterSettings checks POST /api/cluster {nodes, protocol, heartbeatMs, electionMs,
 * seed, unsafe, shards} (all optional; `unsafe` comes back complete, omitted fields safe;
 * `shards` asks for a sharded cluster, see api/shards.ts).
 */
export function validateClusterSettings(x: unknown): Checked<Partial<ClusterSettings>> {
  return checked(() => {
    if (x === undefined || x === null) return {};
    const o = body(
      x,
      ['nodes', 'protocol', 'heartbeatMs', 'electionMs', 'seed', 'unsafe', 'shards'],
      'cluster settings',
    );
    const out = copyDefined<Partial<ClusterSettings>>(
      {},
      {
        nodes: optional(o.nodes, (v) => int(v, 'nodes', MIN_NODES, MAX_NODES)),
        protocol: optional(o.protocol, (v) => oneOf(v, 'protocol', PROTOCOL_NAMES)),
        heartbeatMs: optional(o.heartbeatMs, (v) => int(v, 'heartbeatMs', 1, 60_000)),
        electionMs: optional(o.electionMs, (v) => int(v, 'electionMs', 2, 600_000)),
        seed: optional(o.seed, (v) => int(v, 'seed', 0, 0xffffffff)),
        unsafe: optional(o.unsafe, (v) => unsafeAt(v, 'unsafe')),
        shards: optional(o.shards, (v) => shardSettingsAt(v, 'shards')),
      },
    );
    // A rule the chosen protocol does not have cannot be broken (LabService checks again once the protocol is known).
    if (out.unsafe && out.protocol) checkUnsafeFor(out.protocol, out.unsafe);
    const hb = out.heartbeatMs;
    const el = out.electionMs;
    if (hb !== undefined && el !== undefined && el <= hb) {
      fail(`electionMs (${el}) must be greater than heartbeatMs (${hb})`);
    }
    return out;
  });
}

/** validateTimeScale checks POST /api/time-scale {scale}: 1 = real time, 0.1 = ten times slower. */
export function validateTimeScale(x: unknown): Checked<number> {
  return checked(() =>
    num(isRecord(x) ? x.scale : x, 'scale', 0.001, 10, {
      what: 'a number in 0.001..10 (1 = real time, 0.1 = ten times slower)',
    }),
  );
}

/** validatePauseOn checks POST /api/pause-on {role, commit}: which events freeze the cluster (both required). */
export function validatePauseOn(x: unknown): Checked<PauseOn> {
  return checked(() => {
    const o = body(x, ['role', 'commit'], 'a pause-on request');
    return { role: bool(o.role, 'role', 'true or false'), commit: bool(o.commit, 'commit', 'true or false') };
  });
}

/** validateBalance checks POST /api/balance {algorithm, weights}. */
export function validateBalance(x: unknown): Checked<BalanceInput> {
  return checked(() => {
    const o = body(x, ['algorithm', 'weights'], 'a balance request');
    const out: BalanceInput = { algorithm: oneOf(o.algorithm, 'algorithm', BALANCE_ALGORITHMS) };
    if (o.weights === undefined) return out;
    const w = record(o.weights, 'weights', 'an object of node id → weight, e.g. {"n1":1,"n2":2}');
    const entries = Object.entries(w);
    if (entries.length > MAX_NODE_IDS) fail(`weights must name at most ${MAX_NODE_IDS} nodes`);
    out.weights = {};
    for (const [id, v] of entries) {
      const n = nodeIdAt(id, 'a weights key');
      out.weights[n] = int(v, `weight of ${n}`, 0, 1000);
    }
    return out;
  });
}

/** tokenOf checks a fencing token: a non-negative safe integer. */
function tokenOf(x: unknown): number {
  return int(x, 'token', 0, Number.MAX_SAFE_INTEGER, `an integer in 0..${Number.MAX_SAFE_INTEGER}`);
}

/** withTimeout copies a checked optional timeoutMs onto the request r. */
function withTimeout<T extends { timeoutMs?: number }>(r: T, o: Rec): T {
  const t = timeout(o.timeoutMs);
  if (t !== undefined) r.timeoutMs = t;
  return r;
}

/** validateLockRequest checks POST /api/lock {name, ttlMs, owner, timeoutMs}. */
export function validateLockRequest(x: unknown): Checked<LockRequest> {
  return checked(() => {
    const o = body(x, ['name', 'ttlMs', 'owner', 'timeoutMs'], 'a lock request');
    const name = key(o.name, 'name');
    const owner = key(o.owner, 'owner');
    return withTimeout<LockRequest>({ name, ttlMs: int(o.ttlMs, 'ttlMs', 1, MAX_TTL_MS), owner }, o);
  });
}

/** validateRenewRequest checks POST /api/lock/renew {name, ttlMs, owner, token, timeoutMs}. */
export function validateRenewRequest(x: unknown): Checked<RenewRequest> {
  return checked(() => {
    const o = body(x, ['name', 'ttlMs', 'owner', 'token', 'timeoutMs'], 'a renew request');
    const name = key(o.name, 'name');
    const owner = key(o.owner, 'owner');
    const ttlMs = int(o.ttlMs, 'ttlMs', 1, MAX_TTL_MS);
    return withTimeout<RenewRequest>({ name, ttlMs, owner, token: tokenOf(o.token) }, o);
  });
}

/** validateUnlockRequest checks POST /api/unlock {name, token, timeoutMs}. */
export function validateUnlockRequest(x: unknown): Checked<UnlockRequest> {
  return checked(() => {
    const o = body(x, ['name', 'token', 'timeoutMs'], 'an unlock request');
    return withTimeout<UnlockRequest>({ name: key(o.name, 'name'), token: tokenOf(o.token) }, o);
  });
}

/** validateFencedWrite checks POST /api/fenced {key, value, token, timeoutMs}. */
export function validateFencedWrite(x: unknown): Checked<FencedWriteRequest> {
  return checked(() => {
    const o = body(x, ['key', 'value', 'token', 'timeoutMs'], 'a fenced write');
    const k = key(o.key, 'key');
    const v = value(o.value, 'value');
    return withTimeout<FencedWriteRequest>({ key: k, value: v, token: tokenOf(o.token) }, o);
  });
}

/** validateLoadRequest checks POST /api/load {op, count, clients, valueBytes, keys}. */
export function validateLoadRequest(x: unknown): Checked<LoadRequest> {
  return checked(() => {
    const o = body(x, ['op', 'count', 'clients', 'valueBytes', 'keys'], 'a load request');
    const r = copyDefined<LoadRequest>(
      {
        op: oneOf(o.op, 'op', ['put', 'get'] as const, 'put or get'),
        count: int(o.count, 'count', 1, MAX_LOAD_COUNT),
        clients: int(o.clients, 'clients', 1, MAX_LOAD_CLIENTS),
      },
      {
        valueBytes: optional(o.valueBytes, (v) => int(v, 'valueBytes', 0, 65_536)),
        keys: optional(o.keys, (v) => int(v, 'keys', 1, 1_000_000)),
      },
    );
    const tooBig = loadBytesError(r.op, r.count, r.valueBytes);
    if (tooBig) fail(tooBig);
    return r;
  });
}

/** validateSince checks GET /api/log?since=seq (absent → 0). */
/**
 * validateLogIndex checks an optional log index (`entry` of GET /api/nodes/:id/why): absent
 * (undefined, null or '') or a positive safe integer, given as a number or (from a query
 * string) as its decimal text.
 */
export function validateLogIndex(x: unknown, what = 'entry'): Checked<number | undefined> {
  if (x === undefined || x === null || x === '') return { ok: true, value: undefined };
  return checked(() => {
    const n = typeof x === 'string' && /^[0-9]{1,16}$/.test(x) ? Number(x) : x;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) must(what, 'a log index (an integer ≥ 1)', x);
    return n;
  });
}

export function validateSince(x: unknown): Checked<number> {
  if (x === undefined || x === null || x === '') return { ok: true, value: 0 };
  return checked(() => {
    const n = typeof x === 'string' ? Number(x) : x;
    // The error names what was sent (the query text), not the number it became.
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) must('since', 'a non-negative integer', x);
    return n;
  });
}

/** MAX_LOAD_BYTES bounds what one load run writes: count × valueBytes (256 MiB). */
export const MAX_LOAD_BYTES = 256 * 1024 * 1024;
/** DEFAULT_LOAD_VALUE_BYTES is a load run's value size when the request names none. */
export const DEFAULT_LOAD_VALUE_BYTES = 256;

/** loadBytesError says why a put load would write too much (count × valueBytes over MAX_LOAD_BYTES), or null. */
export function loadBytesError(op: unknown, count: number, valueBytes: number | undefined): string | null {
  const bytes = count * (valueBytes ?? DEFAULT_LOAD_VALUE_BYTES);
  if (op !== 'put' || bytes <= MAX_LOAD_BYTES) return null;
  return `a put load of count × valueBytes = ${bytes} bytes is over the limit of ${MAX_LOAD_BYTES} bytes (256 MiB): lower count or valueBytes`;
}

/** RUN_NAME is a saved run's folder name inside the lab's data folder: a plain name, no path. */
export const RUN_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const RUN_NAME_WHAT =
  "a plain folder name of 1–64 letters, digits, '.', '_' or '-' (not '.' or '..'): runs are saved in, and opened from, the lab's data folder";

/** runNameError says what is wrong with a run name, or null when it is a plain name. */
export function runNameError(x: unknown): string | null {
  const v = validateRunName(x, true);
  return v.ok ? null : v.error;
}

/** validateRunName checks a saved run's name (POST /api/export {name?}: absent = a timestamped name; POST /api/open {name}). */
export function validateRunName(x: unknown, required: boolean): Checked<string | undefined> {
  return checked(() => {
    const n = isRecord(x) ? x.name : x;
    if (n === undefined || n === null) {
      if (required) fail("name is required: the name of a saved run in the lab's data folder");
      return undefined;
    }
    if (typeof n !== 'string' || !RUN_NAME.test(n) || n === '.' || n === '..') must('name', RUN_NAME_WHAT, n);
    return n;
  });
}
