/**
 * The lock model: one lease lock of the lab's lock service (core/kv/state-machine.ts), seen
 * from the client history. What the state machine does: `lock` grants a free (or expired)
 * lock and returns a fencing token, the grant's log index — unique and strictly growing
 * across grants; the holder asking again while it holds the lock gets the same grant (same
 * token) extended; `renew` succeeds only for the live grant with that owner and token;
 * `unlock` only for the live grant with that token.
 *
 * What a client history can and cannot show. Expiry is decided with the proposing leader's
 * clock (`now` in each command), which the history does not record, and a grant may lapse
 * at any moment once its TTL has run in that clock. So a new grant to another owner while
 * the old one was never unlocked is *not* a violation we can prove: the old lease may have
 * expired. What we can prove, from tokens alone:
 *   - a new grant's token exceeds every token granted before it (tokens are log indices);
 *   - a renew or unlock with token t succeeds only while t is still the newest grant — so
 *     a renew/unlock of t after another grant completed, or after t was unlocked, means
 *     two owners held the lock at once (or a lease came back to life);
 *   - a repeated lock by the holder returns its current token (or a new, larger one).
 * Tokens are global log indices, so grants of *different* locks are ordered too; checking
 * that would join every lock into one partition, and is left out (weaker, never wrong).
 *
 * A grant whose token is unknown (an indeterminate lock, or a history that did not record
 * the token) is kept symbolically: some token above every one seen so far. The model is
 * nondeterministic (granted or extended; unknown tokens), so its state is the set of
 * concrete states the lock may be in — a deterministic model over sets (as Porcupine does).
 */
import type { Model, Operation, Prepared } from '../types';
import { show } from './values';

/** LockOp is a lock-service operation in the model's form (token null: not known). */
export type LockOp =
  | { k: 'lock'; owner: string; token: number | null }
  | { k: 'renew'; owner: string; token: number }
  | { k: 'unlock'; token: number };

/** LockCell is one concrete state: holder, its token (null = unknown, above floor), the highest token seen. */
export interface LockCell {
  holder: string | null;
  token: number | null;
  floor: number;
}

/** LockState is the set of concrete states the lock may be in (sorted by key, no repeats). */
export type LockState = LockCell[];

function cellKey(c: LockCell): string {
  return `${c.holder === null ? '-' : JSON.stringify(c.holder)}/${c.token ?? '?'}/${c.floor}`;
}

function int(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
}

function field(v: unknown, name: string): unknown {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[name] : undefined;
}

function prepare(op: Operation): Prepared<LockOp> | null | string {
  const owner = field(op.input, 'owner');
  const token = int(field(op.input, 'token'));
  switch (op.f) {
    case 'lock': {
      if (typeof owner !== 'string') return 'a lock value must be {owner, ttlMs}';
      const t = op.status === 'ok' ? int(field(op.output, 'token')) : null;
      const data: LockOp = { k: 'lock', owner, token: t };
      // A grant of unknown token may be the one a later renew names: never removed from a witness.
      return { op, data, writes: t === null ? undefined : String(t), reads: [], pinned: t === null };
    }
    case 'renew':
      if (typeof owner !== 'string' || token === null) return 'a renew value must be {owner, token, ttlMs}';
      // An indeterminate renew changes nothing a client can see (only the expiry time).
      if (op.status === 'info') return null;
      return { op, data: { k: 'renew', owner, token }, writes: undefined, reads: [String(token)], pinned: false };
    case 'unlock':
      if (token === null) return 'an unlock value must be {token}';
      return { op, data: { k: 'unlock', token }, writes: undefined, reads: [String(token)], pinned: false };
    default:
      return `the lock model has no operation '${op.f}' (it knows lock, renew and unlock)`;
  }
}

/** holds: whether cell c's grant can be the one with token t (known, or unknown and above the floor). */
function holds(c: LockCell, t: number): boolean {
  return c.holder !== null && (c.token === t || (c.token === null && t > c.floor));
}

