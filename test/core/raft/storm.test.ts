/**
 * Replication storms (docs/BENCHMARKS.md, "Where a sweep's messages go"): under reordering a
 * leader must not send a follower the same entries over and over.
 *
 * - §5.3 with pipelining (etcd's Progress): a rejection that answers an append of a pipe the
 *   leader already reset (an older epoch, AppendMsg.epoch) is stale — it neither sends the
 *   leader back to probing nor refills the pipe; a rejection of the current pipe still does.
 * - A follower recovering from a damaged store (core/recovery): the leader forgets what it
 *   knew of its log once per boot of that store (AppendRespMsg.boot), not once per stale
 *   rejection still in flight.
 */
import { describe, expect, it } from 'vitest';
import type { AppendMsg, AppendRespMsg, RaftMessage } from '../../../src-main/core/raft';
import { Progress } from '../../../src-main/core/raft/progress';
import { validateRaftMessage } from '../../../src-main/core/raft';
import { RaftNetwork } from './helpers';

const three = ['n1', 'n2', 'n3'];

/** progressOf is the leader's view of one follower. */
function progressOf(net: RaftNetwork, leader: string, id: string) {
  return net
    .node(leader)
    .status()
    .progress!.find((p) => p.id === id)!;
}

/** appendsTo counts the appends in the sent log addressed to `to`. */
function appendsTo(net: RaftNetwork, to: string): number {
  return net.sentLog.filter((m) => m.type === 'append' && m.to === to).length;
}

describe('a rejection from a pipe the leader already reset is stale (Progress.maybeDecrTo)', () => {
  it('a probe rejected at or below match is not counted: no append/reject loop (fuzz: a forged ack)', () => {
    // A forged ack (or an unsafe node's lost log) makes the leader believe n2 holds 1..3.
    const pr = new Progress('n2', 11, 64);
    pr.maybeUpdate(3);
    // Its real log is empty: the probe at prevIndex 10 is rejected, and probing falls to match + 1.
    expect(pr.maybeDecrTo(10, 0, pr.epoch)).toBe(true);
    expect(pr).toMatchObject({ match: 3, next: 4, state: 'probe' });
    // n2 rejects the probe at prevIndex 3: counting it would probe at 4 again at once, and
    // the same rejection would come back for ever; the heartbeat's resend paces it instead.
    expect(pr.maybeDecrTo(3, 0, pr.epoch)).toBe(false);
    expect(pr).toMatchObject({ match: 3, next: 4, state: 'probe' });
  });

  it('a burst of reordered rejections resets the pipe once, and not again after it refilled', () => {
    const pr = new Progress('n2', 11, 64);
    pr.maybeUpdate(10);
    pr.becomeReplicate();
    const old = pr.epoch;
    for (let i = 11; i <= 20; i++) pr.sentEntries(i, 1);
    // The append of entry 11 was overtaken: the follower (log up to 10) rejected every later one.
    expect(pr.maybeDecrTo(11, 10, old)).toBe(true);
    expect(pr).toMatchObject({ match: 10, next: 11, state: 'probe' });
    expect(pr.epoch).toBe(old + 1);
    // The rest of that burst answers the old pipe: nothing moves.
    for (let p = 12; p <= 19; p++) expect(pr.maybeDecrTo(p, 10, old)).toBe(false);
    expect(pr).toMatchObject({ match: 10, next: 11, state: 'probe', probeSent: false });
    // The probe is acknowledged and the pipe refills (entries 12..20, in the new epoch)...
    pr.maybeUpdate(11);
    pr.becomeReplicate();
    for (let i = 12; i <= 20; i++) pr.sentEntries(i, 1);
    const now = pr.epoch;
    // ...and the old burst's rejections still in flight arrive: the new pipe stays as it is.
    for (let p = 12; p <= 19; p++) expect(pr.maybeDecrTo(p, 10, old)).toBe(false);
    expect(pr).toMatchObject({ match: 11, next: 21, state: 'replicate', epoch: now });
    expect(pr.inflights.count).toBe(9);
    // A rejection of the current pipe is news: probing resumes at the follower's hint.
    expect(pr.maybeDecrTo(15, 13, now)).toBe(true);
    expect(pr).toMatchObject({ match: 11, next: 14, state: 'probe', epoch: now + 1 });
  });

  it('on the network: stale rejections that arrive after the refill send nothing', () => {
    const net = new RaftNetwork(three, { maxEntriesPerMsg: 1, maxInflight: 64 });
    net.elect('n1');
    net.proposeAndWait('a');
    const match = progressOf(net, 'n1', 'n2').match;
    for (let i = 0; i < 12; i++) net.node('n1').propose(`c${i}`);
    net.process('n1');
    // The twelve one-entry appends reach n2 last first: it rejects all but the first.
    const appends = net.take((m) => m.type === 'append' && m.to === 'n2') as AppendMsg[];
    expect(appends.length).toBe(12);
    for (const m of appends.reverse()) net.deliver(m);
    const answers = net.take((m) => m.type === 'appendResp' && m.from === 'n2') as AppendRespMsg[];
    const rejections = answers.filter((m) => m.reject);
    expect(rejections.length).toBe(11);
    // n2 holds match + 1. The first rejection resets the pipe; its probe and the
    // acknowledgement refill it (11 appends in flight again).
    net.deliver(rejections.shift()!);
    for (const m of net.take((x) => x.type === 'append' && x.to === 'n2')) net.deliver(m);
    for (const m of net.take((x) => x.type === 'appendResp' && x.from === 'n2')) net.deliver(m);
    for (const m of answers.filter((x) => !x.reject)) net.deliver(m);
    const refilled = progressOf(net, 'n1', 'n2');
    expect(refilled).toMatchObject({ state: 'replicate', next: net.node('n1').status().lastIndex + 1 });
    expect(refilled.match).toBeGreaterThanOrEqual(match + 1);
    // The other ten rejections (from the old pipe) arrive now, in any order.
    net.sentLog.length = 0;
    for (const m of rejections.reverse()) net.deliver(m);
    expect(appendsTo(net, 'n2')).toBe(0);
    expect(progressOf(net, 'n1', 'n2')).toEqual(refilled);
    // Everything still gets through.
    net.deliverAll();
    expect(net.node('n2').status().lastIndex).toBe(net.node('n1').status().lastIndex);
    expect(net.violations).toEqual([]);
  });

  it('the probe after a reset carries the new epoch', () => {
    const net = new RaftNetwork(three, { maxEntriesPerMsg: 8, maxInflight: 64 });
    net.elect('n1');
    net.proposeAndWait('a');
    net.node('n1').propose('b');
    net.process('n1');
    const [first] = net.take((m) => m.type === 'append' && m.to === 'n2') as AppendMsg[];
    const epoch = first!.epoch!;
    // n2 rejects an append of the current pipe (say its prevIndex is beyond n2's log)...
    const last = net.node('n1').status().lastIndex;
    net.inject({ ...reject('n2', 'n1', net.node('n1').status().term, last, last - 2), epoch });
    // ...and the probe that follows carries the new epoch.
    const probe = net.take((m) => m.type === 'append' && m.to === 'n2') as AppendMsg[];
    expect(probe.length).toBe(1);
    expect(probe[0]!.epoch).toBe(epoch + 1);
  });
});

