/**
 * The runner's longer steps, each a function of the target: churn (a seeded storm of
 * faults, every blow printed, everything mended at its end), spread (reads through each
 * balancer, tabulated and checked), trace (a write whose Paxos round is told from the
 * real messages); and how requests and outcomes are written in a step's line.
 */
import { Stream, streamRng } from '../sim/random';
import { churnPlan, describeChurn } from './churn';
import type { CheckReport } from './report-types';
import { spreadLines } from './spread';
import type { LoadResult, PendingRequest, ScenarioTarget, TargetView } from './target';
import { paxosRound } from './trace';
import type { Request, RequestOptions, Step } from './types';

/** churnStep plays a churn step: the storm drawn from the run's seed and the step's index. */
export async function churnStep(
  t: ScenarioTarget,
  st: Extract<Step, { do: 'churn' }>,
  index: number,
  line: (l: string) => void,
  stopped: () => boolean,
): Promise<string> {
  const rng = streamRng(t.info.seed, Stream.scenario, index);
  const plan = churnPlan(rng, t.info.ids, st);
  const ids = t.info.ids;
  const noisy = st.loss !== undefined || st.duplicate !== undefined || st.jitterMs !== undefined;
  if (noisy) {
    const rule = { loss: st.loss ?? 0, duplicate: st.duplicate ?? 0, jitterMs: st.jitterMs ?? 0 };
    for (const a of ids) for (const b of ids) if (a !== b) await t.link({ from: a, to: b, ...rule });
    line(`every link: loss ${rule.loss}, duplicate ${rule.duplicate}, jitter ${rule.jitterMs} ms`);
  }
  const t0 = t.now();
  for (const e of plan) {
    const wait = t0 + e.at - t.now();
    if (wait > 0) await t.sleep(wait);
    if (stopped()) break;
    line(describeChurn(e));
    if (e.what === 'partition') await t.partition(e.groups);
    else if (e.what === 'heal') await t.clear(false);
    else await t[e.what](e.node).catch((err: Error) => line(`  (${err.message})`));
  }
  const rest = t0 + st.ms - t.now();
  if (rest > 0) await t.sleep(rest);
  // The storm ends here: whatever it left broken is mended (the step after it checks recovery).
  await t.clear(true);
  return `churn for ${st.ms} ms: ${plan.length} blows drawn from seed ${t.info.seed}`;
}

/** spreadStep sends reads through each balancer and checks each spread. */
export async function spreadStep(
  t: ScenarioTarget,
  st: Extract<Step, { do: 'spread' }>,
  index: number,
  line: (l: string) => void,
  checks: CheckReport[],
): Promise<string> {
  for (const n of st.requests) {
    for (const alg of st.algorithms) {
      const counts = await t.spread(alg, st.weights, n);
      const r = spreadLines(alg, st.weights, n, counts);
      for (const l of r.lines) line(l);
      if (r.check) checks.push({ step: index, ...r.check });
    }
  }
  return `spread ${st.requests.join(' and ')} reads over ${weightsText(st.weights)}`;
}

/** traceStep writes key=value and tells its Paxos round from the messages. */
export async function traceStep(
  t: ScenarioTarget,
  st: Extract<Step, { do: 'trace' }>,
  v: TargetView,
  line: (l: string) => void,
): Promise<string> {
  const at = t.now();
  const p = t.submit({ op: 'put', key: st.key, value: st.value }, { timeoutMs: 5000 });
  await t.settle([p], 10_000);
  // Let the acceptances and the decision arrive before reading the messages.
  await t.sleep(200);
  for (const l of paxosRound(t.messages(0), st.key, st.value, at, v.nodes.length)) line(l);
  return `trace a Paxos round: put ${st.key}=${st.value} → ${outcomeText(p)}`;
}

/** loadText says how a load burst ended: "load put × 400: 398 ok, 0 fail, 2 unknown". */
export function loadText(what: string, r: LoadResult): string {
  return `${what} × ${r.count}: ${r.ok} ok, ${r.fail} fail, ${r.unknown} unknown`;
}

/** weightsText writes weights as n1=1,n2=2. */
export function weightsText(w: Record<string, number>): string {
  return Object.entries(w)
    .map(([k, x]) => `${k}=${x}`)
    .join(',');
}

/** requestText says a request in a step's line. */
export function requestText(r: Request, o: RequestOptions): string {
  const at = o.node ? ` at ${o.node}` : '';
  switch (r.op) {
    case 'put':
      return `put ${r.key}=${r.value}${at}`;
    case 'get':
    case 'delete':
      return `${r.op} ${r.key}${at}`;
    case 'cas':
      return `cas ${r.key} ${r.expected ?? 'nil'}→${r.value}${at}`;
    case 'lock':
      return `lock ${r.name} for ${r.owner} (${r.ttlMs} ms)${at}`;
    case 'fenced':
      return `fenced write ${r.key}=${r.value} with token ${r.token}${at}`;
  }
}

/** outcomeText says how a request ended: "ok (n1, 3 ms)", "fail: no quorum …", "pending". */
export function outcomeText(p: PendingRequest): string {
  const r = p.result;
  if (!r) return 'pending';
  const where = r.node ? `${r.node}, ` : '';
  const value = r.outcome === 'ok' && p.op.op === 'get' ? ` = ${JSON.stringify(r.value)}` : '';
  const token = r.token !== undefined ? ` token ${r.token}` : '';
  const err = r.error ? `: ${r.error}` : '';
  return `${r.outcome}${value}${token}${err} (${where}${Math.round(r.latencyMs)} ms)`;
}
