/**
 * Hand-written validators for every LabApi input. Each takes an untrusted value (parsed
 * JSON from HTTP, an IPC argument) and returns `{ ok: true, value }` with the typed value
 * or `{ ok: false, error }` with a message that says what is wrong. The HTTP adapter
 * (src-main/web) and the Electron IPC adapter both use these, so a bad request is refused
 * the same way on either transport and never reaches LabService.
 */
import { BALANCE_ALGORITHMS } from '../core/balance/types';
import { MAX_KEY_BYTES, MAX_TTL_MS, MAX_VALUE_BYTES } from '../core/kv/types';
import type { NodeId } from '../core/types';
import type {
  BalanceAlgorithm,
  ClusterSettings,
  FencedWriteRequest,
  KvRequest,
  LinkRule,
  LoadRequest,
  LockRequest,
  RenewRequest,
  UnlockRequest,
} from './contract';

/** Checked is a validator's answer: the typed value, or why the input was refused. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/** LinkRuleInput is what setLink takes: a partial rule for one directed link, or both directions. */
export type LinkRuleInput = Partial<LinkRule> & { from: NodeId; to: NodeId; both?: boolean };

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

const PROTOCOL_NAMES = ['raft', 'paxos'] as const;
const NODE_ID = /^n([1-9][0-9]?)$/;

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(error: string): Checked<T> => ({ ok: false, error });

/** isRecord: a plain JSON object (not null, not an array). */
export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** show names a bad value briefly for an error message (never echoes a large value). */
export function show(x: unknown): string {
  if (x === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(x) ?? String(x);
  } catch {
    s = String(x);
  }
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** unknownFields returns an error naming the first field of `x` not in `allowed`, or null. */
function unknownFields(x: Record<string, unknown>, allowed: readonly string[], what: string): string | null {
  for (const k of Object.keys(x)) if (!allowed.includes(k)) return `${what}: unknown field '${k}'`;
  return null;
}

/** validateNodeId checks a node id's shape ("n1" … "n99"); whether it exists is LabService's to say. */
export function validateNodeId(x: unknown, what = 'node id'): Checked<NodeId> {
  if (typeof x !== 'string' || !NODE_ID.test(x)) return bad(`${what} must be a node id like "n1", got ${show(x)}`);
  return ok(x);
}

function keyError(x: unknown, field: string): string | null {
  if (typeof x !== 'string') return `${field} must be a string, got ${show(x)}`;
  const n = Buffer.byteLength(x, 'utf8');
  if (n < 1 || n > MAX_KEY_BYTES) return `${field} must be a string of 1–${MAX_KEY_BYTES} bytes (got ${n})`;
  return null;
}

function valueError(x: unknown, field: string): string | null {
  if (typeof x !== 'string') return `${field} must be a string, got ${show(x)}`;
  const n = Buffer.byteLength(x, 'utf8');
  if (n > MAX_VALUE_BYTES) return `${field} is ${n} bytes; the limit is ${MAX_VALUE_BYTES} bytes (1 MiB)`;
  return null;
}

function timeoutError(x: unknown): string | null {
  if (x === undefined) return null;
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0 || x > MAX_TIMEOUT_MS)
    return `timeoutMs must be a number in (0, ${MAX_TIMEOUT_MS}], got ${show(x)}`;
  return null;
}

function intIn(x: unknown, lo: number, hi: number, field: string): string | null {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < lo || x > hi)
    return `${field} must be an integer in ${lo}..${hi}, got ${show(x)}`;
  return null;
}

function first(...errs: (string | null)[]): string | null {
  return errs.find((e) => e !== null) ?? null;
}

/** validateKvRequest checks POST /api/kv {op, key, value, expected, timeoutMs, node}. */
export function validateKvRequest(x: unknown): Checked<KvRequest> {
  if (!isRecord(x)) return bad(`a kv request must be a JSON object, got ${show(x)}`);
  const extra = unknownFields(x, ['op', 'key', 'value', 'expected', 'timeoutMs', 'node'], 'kv request');
  if (extra) return bad(extra);
  const op = x.op;
  if (op !== 'put' && op !== 'get' && op !== 'delete' && op !== 'cas')
    return bad(`op must be one of put, get, delete, cas; got ${show(op)}`);
  const err = first(
    keyError(x.key, 'key'),
    op === 'put' || op === 'cas' ? valueError(x.value, 'value') : null,
    op === 'cas' && x.expected !== null && x.expected !== undefined ? valueError(x.expected, 'expected') : null,
    timeoutError(x.timeoutMs),
    x.node === undefined
      ? null
      : validateNodeId(x.node, 'node').ok
        ? null
        : `node must be a node id like "n1", got ${show(x.node)}`,
  );
  if (err) return bad(err);
  const req: KvRequest = { op, key: x.key as string };
  if (op === 'put' || op === 'cas') req.value = x.value as string;
  if (op === 'cas') req.expected = (x.expected as string | null | undefined) ?? null;
  if (x.timeoutMs !== undefined) req.timeoutMs = x.timeoutMs as number;
  if (x.node !== undefined) req.node = x.node as NodeId;
  return ok(req);
}

