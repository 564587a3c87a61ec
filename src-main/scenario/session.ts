/**
 * ScenarioSession is a scenario playing inside a running lab for the app's Scenarios
 * panel: one at a time, on a fresh cluster of the scenario's setup, step by step. It
 * holds where the author asked (a step with `pause`) until Next; at a `user` step it
 * waits for the user to do it in the app (detected from the cluster's state) or for "Do
 * it for me"; Back replays the run from a fresh cluster up to the step before the current
 * one (real processes cannot be rewound, so a step back is a run again); Again starts over.
 * Its state (ScenarioState, api/contract.ts) goes out with every change.
 */
import type {
  ScenarioAction,
  ScenarioInfo,
  ScenarioStartRequest,
  ScenarioState,
  ScenarioStepState,
} from '../api/scenario-api';
import { bundledScenario, bundledScenarios } from './bundled';
import { LabTarget, type ScenarioLab } from './lab-target';
import { shardRules, shardSetup } from './shard-rules';
import { planRun } from './plan';
import type { RunReport } from './report-types';
import { allChecks } from './report-types';
import { runScenario } from './runner';
import { TargetError } from './target';
import type { Scenario, Step } from './types';
import { unsafeLabel } from './unsafe';

/** StartRequest asks for a scenario run (the panel's Run, Back, Again, run again with a contrast). */
export type StartRequest = ScenarioStartRequest;

/** ControlAction steers a running scenario. */
export type ControlAction = ScenarioAction;

/** scenarioInfo is what the panel lists of a scenario. */
export function scenarioInfo(s: Scenario): ScenarioInfo {
  return {
    name: s.name,
    number: s.number ?? null,
    title: s.title,
    teaches: s.teaches,
    protocols: s.setup.protocols,
    // A sharded cluster's processes: the controller's and every group's.
    nodes: shardRules(s.setup).nodes,
    steps: s.steps.length,
    contrast: s.contrast.map((c) => ({ label: c.label, say: c.say, unsafe: unsafeLabel(c.unsafe) })),
  };
}

/** listScenarios lists the bundled scenarios for the panel. */
export function listScenarios(): ScenarioInfo[] {
  return bundledScenarios().map(scenarioInfo);
}

function describeStep(st: Step): string {
  return st.say ?? (st.do === 'user' ? 'your turn' : st.do);
}

/** ScenarioSession runs one scenario against the lab (see the file comment). */
export class ScenarioSession {
  private state: ScenarioState | null = null;
  private run: Promise<void> | null = null;
  private release: (() => void) | null = null;
  private auto = false;
  private stopping = false;
  private abort: AbortController | null = null;

  constructor(
    private readonly lab: ScenarioLab,
    private readonly emit: (s: ScenarioState) => void,
  ) {}

  /** current is the state of the scenario playing (or last played), or null. */
  current(): ScenarioState | null {
    return this.state;
  }

  /** start stops any scenario playing and starts `req`; resolves once the cluster is being created. */
  async start(req: StartRequest): Promise<ScenarioState> {
    const s = bundledScenario(req.name);
    if (!s) throw new TargetError(`no bundled scenario '${req.name}'`);
    const plan = planRun(s, { protocol: req.protocol ?? null, seed: req.seed ?? null, contrast: req.contrast ?? null });
    if (typeof plan === 'string') throw new TargetError(plan);
    await this.stop();
    this.stopping = false;
    this.auto = false;
    this.abort = new AbortController();
    const steps: ScenarioStepState[] = s.steps.map((st, i) => ({
      index: i,
      kind: st.do,
      say: describeStep(st),
      look: st.look ?? null,
      status: 'pending',
      did: null,
      checks: [],
      lines: [],
      user: st.do === 'user',
    }));
    this.state = {
      ...scenarioInfo(s),
      protocol: plan.protocol,
      seed: plan.seed,
      contrastLabel: plan.contrast,
      unsafe: unsafeLabel(plan.unsafe),
      status: 'starting',
      current: -1,
      heldAfter: req.until ?? null,
      stepStates: steps,
      passed: 0,
      failed: 0,
      error: null,
    };
    this.changed();
    const abort = this.abort;
    this.run = this.play(s, plan, req.until ?? null, abort.signal).catch((e: Error) => {
      if (!this.state) return;
      this.state.status = 'error';
      this.state.error = e.message;
      this.changed();
    });
    return this.state;
  }

