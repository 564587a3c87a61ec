/**
 * The checks a step can ask for, evaluated over the step's window: the views at its start
 * and end, the node-state samples in between, its requests, and the client history. Each
 * check answers a CheckReport with what it saw, so a failure explains itself ("n1 became
 * leader in term 3 while this step ran"). Apart from leader-within (which waits for its
 * leader) and linearizable/durable/invariants (which read the target), these are pure
 * functions of the window.
 */
import type { HistoryOp } from '../api/contract';
import { linearizability, checkConsistency } from '../lab/check';
import type { NodeId } from '../core/types';
import { describeCondition, holds, resolveNode, type Labels } from './conditions';
import type { CheckReport } from './report-types';
import type { PendingRequest, Sample, ScenarioTarget, TargetView } from './target';
import type { Check, Condition } from './types';

/** StepWindow is what one step's checks look at. */
export interface StepWindow {
  step: number;
  start: number;
  end: number;
  before: TargetView;
  after: TargetView;
  samples: Sample[];
  requests: PendingRequest[];
  labels: Labels;
}

const WRITES = new Set(['write', 'delete', 'cas', 'fenced-write', 'lock', 'renew', 'unlock']);

function report(w: StepWindow, name: string, ok: boolean, detail: string): CheckReport {
  return { step: w.step, name, ok, detail };
}

/** leaderTerm is the term of the view's leader (0 without one). */
export function leaderTerm(v: TargetView): number {
  return v.nodes.find((n) => n.id === v.leader)?.term ?? 0;
}

/** checkName says a check in words. */
export function checkName(c: Check): string {
  switch (c.check) {
    case 'invariants':
      return 'safety invariants hold';
    case 'linearizable':
      return 'the client history is linearizable';
    case 'durable':
      return 'every acknowledged write reads back';
    case 'no-ack':
      return 'no write acknowledged during this step';
    case 'leader-within':
      return `a ${c.new ? 'new ' : ''}leader within ${c.ms / 1000} s`;
    case 'requests-fail':
      return 'these requests fail';
    case 'requests-ok':
      return 'these requests succeed';
    case 'commit-stalled':
      return `no commit${c.node ? ` on ${c.node}` : ''} during this step`;
    case 'log-grew':
      return `${c.node}'s log grew`;
    case 'split-vote':
      return 'a split vote: candidates in one term, no leader';
    case 'term-stable':
      return 'the term did not change';
    case 'leader-stable':
      return 'the leader did not change';
    case 'contested':
      return 'proposers duel: several stand in turn, no one leads';
    case 'holds':
      return describeCondition(c.condition);
  }
}

/** windowCheck evaluates a check that needs only the window (not leader-within, linearizable, durable, invariants). */
export function windowCheck(c: Check, w: StepWindow): CheckReport {
  const name = checkName(c);
  switch (c.check) {
    case 'requests-fail':
    case 'requests-ok': {
      const want = c.check === 'requests-ok';
      const bad = w.requests.filter((r) => (r.result?.outcome === 'ok') !== want);
      const seen = w.requests.map(
        (r) => `${r.op.op} ${r.result?.outcome ?? 'pending'}${r.result?.error ? ` (${r.result.error})` : ''}`,
      );
      return report(w, name, bad.length === 0 && w.requests.length > 0, seen.join('; ') || 'no requests');
    }
    case 'commit-stalled':
      return commitStalled(w, name, c.node);
    case 'log-grew': {
      const id = resolveNode(c.node, w.after, w.labels);
      const a = w.before.nodes.find((n) => n.id === id)?.lastIndex ?? 0;
      const b = w.after.nodes.find((n) => n.id === id)?.lastIndex ?? 0;
      return report(w, name, b > a, `${id}'s last index ${a} → ${b}`);
    }
    case 'split-vote':
      return splitVote(w, name);
    case 'term-stable': {
      const top = (v: TargetView): number => Math.max(0, ...v.nodes.map((n) => n.term));
      const moved = w.samples.filter((s) => s.term > top(w.before));
      return report(
        w,
        name,
        moved.length === 0,
        moved.length === 0
          ? `every node stayed at term ${top(w.before)} or below`
          : `${moved[0]!.node} moved to term ${moved[0]!.term}`,
      );
    }
    case 'leader-stable': {
      const other = w.samples.find((s) => s.role === 'leader' && s.node !== w.before.leader);
      const ok = other === undefined && w.after.leader === w.before.leader && w.before.leader !== null;
      const detail = other
        ? `${other.node} became leader (term ${other.term})`
        : `leader ${w.before.leader ?? 'none'} → ${w.after.leader ?? 'none'}`;
      return report(w, name, ok, detail);
    }
    case 'holds':
      return conditionCheck(w, name, c.condition);
    case 'contested':
      return contested(w, name);
    case 'invariants':
    case 'linearizable':
    case 'durable':
    case 'no-ack':
    case 'leader-within':
      throw new Error(`${c.check} is not a window check`);
  }
}

/** noAckIn checks the history for acknowledged writes completed in [start, end] ms. */
export function noAckIn(w: StepWindow, history: HistoryOp[]): CheckReport {
  const name = checkName({ check: 'no-ack' });
  // History times are ns since the run began; the window is in ms.
  const lo = w.start * 1e6;
  const hi = w.end * 1e6;
  const acked = history.filter((h) => h.type === 'ok' && WRITES.has(h.f) && h.time >= lo && h.time <= hi);
  if (acked.length === 0)
    return report(w, name, true, `none between ${Math.round(w.start)} and ${Math.round(w.end)} ms`);
  const first = acked[0]!;
  return report(
    w,
    name,
    false,
    `${acked.length} write(s) acknowledged, first ${first.f} ${first.key} at ${Math.round(first.time / 1e6)} ms`,
  );
}

