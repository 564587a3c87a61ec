/**
 * runScenario plays a scenario's steps against a ScenarioTarget — real processes or the
 * simulator, the same code either way — and reports every step and check. A step that
 * cannot be done (crash the leader when there is none, a wait that times out, a link rule
 * the target has no model for) is a failed check of that step, and the run goes on: the
 * later checks still say what they see. Every run ends with the safety invariants.
 *
 * Hooks let a caller watch (the CLI prints, the app's panel shows) and steer: pause
 * before a step, let the user perform a `user` step (detected from the cluster state),
 * stop.
 */
import type { KvOp } from '../core/kv/types';
import { describeCondition, holds, readsCommits, RefError, resolveNode, type Labels } from './conditions';
import { describePreset, presetCuts } from './presets';
import type { CheckReport, RunReport, StepReport } from './report-types';
import { allChecks } from './report-types';
import {
  checkName,
  durableCheck,
  leaderWithin,
  linearizableCheck,
  noAckIn,
  windowCheck,
  type StepWindow,
} from './step-checks';
import { TargetError, type LoadRun, type PendingRequest, type ScenarioTarget, type TargetView } from './target';
import {
  isFaultStep,
  type Check,
  type FaultStep,
  type Request,
  type RequestOptions,
  type Scenario,
  type Step,
} from './types';
import type { UnsafeModes } from './unsafe';
import { churnStep, loadText, outcomeText, requestText, spreadStep, traceStep, weightsText } from './step-bodies';
import { shardStep } from './shard-step';

/** RunHooks let a caller watch and steer a run (all optional). */
export interface RunHooks {
  onStepStart?(index: number, step: Step): void;
  onStepEnd?(report: StepReport): void;
  onLine?(index: number, line: string): void;
  /** beforeStep may hold the run (the panel's pause); resolve false to stop it. */
  beforeStep?(index: number): Promise<boolean>;
  /** userStep: the app waits for the user (true) until the condition holds or autoRequested(); headless runs do `auto`. */
  userWaits?: boolean;
  autoRequested?(): boolean;
  stopped?(): boolean;
}

/** RunOptions configure one run. */
export interface RunOptions {
  unsafe?: UnsafeModes;
  hooks?: RunHooks;
  /** firstStep / lastStep: run only steps [firstStep, lastStep] (the panel's Back replays up to a step). */
  lastStep?: number;
}

/** DEFAULT_WAIT_MS bounds a wait for a condition without withinMs. */
export const DEFAULT_WAIT_MS = 30_000;
/** USER_WAIT_MS bounds how long the app waits for the user to perform a step. */
export const USER_WAIT_MS = 300_000;

/** runScenario runs `s` on `target` (see the file comment). */
export async function runScenario(s: Scenario, target: ScenarioTarget, o: RunOptions = {}): Promise<RunReport> {
  const r = new Runner(s, target, o);
  return r.run();
}

class Runner {
  private readonly labels: Labels = new Map();
  private readonly requestLabels = new Map<string, PendingRequest>();
  private background: PendingRequest[] = [];
  /** loads: load bursts started in the background, that the next await waits for. */
  private loads: { what: string; run: LoadRun }[] = [];
  /** options: what each submitted request expects (its step checks them). */
  private readonly options = new Map<PendingRequest, RequestOptions>();
  private readonly hooks: RunHooks;
  private lines: string[] = [];
  private index = 0;

  constructor(
    private readonly s: Scenario,
    private readonly t: ScenarioTarget,
    private readonly o: RunOptions,
  ) {
    this.hooks = o.hooks ?? {};
  }