/** reject is n2's rejection of an append at prevIndex `index`, its log matching up to `hint`. */
function reject(from: string, to: string, term: number, index: number, hint: number): AppendRespMsg {
  return { type: 'appendResp', from, to, term, index, reject: true, rejectHint: hint, logTerm: 0 };
}

describe('a recovering follower: the leader forgets its log once per boot (AppendRespMsg.boot)', () => {
  /** leaderWith30 is n1 leading n1..n3 with 30 entries everyone holds. */
  function leaderWith30(): { net: RaftNetwork; term: number } {
    const net = new RaftNetwork(three);
    net.elect('n1');
    for (let i = 0; i < 29; i++) net.proposeAndWait(`e${i}`);
    net.deliverAll();
    expect(progressOf(net, 'n1', 'n2').match).toBe(30);
    return { net, term: net.node('n1').status().term };
  }

  /** recovering is a recovering n2's answer from boot `boot`. */
  function recovering(m: AppendRespMsg, boot: string): RaftMessage {
    return { ...m, recovering: true, boot };
  }

  it('the first answer of a new boot forgets match and probes at its hint; stale rejections of that boot do not', () => {
    const { net, term } = leaderWith30();
    // n2 lost its file and restarted (boot "x"): it rejects an append at 30, holding nothing.
    net.inject(recovering({ ...reject('n2', 'n1', term, 30, 0), epoch: 0 }, 'x'));
    expect(progressOf(net, 'n1', 'n2')).toMatchObject({ match: 0, next: 1, state: 'probe' });
    // It catches up to 20 (acknowledged in boot "x").
    net.inject(
      recovering(
        { type: 'appendResp', from: 'n2', to: 'n1', term, index: 20, reject: false, rejectHint: 0, logTerm: 0 },
        'x',
      ),
    );
    expect(progressOf(net, 'n1', 'n2')).toMatchObject({ match: 20, state: 'replicate' });
    // Rejections of boot "x" still in flight, at or below its new match, of any epoch: stale.
    net.take(() => true);
    net.sentLog.length = 0;
    for (const e of [0, 1, 2, 3, 10]) {
      for (const at of [5, 12, 19, 20]) net.inject(recovering({ ...reject('n2', 'n1', term, at, 0), epoch: e }, 'x'));
    }
    expect(progressOf(net, 'n1', 'n2')).toMatchObject({ match: 20, state: 'replicate' });
    expect(appendsTo(net, 'n2')).toBe(0);
    // A second loss (boot "y") is news again: forgotten once more.
    net.inject(recovering({ ...reject('n2', 'n1', term, 20, 4), epoch: 0 }, 'y'));
    expect(progressOf(net, 'n1', 'n2')).toMatchObject({ match: 0, next: 5, state: 'probe' });
  });

  it('a lost store on a reordering network: n3 catches up without a reset per stale rejection', () => {
    // Every message takes 0..6 ticks: appends of one entry overtake each other all the time.
    const net = new RaftNetwork(three, { maxEntriesPerMsg: 1, maxInflight: 64, minDelay: 0, maxDelay: 6 });
    net.elect('n1');
    for (let i = 0; i < 40; i++) net.proposeAndWait(`e${i}`);
    net.crash('n3');
    net.damage('n3', 'file');
    net.restart('n3');
    net.sentLog.length = 0;
    // Caught up within 30 ticks (one entry per append whatever the pipe, before the pipe's
    // flow control in raft/progress.ts: 60 ticks and more).
    for (let t = 0; t < 30 && net.node('n3').status().lastIndex !== net.node('n1').status().lastIndex; t++) net.tick(1);
    expect(net.node('n3').status().lastIndex).toBe(net.node('n1').status().lastIndex);
    net.tick(30);
    expect(net.member('n3').recovery?.recovering).toBe(false);
    // With a reset per stale rejection this took 4,197 appends for the 41 entries; with a
    // full pipe refilled after each break, 770.
    expect(appendsTo(net, 'n3')).toBeLessThan(100);
    expect(net.violations).toEqual([]);
  });
});