/** validatePartition checks POST /api/partition {groups}: disjoint non-empty groups of node ids. */
export function validatePartition(x: unknown): Checked<NodeId[][]> {
  const groups = isRecord(x) ? x.groups : x;
  if (!Array.isArray(groups) || groups.length === 0)
    return bad('groups must be a non-empty array of arrays of node ids, e.g. [["n1"],["n2","n3"]]');
  const seen = new Set<NodeId>();
  const out: NodeId[][] = [];
  for (const g of groups) {
    if (!Array.isArray(g) || g.length === 0)
      return bad(`each group must be a non-empty array of node ids, got ${show(g)}`);
    const group: NodeId[] = [];
    for (const id of g) {
      const v = validateNodeId(id, 'each group member');
      if (!v.ok) return v;
      if (seen.has(v.value)) return bad(`node ${v.value} appears in more than one group`);
      seen.add(v.value);
      group.push(v.value);
    }
    out.push(group);
  }
  return ok(out);
}

function probabilityError(x: unknown, field: string): string | null {
  if (x === undefined) return null;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > 1)
    return `${field} must be a probability in 0..1, got ${show(x)}`;
  return null;
}

function msError(x: unknown, field: string): string | null {
  if (x === undefined) return null;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > MAX_LATENCY_MS)
    return `${field} must be a number of milliseconds in 0..${MAX_LATENCY_MS}, got ${show(x)}`;
  return null;
}

/** validateLinkRule checks POST /api/links {from, to, latencyMs, jitterMs, loss, duplicate, blocked, both}. */
export function validateLinkRule(x: unknown): Checked<LinkRuleInput> {
  if (!isRecord(x)) return bad(`a link rule must be a JSON object, got ${show(x)}`);
  const extra = unknownFields(
    x,
    ['from', 'to', 'latencyMs', 'jitterMs', 'loss', 'duplicate', 'blocked', 'both'],
    'link rule',
  );
  if (extra) return bad(extra);
  const from = validateNodeId(x.from, 'from');
  if (!from.ok) return from;
  const to = validateNodeId(x.to, 'to');
  if (!to.ok) return to;
  if (from.value === to.value) return bad(`from and to must be different nodes (both are ${from.value})`);
  const err = first(
    msError(x.latencyMs, 'latencyMs'),
    msError(x.jitterMs, 'jitterMs'),
    probabilityError(x.loss, 'loss'),
    probabilityError(x.duplicate, 'duplicate'),
    x.blocked === undefined || typeof x.blocked === 'boolean'
      ? null
      : `blocked must be true or false, got ${show(x.blocked)}`,
    x.both === undefined || typeof x.both === 'boolean' ? null : `both must be true or false, got ${show(x.both)}`,
  );
  if (err) return bad(err);
  const rule: LinkRuleInput = { from: from.value, to: to.value };
  if (x.latencyMs !== undefined) rule.latencyMs = x.latencyMs as number;
  if (x.jitterMs !== undefined) rule.jitterMs = x.jitterMs as number;
  if (x.loss !== undefined) rule.loss = x.loss as number;
  if (x.duplicate !== undefined) rule.duplicate = x.duplicate as number;
  if (x.blocked !== undefined) rule.blocked = x.blocked as boolean;
  if (x.both !== undefined) rule.both = x.both as boolean;
  return ok(rule);
}