  async run(): Promise<RunReport> {
    const t0 = this.t.now();
    const steps: StepReport[] = [];
    const b = this.s.setup.balancer;
    if (b) await this.t.balance(b.algorithm, b.weights);
    let stopped = false;
    const last = Math.min(this.o.lastStep ?? Infinity, this.s.steps.length - 1);
    for (let i = 0; i <= last; i++) {
      if (this.hooks.stopped?.() || (this.hooks.beforeStep && !(await this.hooks.beforeStep(i)))) {
        stopped = true;
        break;
      }
      const rep = await this.step(i, this.s.steps[i]!);
      steps.push(rep);
      this.hooks.onStepEnd?.(rep);
    }
    const closing = stopped ? [] : [await this.invariants(-1)];
    const report: RunReport = {
      scenario: this.s.name,
      title: this.s.title,
      target: this.t.info.kind,
      protocol: this.t.info.protocol,
      seed: this.t.info.seed,
      unsafe: this.o.unsafe ?? {},
      passed: false,
      stopped,
      steps,
      closing,
      durationMs: Math.round(this.t.now() - t0),
    };
    report.passed = allChecks(report).every((c) => c.ok);
    return report;
  }

  private line(l: string): void {
    this.lines.push(l);
    this.hooks.onLine?.(this.index, l);
  }

  private async step(i: number, st: Step): Promise<StepReport> {
    this.index = i;
    this.lines = [];
    this.hooks.onStepStart?.(i, st);
    const startedAt = this.t.now();
    const base = { index: i, kind: st.do, say: st.say ?? null, look: st.look ?? null, startedAt };
    if (st.only !== undefined && st.only !== this.t.info.kind) {
      const why = st.only === 'lab' ? 'real processes only' : 'the simulator only';
      return { ...base, did: `skipped (${why})`, endedAt: startedAt, lines: [], checks: [], skipped: why };
    }
    const before = await this.t.view();
    const requests: PendingRequest[] = [];
    const checks: CheckReport[] = [];
    let did: string;
    try {
      did = await this.body(st, before, requests, checks);
    } catch (e) {
      if (!(e instanceof RefError || e instanceof TargetError)) throw e;
      did = `${st.do}: could not run`;
      checks.push({ step: i, name: `step ${i + 1} (${st.do}) runs`, ok: false, detail: e.message });
    }
    for (const c of st.checks ?? []) checks.push(await this.check(c, i, startedAt, before, requests));
    checks.push(...this.expectations(i, requests));
    return { ...base, did, endedAt: this.t.now(), lines: this.lines, checks, skipped: null };
  }

  // ---- step bodies ------------------------------------------------------------------

  private async body(st: Step, v: TargetView, requests: PendingRequest[], checks: CheckReport[]): Promise<string> {
    if (isFaultStep(st)) return this.fault(st, v, st.as);
    switch (st.do) {
      case 'say':
      case 'check':
        return st.do === 'say' ? 'narration' : 'checks';
      case 'mark': {
        const id = resolveNode(st.node, v, this.labels);
        this.labels.set(st.as, id);
        return `${id} is now called @${st.as}`;
      }
      case 'request':
        return this.request(st.request, st, v, requests, st.background === true);
      case 'requests':
        return this.requests(st.requests, v, requests);
      case 'await':
        return this.awaitBackground(st.timeoutMs ?? DEFAULT_WAIT_MS, requests);
      case 'load': {
        const what = `load ${st.op} ${st.count} --clients ${st.clients}`;
        if (st.background === true) {
          this.loads.push({ what: `load ${st.op}`, run: this.t.startLoad(st.op, st.count, st.clients, st.keys ?? 16) });
          return `${what} (in the background)`;
        }
        this.line(loadText(`load ${st.op}`, await this.t.load(st.op, st.count, st.clients, st.keys ?? 16)));
        return what;
      }
      case 'add': {
        const id = await this.t.addNode();
        if (st.as !== undefined) this.labels.set(st.as, id);
        return `add ${id}: it joins as a learner and is promoted to voter once caught up`;
      }
      case 'move':
      case 'join':
      case 'leave':
        return shardStep(this.t, st);
      case 'balance':
        await this.t.balance(st.algorithm, st.weights);
        return `balance ${st.algorithm}${st.weights ? ` ${weightsText(st.weights)}` : ''}`;
      case 'spread':
        return this.spread(st, checks);
      case 'wait':
        return this.wait(st, checks);
      case 'user':
        return this.user(st, checks);
      case 'churn':
        return this.churn(st);
      case 'trace':
        return this.trace(st, v);
    }
  }

