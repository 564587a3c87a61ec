/**
 * Real clusters: every send record carries its protocol's label (Raft and Multi-Paxos),
 * vote answers say whether they granted, a message cut by a partition is dropped with
 * reason `partition`, GET /api/messages/:id answers a recent message's body (404 and 400
 * otherwise), and an export writes latency.svg, throughput.svg, messages.svg and
 * index.html, all well-formed, showing the cut.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageBody, MessageRecord, RunLogRecord } from '../../src-main/api/contract';
import { parseXml, textsOf } from '../report/xml-check';
import { startLab, waitFor, waitLeader, type TestLab } from './helpers';

const sends = async (t: TestLab): Promise<MessageRecord[]> =>
  (await t.lab.log(0)).filter((r: RunLogRecord): r is MessageRecord => r.kind === 'send');

describe('messages of a Raft cluster', () => {
  let t: TestLab;
  let leader: string;
  let cutAt = 0;
  beforeAll(async () => {
    t = await startLab({ nodes: 5, protocol: 'raft' });
    leader = await waitLeader(t);
    for (let i = 0; i < 5; i++)
      expect((await t.api('POST', '/api/kv', { op: 'put', key: `k${i}`, value: 'v' })).status).toBe(200);
  }, 60_000);
  afterAll(async () => t?.stop());

  it('labels every send with the protocol describer', async () => {
    const all = await sends(t);
    expect(all.length).toBeGreaterThan(10);
    expect(all.every((s) => typeof s.label === 'string' && s.label.length > 0)).toBe(true);
    const appends = all.filter((s) => s.type === 'append');
    expect(appends.some((s) => /^AppendEntries t\d+ \[\d+(\.\.\d+)?\] c=\d+$/.test(s.label!))).toBe(true);
    expect(all.filter((s) => s.type === 'heartbeat').every((s) => /^Heartbeat t\d+ c=\d+/.test(s.label!))).toBe(true);
    expect(all.filter((s) => s.type === 'appendResp').every((s) => typeof s.granted === 'boolean')).toBe(true);
  });

  it('answers GET /api/messages/:id with the body of a recent message; 404 for one not kept, 400 for a bad id', async () => {
    const s = (await sends(t)).filter((x) => x.type === 'append').pop()!;
    const r = await t.api<MessageBody>('GET', `/api/messages/${s.id}`);
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(s.id);
    expect(r.body.bytes).toBeGreaterThan(20);
    expect(r.body.message).toMatchObject({ type: 'append', from: s.from, to: s.to, term: s.term });
    expect(Array.isArray(r.body.message.entries)).toBe(true);
    const gone = await t.api<{ error: string }>('GET', '/api/messages/999999999');
    expect(gone.status).toBe(404);
    expect(gone.body.error).toContain('message 999999999');
    const bad = await t.api<{ error: string }>('GET', '/api/messages/abc');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('message id must be a positive integer');
  });

  it('drops what a partition cuts with reason "partition", and records the new election’s granted votes', async () => {
    const others = (await t.lab.cluster()).nodes.map((n) => n.id).filter((n) => n !== leader);
    cutAt = (await t.lab.log(0)).at(-1)!.seq;
    expect((await t.api('POST', '/api/partition', { groups: [[leader], others] })).status).toBe(200);
    const newLeader = await waitLeader(t, 20_000, others);
    expect(newLeader).not.toBe(leader);
    const after = (await t.lab.log(cutAt)).filter((r): r is MessageRecord => ['send', 'drop'].includes(r.kind));
    await waitFor(
      async () =>
        (await t.lab.log(cutAt)).some((r) => r.kind === 'drop' && r.from === leader && r.reason === 'partition'),
      5000,
      'a drop of the old leader’s message',
    );
    const drops = (await t.lab.log(cutAt)).filter((r) => r.kind === 'drop') as MessageRecord[];
    expect(drops.every((d) => d.reason === 'partition')).toBe(true);
    expect(drops.every((d) => (d.from === leader) !== (d.to === leader))).toBe(true);
    const votes = after.filter((r) => r.kind === 'send' && r.type === 'voteResp' && r.to === newLeader);
    expect(votes.some((v) => v.granted === true && /^Vote t\d+ → granted$/.test(v.label!))).toBe(true);
  });

  it('exports latency.svg, throughput.svg, messages.svg and index.html, well-formed, showing the cut', async () => {
    const r = await t.api<{ dir: string; files: string[] }>('POST', '/api/export', { name: 'with-report' });
    expect(r.status).toBe(200);
    const read = (f: string): string => readFileSync(join(r.body.dir, f), 'utf8');
    for (const f of ['latency.svg', 'throughput.svg', 'messages.svg']) {
      const els = parseXml(read(f));
      expect(els[0]!.name, f).toBe('svg');
    }
    const msgs = textsOf(parseXml(read('messages.svg'))).join('|');
    expect(msgs).toContain('partition');
    expect(msgs).toMatch(/Messages \d+:\d\d–\d+:\d\d/);
    const lat = textsOf(parseXml(read('latency.svg'))).join('|');
    expect(lat).toContain('write');
    const html = read('index.html');
    expect(html).toContain('latency.svg');
    expect(html).toMatch(/Check: (consistent|NOT consistent)/);
  });
});

describe('messages of a Multi-Paxos cluster', () => {
  let t: TestLab;
  beforeAll(async () => {
    t = await startLab({ nodes: 3, protocol: 'paxos' });
    await waitLeader(t);
    expect((await t.api('POST', '/api/kv', { op: 'put', key: 'a', value: '1' })).status).toBe(200);
  }, 60_000);
  afterAll(async () => t?.stop());

  it('labels phases with their ballot: Prepare, Promise (granted), Accept with its slots, Accepted', async () => {
    const all = await sends(t);
    const label = (type: string): string[] => all.filter((s) => s.type === type).map((s) => s.label!);
    expect(label('prepare').some((l) => /^Prepare b=\d+\.n\d from \d+/.test(l))).toBe(true);
    expect(all.filter((s) => s.type === 'promise').every((s) => s.granted === true)).toBe(true);
    expect(label('accept').some((l) => /^Accept b=\d+\.n\d \[\d+(\.\.\d+)?\] c=\d+$/.test(l))).toBe(true);
    expect(label('accepted').some((l) => /^Accepted b=\d+\.n\d \[\d+(\.\.\d+)?\]$/.test(l))).toBe(true);
  });
});