function stepCell(c: LockCell, d: LockOp, out: LockCell[]): void {
  switch (d.k) {
    case 'lock':
      if (d.token === null) {
        // Granted with an unknown token above the floor, or the holder's grant extended (no visible change).
        out.push({ holder: d.owner, token: null, floor: c.floor });
        if (c.holder === d.owner) out.push(c);
        return;
      }
      if (c.holder === d.owner && holds(c, d.token))
        out.push({ holder: d.owner, token: d.token, floor: Math.max(c.floor, d.token) });
      // A new grant (the previous one may have expired): its token must exceed every earlier one.
      if (d.token > c.floor) out.push({ holder: d.owner, token: d.token, floor: d.token });
      return;
    case 'renew':
      if (c.holder === d.owner && holds(c, d.token))
        out.push({ holder: d.owner, token: d.token, floor: Math.max(c.floor, d.token) });
      return;
    case 'unlock':
      if (holds(c, d.token)) out.push({ holder: null, token: null, floor: Math.max(c.floor, d.token) });
      return;
  }
}

function stepLock(s: LockState, d: LockOp): LockState | undefined {
  const out: LockCell[] = [];
  for (const c of s) stepCell(c, d, out);
  if (out.length === 0) return undefined;
  const byKey = new Map<string, LockCell>();
  for (const c of out) byKey.set(cellKey(c), c);
  return [...byKey.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
}

/** describeLockOp says a lock operation in words. */
export function describeLockOp(p: Prepared<LockOp>): string {
  const name = p.op.key;
  const d = p.data;
  switch (d.k) {
    case 'lock':
      return d.token === null
        ? `lock ${name} by ${show(d.owner)} (token unknown)`
        : `lock ${name} by ${show(d.owner)} → token ${d.token}`;
    case 'renew':
      return `renew ${name} by ${show(d.owner)} with token ${d.token}`;
    case 'unlock':
      return `unlock ${name} with token ${d.token}`;
  }
}

function doneBefore(a: Prepared<LockOp>, b: Prepared<LockOp>): boolean {
  return a.op.status === 'ok' && a.op.ret < b.op.call;
}

function explainLock(window: Prepared<LockOp>[], culprit: Prepared<LockOp>): string | null {
  const d = culprit.data;
  const name = culprit.op.key;
  if (d.k === 'lock') {
    if (d.token === null) return null;
    const t = d.token;
    const newer = window.find(
      (w) =>
        w !== culprit &&
        w.data.k === 'lock' &&
        w.data.token !== null &&
        doneBefore(w, culprit) &&
        (w.data.token > t || (w.data.token === t && w.data.owner !== d.owner)),
    );
    if (!newer || newer.data.k !== 'lock') return null;
    return `lock ${name} granted token ${t} to ${show(d.owner)} after token ${newer.data.token} had been granted to ${show(newer.data.owner)}: tokens only grow`;
  }
  const t = d.token;
  const unlocked = window.find(
    (w) => w !== culprit && w.data.k === 'unlock' && w.data.token === t && doneBefore(w, culprit),
  );
  if (unlocked) return `${describeLockOp(culprit)} succeeded after ${name} had been unlocked with that token`;
  const granted = window.find(
    (w) => w.data.k === 'lock' && w.data.token !== null && w.data.token > t && doneBefore(w, culprit),
  );
  if (granted && granted.data.k === 'lock') {
    return `${describeLockOp(culprit)} succeeded after ${name} had been granted to ${show(granted.data.owner)} with token ${granted.data.token}`;
  }
  const any = window.some(
    (w) => w.data.k === 'lock' && (w.data.token === t || w.data.token === null) && w.op.call < culprit.op.ret,
  );
  if (!any) return `${describeLockOp(culprit)} succeeded, but no grant of token ${t} had begun`;
  return null;
}

/** lockModel is the lease-lock model (see the file comment). */
export const lockModel: Model<LockState, LockOp> = {
  name: 'lock',
  prepare,
  init: () => [{ holder: null, token: null, floor: -1 }],
  step: stepLock,
  key: (s) => s.map(cellKey).join(' '),
  describeState: (s, key) =>
    s
      .map((c) =>
        c.holder === null ? `${key} free` : `${key} held by ${show(c.holder)} with token ${c.token ?? 'unknown'}`,
      )
      .join(' or '),
  describe: describeLockOp,
  explain: (w, c) => explainLock(w, c),
};
