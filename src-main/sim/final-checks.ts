/**
 * The end-of-run checks: the cluster converged on one applied log; every node's state
 * machine equals a replay of that log; every acknowledged command is in it, answered as the
 * replay answers it; and the whole client history is linearizable (src-main/check, within
 * a step budget — a verdict the budget could not reach is reported as unknown, never
 * taken for a pass).
 */
import { checkHistory } from '../check/check';
import type { CheckResult } from '../check/types';
import type { KvCommand } from '../core/kv/types';
import { KvStateMachine } from '../core/kv/state-machine';
import type { AckedCommand, HistoryOp } from './clients';
import { canonicalJson, stateFingerprint } from './canonical';
import type { Cluster } from './cluster';
import { memberNodes } from './membership';

/** CHECK_STEPS is the checker's default search budget per seed (steps over all keys). */
export const CHECK_STEPS = 2_000_000;

/**
 * convergedIndex returns the index every member (of the final configuration: every node
 * without membership changes) has applied when all are up and agree and nothing applied
 * anywhere is missing from them; else null.
 */
export function convergedIndex(c: Cluster): number | null {
  let idx = -1;
  for (const n of memberNodes(c)) {
    if (n.state !== 'up') return null;
    if (idx === -1) idx = n.applied;
    else if (n.applied !== idx) return null;
    const s = n.lastStatus;
    if (s && s.commitIndex > n.applied) return null;
  }
  return idx >= c.checker.appliedThrough ? idx : null;
}

/**
 * checkFinalState replays the agreed log into a fresh state machine and checks every
 * node's state against it, and every acknowledged command against the log.
 */
export function checkFinalState(
  c: Cluster,
  acked: readonly AckedCommand[],
  kv: ConstructorParameters<typeof KvStateMachine>[0] = {},
): void {
  const checker = c.checker;
  const through = checker.appliedThrough;
  const ref = new KvStateMachine(kv);
  // results[i]: the replay's answer at index i (an array: indexes are dense).
  const results: unknown[] = [];
  const firstAt = new FirstApplied();
  for (let i = 1; i <= through; i++) {
    const slot = checker.appliedAt(i)!;
    if (slot.type !== 'normal') continue;
    results[i] = ref.apply(i, slot.data);
    firstAt.note(slot.data, c.encodedAt(slot.data, i), i);
  }
  checkReplicas(c, ref, through);
  for (const a of acked) {
    const index = firstAt.find(a.client, a.seq);
    if (index === undefined) {
      checker.report(
        'durability',
        null,
        `acknowledged ${a.client}#${a.seq} is not in the final log (through ${through})`,
      );
    } else if (!sameJson(results[index], a.result)) {
      checker.report(
        'exactly-once',
        null,
        `${a.client}#${a.seq} was answered ${JSON.stringify(a.result)} but index ${index}, where it was first applied, replays to ${canonicalJson(results[index])}`,
      );
    }
  }
}

/** checkReplicas compares every live node's state machine with the replay. */
function checkReplicas(c: Cluster, ref: KvStateMachine, through: number): void {
  const checker = c.checker;
  const want = ref.digest();
  let wantState: string | null = null;
  for (const n of memberNodes(c)) {
    if (n.state !== 'up' || !n.sm) continue;
    if (n.applied < through) {
      checker.report('durability', n.id, `${n.id} applied only ${n.applied} of ${through} entries at the end`);
      continue;
    }
    if (n.applied !== through || n.sm.digest() === want) continue;
    // digest() disagrees; compare the states themselves, so that a digest sensitive to
    // key order (e.g. after a snapshot restore) is counted but not taken for divergence.
    wantState ??= stateFingerprint(ref.snapshot());
    if (stateFingerprint(n.sm.snapshot()) === wantState) {
      c.stats.digestMismatches++;
    } else {
      checker.report(
        'state-machine-safety',
        n.id,
        `${n.id}'s state at index ${through} differs from a replay of the applied log`,
      );
    }
  }
}

