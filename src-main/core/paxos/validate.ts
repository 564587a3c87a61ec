/**
 * validatePaxosMessage: full structural validation of an untrusted wire value. It returns
 * a fresh message holding only the known fields (extra fields are dropped), or a string
 * saying what is wrong, so a corrupt or hostile frame can never reach the core. Written
 * with the validation kit (core/validate.ts); raft/validate.ts is its twin.
 */
import { MAX_TERM, ctx, entry, envelope, recoveringFlag, snapshot } from '../message-checks';
import { assertNever } from '../types';
import type { Entry, MessageBase } from '../types';
import { at, bool, fail, int, nullable, valueOrError, type Rec } from '../validate';
import { PAXOS_MESSAGE_TYPES } from './messages';
import type { PaxosMessage, PaxosMessageType } from './messages';

/** entries checks a run of entries with strictly increasing indexes (contiguous if asked). */
function entries(x: unknown, path: string, contiguous: boolean): Entry[] {
  if (!Array.isArray(x)) fail(`${path} must be an array`);
  const out = x.map((e, i) => entry(e, at(path, i)));
  for (let i = 1; i < out.length; i++) {
    const prev = out[i - 1]!.index;
    const idx = out[i]!.index;
    if (contiguous ? idx !== prev + 1 : idx <= prev) {
      fail(`${path} indexes must be ${contiguous ? 'contiguous' : 'increasing'}`);
    }
  }
  return out;
}

/** withRecovering adds an acknowledgement's recovering flag when set (recoveringFlag checks it). */
function withRecovering<T extends { recovering?: boolean }>(m: T, o: Rec, type: string): T {
  if (recoveringFlag(o, type).recovering === true) m.recovering = true;
  return m;
}

/*
 * Each message is built as a whole object literal (type, from, to, term, its fields, then
 * optional flags): `{ ...base, type, x }` takes V8's slow path, ~2 µs a message in Node 20
 * (raft/validate.ts says more), and this runs for every message a node reads.
 */
function body(o: Rec, base: MessageBase & { type: PaxosMessageType }): PaxosMessage {
  const { type, from, to, term } = base;
  const n = (key: string): number => int(o[key], at(type, key));
  switch (type) {
    case 'prepare':
      return { type, from, to, term, fromIndex: n('fromIndex'), force: bool(o.force, at(type, 'force')) };
    case 'promise':
      return {
        type,
        from,
        to,
        term,
        fromIndex: n('fromIndex'),
        commit: n('commit'),
        entries: entries(o.entries, 'promise.entries', false),
        snapshot: nullable(o.snapshot, (v) => snapshot(v, 'promise.snapshot')),
      };
    case 'accept':
    case 'catchup':
      return { type, from, to, term, commit: n('commit'), entries: entries(o.entries, at(type, 'entries'), true) };
    case 'accepted': {
      const lo = n('lo');
      const hi = n('hi');
      if (lo < 1 || lo > hi) fail(`accepted needs 1 <= lo <= hi, got lo ${lo}, hi ${hi}`);
      return { type, from, to, term, lo, hi, commit: n('commit') };
    }
    case 'nack':
      return { type, from, to, term, ballot: int(o.ballot, 'nack.ballot', 0, MAX_TERM), commit: n('commit') };
    case 'decide':
      return { type, from, to, term, commit: n('commit') };
    case 'learned':
      return withRecovering<PaxosMessage & { type: 'learned' }>({ type, from, to, term, commit: n('commit') }, o, type);
    case 'heartbeat':
      return { type, from, to, term, commit: n('commit'), seq: n('seq') };
    case 'heartbeatAck':
      return withRecovering<PaxosMessage & { type: 'heartbeatAck' }>(
        { type, from, to, term, seq: n('seq'), commit: n('commit'), hbCommit: n('hbCommit') },
        o,
        type,
      );
    case 'snapshot':
      return { type, from, to, term, snapshot: snapshot(o.snapshot, 'snapshot.snapshot') };
    case 'readIndex':
      return { type, from, to, term, ctx: ctx(o.ctx, 'readIndex.ctx') };
    case 'readIndexResp':
      return { type, from, to, term, ctx: ctx(o.ctx, 'readIndexResp.ctx'), index: n('index') };
    case 'timeoutNow':
      return { type, from, to, term };
    default:
      return assertNever(type, 'paxos message type');
  }
}

/**
 * validatePaxosMessage checks that an untrusted value (a decoded wire frame) is a
 * well-formed PaxosMessage; it returns a fresh message or a string saying what is wrong.
 */
export function validatePaxosMessage(x: unknown): PaxosMessage | string {
  return valueOrError(() => {
    const { o, base } = envelope(x, 'paxos', PAXOS_MESSAGE_TYPES, 'a ballot (a non-negative integer, at most 2^48)');
    return body(o, base);
  });
}