  private async fault(f: FaultStep, v: TargetView, as: string | undefined): Promise<string> {
    const ids = this.t.info.ids;
    const node = (ref: string): string => resolveNode(ref, v, this.labels);
    const remember = (id: string): void => {
      if (as !== undefined) this.labels.set(as, id);
    };
    switch (f.do) {
      case 'partition': {
        if (f.groups) {
          const named = f.groups
            .flat()
            .filter((r) => r !== '*')
            .map(node);
          const rest = ids.filter((id) => !named.includes(id));
          const groups = f.groups.map((g) => (g[0] === '*' ? rest : g.map(node))).filter((g) => g.length > 0);
          await this.t.partition(groups);
          return `partition ${groups.map((g) => `{${g.join(',')}}`).join(' | ')}`;
        }
        const preset = f.preset!;
        const a = {
          leader: v.leader,
          ...(f.node ? { node: node(f.node) } : {}),
          ...(f.from ? { from: node(f.from) } : {}),
          ...(f.to ? { to: node(f.to) } : {}),
        };
        let cuts;
        try {
          cuts = presetCuts(preset, ids, a);
        } catch (e) {
          throw new TargetError((e as Error).message);
        }
        if ('groups' in cuts) await this.t.partition(cuts.groups);
        else for (const [from, to] of cuts.cuts) await this.t.link({ from, to, blocked: true });
        const who = preset === 'isolate-leader' ? a.leader : (a.node ?? a.from);
        if (who) remember(who);
        return describePreset(preset, cuts, ids.length, a);
      }
      case 'link':
        return this.link(f, v);
      case 'crash':
      case 'restart':
      case 'pause':
      case 'resume': {
        const id = node(f.node);
        remember(id);
        await this.t[f.do](id);
        return `${f.do} ${id}${f.node === id ? '' : ` (${f.node.replace(/^@/, '')})`}`;
      }
      case 'damage': {
        const id = node(f.node);
        remember(id);
        await this.t.damage(id, f.damage);
        return `damage ${id}${f.damage ? ` (${f.damage})` : ''}`;
      }
      case 'clear':
        await this.t.clear(f.nodes === true);
        return f.nodes ? 'clear: network healed, every node up' : 'clear: network healed';
    }
  }

  private async link(f: Extract<FaultStep, { do: 'link' }>, v: TargetView): Promise<string> {
    const ids = this.t.info.ids;
    const ends = (ref: string): string[] => (ref === '*' ? ids : [resolveNode(ref, v, this.labels)]);
    const { from, to, both } = f;
    const rule = {
      ...(f.latencyMs !== undefined ? { latencyMs: f.latencyMs } : {}),
      ...(f.jitterMs !== undefined ? { jitterMs: f.jitterMs } : {}),
      ...(f.loss !== undefined ? { loss: f.loss } : {}),
      ...(f.duplicate !== undefined ? { duplicate: f.duplicate } : {}),
      ...(f.blocked !== undefined ? { blocked: f.blocked } : {}),
      ...(f.bandwidth !== undefined ? { bandwidth: f.bandwidth } : {}),
    };
    const pairs = new Set<string>();
    for (const a of ends(from)) {
      for (const b of ends(to)) {
        if (a === b) continue;
        pairs.add(`${a}>${b}`);
        if (both) pairs.add(`${b}>${a}`);
      }
    }
    for (const p of pairs) {
      const [a, b] = p.split('>') as [string, string];
      await this.t.link({ from: a, to: b, ...rule });
    }
    const what = Object.entries(rule)
      .map(([k, x]) => `${k} ${String(x)}`)
      .join(', ');
    return `link ${from}${both ? '<->' : '->'}${to}: ${what} (${pairs.size} links)`;
  }

