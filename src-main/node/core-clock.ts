/**
 * CoreClock turns a node's wall clock into core ticks without waking an idle process every
 * tick. A core counts time in ticks (10 ms by default), but most ticks change nothing a
 * peer could see: a follower only counts toward its election timeout, a leader toward its
 * next heartbeat. So the clock asks the core how many ticks remain until it acts on its
 * own (ProtocolNode.ticksToNextEvent) and sleeps until then; whenever something else
 * wakes the node — a message, a client request, a control call — the host calls
 * catchUp() first, which replays every tick that has passed since the last one counted.
 * The core therefore sees exactly the ticks, at the same tick boundaries, that a timer
 * firing every tick would have given it; it is only told about them later, in a burst,
 * before anything that could observe them. Both cores (Raft and Multi-Paxos) implement
 * ticksToNextEvent; a core without it would be woken every tick.
 *
 * A process that did not run when its timer was due (SIGSTOP, a starved CPU) is not
 * handed every tick it missed: it gets the ticks up to its timer's deadline (at most
 * MAX_SLEEP_TICKS after it last counted) plus MAX_CATCH_UP_TICKS, so a resumed node does
 * not fire a burst of timeouts — while a timer that is merely late under load (by less
 * than STALL_MS), every time, loses no ticks and election timeouts keep their length.
 */

/** MAX_CATCH_UP_TICKS bounds ticks replayed after a stall (e.g. SIGSTOP) so a resumed node does not fire a burst of timeouts. */
export const MAX_CATCH_UP_TICKS = 3;
/** STALL_MS: a timer this late (or later) means the process was stopped, not merely slowed by a loaded machine. */
export const STALL_MS = 250;
/**
 * MAX_SLEEP_TICKS bounds one sleep. A process stopped in the middle of a sleep (SIGSTOP) is
 * credited, when it resumes, the ticks up to its timer's deadline: the bound keeps that
 * within a few ticks of what a timer firing every tick would have credited.
 */
export const MAX_SLEEP_TICKS = 20;

/** ClockTimers are the clock's sources of time (the process's own, or a test's). */
export interface ClockTimers {
  now(): number;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** CoreClockHooks connect the clock to the core it drives. */
export interface CoreClockHooks {
  /** tick advances the core (and whatever else counts ticks) by one tick. */
  tick(): void;
  /** ticksToNext: ticks until the core acts on its own (>= 1); 1 to be woken every tick. */
  ticksToNext(): number;
  /** ticked: at least one tick was replayed from the timer (the host runs its Ready loop). */
  ticked(): void;
}

/** CoreClock is a node's tick source (see the file comment). */
export class CoreClock {
  private lastTickAt = 0;
  /** deadline: when the armed timer fires (Infinity: none armed). */
  private deadline = Infinity;
  /** awakeAt: the last time the process was seen running (a stall is measured from it). */
  private awakeAt = 0;
  private timer: unknown = null;
  private stopped = false;
  /** wakeups counts timer firings (for tests and the curious). */
  wakeups = 0;

  constructor(
    private periodMs: number,
    private readonly hooks: CoreClockHooks,
    private readonly timers: ClockTimers,
  ) {}

  /** start counts ticks from now and arms the timer. */
  start(): void {
    this.lastTickAt = this.awakeAt = this.timers.now();
    this.arm(true);
  }

  /** stop clears the timer for good. */
  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  /** setPeriod changes the tick length (slow motion) and counts from now. */
  setPeriod(ms: number): void {
    this.periodMs = ms;
    this.lastTickAt = this.awakeAt = this.timers.now();
    this.arm(true);
  }

  /** catchUp replays the ticks that passed since the last one counted; call it before stepping anything into the core. */
  catchUp(): number {
    if (this.stopped) return 0;
    const now = this.timers.now();
    const p = this.periodMs;
    let n = Math.floor((now - this.lastTickAt) / p);
    if (now > this.deadline + Math.max(STALL_MS, MAX_CATCH_UP_TICKS * p)) {
      // The timer should have fired well before now: the process was stopped, or starved of
      // CPU. Count the ticks up to when it was last seen running or its timer was due
      // (sleeping until then was planned), plus a few, and restart the count from now.
      const ranUntil = Math.max(this.awakeAt, Math.min(now, this.deadline));
      const ran = Math.max(0, Math.floor((ranUntil - this.lastTickAt) / p));
      n = Math.min(n, ran + MAX_CATCH_UP_TICKS);
      this.lastTickAt = now;
      // Detected once: the overdue timer is re-armed from the new count.
      this.deadline = Infinity;
    } else if (n > 0) this.lastTickAt += n * p;
    this.awakeAt = now;
    for (let i = 0; i < n; i++) this.hooks.tick();
    return n;
  }

  /**
   * rearm moves the timer earlier if the core's next event came closer (after a step, a
   * proposal, a role change); a later event leaves it, and the early wake-up re-arms then.
   */
  rearm(): void {
    this.arm(false);
  }

  private arm(force: boolean): void {
    if (this.stopped) return;
    const ticks = Math.min(MAX_SLEEP_TICKS, Math.max(1, this.hooks.ticksToNext()));
    const at = this.lastTickAt + ticks * this.periodMs;
    if (!force && this.timer !== null && at >= this.deadline) return;
    this.disarm();
    this.deadline = at;
    this.timer = this.timers.set(() => this.fire(), Math.max(1, at - this.timers.now()));
  }

  private disarm(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.deadline = Infinity;
  }

  private fire(): void {
    this.timer = null;
    this.wakeups++;
    const n = this.catchUp();
    this.deadline = Infinity;
    if (n > 0) this.hooks.ticked();
    this.arm(true);
  }
}