  private async play(
    s: Scenario,
    plan: Exclude<ReturnType<typeof planRun>, string>,
    until: number | null,
    signal: AbortSignal,
  ): Promise<void> {
    const target = await LabTarget.create(
      this.lab,
      {
        nodes: s.setup.nodes,
        protocol: plan.protocol,
        seed: plan.seed,
        unsafe: plan.unsafe,
        ...(s.setup.heartbeatMs !== undefined ? { heartbeatMs: s.setup.heartbeatMs } : {}),
        ...(s.setup.electionMs !== undefined ? { electionMs: s.setup.electionMs } : {}),
        ...shardSetup(s.setup),
      },
      signal,
    );
    try {
      const report = await runScenario(s, target, {
        unsafe: plan.unsafe,
        hooks: {
          userWaits: true,
          autoRequested: () => this.auto,
          stopped: () => this.stopping,
          beforeStep: (i) => this.beforeStep(s, i, until),
          onStepStart: (i) => this.stepStarted(i),
          onLine: (i, l) => this.line(i, l),
          onStepEnd: (r) => this.stepEnded(r),
        },
      });
      this.finished(report);
    } finally {
      await target.close();
    }
  }

  /** beforeStep holds after an author's pause (not while replaying up to `until`), and at `until` itself. */
  private async beforeStep(s: Scenario, i: number, until: number | null): Promise<boolean> {
    if (this.stopping || !this.state) return false;
    const prev = s.steps[i - 1];
    const replaying = until !== null && i <= until;
    const hold = until !== null && i === until + 1 ? true : !replaying && prev?.pause === true;
    if (hold) {
      this.state.status = 'paused';
      this.changed();
      await new Promise<void>((resolve) => (this.release = resolve));
      this.release = null;
    }
    return !this.stopping;
  }

  private stepStarted(i: number): void {
    const st = this.state;
    if (!st) return;
    st.current = i;
    st.status = st.stepStates[i]?.user ? 'waiting-user' : 'running';
    this.auto = false;
    const step = st.stepStates[i];
    if (step) step.status = 'running';
    this.changed();
  }

  private line(i: number, l: string): void {
    const step = this.state?.stepStates[i];
    if (!step || step.lines.length >= 200) return;
    step.lines.push(l);
    this.changed();
  }

  private stepEnded(r: RunReport['steps'][number]): void {
    const st = this.state;
    const step = st?.stepStates[r.index];
    if (!st || !step) return;
    step.status = r.checks.every((c) => c.ok) ? 'done' : 'failed';
    step.did = r.did;
    step.checks = r.checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail }));
    st.passed += r.checks.filter((c) => c.ok).length;
    st.failed += r.checks.filter((c) => !c.ok).length;
    st.status = 'running';
    this.changed();
  }

  private finished(r: RunReport): void {
    const st = this.state;
    if (!st) return;
    const closing = r.closing;
    st.passed += closing.filter((c) => c.ok).length;
    st.failed += closing.filter((c) => !c.ok).length;
    st.closing = closing.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail }));
    st.status = r.stopped ? 'stopped' : 'done';
    st.verdict = r.stopped ? null : r.passed;
    st.checkCount = allChecks(r).length;
    this.changed();
  }

  /** control steps a running scenario: next (after a pause), auto (do the user's step), stop. */
  async control(action: ControlAction): Promise<ScenarioState | null> {
    if (!this.state) return null;
    if (action === 'next') this.release?.();
    else if (action === 'auto') this.auto = true;
    else await this.stop();
    return this.state;
  }

  /** stop ends the scenario playing (the cluster stays as it is) and waits for its runner to return. */
  async stop(): Promise<void> {
    if (!this.run) return;
    this.stopping = true;
    this.abort?.abort();
    this.release?.();
    await this.run;
    this.run = null;
  }

  private changed(): void {
    if (this.state) this.emit(structuredClone(this.state));
  }
}
