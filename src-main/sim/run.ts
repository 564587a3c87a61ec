/**
 * runSimulation: one seed, one whole run. Clients load the cluster while a random fault
 * schedule plays; then every fault heals and the run checks liveness (a leader within
 * ten election timeouts, every pending command answered, and a probe: a fresh client's
 * write and read-back answered within twenty more) and the end state (every live
 * node applied the same log, its state machine matches a replay of that log, every
 * acknowledged command is in it, and the client history is linearizable). Safety
 * invariants and the commit oracle are checked all along by the Cluster.
 *
 * Each seed also draws its own settings (setup): 1–2 entries per append message in some
 * runs (old-term entries then reach a quorum one at a time), how often nodes snapshot, and
 * how long the state machine keeps an idle client session (in some runs only 40 log
 * entries, so clients held up by a fault find theirs evicted), and in a quarter of the runs a busier
 * load (more clients, three times the rate). Options
 * given explicitly (cluster, workload) override the draw.
 */
import type { ProtocolName } from '../core/protocols';
import type { Rng } from '../core/types';
import { ClientWorkload, DEFAULT_WORKLOAD, type HistoryOp, type WorkloadOptions } from './clients';
import { Cluster, MAX_NODES, type ClusterOptions } from './cluster';
import { CHECK_STEPS, checkClientHistory, checkFinalState, convergedIndex } from './final-checks';
import type { Violation } from './invariants';
import { installMutant, markHealed, type MutantName } from './mutants';
import { pick, Stream, streamRng } from './random';
import { RunLog, type LogSink } from './run-log';
import { applyFault, healAll, randomSchedule, type TimedFault } from './schedule';

export { checkFinalState, convergedIndex };

/** SimOptions configure one simulated run. */
export interface SimOptions {
  seed: number;
  nodes: number;
  protocol?: ProtocolName;
  /** faultMs: length of the fault phase in virtual ms (default 5 s). */
  faultMs?: number;
  /** meanFaultGapMs: mean time between fault actions (default 2 election timeouts). */
  meanFaultGapMs?: number;
  /** faults: false runs the workload without faults, on the base network only (speed measurements). */
  faults?: boolean;
  /** diskFaults: damage stores now and then (a minority of nodes; default: on when faults are). */
  diskFaults?: boolean;
  /** slowLinks: rate-limited links join the fault mix (ScheduleOptions.slowLinks). */
  slowLinks?: boolean;
  /** membership: two spare nodes, and membership changes in the fault mix (sim/membership.ts). */
  membership?: boolean;
  workload?: Partial<WorkloadOptions>;
  /** cluster: protocol and timing knobs (seed/nodes/protocol/log come from here; they override the seed's setup). */
  cluster?: Omit<ClusterOptions, 'seed' | 'nodes' | 'protocol' | 'log'>;
  /** check: run the linearizability checker over the history (default true). */
  check?: boolean;
  /** checkSteps: the checker's search budget (default CHECK_STEPS). */
  checkSteps?: number;
  /** mutant: a test-only hook that breaks one safety rule on purpose (sim/mutants.ts). */
  mutant?: MutantName;
  /** log: a sink for JSONL lines, or true to keep them in SimResult.log. */
  log?: LogSink | true;
  /** onHeal is called when the fault phase ends, before the liveness checks (tests break things here). */
  onHeal?: (cluster: Cluster) => void;
  /**
   * probe: after the heal, a fresh client writes PROBE_KEY and reads it back, and both must
   * be answered (default true; false leaves it out — the checks as they were before it, for
   * comparison in tests).
   */
  probe?: boolean;
}