describe('the epoch and boot fields on the wire', () => {
  const resp = { type: 'appendResp', from: 'n2', to: 'n1', term: 3, index: 4, reject: true, rejectHint: 2, logTerm: 1 };

  it('are kept when well formed, and optional', () => {
    expect(validateRaftMessage({ ...resp, epoch: 7, recovering: true, boot: 'ab12' })).toMatchObject({
      epoch: 7,
      recovering: true,
      boot: 'ab12',
    });
    expect(validateRaftMessage(resp)).not.toHaveProperty('epoch');
    const append = { type: 'append', from: 'n1', to: 'n2', term: 3, prevIndex: 4, prevTerm: 2, entries: [], commit: 0 };
    expect(validateRaftMessage({ ...append, epoch: 2 })).toMatchObject({ epoch: 2 });
  });

  it.each([
    [{ ...resp, epoch: -1 }, 'appendResp.epoch must be a non-negative integer'],
    [{ ...resp, epoch: 'x' }, 'appendResp.epoch must be a non-negative integer'],
    [{ ...resp, boot: 'ab' }, 'appendResp.boot is sent only with recovering: true'],
    [{ ...resp, recovering: true, boot: '' }, 'appendResp.boot must be'],
    [{ ...resp, recovering: true, boot: 'x'.repeat(65) }, 'appendResp.boot must be'],
    [{ ...resp, recovering: true, boot: 5 }, 'appendResp.boot must be'],
    [
      { type: 'heartbeatResp', from: 'n2', to: 'n1', term: 3, ctx: null, recovering: true, boot: 'x'.repeat(65) },
      'heartbeatResp.boot must be',
    ],
    [
      { type: 'append', from: 'n1', to: 'n2', term: 3, prevIndex: 4, prevTerm: 2, entries: [], commit: 0, epoch: 1.5 },
      'append.epoch must be a non-negative integer',
    ],
  ])('rejects %j', (x, why) => {
    const r = validateRaftMessage(x);
    expect(typeof r).toBe('string');
    expect(r).toContain(why);
  });
});
