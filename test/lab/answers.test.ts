/**
 * Answers that explain: on a real 3-node cluster, a request that cannot reach a quorum
 * says what is missing (not only the last node's "not-leader"), a refused compare-and-set
 * carries the value it found, a refused lock says who holds it with which token and for
 * how long, and an export answers the consistency verdict. The outcome semantics (ok,
 * fail, unknown) are unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNode, ExportResult, KvResponse } from '../../src-main/api/contract';
import { explainError } from '../../src-main/lab/gateway';
import { HttpTransport } from '../../src-renderer/src/api/http-transport';
import { TableClient } from '../../src-renderer/src/api/table-client';
import { startLab, waitLeader, type TestLab } from './helpers';

function node(id: string, status: ClusterNode['status']): ClusterNode {
  return {
    id,
    status,
    role: status === 'down' ? null : 'follower',
    term: 2,
    commitIndex: 0,
    lastApplied: 0,
    lastIndex: 0,
    leader: null,
    vote: null,
    pid: null,
    damaged: false,
    served: 0,
    inflight: 0,
    weight: 1,
  };
}

describe('explainError', () => {
  const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
  const twoUp = {
    nodes: ids.map((id, i) => node(id, i < 2 ? 'up' : 'down')),
    groups: [ids],
    leader: null,
  };

  it('says what is missing when no zone reaches a quorum, keeping the last answer', () => {
    expect(explainError('timeout: n4: not-leader', twoUp)).toBe(
      'no quorum: 2 of 5 nodes reachable, 3 needed (n3, n4, n5 down) — last try: timeout: n4: not-leader',
    );
  });

  it("leaves the state machine's own answers and healthy clusters' errors alone", () => {
    expect(explainError('cas-mismatch', twoUp)).toBe('cas-mismatch');
    expect(explainError('store-full', twoUp)).toBe('store-full');
    expect(explainError('bad-request: key too long', twoUp)).toBe('bad-request: key too long');
    const healthy = { nodes: ids.map((id) => node(id, 'up')), groups: [ids], leader: 'n1' };
    expect(explainError('timeout', healthy)).toBe('timeout');
  });
});

describe('answers from a real cluster', () => {
  let t: TestLab;
  const kv = (body: unknown) => t.api<KvResponse>('POST', '/api/kv', body);

  beforeAll(async () => {
    t = await startLab({ nodes: 3, seed: 5 });
    await waitLeader(t);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a refused cas carries the value it found', async () => {
    expect((await kv({ op: 'put', key: 'a', value: '2' })).body.outcome).toBe('ok');
    const r = await kv({ op: 'cas', key: 'a', expected: '1', value: '3' });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ outcome: 'fail', error: 'cas-mismatch', value: '2' });
  });

  it("the browser's HTTP client hands a refused or unknown answer over as an answer, not an error", async () => {
    const client = new TableClient(new HttpTransport({ base: t.base, token: t.token }));
    const r = await client.kv({ op: 'cas', key: 'a', expected: '1', value: '3' });
    expect(r).toMatchObject({ outcome: 'fail', error: 'cas-mismatch', value: '2' });
    expect(r.node).toMatch(/^n\d$/);
    await expect(client.crash('n9')).rejects.toThrow(/unknown node n9/);
  });

  it('a refused lock names the holder, its token and the time it has left', async () => {
    const a = await t.api<KvResponse>('POST', '/api/lock', { name: 'jobs', ttlMs: 30_000, owner: 'alice' });
    expect(a.body.outcome).toBe('ok');
    const b = await t.api<KvResponse>('POST', '/api/lock', { name: 'jobs', ttlMs: 1000, owner: 'bob' });
    expect(b.body).toMatchObject({ outcome: 'fail', error: 'lock-held', value: 'alice', token: a.body.token });
    expect(b.body.expiresInMs).toBeGreaterThan(20_000);
    expect(b.body.expiresInMs).toBeLessThanOrEqual(30_000);
  });

  it('export answers the consistency verdict', async () => {
    const r = await t.api<ExportResult>('POST', '/api/export', {});
    expect(r.body.check?.ok).toBe(true);
    expect(r.body.check?.summary).toMatch(/^ok: \d+ keys? with acknowledged writes/);
  });

  it('with two of three nodes down, a put says there is no quorum', async () => {
    const leader = await waitLeader(t);
    const others = ['n1', 'n2', 'n3'].filter((n) => n !== leader);
    for (const id of others) await t.api('POST', `/api/nodes/${id}/crash`);
    const r = await kv({ op: 'put', key: 'b', value: '1', timeoutMs: 1500 });
    expect(['fail', 'unknown']).toContain(r.body.outcome);
    expect(r.body.error).toMatch(
      new RegExp(`^no quorum: 1 of 3 nodes reachable, 2 needed \\(${others.join(', ')} down\\) — last try: `),
    );
  });
});
