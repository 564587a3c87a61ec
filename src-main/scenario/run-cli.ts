/**
 * `quorum-lab run <name|file>`: play a scenario on real processes (a LabService of its
 * own, in a temporary data folder), print each step and check as it happens, exit 0 when
 * every check passed and 1 when one failed (2: a bad command line, an invalid scenario,
 * or an unsafe mode this lab does not have). `--report DIR` writes the report folder: the
 * exported run (run.jsonl, history.jsonl, settings.json, check.json and whatever figures
 * the export draws), scenario.json (this run's steps and checks) and index.html. `--list`
 * lists the bundled scenarios. Every node is stopped at the end, on an error and on
 * SIGINT/SIGTERM.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { flagOpt, intOpt, oneOfOpt, parseCli, stringOpt, UsageError } from '../cli-args';
import { PROTOCOLS, type ProtocolName } from '../core/protocols';
import { LabService } from '../lab/lab-service';
import { copyExclusive, createExclusive } from '../lab/safe-files';
import { bundledScenarios, loadScenario } from './bundled';
import { LabTarget } from './lab-target';
import { reportHtml } from './report-html';
import { allChecks, type CheckReport, type RunReport, type StepReport } from './report-types';
import { runScenario } from './runner';
import { TargetError } from './target';
import { shardSetup } from './shard-rules';
import type { Scenario, Step } from './types';
import { planRun, type RunPlan } from './plan';
import { unsafeLabel } from './unsafe';

const USAGE = `usage: quorum-lab run <name|file> [options]
       quorum-lab run --list

Plays a scenario on real node processes, prints each step and check, and exits 0 when
every check passed, 1 when one failed.

  --list            list the bundled scenarios
  --protocol P      raft | paxos (default: the scenario's first)
  --seed N          the run's seed (default: the scenario's own, else 1)
  --contrast N      run with the scenario's N-th contrast (its unsafe mode; --list shows them)
  --report DIR      write a report folder: the exported run, check.json, figures,
                    scenario.json and index.html (DIR must be new or empty)
  --quiet           print only the verdict`;

const RUN_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  list: { type: 'boolean' },
  protocol: { type: 'string' },
  seed: { type: 'string' },
  contrast: { type: 'string' },
  report: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

/** RunArgs are the parsed options of `run`. */
export interface RunArgs {
  target: string;
  protocol: ProtocolName | null;
  seed: number | null;
  contrast: number | null;
  report: string | null;
  quiet: boolean;
}

/** parseRunArgs parses argv: the options, 'help', 'list', or throws a UsageError. */
export function parseRunArgs(argv: string[]): RunArgs | 'help' | 'list' {
  const p = parseCli(argv, RUN_OPTIONS, true);
  if (flagOpt(p, 'help')) return 'help';
  if (flagOpt(p, 'list')) {
    if (p.positionals.length > 0) throw new UsageError('--list takes no scenario');
    return 'list';
  }
  if (p.positionals.length !== 1) throw new UsageError('name one scenario (a bundled name or a file)');
  return {
    target: p.positionals[0]!,
    protocol: p.values.protocol === undefined ? null : oneOfOpt(p, 'protocol', PROTOCOLS, 'raft'),
    seed: intOpt(p, 'seed', 0, 2 ** 31 - 1) ?? null,
    contrast: intOpt(p, 'contrast', 1, 8) ?? null,
    report: stringOpt(p, 'report', null),
    quiet: flagOpt(p, 'quiet'),
  };
}

/** listLines describes the bundled scenarios, one a line (and its contrasts under it). */
export function listLines(): string[] {
  const out: string[] = [];
  for (const s of bundledScenarios()) {
    const n = s.number !== undefined ? String(s.number).padStart(2) : '  ';
    out.push(`${n}  ${s.name.padEnd(28)} ${s.title}  [${s.setup.protocols.join(', ')}]`);
    s.contrast.forEach((c, i) =>
      out.push(`      --contrast ${i + 1}: ${c.label} (${unsafeLabel(c.unsafe) || 'safe'})`),
    );
  }
  return out;
}

