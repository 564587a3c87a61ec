/**
 * paxosRound narrates one Multi-Paxos round from the messages that really crossed the
 * network, in the words of the classic interview write-up:
 *
 *   Proposer: Initiate proposal with value: 1
 *   Acceptor 2: Received vote request with proposal num: 1
 *   Acceptor 2: Promise proposal num: 1 (nothing accepted before)
 *   Proposer: Majority promised (4 of 5 with its own): send accept with proposal num: 1, value: 1
 *   Acceptor 2: Received accept request with proposal num: 1, value: 1
 *   Acceptor 2: Accepted proposal num: 1
 *   Learner: Learn proposal with value: 1
 *
 * "proposal num" is the ballot's round (ballot 101 is round 1 of n1; see
 * core/paxos/README.md). Multi-Paxos runs phase 1 once, when a proposer takes the lead,
 * and reuses it for every later slot, so the prepare/promise lines come from that
 * election, which happened before the value arrived; a line says so. Pure.
 */
import { decodeCommand } from '../core/kv/codec';
import type { NodeId } from '../core/types';
import type { Traced } from './target';

/** nodeNumber is 2 for "n2". */
function nodeNumber(id: NodeId): string {
  return id.replace(/^n/, '');
}

/** acceptedValue finds `key`'s value in an accept message's entries (null when the body is not known). */
function acceptValue(m: Traced, key: string): string | null {
  const entries = m.body?.entries;
  if (!Array.isArray(entries)) return null;
  for (const e of entries as { data?: unknown }[]) {
    if (typeof e.data !== 'string' || e.data === '') continue;
    const c = decodeCommand(e.data);
    if (typeof c !== 'string' && c.cmd.op === 'put' && c.cmd.key === key) return c.cmd.value;
  }
  return null;
}

/**
 * paxosRound returns the narration of the round that chose `key = value` (messages: all of
 * the run so far; requestAt: when the client asked). Lines that cannot be told from the
 * messages are left out rather than made up.
 */
export function paxosRound(
  messages: readonly Traced[],
  key: string,
  value: string,
  requestAt: number,
  nodes: number,
): string[] {
  const out = [`Proposer: Initiate proposal with value: ${value}`];
  const sent = messages.filter((m) => m.event === 'deliver');
  // The accept that carried the value (or, without bodies, the leader's first accept after the request).
  const accept =
    sent.find((m) => m.type === 'accept' && acceptValue(m, key) === value) ??
    sent.find((m) => m.type === 'accept' && m.t >= requestAt && m.body === null);
  if (!accept) return [...out, 'Proposer: no accept carrying the value was seen (the write did not reach a leader)'];
  const proposer = accept.from;
  const ballot = accept.term;
  const round = Math.floor(ballot / 100);
  const majority = Math.floor(nodes / 2) + 1;
  out.push(
    `Proposer: ${proposer} runs it under ballot ${ballot} (proposal num ${round}); phase 1 for it ran when ${proposer} took the lead, and Multi-Paxos keeps it for every later value`,
  );
  const prepares = sent.filter((m) => m.type === 'prepare' && m.from === proposer && m.term === ballot);
  for (const m of prepares) out.push(`Acceptor ${nodeNumber(m.to)}: Received vote request with proposal num: ${round}`);
  const promises = sent.filter((m) => m.type === 'promise' && m.to === proposer && m.term === ballot);
  for (const m of promises) {
    const had = Array.isArray(m.body?.entries) && (m.body.entries as unknown[]).length > 0;
    const before = m.body === null ? '' : had ? ' (with values it accepted before)' : ' (nothing accepted before)';
    out.push(`Acceptor ${nodeNumber(m.from)}: Promise proposal num: ${round}${before}`);
  }
  out.push(
    `Proposer: Majority promised (${promises.length + 1} of ${nodes} with its own, ${majority} needed): send accept with proposal num: ${round}, value: ${value}`,
  );
  const round2 = sent.filter((m) => m.t >= accept.t - 1e-9 && m.term === ballot);
  const accepts = round2.filter(
    (m) => m.type === 'accept' && m.from === proposer && (m.body === null || acceptValue(m, key) === value),
  );
  for (const m of dedupe(accepts, (m) => m.to))
    out.push(`Acceptor ${nodeNumber(m.to)}: Received accept request with proposal num: ${round}, value: ${value}`);
  const acks = dedupe(
    round2.filter((m) => m.type === 'accepted' && m.to === proposer),
    (m) => m.from,
  );
  for (const m of acks) out.push(`Acceptor ${nodeNumber(m.from)}: Accepted proposal num: ${round}`);
  if (acks.length + 1 >= majority) out.push(`Learner: Learn proposal with value: ${value}`);
  else out.push(`Learner: only ${acks.length + 1} of ${majority} needed accepted: the value is not chosen yet`);
  return out;
}

function dedupe<T>(xs: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = key(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
