/**
 * `quorum-lab sim`: run one seed (optionally writing its JSONL run log and client
 * history) or sweep a range of seeds and report every violating seed with the command
 * that reproduces it.
 */
import { writeFileSync } from 'node:fs';
import { clip, flagOpt, intOpt, numOpt, oneOfOpt, parseCli, stringOpt, UsageError } from '../cli-args';
import { PROTOCOLS, type ProtocolName } from '../core/protocols';
import { DEFAULT_VNODES } from '../api/shards';
import { MAX_VNODES } from '../core/shard/config';
import { MAX_NODES } from './cluster';
import { isMutantName, MUTANT_NAMES, type MutantName } from './mutants';
import { runChildren, splitRange, SUMMARY_PREFIX, type ChildSummary } from './parallel-sweep';
import { runSimulation, type PhaseMs, type SimOptions, type SimResult } from './run';

const HELP = `usage: quorum-lab sim [options]

Runs the deterministic simulator: N nodes running the node process's own host layers,
virtual time, simulated clients (puts, reads through the leader or a follower, deletes,
cas, locks and fenced writes; sessions evicted when idle) and a random fault schedule
drawn from the seed — partitions, one-way cuts, loss, duplication, reordering, crashes
(some damaging the store: the term/vote record, the log's tail, the whole file), crash
loops, power cuts, pauses, slow disks, and faults triggered by events (the leader just
elected, its commit index just moved, holding its lease, a damaged node just recovered,
a read just forwarded) — then a heal. Invariants and the commit rules are checked
throughout; every seed's client history goes through the linearizability checker.

  --seed N            run one seed (default 1)
  --seeds A..B        sweep seeds A to B inclusive (or a single number N: seeds 1..N)
  --nodes N           cluster size, 1..${MAX_NODES} (default 5)
  --protocol P        ${PROTOCOLS.join(' | ')} (default raft)
  --duration S        fault phase in simulated seconds (default 5)
  --rate R            client commands per simulated second (default: 100, or 300 in the
                      quarter of seeds that draw a busy load)
  --clients N         simulated clients (default: 5, or 12 in a busy seed)
  --no-faults         no faults: only the base network (1–3 ms per message, which can
                      reorder a link), for speed measurements
  --no-disk-faults    never damage a store (the term/vote record, the log's tail, the file)
  --slow-links        add rate-limited links (2 KiB/s .. 512 KiB/s, both ways) to the fault mix
  --membership        two spare nodes; add, promote and remove members (the leader too) in the fault mix
  --no-check          skip the linearizability check of the history
  --mutant NAME       break one rule on purpose, to see the sweep catch it:
                      ${MUTANT_NAMES.join(', ')}
  --log FILE          write the run log (JSONL) of a single seed ('-' = stdout)
  --history FILE      write the client history (JSONL, Jepsen-style) of a single seed
  --jobs N            run a sweep in N processes at once (default 1)
  --stats             print simulated seconds per wall second
  --groups G          a sharded cluster instead: a shard controller and G replica groups
                      of --nodes each (default 3), clients putting, cas-ing and reading
                      through a gateway that lags the configuration, while shards move,
                      nodes crash and restart and nodes are cut off (--no-faults: moves
                      only); checked per group and per key
  --shards S          with --groups: shards, 1..64 (default 12)
  --moves M           with --groups: shard moves while the clients run (default 4)
  --scheme K          with --groups: how keys map to shards, range (equal hash ranges,
                      the default) or ring (consistent hashing), as serve --scheme
  --vnodes V          with --scheme ring: virtual nodes per shard, 1..256 (default 64)
  --scenario S        play a scenario (a bundled name or a file) instead of random faults;
                      with --seeds, stop at the first seed that fails one of its checks
  --contrast N        with --scenario: its N-th contrast (unsafe mode)
  --help              show this text

Exit status: 0 when no invariant was violated and every history was found linearizable;
1 when an invariant was violated or the checker could not decide (unknown); 2 on bad options.`;