/** SimStats summarizes a run. */
export interface SimStats {
  simulatedMs: number;
  wallMs: number;
  /** speedup: simulated time per wall time. */
  speedup: number;
  messages: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  /** commands: every command a client invoked (reads included). */
  commands: number;
  /**
   * acknowledged: commands that went through the log and were answered ok or refused
   * (AckedCommand). Reads are not in the log, so they are never counted here: `reads` are
   * the reads answered, `indeterminate` the commands whose outcome no client learnt (the
   * history's `info`), so commands = acknowledged + reads + indeterminate.
   */
  acknowledged: number;
  /** reads: reads answered (ok); served by ReadIndex or a lease, never written to the log. */
  reads: number;
  /** indeterminate: commands completed as `info` (no answer, or their session expired). */
  indeterminate: number;
  faults: number;
  /** triggered: event-triggered faults that fired; triggeredBy, by 'event:action'. */
  triggered: number;
  triggeredBy: Record<string, number>;
  logRecords: number;
  appliedIndex: number;
  /** digestMismatches: replicas in equal states whose KvStateMachine.digest() still differed. */
  digestMismatches: number;
  /** checkedOps: operations the linearizability checker looked at. */
  checkedOps: number;
  /** phaseMs: the run's wall time by phase (where a sweep's time goes: `sim --seeds … --stats`). */
  phaseMs: PhaseMs;
}

/**
 * PhaseMs splits a run's wall time: building the cluster, schedule and clients; the fault
 * phase; after the heal until the nodes converged (leader, answers, probe); the end-state
 * checks (replay, replicas, acknowledged commands); the linearizability checker.
 */
export interface PhaseMs {
  setup: number;
  faults: number;
  afterHeal: number;
  endState: number;
  checker: number;
}

/** SimResult is what one run found. */
export interface SimResult {
  seed: number;
  violations: Violation[];
  /** linearizable: the checker's verdict on the history (null: unknown — the budget ran out, or not checked). */
  linearizable: boolean | null;
  stats: SimStats;
  history: HistoryOp[];
  schedule: TimedFault[];
  /** log: the JSONL lines when options.log was true. */
  log: string[];
}

/** runSimulation runs one seed to the end and returns its violations, verdict, history and stats. */
export function runSimulation(o: SimOptions): SimResult {
  const uninstall = o.mutant ? installMutant(o.mutant) : null;
  try {
    return run(o);
  } finally {
    uninstall?.();
  }
}

/** Setup is what a seed draws for itself besides its faults (see the file comment). */
interface Setup {
  cluster: Partial<ClusterOptions>;
  workload: Partial<WorkloadOptions>;
}

/** setupOf draws a seed's cluster settings and load (see the file comment). */
function setupOf(rng: Rng, faults: boolean): Setup {
  if (!faults) return { cluster: { snapshotEvery: 200 }, workload: {} };
  const busy = rng.next() < 0.25;
  return {
    cluster: {
      maxEntriesPerMsg: pick(rng, [1, 2, 64, 64]),
      snapshotEvery: pick(rng, [200, 200, 40]),
      // In some runs a session idle for 40 log entries is evicted: a client held up by a
      // fault finds its session gone when it retries ('session-expired').
      kv: pick(rng, [{}, {}, { sessionIdleEntries: 40 }]),
    },
    // A busy seed: every node serves reads at once, so a restarted node soon numbers its
    // reads as its predecessor did.
    workload: busy ? { clients: 12, rate: 300 } : {},
  };
}

/** Prepared is one run's cluster, schedule and clients, before anything ran. */
interface Prepared {
  cluster: Cluster;
  copts: ClusterOptions;
  schedule: TimedFault[];
  workload: ClientWorkload;
  wopts: WorkloadOptions;
  log: RunLog;
  /** phaseMs: filled in as the run goes. */
  phaseMs: PhaseMs;
}

