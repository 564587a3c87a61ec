/**
 * Deeply nested JSON in an API body is a 400 `{error}`, never a 500 or a crash: the HTTP
 * host's body reader parses with parseJsonBody, which refuses the nesting as it parses,
 * and the validators (which see already-parsed values from IPC too) describe bad values
 * without walking them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeArgs } from '../../src-main/api/commands';
import { MAX_BODY_DEPTH, parseJsonBody } from '../../src-main/api/schemas';
import { LabService } from '../../src-main/lab/lab-service';
import { HttpHost } from '../../src-main/web/http-host';

const nested = '['.repeat(100_000) + ']'.repeat(100_000);

describe('parseJsonBody', () => {
  it('refuses 200 KB of nesting with a message and parses ordinary bodies', () => {
    expect(parseJsonBody(nested)).toEqual({
      ok: false,
      error: `request body is JSON nested deeper than ${MAX_BODY_DEPTH} levels`,
    });
    expect(parseJsonBody('{"a":' + nested + '}')).toMatchObject({ ok: false });
    expect(parseJsonBody('{"groups":[["n1"],["n2","n3"]]}')).toEqual({
      ok: true,
      value: { groups: [['n1'], ['n2', 'n3']] },
    });
    expect(parseJsonBody('{"op":')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^request body is not valid JSON/),
    });
  });
});

describe('the HTTP host with nested bodies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ql-body-'));
  const lab = new LabService({ dataDir: dir });
  const host = new HttpHost({ lab, webRoot: dir });
  let base = '';

  beforeAll(async () => {
    base = `http://127.0.0.1:${await host.listen(0)}`;
  });
  afterAll(async () => {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (path: string, body: string): Promise<{ status: number; body: unknown }> => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${host.token}` };
    const r = await fetch(base + path, { method: 'POST', body, headers });
    return { status: r.status, body: await r.json() };
  };

  it('answers 400 with a message, and keeps serving', async () => {
    const deep = { status: 400, body: { error: `request body is JSON nested deeper than ${MAX_BODY_DEPTH} levels` } };
    expect(await post('/api/partition', `{"groups":${nested}}`)).toEqual(deep);
    expect(await post('/api/kv', `{"op":"put","key":"k","value":${nested}}`)).toEqual(deep);
    expect(await post('/api/cluster', `{"nodes":${nested}}`)).toEqual(deep);
    expect(await post('/api/links', `{"from":"n1","to":"n2","x":${nested}}`)).toEqual(deep);
    expect(await post('/', `{"type":"store","key":"k","value":${nested}}`)).toMatchObject({ status: 400 });
    expect(await post('/api/partition', '{"groups":[]}')).toMatchObject({ status: 400 });
    expect((await fetch(`${base}/api/version`, { headers: { authorization: `Bearer ${host.token}` } })).status).toBe(
      200,
    );
  });
});

describe('the validators with nested values that arrive already parsed (IPC)', () => {
  it('name the field and describe the value without walking it', () => {
    const value: unknown = JSON.parse(nested);
    expect(decodeArgs('partition', { groups: value })).toEqual({
      ok: false,
      error: 'groups[0][0] must be a node id like "n1", got an array of 1 item',
    });
    expect(decodeArgs('kv', { op: 'put', key: 'k', value })).toEqual({
      ok: false,
      error: 'value must be a string of at most 1048576 bytes, got an array of 1 item',
    });
    expect(decodeArgs('createCluster', { nodes: value })).toEqual({
      ok: false,
      error: 'nodes must be an integer in 1..15, got an array of 1 item',
    });
    expect(decodeArgs('setLink', { from: 'n1', to: 'n2', x: value })).toEqual({
      ok: false,
      error: "link rule: unknown field 'x'",
    });
  });
});