/** CliOptions are the parsed options of `quorum-lab sim`. */
export interface CliOptions {
  seeds: [number, number];
  sweep: boolean;
  nodes: number;
  protocol: ProtocolName;
  durationS: number;
  /** rate, clients: the load; null = the seed's own draw. */
  rate: number | null;
  clients: number | null;
  faults: boolean;
  diskFaults: boolean;
  slowLinks: boolean;
  membership: boolean;
  check: boolean;
  /** mutant: a safety rule broken on purpose (sim/mutants.ts). */
  mutant: MutantName | null;
  log: string | null;
  history: string | null;
  stats: boolean;
  jobs: number;
  /** childSummary: print a machine-readable summary last (a child of --jobs). */
  childSummary: boolean;
  /** scenario: a scenario to play (name or file) instead of the random schedule. */
  scenario: string | null;
  contrast: number | null;
  /** protocolGiven: --protocol was on the command line (a scenario otherwise picks its own). */
  protocolGiven: boolean;
  /** groups: a sharded run with this many replica groups (null: one group); shards, moves shape it. */
  groups: number | null;
  shards: number;
  moves: number;
  /** scheme, vnodes: how keys map to shards in a sharded run (serve's --scheme and --vnodes). */
  scheme: 'range' | 'ring';
  vnodes: number;
  /** nodesGiven: --nodes was on the command line (a sharded run otherwise has groups of 3). */
  nodesGiven: boolean;
}

const MAX_SEED = 2 ** 31 - 1;
/** SHARD_SCHEMES are --scheme's values, serve's: equal hash ranges or consistent hashing. */
const SHARD_SCHEMES = ['range', 'ring'] as const;

/** SIM_OPTIONS are the options `sim` takes (names without `--`). */
const SIM_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  seed: { type: 'string' },
  seeds: { type: 'string' },
  nodes: { type: 'string' },
  protocol: { type: 'string' },
  duration: { type: 'string' },
  rate: { type: 'string' },
  clients: { type: 'string' },
  'no-faults': { type: 'boolean' },
  'no-disk-faults': { type: 'boolean' },
  'slow-links': { type: 'boolean' },
  membership: { type: 'boolean' },
  'no-check': { type: 'boolean' },
  mutant: { type: 'string' },
  log: { type: 'string' },
  history: { type: 'string' },
  stats: { type: 'boolean' },
  jobs: { type: 'string' },
  'child-summary': { type: 'boolean' },
  scenario: { type: 'string' },
  contrast: { type: 'string' },
  groups: { type: 'string' },
  shards: { type: 'string' },
  moves: { type: 'string' },
  scheme: { type: 'string' },
  vnodes: { type: 'string' },
} as const;

/** seedRange reads `--seeds A..B` (or N: 1..N). */
function seedRange(v: string): [number, number] {
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(v);
  if (!m) throw new UsageError(`--seeds needs A..B or N, got '${clip(v)}'`);
  const lo = m[2] === undefined ? 1 : Number(m[1]);
  const hi = m[2] === undefined ? Number(m[1]) : Number(m[2]);
  if (hi < lo) throw new UsageError(`--seeds range is empty: ${clip(v)}`);
  if (hi > MAX_SEED) throw new UsageError(`--seeds must stay below ${MAX_SEED}`);
  if (hi - lo >= 10_000_000) throw new UsageError('--seeds may cover at most 10,000,000 seeds');
  return [lo, hi];
}

function mutantOpt(v: string | null): MutantName | null {
  if (v === null) return null;
  if (!isMutantName(v)) throw new UsageError(`--mutant must be one of ${MUTANT_NAMES.join(', ')}, got '${clip(v)}'`);
  return v;
}