/** prepare builds a run's cluster (with the seed's setup), its fault schedule and its clients. */
function prepare(o: SimOptions): Prepared {
  const log = new RunLog({ keep: o.log === true, sink: typeof o.log === 'function' ? o.log : null });
  const faults = o.faults !== false;
  const damage = faults && o.diskFaults !== false ? Math.floor((o.nodes - 1) / 2) : 0;
  const setup = setupOf(streamRng(o.seed, Stream.setup), faults);
  const copts: ClusterOptions = {
    diskMs: [0.05, 1],
    damageBudget: damage,
    ...setup.cluster,
    ...o.cluster,
    seed: o.seed,
    nodes: o.nodes,
    protocol: o.protocol ?? 'raft',
    log,
    ...(o.membership === true ? { spares: Math.min(2, MAX_NODES - o.nodes) } : {}),
  };
  const cluster = new Cluster(copts);
  const electionMs = cluster.electionMs;
  const schedule = faults
    ? randomSchedule(streamRng(o.seed, Stream.faults), cluster.ids, {
        durationMs: o.faultMs ?? 5_000,
        meanGapMs: o.meanFaultGapMs ?? 2 * electionMs,
        electionMs,
        damage,
        triggers: true,
        slowDisks: true,
        ...(o.slowLinks === true ? { slowLinks: true } : {}),
        ...(o.membership === true ? { membership: true } : {}),
      })
    : [];
  const wopts = { ...DEFAULT_WORKLOAD, ...setup.workload, ...o.workload };
  const workload = new ClientWorkload(cluster, streamRng(o.seed, Stream.clients), wopts);
  const phaseMs = { setup: 0, faults: 0, afterHeal: 0, endState: 0, checker: 0 };
  return { cluster, copts, schedule, workload, wopts, log, phaseMs };
}

function run(o: SimOptions): SimResult {
  const wall0 = performance.now();
  const p = prepare(o);
  const { cluster, workload, log, phaseMs } = p;
  for (const f of p.schedule) cluster.at(f.atMs, () => applyFault(cluster, f.action));
  workload.start();
  const t1 = performance.now();
  phaseMs.setup = t1 - wall0;
  cluster.runUntil(o.faultMs ?? 5_000);
  const t2 = performance.now();
  phaseMs.faults = t2 - t1;

  // The heal: from here on the network is clean and every node runs.
  healAll(cluster);
  workload.stopIssuing();
  if (o.mutant) markHealed();
  o.onHeal?.(cluster);
  log.write(cluster.now, 'phase', { phase: 'healed' });
  checkAfterHeal(p, o.probe !== false);
  const t3 = performance.now();
  phaseMs.afterHeal = t3 - t2 - phaseMs.endState;
  const verdict = o.check === false ? null : checkClientHistory(cluster, workload.history, o.checkSteps ?? CHECK_STEPS);
  phaseMs.checker = performance.now() - t3;
  const checker = cluster.checker;
  log.write(cluster.now, 'end', { violations: checker.violations.length, linearizable: verdict?.linearizable ?? null });
  return {
    seed: o.seed,
    violations: checker.violations.slice(),
    linearizable: verdict ? verdict.linearizable : null,
    stats: statsOf(p, performance.now() - wall0, verdict?.ops ?? 0),
    history: workload.history,
    schedule: p.schedule,
    log: log.lines,
  };
}

/** PROBE_KEY is the key the liveness probe writes after the heal (the workload's keys are k0.., fence-.., session-..). */
export const PROBE_KEY = 'probe';

/** PROBE_TIMEOUTS bounds the probe: its commands are answered within this many election timeouts of a stable leader. */
export const PROBE_TIMEOUTS = 20;

/**
 * checkAfterHeal checks liveness once every fault healed — a leader within ten election
 * timeouts, every pending command answered, a fresh client's write and read answered
 * (probeAfterHeal), every node converged — and then the end state.
 */
function checkAfterHeal(p: Prepared, probe: boolean): void {
  const { cluster, workload } = p;
  const checker = cluster.checker;
  const electionMs = cluster.electionMs;
  const healedAt = cluster.now;
  const leaderBound = 10 * electionMs;
  let live = true;
  if (!cluster.runUntilTrue(() => cluster.stableLeader() !== null, leaderBound)) {
    live = false;
    checker.report(
      'liveness',
      null,
      `no leader within 10 election timeouts (${leaderBound} ms) after the heal at ${healedAt} ms`,
    );
  }
  const answerBound = healedAt + 20 * electionMs + 2 * p.wopts.timeoutMs;
  if (!cluster.runUntilTrue(() => workload.outstanding === 0, Math.max(0, answerBound - cluster.now))) {
    live = false;
    const pending = workload.outstandingList().slice(0, 3).join('; ');
    const after = Math.round(cluster.now - healedAt);
    checker.report(
      'liveness',
      null,
      `${workload.outstanding} command(s) still pending ${after} ms after the heal: ${pending}`,
    );
  }
  // A cluster already found stuck is not probed (one report says it).
  if (probe && live) probeAfterHeal(p);
  workload.finish();
  if (!cluster.runUntilTrue(() => convergedIndex(cluster) !== null, 10 * electionMs)) {
    const applied = cluster.nodes.map((n) => `${n.id}=${n.applied}`).join(' ');
    checker.report('liveness', null, `nodes did not converge on one applied index after the heal: ${applied}`);
  } else {
    const t0 = performance.now();
    checkFinalState(cluster, workload.acked, cluster.kv);
    p.phaseMs.endState = performance.now() - t0;
  }
}

