/**
 * CoreClock (node/core-clock.ts): an idle node sleeps until its core's next event instead
 * of waking every tick, yet the core sees exactly the ticks a per-tick timer would have
 * given it, replayed before anything is stepped into it; a stalled process (SIGSTOP)
 * still gets no burst of timeouts. Time here is a fake clock the test moves.
 */
import { describe, expect, it } from 'vitest';
import { RaftNetwork } from '../core/raft/helpers';
import { CoreClock, MAX_CATCH_UP_TICKS, MAX_SLEEP_TICKS, type ClockTimers } from '../../src-main/node/core-clock';

/** FakeTime is a clock and a timer queue the test advances by hand. */
class FakeTime implements ClockTimers {
  t = 1000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  now = (): number => this.t;
  set = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clear = (h: unknown): void => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  /**
   * advance moves time to t + ms, firing due timers in order, each `late` ms after it was
   * due (a loaded machine); skip: a stopped process fires none.
   */
  advance(ms: number, skip = false, late = 0): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at + late > end || skip) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at + late);
      next.fn();
    }
    this.t = end;
  }
}

/** A model core: acts on its own every `every` ticks (a heartbeat), counting every tick it is given. */
function model(every: number) {
  const m = {
    ticks: 0,
    acted: 0,
    sinceAct: 0,
    tick: () => {
      m.ticks++;
      if (++m.sinceAct >= every) {
        m.sinceAct = 0;
        m.acted++;
      }
    },
    ticksToNext: () => every - m.sinceAct,
  };
  return m;
}

describe('CoreClock: no wake-ups without work, the same ticks as a per-tick timer', () => {
  it('sleeps until the next event: 10 wake-ups a second for a 100 ms heartbeat, not 100', () => {
    const time = new FakeTime();
    const core = model(10);
    let ran = 0;
    const clock = new CoreClock(10, { tick: core.tick, ticksToNext: core.ticksToNext, ticked: () => ran++ }, time);
    clock.start();
    time.advance(1000);
    expect(core.ticks).toBe(100);
    expect(core.acted).toBe(10);
    expect(clock.wakeups).toBeLessThanOrEqual(11);
    expect(ran).toBe(clock.wakeups);
  });

  it('replays every tick that passed before a message is stepped, at the same tick boundaries', () => {
    const time = new FakeTime();
    const core = model(100);
    const clock = new CoreClock(10, { tick: core.tick, ticksToNext: core.ticksToNext, ticked: () => {} }, time);
    clock.start();
    time.advance(537);
    // A message arrives now: the host catches up first.
    clock.catchUp();
    expect(core.ticks).toBe(53);
    time.advance(8); // 545 ms: still inside tick 54
    clock.catchUp();
    expect(core.ticks).toBe(54);
    time.advance(1455); // 2000 ms in all
    clock.catchUp();
    expect(core.ticks).toBe(200);
    expect(core.acted).toBe(2);
  });

  it('comes back earlier when the core’s next event comes closer (rearm)', () => {
    const time = new FakeTime();
    let every = 100;
    let ticks = 0;
    let since = 0;
    const acts: number[] = [];
    const clock = new CoreClock(
      10,
      {
        tick: () => {
          ticks++;
          if (++since >= every) {
            since = 0;
            acts.push(ticks);
          }
        },
        ticksToNext: () => every - since,
        ticked: () => {},
      },
      time,
    );
    clock.start();
    time.advance(50);
    clock.catchUp();
    // The core became leader: it must act within 3 ticks, not at the old 100-tick deadline.
    every = since + 3;
    clock.rearm();
    time.advance(40);
    expect(acts).toEqual([8]);
  });

  it('a stalled process (SIGSTOP) is handed its ticks up to its timer’s deadline plus a few, not a burst', () => {
    const time = new FakeTime();
    const core = model(100);
    const clock = new CoreClock(10, { tick: core.tick, ticksToNext: core.ticksToNext, ticked: () => {} }, time);
    clock.start();
    time.advance(205);
    clock.catchUp();
    expect(core.ticks).toBe(20);
    time.advance(5000, true); // stopped: no timer fires for 5 s
    clock.catchUp();
    // Its timer was due 20 ticks after the last count (MAX_SLEEP_TICKS), then 3 more.
    expect(core.ticks).toBe(20 + MAX_SLEEP_TICKS + MAX_CATCH_UP_TICKS);
    expect(core.acted).toBe(0);
    // Counting restarts from the resume: the next second brings 100 more ticks.
    time.advance(1000);
    clock.catchUp();
    expect(core.ticks).toBe(20 + MAX_SLEEP_TICKS + MAX_CATCH_UP_TICKS + 100);
  });

  it('a timer that is always late under load loses no ticks: an election timeout keeps its length', () => {
    const time = new FakeTime();
    const core = model(150); // a follower's 1.5 s election timeout
    const clock = new CoreClock(10, { tick: core.tick, ticksToNext: core.ticksToNext, ticked: () => {} }, time);
    clock.start();
    // Every timer fires 80 ms late (more than MAX_CATCH_UP_TICKS ticks): a machine at load 25.
    time.advance(3000, false, 80);
    clock.catchUp();
    expect(core.ticks).toBe(300);
    expect(core.acted).toBe(2);
  });
});

describe('a sleeping follower and its dead leader’s closed connection (core/peer-closed.ts)', () => {
  /**
   * n3 follows n1 and sleeps (its next event is its election timeout). n1 dies 25 ms after
   * n3 last heard from it; n3 sees the close, and 15 ms later n2's pre-vote arrives. n3 is
   * ranked second among the survivors: it must wait one heartbeat interval (3 ticks, 30 ms)
   * after the close before it stands, so n2 can win alone.
   */
  function closeThenPreVote(replayFirst: boolean): string {
    const net = new RaftNetwork(['n1', 'n2', 'n3'], { electionTicks: 10, heartbeatTicks: 3, preVote: true });
    net.elect('n1');
    net.drain();
    net.deliverAll();
    const n3 = net.node('n3');
    const time = new FakeTime();
    const clock = new CoreClock(
      10,
      { tick: () => n3.tick(), ticksToNext: () => n3.ticksToNextEvent(), ticked: () => {} },
      time,
    );
    clock.start();
    expect(n3.ticksToNextEvent()).toBeGreaterThan(4); // asleep past the close and the pre-vote
    time.advance(25);
    // NodeHost.onPeerClosed replays the ticks slept through before the close is stepped in.
    if (replayFirst) clock.catchUp();
    n3.peerClosed('n1');
    time.advance(15);
    clock.catchUp(); // the pre-vote arrives: the host catches up before stepping it
    return n3.status().role;
  }

  it('the ticks slept through before the close are replayed first: the runner-up waits its turn', () => {
    expect(closeThenPreVote(true)).toBe('follower');
  });

  it('replayed after the close, they would run its wait down: it stands at once and splits the vote', () => {
    // The second election round of the first sleeping-follower try: both survivors stood.
    expect(closeThenPreVote(false)).toBe('precandidate');
  });
});