/** parseSimArgs turns argv into options, or throws a UsageError saying what is wrong. */
export function parseSimArgs(argv: string[]): CliOptions | 'help' {
  const p = parseCli(argv, SIM_OPTIONS);
  if (flagOpt(p, 'help')) return 'help';
  const seed = intOpt(p, 'seed', 0, MAX_SEED);
  const seeds = stringOpt(p, 'seeds', undefined);
  const o: CliOptions = {
    seeds: seeds !== undefined ? seedRange(seeds) : [seed ?? 1, seed ?? 1],
    sweep: seeds !== undefined,
    nodes: intOpt(p, 'nodes', 1, MAX_NODES, 5),
    protocol: oneOfOpt(p, 'protocol', PROTOCOLS, 'raft'),
    durationS: numOpt(p, 'duration', 0, 3600, 5),
    rate: stringOpt(p, 'rate', undefined) === undefined ? null : numOpt(p, 'rate', 0.001, 100_000, 100),
    clients: intOpt(p, 'clients', 0, 1000) ?? null,
    faults: !flagOpt(p, 'no-faults'),
    diskFaults: !flagOpt(p, 'no-disk-faults'),
    slowLinks: flagOpt(p, 'slow-links'),
    membership: flagOpt(p, 'membership'),
    check: !flagOpt(p, 'no-check'),
    mutant: mutantOpt(stringOpt(p, 'mutant', null)),
    log: stringOpt(p, 'log', null),
    history: stringOpt(p, 'history', null),
    stats: flagOpt(p, 'stats'),
    jobs: intOpt(p, 'jobs', 1, 64, 1),
    childSummary: flagOpt(p, 'child-summary'),
    scenario: stringOpt(p, 'scenario', null),
    contrast: intOpt(p, 'contrast', 1, 8) ?? null,
    protocolGiven: p.values.protocol !== undefined,
    groups: intOpt(p, 'groups', 1, 8) ?? null,
    shards: intOpt(p, 'shards', 1, 64, 12),
    moves: intOpt(p, 'moves', 0, 1000, 4),
    scheme: oneOfOpt(p, 'scheme', SHARD_SCHEMES, 'range'),
    vnodes: intOpt(p, 'vnodes', 1, MAX_VNODES, DEFAULT_VNODES),
    nodesGiven: p.values.nodes !== undefined,
  };
  const shardFlag = (['shards', 'moves', 'scheme', 'vnodes'] as const).find((f) => p.values[f] !== undefined);
  if (o.groups === null && shardFlag !== undefined) throw new UsageError(`--${shardFlag} goes with --groups`);
  if (p.values.vnodes !== undefined && o.scheme !== 'ring') throw new UsageError('--vnodes needs --scheme ring');
  if (o.groups !== null && (o.scenario !== null || o.mutant !== null || o.jobs > 1 || o.log || o.history))
    throw new UsageError('--groups runs its own schedule: not with --scenario, --mutant, --jobs, --log or --history');
  if (o.contrast !== null && o.scenario === null) throw new UsageError('--contrast goes with --scenario');
  if (o.sweep && seed !== undefined) throw new UsageError('give either --seed or --seeds, not both');
  if (o.sweep && (o.log || o.history))
    throw new UsageError('--log and --history record a single seed; use --seed with them');
  return o;
}

/** simOptions are the runSimulation options the CLI runs seed `seed` with. */
export function simOptions(o: CliOptions, seed: number): SimOptions {
  return {
    seed,
    nodes: o.nodes,
    protocol: o.protocol,
    faultMs: o.durationS * 1000,
    faults: o.faults,
    diskFaults: o.diskFaults,
    ...(o.slowLinks ? { slowLinks: true } : {}),
    ...(o.membership ? { membership: true } : {}),
    check: o.check,
    mutant: o.mutant ?? undefined,
    workload: {
      ...(o.clients !== null ? { clients: o.clients } : {}),
      ...(o.rate !== null ? { rate: o.rate } : {}),
    },
  };
}

/** reproduceCommand is the command line that replays one seed with the same options. */
export function reproduceCommand(o: CliOptions, seed: number): string {
  const parts = ['quorum-lab sim', `--seed ${seed}`, `--nodes ${o.nodes}`, `--protocol ${o.protocol}`];
  if (o.durationS !== 5) parts.push(`--duration ${o.durationS}`);
  if (o.rate !== null) parts.push(`--rate ${o.rate}`);
  if (o.clients !== null) parts.push(`--clients ${o.clients}`);
  if (!o.faults) parts.push('--no-faults');
  if (!o.diskFaults) parts.push('--no-disk-faults');
  if (o.slowLinks) parts.push('--slow-links');
  if (o.membership) parts.push('--membership');
  if (!o.check) parts.push('--no-check');
  if (o.mutant) parts.push(`--mutant ${o.mutant}`);
  parts.push(`--log sim-${seed}.jsonl`);
  return parts.join(' ');
}

function describe(r: SimResult): string[] {
  return r.violations.map(
    (v) => `  [${v.invariant}] at ${Math.round(v.timeMs)} ms${v.node ? ` on ${v.node}` : ''}: ${v.description}`,
  );
}

/** unknownVerdict: the checker ran and could not decide within its budget (reported, never taken for a pass). */
function unknownVerdict(o: CliOptions, r: SimResult): boolean {
  return o.check && r.linearizable === null;
}

/** cpuMsSince is the process's user + system CPU time since `start` (process.cpuUsage()). */
function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/**
 * statsLine reports speed against wall time and, because this machine is shared, against
 * the CPU time the run actually got.
 */
