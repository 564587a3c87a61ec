/**
 * The LabApi input validators: each bad input (wrong type, out of range, unknown node, extra
 * or missing field) is refused with a message that
 * names the problem; good input comes back typed and without extra fields.
 */
import { describe, expect, it } from 'vitest';
import {
  validateBalance,
  validateClusterSettings,
  validateKvRequest,
  validateLinkRule,
  validateLoadRequest,
  validateLockRequest,
  validatePartition,
  validateTimeScale,
} from '../../src-main/api/schemas';
import { parseServeArgs } from '../../src-main/web/serve';

const err = (c: { ok: boolean; error?: string }): string => (c.ok ? '' : (c.error ?? ''));

describe('api schemas', () => {
  it('kv requests', () => {
    expect(validateKvRequest({ op: 'put', key: 'k', value: 'v', timeoutMs: 100 })).toEqual({
      ok: true,
      value: { op: 'put', key: 'k', value: 'v', timeoutMs: 100 },
    });
    expect(validateKvRequest({ op: 'cas', key: 'k', value: 'v' })).toEqual({
      ok: true,
      value: { op: 'cas', key: 'k', value: 'v', expected: null },
    });
    expect(err(validateKvRequest({ op: 'incr', key: 'k' }))).toMatch(/op must be one of put, get, delete, cas/);
    expect(err(validateKvRequest({ op: 'get', key: 3 }))).toMatch(/key must be a string/);
    expect(err(validateKvRequest({ op: 'get', key: '' }))).toMatch(/1–256 bytes/);
    expect(err(validateKvRequest({ op: 'put', key: 'k', value: 'é'.repeat(600_000) }))).toMatch(
      /value must be a string of at most 1048576 bytes, got a string of 1200000 bytes/,
    );
    expect(err(validateKvRequest({ op: 'put', key: 'k' }))).toMatch(/value must be a string/);
    expect(err(validateKvRequest({ op: 'get', key: 'k', timeoutMs: -1 }))).toMatch(/timeoutMs/);
    expect(err(validateKvRequest({ op: 'get', key: 'k', node: 'x1' }))).toMatch(/node must be a node id/);
    expect(err(validateKvRequest({ op: 'get', key: 'k', extra: 1 }))).toMatch(/unknown field 'extra'/);
    expect(err(validateKvRequest([1]))).toMatch(/JSON object/);
  });

  it('link rules, partitions, time scale', () => {
    expect(validateLinkRule({ from: 'n1', to: 'n2', latencyMs: 20, jitterMs: 10, loss: 0.01, both: true })).toEqual({
      ok: true,
      value: { from: 'n1', to: 'n2', latencyMs: 20, jitterMs: 10, loss: 0.01, both: true },
    });
    expect(err(validateLinkRule({ from: 'n1', to: 'n2', latencyMs: -1 }))).toMatch(
      /latencyMs must be a number of milliseconds/,
    );
    expect(err(validateLinkRule({ from: 'n1', to: 'n2', loss: 2 }))).toMatch(/loss must be a probability in 0\.\.1/);
    expect(err(validateLinkRule({ from: 'n1', to: 'n2', duplicate: Number.NaN }))).toMatch(/duplicate/);
    expect(err(validateLinkRule({ from: 'n1', to: 'n1' }))).toMatch(/different nodes/);
    expect(err(validateLinkRule({ from: 'n1', to: 'n2', blocked: 'yes' }))).toMatch(/blocked must be true or false/);
    expect(validatePartition({ groups: [['n1'], ['n2', 'n3']] })).toEqual({ ok: true, value: [['n1'], ['n2', 'n3']] });
    expect(err(validatePartition({ groups: [] }))).toMatch(/non-empty array/);
    expect(err(validatePartition({ groups: [['n1'], ['n1']] }))).toMatch(/more than one group/);
    expect(err(validatePartition({ groups: [['n1', 5]] }))).toMatch(/node id/);
    expect(validateTimeScale({ scale: 0.1 })).toEqual({ ok: true, value: 0.1 });
    expect(err(validateTimeScale({ scale: 0 }))).toMatch(/0\.001\.\.10/);
  });

  it('cluster settings, balance, locks, load', () => {
    expect(validateClusterSettings({ nodes: 5, protocol: 'paxos' })).toEqual({
      ok: true,
      value: { nodes: 5, protocol: 'paxos' },
    });
    expect(err(validateClusterSettings({ nodes: 0 }))).toMatch(/nodes must be an integer in 1\.\.15/);
    expect(err(validateClusterSettings({ nodes: 16 }))).toMatch(/1\.\.15/);
    expect(err(validateClusterSettings({ protocol: 'zab' }))).toMatch(/protocol must be one of raft, paxos/);
    expect(err(validateClusterSettings({ heartbeatMs: 500, electionMs: 100 }))).toMatch(/greater than heartbeatMs/);
    expect(validateBalance({ algorithm: 'weighted-round-robin', weights: { n1: 1, n2: 2 } }).ok).toBe(true);
    expect(err(validateBalance({ algorithm: 'fastest' }))).toMatch(/algorithm must be one of/);
    expect(err(validateBalance({ algorithm: 'round-robin', weights: { n1: -1 } }))).toMatch(/weight of n1/);
    expect(validateLockRequest({ name: 'L', owner: 'a', ttlMs: 1000 }).ok).toBe(true);
    expect(err(validateLockRequest({ name: 'L', owner: 'a', ttlMs: 0 }))).toMatch(/ttlMs/);
    expect(err(validateLoadRequest({ op: 'put', count: 1e9, clients: 1 }))).toMatch(/count must be an integer/);
    expect(err(validateLoadRequest({ op: 'delete', count: 1, clients: 1 }))).toMatch(/op must be put or get/);
  });

  it('serve options', () => {
    expect(
      parseServeArgs(['--port', '0', '--nodes', '5', '--heartbeat-ms=50', '--election-ms', '300', '--seed', '3']),
    ).toEqual({
      port: 0,
      host: '127.0.0.1',
      settings: { nodes: 5, heartbeatMs: 50, electionMs: 300, seed: 3 },
    });
    expect(parseServeArgs(['--nodes', 'three'])).toMatch(/whole number/);
    expect(parseServeArgs(['--port', '70000'])).toMatch(/0\.\.65535/);
    expect(parseServeArgs(['--bogus', '1'])).toMatch(/unknown option/);
    expect(parseServeArgs(['--port'])).toMatch(/needs a value/);
  });
});
