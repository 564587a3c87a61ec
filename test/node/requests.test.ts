/**
 * The node's request layer (node/requests.ts) over a real KV state machine and a scripted
 * core: read contexts are unique across restarts of the node (a per-boot nonce), and a
 * refused copy of a command that an earlier copy may have applied is `unknown`, not `fail`.
 */
import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand } from '../../src-main/core/kv/codec';
import { KvStateMachine } from '../../src-main/core/kv/state-machine';
import type { KvCommand } from '../../src-main/core/kv/types';
import type { NodeStatus, ProtocolNode, ReadResult } from '../../src-main/core/types';
import type { ClientResponseFrame } from '../../src-main/node/contract';
import { Requests } from '../../src-main/node/requests';
import { RaftNetwork } from '../core/raft/helpers';

/** ScriptedCore is a leader that accepts every proposal at the next index and records read contexts. */
function scriptedCore(role: 'leader' | 'follower'): { core: ProtocolNode; ctxs: string[] } {
  const ctxs: string[] = [];
  let next = 0;
  const status = (): NodeStatus => ({
    id: 'n1',
    role,
    term: 1,
    vote: null,
    leader: role === 'leader' ? 'n1' : 'n2',
    commitIndex: 0,
    lastIndex: next,
    lastTerm: 1,
    firstIndex: 1,
    conf: { voters: ['n1', 'n2', 'n3'], learners: [], votersOutgoing: [] },
    progress: null,
  });
  const core = {
    id: 'n1',
    status,
    propose: () => ({ ok: true as const, index: ++next, term: 1 }),
    readIndex: (ctx: string): ReadResult => {
      ctxs.push(ctx);
      return { ok: true };
    },
  } as unknown as ProtocolNode;
  return { core, ctxs };
}

function requests(bootId: string, role: 'leader' | 'follower' = 'leader') {
  const { core, ctxs } = scriptedCore(role);
  const kv = new KvStateMachine();
  const r = new Requests({ id: 'n1', bootId, core, kv, recovering: () => false, kick: () => undefined });
  return { r, kv, ctxs };
}

/** followerGet is a get a follower may serve through ReadIndex, with a deadline far beyond any test. */
const followerGet = (id: number) => ({
  t: 'req' as const,
  id,
  client: 'c',
  seq: 0,
  op: { op: 'get' as const, key: 'x' },
  timeoutMs: 60_000,
  allowFollowerRead: true,
});