function statsLine(simMs: number, wallMs: number, cpuMs: number): string {
  const speed = wallMs > 0 ? simMs / wallMs : Infinity;
  const perCpu = cpuMs > 0 ? simMs / cpuMs : Infinity;
  return (
    `simulated ${(simMs / 1000).toFixed(1)} s in ${(wallMs / 1000).toFixed(2)} s wall (${(cpuMs / 1000).toFixed(2)} s CPU): ` +
    `${Math.round(speed)}x real time (${Math.round(perCpu)}x per CPU second)`
  );
}

/** simMain runs `quorum-lab sim` and returns the exit code. */
export async function simMain(argv: string[]): Promise<number> {
  let o: CliOptions | 'help';
  try {
    o = parseSimArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`quorum-lab sim: ${e.message}\nRun 'quorum-lab sim --help' for the options.`);
      return 2;
    }
    throw e;
  }
  if (o === 'help') {
    console.log(HELP);
    return 0;
  }
  if (o.groups !== null) {
    const { shardSimMain } = await import('./shard/shard-cli');
    return shardSimMain(o);
  }
  if (o.scenario !== null) {
    const { scenarioSimMain } = await import('../scenario/sim-cli');
    return scenarioSimMain(o);
  }
  if (!o.sweep) return single(o);
  return o.jobs > 1 ? parallelSweep(o) : runSweep(o);
}

function single(o: CliOptions): number {
  const seed = o.seeds[0];
  const lines: string[] = [];
  const toStdout = o.log === '-';
  const cpu0 = process.cpuUsage();
  const r = runSimulation({
    ...simOptions(o, seed),
    log: o.log === null ? undefined : toStdout ? (l) => process.stdout.write(l + '\n') : (l) => lines.push(l),
  });
  if (o.log && !toStdout) writeFileSync(o.log, lines.length ? lines.join('\n') + '\n' : '');
  if (o.history)
    writeFileSync(o.history, r.history.map((h) => JSON.stringify(h)).join('\n') + (r.history.length ? '\n' : ''));
  const out = toStdout ? console.error : console.log;
  const s = r.stats;
  out(
    `seed ${seed}: ${r.violations.length} violation(s); ${commandsText(s)}, ` +
      `${s.faults} faults (${s.triggered} triggered), ${s.messages} messages, applied through index ${s.appliedIndex}`,
  );
  for (const l of describe(r)) out(l);
  if (o.check) out(`history: ${verdictText(r)} (${s.checkedOps} operations checked)`);
  if (o.stats) {
    out(statsLine(s.simulatedMs, s.wallMs, cpuMsSince(cpu0)));
    // Messages per command is the protocol's share of the cost (fewer messages, faster runs).
    if (s.commands > 0) out(`${(s.messages / s.commands).toFixed(1)} messages per client command`);
  }
  return r.violations.length > 0 || unknownVerdict(o, r) ? 1 : 0;
}

/**
 * commandsText says what became of the run's commands: those through the log answered
 * (ok or refused), the reads answered (never in the log) and those left indeterminate.
 */
export function commandsText(s: SimResult['stats']): string {
  return (
    `${s.commands} commands (${s.acknowledged} through the log acknowledged, ${s.reads} reads answered, ` +
    `${s.indeterminate} indeterminate)`
  );
}

function verdictText(r: SimResult): string {
  if (r.linearizable === null) return 'unknown (the checker ran out of budget)';
  return r.linearizable ? 'linearizable' : 'not linearizable';
}

function emptyPhases(): PhaseMs {
  return { setup: 0, faults: 0, afterHeal: 0, endState: 0, checker: 0 };
}

function addPhases(sum: PhaseMs, p: PhaseMs): void {
  sum.setup += p.setup;
  sum.faults += p.faults;
  sum.afterHeal += p.afterHeal;
  sum.endState += p.endState;
  sum.checker += p.checker;
}

/** SLOWEST: how many of a sweep's slowest seeds --stats names. */
const SLOWEST = 5;

/** noteSlow keeps the SLOWEST seeds by wall time, slowest first (ties: the lower seed first). */
function noteSlow(top: [number, number][], seed: number, ms: number): void {
  if (top.length === SLOWEST && ms <= top[SLOWEST - 1]![1]) return;
  let i = top.length;
  while (i > 0 && (top[i - 1]![1] < ms || (top[i - 1]![1] === ms && top[i - 1]![0] > seed))) i--;
  top.splice(i, 0, [seed, ms]);
  if (top.length > SLOWEST) top.pop();
}