/** runMain runs `quorum-lab run` and returns the exit code. */
export async function runMain(argv: string[]): Promise<number> {
  let a: RunArgs | 'help' | 'list';
  try {
    a = parseRunArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`quorum-lab run: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (a === 'help') return (console.log(USAGE), 0);
  if (a === 'list') return (console.log(listLines().join('\n')), 0);
  const loaded = await loadScenario(a.target);
  if (!loaded.ok) return (console.error(`quorum-lab run: ${loaded.error}`), 2);
  const plan = planRun(loaded.value, a);
  if (typeof plan === 'string') return (console.error(`quorum-lab run: ${plan}`), 2);
  const reportDir = a.report === null ? null : prepareReportDir(a.report);
  if (typeof reportDir === 'string' && reportDir.startsWith('!'))
    return (console.error(`quorum-lab run: ${reportDir.slice(1)}`), 2);
  return runOnLab(loaded.value, plan, a.quiet, reportDir);
}

/** prepareReportDir makes DIR (new or empty) and returns its absolute path, or "!why" when it cannot. */
function prepareReportDir(dir: string): string {
  const abs = resolve(dir);
  try {
    mkdirSync(abs, { recursive: true });
    if (readdirSync(abs).length > 0) return `!${dir} is not empty; a report goes into a new or empty folder`;
  } catch (e) {
    return `!cannot use ${dir}: ${(e as Error).message}`;
  }
  return abs;
}

function mark(c: CheckReport): string {
  return `${c.ok ? '  ✓' : '  ✗'} ${c.name} — ${c.detail}`;
}

function printStart(i: number, s: Step): void {
  if (s.say) console.log(`${String(i + 1).padStart(2)}. ${s.say}`);
}

function printEnd(r: StepReport): void {
  console.log(r.say ? `    → ${r.did}` : `${String(r.index + 1).padStart(2)}. ${r.did}`);
  for (const c of r.checks) console.log(`  ${mark(c)}`);
}

async function runOnLab(s: Scenario, plan: RunPlan, quiet: boolean, reportDir: string | null): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ql-run-'));
  const lab = new LabService({ dataDir });
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const label = plan.contrast ? ` · contrast: ${plan.contrast} (${unsafeLabel(plan.unsafe)})` : '';
  if (!quiet)
    console.log(`${s.title} (${s.name}) — ${plan.protocol}, seed ${plan.seed}, real processes${label}\n${s.teaches}\n`);
  try {
    const target = await LabTarget.create(
      lab,
      {
        nodes: s.setup.nodes,
        protocol: plan.protocol,
        seed: plan.seed,
        unsafe: plan.unsafe,
        ...timings(s),
        ...shardSetup(s.setup),
      },
      ac.signal,
    );
    const report = await runScenario(s, target, {
      unsafe: plan.unsafe,
      hooks: {
        stopped: () => ac.signal.aborted,
        onStepStart: (i, st) => (quiet ? undefined : printStart(i, st)),
        onStepEnd: (r) => (quiet ? undefined : printEnd(r)),
        onLine: (_i, l) => (quiet ? undefined : console.log(`      ${l}`)),
      },
    });
    if (!quiet) for (const c of report.closing) console.log(mark(c));
    if (reportDir) await writeReport(reportDir, lab, target, report, s);
    await target.close();
    return verdict(report, plan, reportDir);
  } catch (e) {
    if (!(e instanceof TargetError)) throw e;
    console.error(`quorum-lab run: ${e.message}`);
    return 2;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await lab.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function timings(s: Scenario): { heartbeatMs?: number; electionMs?: number } {
  return {
    ...(s.setup.heartbeatMs !== undefined ? { heartbeatMs: s.setup.heartbeatMs } : {}),
    ...(s.setup.electionMs !== undefined ? { electionMs: s.setup.electionMs } : {}),
  };
}

function verdict(r: RunReport, plan: RunPlan, reportDir: string | null): number {
  const checks = allChecks(r);
  const failed = checks.filter((c) => !c.ok);
  const where = reportDir ? `\nreport: ${join(reportDir, 'index.html')}` : '';
  if (r.stopped) return (console.log(`STOPPED after ${r.steps.length} steps${where}`), 1);
  if (r.passed) console.log(`PASSED: all ${checks.length} checks${where}`);
  else
    console.log(
      `FAILED: ${failed.length} of ${checks.length} checks — ${failed.map((c) => c.name).join('; ')}${where}`,
    );
  if (plan.contrast && plan.expect === 'fail')
    console.log(
      r.passed
        ? 'the unsafe mode did not show its anomaly this time'
        : 'as this contrast expects: the unsafe mode broke what the safe run keeps',
    );
  return r.passed ? 0 : 1;
}

/** writeReport writes the report folder (see the file comment); never overwrites. */
async function writeReport(dir: string, lab: LabService, target: LabTarget, r: RunReport, s: Scenario): Promise<void> {
  const exp = await lab.exportRun('scenario-run');
  const files: string[] = [];
  for (const f of exp.files) {
    const name = f.split(/[\\/]/).pop()!;
    // The export's own page keeps its content under another name: index.html is the scenario's.
    const as = name === 'index.html' ? 'run-report.html' : name;
    await copyExclusive(join(exp.dir, name), join(dir, as));
    files.push(as);
  }
  const samples = target.samples(0);
  await createExclusive(join(dir, 'scenario.json'), JSON.stringify({ report: r, samples }, null, 2) + '\n');
  let exportCheck: string | null = exp.check?.summary ?? null;
  if (!exportCheck && files.includes('check.json'))
    exportCheck = (JSON.parse(await readFile(join(dir, 'check.json'), 'utf8')) as { summary?: string }).summary ?? null;
  const html = reportHtml({
    report: r,
    teaches: s.teaches,
    samples,
    ids: target.info.ids,
    files,
    figures: files.filter((f) => f.endsWith('.svg')),
    exportCheck,
  });
  await createExclusive(join(dir, 'index.html'), html);
}