  private kvOp(r: Request): KvOp {
    switch (r.op) {
      case 'put':
      case 'get':
      case 'delete':
      case 'cas':
      case 'lock':
        return r;
      case 'fenced': {
        const token = typeof r.token === 'number' ? r.token : this.lockToken(r.token);
        return { op: 'fencedPut', key: r.key, value: r.value, token };
      }
    }
  }

  private lockToken(label: string): number {
    const p = this.requestLabels.get(label.slice(1));
    const token = p?.result?.token;
    if (token === undefined) throw new TargetError(`${label} holds no lock token (its lock was not granted)`);
    return token;
  }

  private submit(r: Request, o: RequestOptions, v: TargetView): PendingRequest {
    const node = o.node !== undefined ? resolveNode(o.node, v, this.labels) : undefined;
    const p = this.t.submit(this.kvOp(r), { ...(node ? { node } : {}), timeoutMs: o.timeoutMs ?? 3000 });
    if (o.as !== undefined) this.requestLabels.set(o.as, p);
    this.options.set(p, o);
    return p;
  }

  private async request(
    r: Request,
    o: RequestOptions,
    v: TargetView,
    requests: PendingRequest[],
    background: boolean,
  ): Promise<string> {
    const p = this.submit(r, o, v);
    const what = requestText(r, o);
    if (background) {
      this.background.push(p);
      return `${what} (in the background)`;
    }
    requests.push(p);
    await this.t.settle([p], (o.timeoutMs ?? 3000) + 5000);
    return `${what} → ${outcomeText(p)}`;
  }

  private async requests(
    list: (RequestOptions & { request: Request })[],
    v: TargetView,
    requests: PendingRequest[],
  ): Promise<string> {
    const ps = list.map((x) => this.submit(x.request, x, v));
    requests.push(...ps);
    const longest = Math.max(...list.map((x) => x.timeoutMs ?? 3000));
    await this.t.settle(ps, longest + 5000);
    return ps.map((p, i) => `${requestText(list[i]!.request, list[i]!)} → ${outcomeText(p)}`).join('; ');
  }

  private expectations(i: number, requests: PendingRequest[]): CheckReport[] {
    const out: CheckReport[] = [];
    for (const p of requests) {
      const o = this.options.get(p);
      if (!o) continue;
      const what = `${p.op.op} ${'key' in p.op ? p.op.key : p.op.name}`;
      const res = p.result;
      if (o.expect) {
        const got = res?.outcome ?? 'pending';
        const ok = o.expect === 'not-ok' ? got !== 'ok' : got === o.expect;
        out.push({ step: i, name: `${what} is ${o.expect}`, ok, detail: outcomeText(p) });
      }
      if (o.equals !== undefined) {
        const ok = res?.outcome === 'ok' && res.value === o.equals;
        out.push({ step: i, name: `${what} reads ${JSON.stringify(o.equals)}`, ok, detail: outcomeText(p) });
      }
    }
    return out;
  }

  /** awaitBackground waits for the background requests and load bursts, and says how they ended. */
  private async awaitBackground(timeoutMs: number, requests: PendingRequest[]): Promise<string> {
    const n = this.background.length;
    await this.t.settle(this.background, timeoutMs);
    requests.push(...this.background);
    this.background = [];
    const loads = this.loads;
    this.loads = [];
    await this.t.waitFor(() => loads.every((l) => l.run.result !== null), timeoutMs);
    for (const l of loads) this.line(l.run.result ? loadText(l.what, l.run.result) : `${l.what}: still running`);
    const outcomes = requests.map((r) => r.result?.outcome ?? 'pending').join(', ');
    const bursts = loads.length > 0 ? ` and ${loads.length} load burst(s)` : '';
    return `await ${n} background request(s)${bursts}${outcomes ? `: ${outcomes}` : ''}`;
  }