describe('Requests', () => {
  it('read contexts carry the boot nonce: a restarted node never reuses one (ReadIndex, §6.4)', () => {
    const a = requests('boot-a', 'follower');
    const b = requests('boot-b', 'follower');
    const get = { t: 'req' as const, id: 1, client: 'c', seq: 0, op: { op: 'get' as const, key: 'x' }, timeoutMs: 50 };
    a.r.handle({ ...get, allowFollowerRead: true }, () => undefined);
    b.r.handle({ ...get, allowFollowerRead: true }, () => undefined);
    expect(a.ctxs).toHaveLength(1);
    expect(b.ctxs).toHaveLength(1);
    expect(a.ctxs[0]).not.toBe(b.ctxs[0]);
    // A read point meant for boot a answers nothing in boot b.
    let answered: ClientResponseFrame | null = null;
    b.r.handle({ ...get, id: 2, allowFollowerRead: true }, (res) => (answered = res));
    b.r.readState({ ctx: a.ctxs[0]!, index: 0 });
    b.r.serveReads();
    expect(answered).toBeNull();
    a.r.abandonAll('test');
    b.r.abandonAll('test');
  });

  it.each(['stale-seq', 'session-expired'] as const)(
    'a copy refused as %s is unknown, not fail: an earlier copy may have applied',
    (error) => {
      const { r } = requests('boot');
      let res: ClientResponseFrame | null = null;
      r.handle(
        { t: 'req', id: 9, client: 'c', seq: 2, op: { op: 'put', key: 'k', value: 'v' }, timeoutMs: 1000 },
        (x) => {
          res = x;
        },
      );
      r.applied({ index: 1, term: 1, type: 'normal', data: lastProposed(r) }, { ok: false, error });
      expect(res).toMatchObject({ outcome: 'unknown', error });
    },
  );

  it('a put on a node that does not lead fails as not-leader, naming the leader it follows, and proposes nothing', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    const core = net.node('n2');
    const before = core.status().lastIndex;
    const r = new Requests({
      id: 'n2',
      bootId: 'b',
      core,
      kv: new KvStateMachine(),
      recovering: () => false,
      kick: () => undefined,
    });
    const answers: ClientResponseFrame[] = [];
    const put = {
      t: 'req' as const,
      id: 4,
      client: 'c',
      seq: 1,
      op: { op: 'put' as const, key: 'k', value: 'v' },
      timeoutMs: 1000,
    };
    r.handle(put, (x) => answers.push(x));
    expect(answers).toMatchObject([{ id: 4, outcome: 'fail', error: 'not-leader', leader: 'n1' }]);
    expect(core.status().lastIndex).toBe(before);
    // The leader takes the same put into its log, and answers it once it is applied.
    const lead = new Requests({
      id: 'n1',
      bootId: 'b',
      core: net.node('n1'),
      kv: new KvStateMachine(),
      recovering: () => false,
      kick: () => undefined,
    });
    lead.handle({ ...put, id: 5 }, (x) => answers.push(x));
    expect(answers).toHaveLength(1);
    expect(net.node('n1').status().lastIndex).toBe(before + 1);
    lead.abandonAll('test');
  });

  it('a command the state machine applied and refused (cas-mismatch) certainly had no effect: fail', () => {
    const { r } = requests('boot');
    let res: ClientResponseFrame | null = null;
    const op = { op: 'cas' as const, key: 'k', expected: 'a', value: 'b' };
    r.handle({ t: 'req', id: 9, client: 'c', seq: 1, op, timeoutMs: 1000 }, (x) => (res = x));
    r.applied(
      { index: 1, term: 1, type: 'normal', data: lastProposed(r) },
      { ok: false, error: 'cas-mismatch', value: null },
    );
    expect(res).toMatchObject({ outcome: 'fail', error: 'cas-mismatch' });
  });

  it('hands over each command it proposes with its log index and the data the log holds', () => {
    const { core } = scriptedCore('leader');
    const seen: [number, string, KvCommand][] = [];
    const r = new Requests({
      id: 'n1',
      bootId: 'boot',
      core,
      kv: new KvStateMachine(),
      recovering: () => false,
      kick: () => undefined,
      timers: { set: () => null, clear: () => undefined, now: () => 42 },
      proposed: (index, data, cmd) => seen.push([index, data, cmd]),
    });
    const ops = [
      { op: 'put' as const, key: 'k', value: 'v' },
      { op: 'cas' as const, key: 'k', expected: null, value: 'w' },
    ];
    ops.forEach((op, i) =>
      r.handle({ t: 'req', id: i, client: 'c', seq: i + 1, op, timeoutMs: 1000 }, () => undefined),
    );
    // A get proposes nothing.
    r.handle({ t: 'req', id: 9, client: 'c', seq: 0, op: { op: 'get', key: 'k' }, timeoutMs: 1000 }, () => undefined);
    expect(seen.map(([index]) => index)).toEqual([1, 2]);
    for (const [, data, cmd] of seen) {
      expect(data).toBe(encodeCommand(cmd));
      expect(decodeCommand(data)).toEqual(cmd);
    }
    expect(seen[1]![2]).toEqual({ client: 'c', seq: 2, now: 42, cmd: ops[1] });
    r.abandonAll('test');
  });

  it('a follower read no leader confirmed fails once the follower stands for election; a confirmed one is served', () => {
    const { r, ctxs } = requests('boot', 'follower');
    const answers: ClientResponseFrame[] = [];
    r.handle(followerGet(1), (x) => answers.push(x));
    r.handle(followerGet(2), (x) => answers.push(x));
    r.readState({ ctx: ctxs[1]!, index: 0 });
    // Still following n2 (the leader the reads were forwarded to) in term 1, then campaigning.
    const st = (role: NodeStatus['role'], term: number): NodeStatus =>
      ({ role, term, leader: role === 'follower' ? 'n2' : null }) as unknown as NodeStatus;
    r.observe(st('follower', 1));
    expect(answers).toEqual([]);
    r.observe(st('candidate', 2));
    // Read 1 was never confirmed: it fails at once (not at its 60 s timeout); read 2 waits for its point.
    expect(answers).toMatchObject([{ id: 1, outcome: 'fail', error: 'not-leader' }]);
    r.serveReads();
    expect(answers.map((a) => [a.id, a.outcome])).toEqual([
      [1, 'fail'],
      [2, 'ok'],
    ]);
  });

  it('a follower read its leader never confirmed fails at once when the term or the leader moves on, not at its timeout', () => {
    const { r, ctxs } = requests('boot', 'follower');
    const answers: ClientResponseFrame[] = [];
    const st = (term: number, leader: string | null): NodeStatus =>
      ({ role: 'follower', term, leader }) as unknown as NodeStatus;
    // Forwarded to n2 in term 1 (the scripted core's status); read 2's point comes back.
    r.handle(followerGet(1), (x) => answers.push(x));
    r.handle(followerGet(2), (x) => answers.push(x));
    r.readState({ ctx: ctxs[1]!, index: 0 });
    r.observe(st(1, 'n2'));
    expect(answers).toEqual([]);
    // n2 lost term 1 (its pending reads went with it) and this node follows n3 in term 2
    // without ever campaigning: read 1 would wait 60 s for an answer that never comes.
    r.observe(st(2, 'n3'));
    expect(answers).toMatchObject([{ id: 1, outcome: 'fail', error: 'not-leader', leader: 'n3' }]);
    r.serveReads();
    expect(answers.map((a) => [a.id, a.outcome])).toEqual([
      [1, 'fail'],
      [2, 'ok'],
    ]);
    // A read forwarded to a leader whose process then died (its connection closed: leader unknown) fails too.
    r.handle(followerGet(3), (x) => answers.push(x));
    r.observe(st(1, null));
    expect(answers.at(-1)).toMatchObject({ id: 3, outcome: 'fail', error: 'not-leader' });
  });

  it('a leader that loses its term answers its proposals unknown and its reads fail', () => {
    const { r } = requests('boot');
    const answers: ClientResponseFrame[] = [];
    r.handle(
      { t: 'req', id: 1, client: 'c', seq: 1, op: { op: 'put', key: 'k', value: 'v' }, timeoutMs: 60_000 },
      (x) => answers.push(x),
    );
    r.handle({ t: 'req', id: 2, client: 'c', seq: 0, op: { op: 'get', key: 'k' }, timeoutMs: 60_000 }, (x) =>
      answers.push(x),
    );
    const st = (role: NodeStatus['role'], term: number): NodeStatus =>
      ({ role, term, leader: null }) as unknown as NodeStatus;
    r.observe(st('leader', 1));
    expect(answers).toEqual([]);
    r.observe(st('follower', 2));
    expect(answers).toMatchObject([
      { id: 1, outcome: 'unknown', error: 'leadership-lost' },
      { id: 2, outcome: 'fail', error: 'leadership-lost' },
    ]);
  });
});

/** lastProposed reads back the data of the proposal Requests is waiting on (to hand it back as applied). */
function lastProposed(r: Requests): string {
  const p = (r as unknown as { proposals: Map<number, { data: string }> }).proposals;
  return [...p.values()].at(-1)!.data;
}