function commitStalled(w: StepWindow, name: string, ref: string | undefined): CheckReport {
  // For one node: its own commit index. For the cluster: anything beyond the highest
  // commit index any node had at the start — a follower learning an old commit is not progress.
  const id: NodeId | null = ref ? resolveNode(ref, w.after, w.labels) : null;
  const top = Math.max(0, ...w.before.nodes.map((n) => n.commitIndex));
  const startOf = new Map(w.before.nodes.map((n) => [n.id, n.commitIndex]));
  const moved = w.samples.find((s) =>
    id === null ? s.commit > top : s.node === id && s.status === 'up' && s.commit > (startOf.get(s.node) ?? 0),
  );
  return report(
    w,
    name,
    moved === undefined,
    moved
      ? `${moved.node} committed up to ${moved.commit} at ${Math.round(moved.t)} ms`
      : `no commit past ${id ? (startOf.get(id) ?? 0) : top}`,
  );
}

function splitVote(w: StepWindow, name: string): CheckReport {
  const candidates = new Map<number, Set<NodeId>>();
  const led = new Set<number>();
  for (const s of w.samples) {
    if (s.role === 'candidate') {
      const set = candidates.get(s.term) ?? new Set<NodeId>();
      set.add(s.node);
      candidates.set(s.term, set);
    }
    if (s.role === 'leader') led.add(s.term);
  }
  for (const [term, set] of [...candidates].sort((a, b) => a[0] - b[0])) {
    if (set.size >= 2 && !led.has(term))
      return report(w, name, true, `term ${term}: ${[...set].sort().join(', ')} stood and no one won`);
  }
  const seen = [...candidates].map(([t, s]) => `term ${t}: ${[...s].join(',')}`).join('; ');
  return report(w, name, false, seen ? `every contested term had a winner (${seen})` : 'no candidate was seen');
}

function contested(w: StepWindow, name: string): CheckReport {
  const stood = new Set(w.samples.filter((s) => s.role === 'candidate').map((s) => s.node));
  const led = w.samples.find((s) => s.role === 'leader' && s.t > w.start);
  const terms = new Set(w.samples.filter((s) => s.role === 'candidate').map((s) => s.term));
  const ok = stood.size >= 2 && terms.size >= 2 && w.after.leader === null;
  const detail = `${stood.size} node(s) stood (${[...stood].sort().join(', ')}) in ${terms.size} term(s)/ballot(s); ${
    led ? `${led.node} led at ${Math.round(led.t)} ms` : 'no one led'
  }; leader at the end: ${w.after.leader ?? 'none'}`;
  return report(w, name, ok, detail);
}

function conditionCheck(w: StepWindow, name: string, c: Condition): CheckReport {
  const ok = holds(c, w.after, w.labels);
  const leader = w.after.leader ?? 'none';
  const commits = w.after.nodes.map((n) => `${n.id}:${n.status === 'up' ? n.commitIndex : n.status}`).join(' ');
  return report(w, name, ok, `leader ${leader}; commit ${commits}`);
}

/** leaderWithin waits (from the step's start) for a leader — a new one when asked. */
export async function leaderWithin(
  target: ScenarioTarget,
  w: Omit<StepWindow, 'after' | 'end' | 'samples'>,
  c: Extract<Check, { check: 'leader-within' }>,
): Promise<CheckReport> {
  const old = w.before.leader;
  const oldTerm = leaderTerm(w.before);
  const fresh = (v: TargetView): boolean =>
    v.leader !== null && (!c.new || v.leader !== old || leaderTerm(v) > oldTerm);
  const left = Math.max(0, w.start + c.ms - target.now());
  const v = await target.waitUntil(fresh, left);
  const name = checkName(c);
  if (!v)
    return { step: w.step, name, ok: false, detail: `no ${c.new ? 'new ' : ''}leader ${c.ms} ms after the step began` };
  const took = Math.round(target.now() - w.start);
  return { step: w.step, name, ok: true, detail: `${v.leader} leads (term ${leaderTerm(v)}) after ${took} ms` };
}

/** linearizableCheck runs the checker over the whole history so far. */
export function linearizableCheck(step: number, history: HistoryOp[]): CheckReport {
  const r = linearizability(history, 10_000);
  return { step, name: checkName({ check: 'linearizable' }), ok: r.linearizable !== false, detail: r.summary };
}

/** durableCheck reads every key with an acknowledged write and checks it holds a value that could be last. */
export async function durableCheck(step: number, target: ScenarioTarget, history: HistoryOp[]): Promise<CheckReport> {
  const r = await checkConsistency(history, async (key) => {
    const p = target.submit({ op: 'get', key }, { timeoutMs: 5000 });
    await target.settle([p], 10_000);
    const res = p.result;
    return { outcome: res?.outcome ?? 'unknown', result: res ? { ok: res.outcome === 'ok', value: res.value } : null };
  });
  const lost = r.violations.map(
    (v) => `${v.key} reads ${JSON.stringify(v.read)}, expected one of ${JSON.stringify(v.expectedOneOf)}`,
  );
  return { step, name: checkName({ check: 'durable' }), ok: r.ok, detail: lost.length ? lost.join('; ') : r.summary };
}