/**
 * probeAfterHeal: the workload's clients stop at the heal, so a cluster that converged but
 * can no longer commit (a silent leader, a stuck proposal path, a node that catches up
 * only when something new is written) would pass the checks above. Once a leader is
 * stable, a fresh client writes PROBE_KEY and reads it back through the normal client
 * path; its commands (the session's registering one included) must be answered within
 * PROBE_TIMEOUTS election timeouts, the write acknowledged and the read returning it.
 *
 * The probe's commands also go into the history: the linearizability checker judges the
 * read against the write, and the end-state checks look for the acknowledged write in the
 * log. The answers are still checked here directly, because to the checker a command that
 * was never answered is only indeterminate, never a violation.
 */
function probeAfterHeal(p: Prepared): void {
  const { cluster, workload } = p;
  const checker = cluster.checker;
  const electionMs = cluster.electionMs;
  if (!cluster.runUntilTrue(() => cluster.stableLeader() !== null, 10 * electionMs)) {
    checker.report('liveness', null, `no stable leader within 10 election timeouts to probe`);
    return;
  }
  const value = `probe-${p.copts.seed}`;
  const probe = workload.probe([
    { op: 'put', key: PROBE_KEY, value },
    { op: 'get', key: PROBE_KEY },
  ]);
  const startedAt = cluster.now;
  const bound = PROBE_TIMEOUTS * electionMs;
  const what = `the probe (${probe.id} writes '${PROBE_KEY}' and reads it back from ${Math.round(startedAt)} ms)`;
  if (!cluster.runUntilTrue(() => probe.answers.length === probe.total, bound)) {
    const pending = workload.outstandingList().filter((s) => s.startsWith(`${probe.id}#`));
    checker.report(
      'liveness',
      null,
      `${what}: not answered within ${PROBE_TIMEOUTS} election timeouts (${bound} ms): ${pending.join('; ') || 'nothing in flight'}`,
    );
    return;
  }
  const [register, write, read] = probe.answers;
  if (register?.type !== 'ok' || write?.type !== 'ok') {
    const a = register?.type !== 'ok' ? register : write;
    checker.report('liveness', null, `${what}: its ${a?.f} was answered ${a?.type}, not acknowledged`);
  } else if (read?.type !== 'ok' || read.value !== value) {
    checker.report(
      'liveness',
      null,
      `${what}: the read was answered ${read?.type} ${JSON.stringify(read?.value)}, not the acknowledged ${JSON.stringify(value)}`,
    );
  }
}

/** statsOf summarizes a finished run. */
function statsOf(p: Prepared, wallMs: number, checkedOps: number): SimStats {
  const { cluster, workload } = p;
  const simulatedMs = cluster.now;
  return {
    simulatedMs,
    wallMs,
    speedup: wallMs > 0 ? simulatedMs / wallMs : Infinity,
    messages: cluster.stats.sent,
    delivered: cluster.stats.delivered,
    dropped: cluster.stats.dropped,
    duplicated: cluster.stats.duplicated,
    // Counted as the history was written: a walk over it here cost ≈ 0.7% of a clean run.
    ...workload.counts,
    acknowledged: workload.acked.length,
    faults: p.schedule.length,
    triggered: cluster.triggers.fired,
    triggeredBy: { ...cluster.triggers.firedBy },
    logRecords: p.log.count,
    appliedIndex: cluster.checker.appliedThrough,
    digestMismatches: cluster.stats.digestMismatches,
    checkedOps,
    phaseMs: p.phaseMs,
  };
}