/** validateClusterSettings checks POST /api/cluster {nodes, protocol, heartbeatMs, electionMs, seed} (all optional). */
export function validateClusterSettings(x: unknown): Checked<Partial<ClusterSettings>> {
  if (x === undefined || x === null) return ok({});
  if (!isRecord(x)) return bad(`cluster settings must be a JSON object, got ${show(x)}`);
  const extra = unknownFields(x, ['nodes', 'protocol', 'heartbeatMs', 'electionMs', 'seed'], 'cluster settings');
  if (extra) return bad(extra);
  const out: Partial<ClusterSettings> = {};
  if (x.nodes !== undefined) {
    const e = intIn(x.nodes, MIN_NODES, MAX_NODES, 'nodes');
    if (e) return bad(e);
    out.nodes = x.nodes as number;
  }
  if (x.protocol !== undefined) {
    if (!(PROTOCOL_NAMES as readonly unknown[]).includes(x.protocol))
      return bad(`protocol must be one of ${PROTOCOL_NAMES.join(', ')}; got ${show(x.protocol)}`);
    out.protocol = x.protocol as ClusterSettings['protocol'];
  }
  if (x.heartbeatMs !== undefined) {
    const e = intIn(x.heartbeatMs, 1, 60_000, 'heartbeatMs');
    if (e) return bad(e);
    out.heartbeatMs = x.heartbeatMs as number;
  }
  if (x.electionMs !== undefined) {
    const e = intIn(x.electionMs, 2, 600_000, 'electionMs');
    if (e) return bad(e);
    out.electionMs = x.electionMs as number;
  }
  const hb = out.heartbeatMs;
  const el = out.electionMs;
  if (hb !== undefined && el !== undefined && el <= hb)
    return bad(`electionMs (${el}) must be greater than heartbeatMs (${hb})`);
  if (x.seed !== undefined) {
    const e = intIn(x.seed, 0, 0xffffffff, 'seed');
    if (e) return bad(e);
    out.seed = x.seed as number;
  }
  return ok(out);
}

/** validateTimeScale checks POST /api/time-scale {scale}: 1 = real time, 0.1 = ten times slower. */
export function validateTimeScale(x: unknown): Checked<number> {
  const s = isRecord(x) ? x.scale : x;
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0.001 || s > 10)
    return bad(`scale must be a number in 0.001..10 (1 = real time, 0.1 = ten times slower), got ${show(s)}`);
  return ok(s);
}

/** validateBalance checks POST /api/balance {algorithm, weights}. */
export function validateBalance(x: unknown): Checked<BalanceInput> {
  if (!isRecord(x)) return bad(`a balance request must be a JSON object, got ${show(x)}`);
  const extra = unknownFields(x, ['algorithm', 'weights'], 'balance request');
  if (extra) return bad(extra);
  if (!(BALANCE_ALGORITHMS as readonly unknown[]).includes(x.algorithm))
    return bad(`algorithm must be one of ${BALANCE_ALGORITHMS.join(', ')}; got ${show(x.algorithm)}`);
  const out: BalanceInput = { algorithm: x.algorithm as BalanceAlgorithm };
  if (x.weights !== undefined) {
    if (!isRecord(x.weights)) return bad('weights must be an object of node id → weight, e.g. {"n1":1,"n2":2}');
    const w: Record<NodeId, number> = {};
    for (const [id, v] of Object.entries(x.weights)) {
      const n = validateNodeId(id, 'a weights key');
      if (!n.ok) return n;
      const e = intIn(v, 0, 1000, `weight of ${id}`);
      if (e) return bad(e);
      w[id] = v as number;
    }
    out.weights = w;
  }
  return ok(out);
}

function checkObject(x: unknown, fields: readonly string[], what: string): Record<string, unknown> | string {
  if (!isRecord(x)) return `${what} must be a JSON object, got ${show(x)}`;
  return unknownFields(x, fields, what) ?? x;
}

/** tokenError checks a fencing token: a non-negative safe integer. */
function tokenError(x: unknown): string | null {
  return intIn(x, 0, Number.MAX_SAFE_INTEGER, 'token');
}

/** withTimeout copies a checked optional timeoutMs onto the request r. */
function withTimeout<T extends { timeoutMs?: number }>(r: T, o: Record<string, unknown>): Checked<T> {
  if (o.timeoutMs !== undefined) r.timeoutMs = o.timeoutMs as number;
  return ok(r);
}

/** validateLockRequest checks POST /api/lock {name, ttlMs, owner, timeoutMs}. */
export function validateLockRequest(x: unknown): Checked<LockRequest> {
  const o = checkObject(x, ['name', 'ttlMs', 'owner', 'timeoutMs'], 'a lock request');
  if (typeof o === 'string') return bad(o);
  const err = first(
    keyError(o.name, 'name'),
    keyError(o.owner, 'owner'),
    intIn(o.ttlMs, 1, MAX_TTL_MS, 'ttlMs'),
    timeoutError(o.timeoutMs),
  );
  if (err) return bad(err);
  const r: LockRequest = { name: o.name as string, ttlMs: o.ttlMs as number, owner: o.owner as string };
  return withTimeout(r, o);
}