/**
 * checkClientHistory runs the linearizability checker over the run's client history and
 * reports a violation with its witness; returns the verdict (null: the budget ran out).
 */
export function checkClientHistory(c: Cluster, history: readonly HistoryOp[], maxSteps = CHECK_STEPS): CheckResult {
  const r = checkHistory(history, { model: 'kv', budget: { maxSteps } });
  if (r.linearizable === false && r.violation) {
    const v = r.violation;
    const ops = v.window.map((w) => `#${w.index} ${w.description}`).join('; ');
    c.checker.report('linearizability', null, `key ${v.key}: ${v.explanation} [${ops}]`);
  }
  if (c.log.enabled) {
    c.log.write(c.now, 'check', {
      linearizable: r.linearizable,
      ops: r.ops,
      keys: r.keys,
      steps: r.steps,
      unknownKeys: r.unknownKeys,
    });
  }
  return r;
}

/**
 * FirstApplied: where each command, named by its session key, was first applied. The key
 * is the start of the entry's data that names its session (encodeCommand's text:
 * `{"client":…,"seq":…`). Data the request layer encoded (Cluster.encodedAt knows its
 * command) starts with the key of its command's client and seq — a JSON string holds no
 * bare `,"` to end the key early — so it is filed under those, with no key string built
 * and hashed per entry or per acknowledged command; any other data under its text's key.
 */
class FirstApplied {
  /** byClient: client → seq → first index, for the request layer's encodings. */
  private readonly byClient = new Map<string, Map<number, number>>();
  /** byKey: the session key of any other data → first index. */
  private readonly byKey = new Map<string, number>();

  note(data: string, encoded: KvCommand | null, index: number): void {
    if (encoded !== null) {
      let seqs = this.byClient.get(encoded.client);
      if (seqs === undefined) this.byClient.set(encoded.client, (seqs = new Map()));
      if (!seqs.has(encoded.seq)) seqs.set(encoded.seq, index);
      return;
    }
    const key = sessionKeyOf(data);
    if (key !== null && !this.byKey.has(key)) this.byKey.set(key, index);
  }

  /** find is the first index the command (client, seq) was applied at, in either record. */
  find(client: string, seq: number): number | undefined {
    const a = this.byClient.get(client)?.get(seq);
    if (this.byKey.size === 0) return a;
    const b = this.byKey.get(sessionKey(client, seq));
    return a === undefined ? b : b === undefined ? a : Math.min(a, b);
  }
}

/** sessionKey is the start of a command's log data that names its session (encodeCommand's key order). */
function sessionKey(client: string, seq: number): string {
  return `{"client":${JSON.stringify(client)},"seq":${seq}`;
}

/** sessionKeyOf cuts a log entry's session key out of its data (null: not a client command). */
function sessionKeyOf(data: string): string | null {
  const end = data.indexOf(',"now":');
  return end > 0 && data.startsWith('{"client":') ? data.slice(0, end) : null;
}

/**
 * sameJson tells whether two JSON values are equal regardless of key order. Equal plain
 * serializations already prove it (the usual case, and far cheaper than sorting keys);
 * only when they differ does it compare the canonical forms.
 */
function sameJson(a: unknown, b: unknown): boolean {
  return sameFlat(a, b) || JSON.stringify(a) === JSON.stringify(b) || canonicalJson(a) === canonicalJson(b);
}

/**
 * sameFlat: two objects whose values are all strings, finite numbers, booleans or null (a
 * state machine's answer), with the same keys and equal values — equal as JSON whatever
 * their key order, and cheaper to see than serializing both. False means "not shown
 * equal here"; sameJson then compares the serializations.
 */
function sameFlat(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    const v = x[k];
    if (!(
      typeof v === 'string' ||
      typeof v === 'boolean' ||
      v === null ||
      (typeof v === 'number' && Number.isFinite(v))
    ))
      return false;
    if (!Object.hasOwn(x, k) || !Object.hasOwn(y, k) || y[k] !== v) return false;
    n++;
  }
  for (const k in y) if (Object.hasOwn(y, k)) n--;
  return n === 0;
}