/** phasesLine: where a sweep's wall time went, per seed on average, and its slowest seeds. */
function phasesLine(p: PhaseMs, seeds: number, slowest: [number, number][]): string {
  const f = (ms: number): string => (ms / Math.max(1, seeds)).toFixed(2);
  return (
    `per seed (wall ms): setup ${f(p.setup)}, fault phase ${f(p.faults)}, after the heal ${f(p.afterHeal)}, ` +
    `end state ${f(p.endState)}, checker ${f(p.checker)}; slowest seeds: ` +
    slowest.map(([seed, ms]) => `${seed} (${Math.round(ms)} ms)`).join(', ')
  );
}

/** summaryLine is a sweep's last line. */
function summaryLine(seeds: number, violations: number, unknown: number): string {
  return `${seeds} seeds, ${violations} violations${unknown > 0 ? `, ${unknown} unknown verdicts` : ''}`;
}

/**
 * runSweep runs every seed of o.seeds, printing each violating seed with its violations
 * and reproduction command, then exactly one summary line; returns the exit code.
 */
export function runSweep(
  o: CliOptions,
  run: (opts: SimOptions) => SimResult = runSimulation,
  out: (line: string) => void = (l) => console.log(l),
): number {
  const [lo, hi] = o.seeds;
  let violations = 0;
  let unknown = 0;
  let simMs = 0;
  const phases = emptyPhases();
  const slowest: [number, number][] = [];
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let seed = lo; seed <= hi; seed++) {
    const r = run(simOptions(o, seed));
    simMs += r.stats.simulatedMs;
    addPhases(phases, r.stats.phaseMs);
    noteSlow(slowest, seed, r.stats.wallMs);
    const undecided = unknownVerdict(o, r);
    if (r.violations.length === 0 && !undecided) continue;
    violations += r.violations.length;
    if (undecided) unknown++;
    out(
      `seed ${seed}: ${r.violations.length} violation(s)${undecided ? ', linearizability unknown (checker budget ran out)' : ''}`,
    );
    for (const l of describe(r)) out(l);
    out(`  reproduce: ${reproduceCommand(o, seed)}`);
  }
  const failed = violations > 0 || unknown > 0 ? 1 : 0;
  if (o.childSummary) {
    const summary: ChildSummary = {
      seeds: hi - lo + 1,
      violations,
      unknown,
      simMs,
      cpuMs: cpuMsSince(cpu0),
      phases,
      slowest,
    };
    out(SUMMARY_PREFIX + JSON.stringify(summary));
    return failed;
  }
  if (o.stats) {
    out(statsLine(simMs, performance.now() - wall0, cpuMsSince(cpu0)));
    out(phasesLine(phases, hi - lo + 1, slowest));
  }
  out(summaryLine(hi - lo + 1, violations, unknown));
  return failed;
}

/** childArgs are the options a --jobs child runs with (everything but the seeds and jobs). */
function childArgs(o: CliOptions): string[] {
  const a = ['--nodes', String(o.nodes), '--protocol', o.protocol, '--duration', String(o.durationS)];
  if (o.rate !== null) a.push('--rate', String(o.rate));
  if (o.clients !== null) a.push('--clients', String(o.clients));
  if (!o.faults) a.push('--no-faults');
  if (!o.diskFaults) a.push('--no-disk-faults');
  if (o.slowLinks) a.push('--slow-links');
  if (o.membership) a.push('--membership');
  if (!o.check) a.push('--no-check');
  if (o.mutant) a.push('--mutant', o.mutant);
  return a;
}

/** parallelSweep runs the sweep in o.jobs child processes and prints what one process would. */
async function parallelSweep(o: CliOptions): Promise<number> {
  const wall0 = performance.now();
  const results = await runChildren(splitRange(o.seeds[0], o.seeds[1], o.jobs), childArgs(o));
  let seeds = 0;
  let violations = 0;
  let unknown = 0;
  let simMs = 0;
  let cpuMs = 0;
  const phases = emptyPhases();
  const slowest: [number, number][] = [];
  for (const r of results) {
    for (const l of r.lines) console.log(l);
    seeds += r.summary.seeds;
    violations += r.summary.violations;
    unknown += r.summary.unknown;
    simMs += r.summary.simMs;
    cpuMs += r.summary.cpuMs;
    addPhases(phases, r.summary.phases);
    for (const [seed, ms] of r.summary.slowest) noteSlow(slowest, seed, ms);
  }
  if (o.stats) {
    console.log(statsLine(simMs, performance.now() - wall0, cpuMs));
    console.log(phasesLine(phases, seeds, slowest));
  }
  console.log(summaryLine(seeds, violations, unknown));
  return violations > 0 || unknown > 0 ? 1 : 0;
}