/** validateRenewRequest checks POST /api/lock/renew {name, ttlMs, owner, token, timeoutMs}. */
export function validateRenewRequest(x: unknown): Checked<RenewRequest> {
  const o = checkObject(x, ['name', 'ttlMs', 'owner', 'token', 'timeoutMs'], 'a renew request');
  if (typeof o === 'string') return bad(o);
  const err = first(
    keyError(o.name, 'name'),
    keyError(o.owner, 'owner'),
    intIn(o.ttlMs, 1, MAX_TTL_MS, 'ttlMs'),
    tokenError(o.token),
    timeoutError(o.timeoutMs),
  );
  if (err) return bad(err);
  const r: RenewRequest = {
    name: o.name as string,
    ttlMs: o.ttlMs as number,
    owner: o.owner as string,
    token: o.token as number,
  };
  return withTimeout(r, o);
}

/** validateUnlockRequest checks POST /api/unlock {name, token, timeoutMs}. */
export function validateUnlockRequest(x: unknown): Checked<UnlockRequest> {
  const o = checkObject(x, ['name', 'token', 'timeoutMs'], 'an unlock request');
  if (typeof o === 'string') return bad(o);
  const err = first(keyError(o.name, 'name'), tokenError(o.token), timeoutError(o.timeoutMs));
  if (err) return bad(err);
  const r: UnlockRequest = { name: o.name as string, token: o.token as number };
  return withTimeout(r, o);
}

/** validateFencedWrite checks POST /api/fenced {key, value, token, timeoutMs}. */
export function validateFencedWrite(x: unknown): Checked<FencedWriteRequest> {
  const o = checkObject(x, ['key', 'value', 'token', 'timeoutMs'], 'a fenced write');
  if (typeof o === 'string') return bad(o);
  const err = first(
    keyError(o.key, 'key'),
    valueError(o.value, 'value'),
    tokenError(o.token),
    timeoutError(o.timeoutMs),
  );
  if (err) return bad(err);
  const r: FencedWriteRequest = { key: o.key as string, value: o.value as string, token: o.token as number };
  return withTimeout(r, o);
}

/** validateLoadRequest checks POST /api/load {op, count, clients, valueBytes, keys}. */
export function validateLoadRequest(x: unknown): Checked<LoadRequest> {
  const o = checkObject(x, ['op', 'count', 'clients', 'valueBytes', 'keys'], 'a load request');
  if (typeof o === 'string') return bad(o);
  if (o.op !== 'put' && o.op !== 'get') return bad(`op must be put or get, got ${show(o.op)}`);
  const err = first(
    intIn(o.count, 1, MAX_LOAD_COUNT, 'count'),
    intIn(o.clients, 1, MAX_LOAD_CLIENTS, 'clients'),
    o.valueBytes === undefined ? null : intIn(o.valueBytes, 0, 65_536, 'valueBytes'),
    o.keys === undefined ? null : intIn(o.keys, 1, 1_000_000, 'keys'),
  );
  if (err) return bad(err);
  const r: LoadRequest = { op: o.op, count: o.count as number, clients: o.clients as number };
  if (o.valueBytes !== undefined) r.valueBytes = o.valueBytes as number;
  if (o.keys !== undefined) r.keys = o.keys as number;
  return ok(r);
}

/** validateSince checks GET /api/log?since=seq (absent → 0). */
export function validateSince(x: unknown): Checked<number> {
  if (x === undefined || x === null || x === '') return ok(0);
  const n = typeof x === 'string' ? Number(x) : x;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    return bad(`since must be a non-negative integer, got ${show(x)}`);
  return ok(n);
}

/** validateDir checks a folder argument (POST /api/export {dir?}, POST /api/open {dir}). */
export function validateDir(x: unknown, required: boolean): Checked<string | undefined> {
  const d = isRecord(x) ? x.dir : x;
  if (d === undefined || d === null)
    return required ? bad('dir is required: the folder of a saved run') : ok(undefined);
  if (typeof d !== 'string' || d.length === 0 || d.length > 4096 || d.includes('\0'))
    return bad(`dir must be a non-empty path string, got ${show(d)}`);
  return ok(d);
}