  private async wait(st: Extract<Step, { do: 'wait' }>, checks: CheckReport[]): Promise<string> {
    if (st.ms !== undefined) {
      await this.t.sleep(st.ms);
      return `wait ${st.ms} ms`;
    }
    const c = st.until!;
    const within = st.withinMs ?? DEFAULT_WAIT_MS;
    const t0 = this.t.now();
    const v = await this.t.waitUntil((x) => holds(c, x, this.labels), within, { commits: readsCommits(c) });
    const took = Math.round(this.t.now() - t0);
    checks.push({
      step: this.index,
      name: `${describeCondition(c)} within ${within / 1000} s`,
      ok: v !== null,
      detail: v ? `after ${took} ms${v.leader ? ` (leader ${v.leader})` : ''}` : `not after ${within} ms`,
    });
    return `wait until ${describeCondition(c)}`;
  }

  private async user(st: Extract<Step, { do: 'user' }>, checks: CheckReport[]): Promise<string> {
    const c = st.until;
    let how = 'done for you';
    if (this.hooks.userWaits) {
      const deadline = this.t.now() + (st.withinMs ?? USER_WAIT_MS);
      while (this.t.now() < deadline && !this.hooks.stopped?.()) {
        if (this.hooks.autoRequested?.()) break;
        const v = await this.t.waitUntil((x) => holds(c, x, this.labels), 200, { commits: readsCommits(c) });
        if (v) {
          how = 'done by you';
          break;
        }
      }
    }
    if (how !== 'done by you') await this.fault(st.auto, await this.t.view(), st.as);
    const v = await this.t.waitUntil((x) => holds(c, x, this.labels), 5000, { commits: readsCommits(c) });
    checks.push({ step: this.index, name: describeCondition(c), ok: v !== null, detail: how });
    return `you: ${describeCondition(c)} (${how})`;
  }

  private async churn(st: Extract<Step, { do: 'churn' }>): Promise<string> {
    return churnStep(
      this.t,
      st,
      this.index,
      (l) => this.line(l),
      () => this.hooks.stopped?.() ?? false,
    );
  }

  private async spread(st: Extract<Step, { do: 'spread' }>, checks: CheckReport[]): Promise<string> {
    return spreadStep(this.t, st, this.index, (l) => this.line(l), checks);
  }

  private async trace(st: Extract<Step, { do: 'trace' }>, v: TargetView): Promise<string> {
    return traceStep(this.t, st, v, (l) => this.line(l));
  }

  // ---- checks -----------------------------------------------------------------------

  private async invariants(step: number): Promise<CheckReport> {
    const v = await this.t.violations();
    return {
      step,
      name: checkName({ check: 'invariants' }),
      ok: v.length === 0,
      detail: v.length === 0 ? 'no invariant broken' : v.slice(0, 3).join('; '),
    };
  }

  private async check(
    c: Check,
    step: number,
    start: number,
    before: TargetView,
    requests: PendingRequest[],
  ): Promise<CheckReport> {
    const base = { step, start, before, requests, labels: this.labels };
    try {
      switch (c.check) {
        case 'invariants':
          return await this.invariants(step);
        case 'linearizable':
          return linearizableCheck(step, await this.t.history());
        case 'durable':
          return await durableCheck(step, this.t, await this.t.history());
        case 'leader-within':
          return await leaderWithin(this.t, base, c);
        default: {
          const w: StepWindow = {
            ...base,
            end: this.t.now(),
            after: await this.t.view(),
            samples: this.t.samples(start),
          };
          if (c.check === 'no-ack') return noAckIn(w, await this.t.history());
          return windowCheck(c, w);
        }
      }
    } catch (e) {
      if (!(e instanceof RefError || e instanceof TargetError)) throw e;
      return { step, name: checkName(c), ok: false, detail: e.message };
    }
  }
}
