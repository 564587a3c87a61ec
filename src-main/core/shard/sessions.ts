/**
 * ShardSessions is the client-session pool of a sharded cluster's router (the lab's
 * ShardLab and the simulator's sharded client alike). Sessions are per shard — a shard's
 * session table moves with its data (core/shard/group.ts) — so a session is lent for one
 * command on one shard, and the command keeps it across every wrong-group retry: a write
 * the old group applied and whose answer was lost is answered from the session table the
 * new group installed, instead of applying twice.
 *
 * The rules of giving one back: a command that may still apply (outcome unknown) retires
 * its session, because the next seq could be mistaken for it; otherwise its seq counts only
 * if the command may have reached a log (ok, or a state-machine answer other than
 * wrong-group, which certainly did not touch the session).
 */
import type { KvResult } from '../kv/types';

/** ShardSession is one client session: `seq` is its last command that may have reached a log. */
export interface ShardSession {
  client: string;
  seq: number;
}

/** ShardSessions pools sessions per shard (see the file comment). */
export class ShardSessions {
  private readonly pools = new Map<number, ShardSession[]>();
  private made = 0;

  /** `prefix` names the sessions (unique per router); at most `max` are ever made. */
  constructor(
    private readonly prefix: string,
    private readonly max: number,
  ) {}

  /** take lends a session for one command on `shard`: a pooled one, else a new one; null when the budget is spent. */
  take(shard: number): ShardSession | null {
    const pool = this.pools.get(shard) ?? [];
    this.pools.set(shard, pool);
    const s = pool.pop();
    if (s) return s;
    if (this.made >= this.max) return null;
    return { client: `${this.prefix}s${shard}-${++this.made}`, seq: 0 };
  }

  /** giveBack returns a session lent for the command numbered `seq`, by the rules in the file comment. */
  giveBack(
    shard: number,
    s: ShardSession,
    seq: number,
    outcome: 'ok' | 'fail' | 'unknown',
    result: KvResult | null,
  ): void {
    if (outcome === 'unknown') return;
    const refusedHere = result?.error === 'wrong-group';
    if (outcome === 'ok' || (result !== null && !refusedHere)) s.seq = seq;
    this.pools.get(shard)?.push(s);
  }
}
