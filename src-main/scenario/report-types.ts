/**
 * What a scenario run reports: each step (what it did, its narration, its lines, its
 * checks) and the verdict. Plain data: the CLI prints it, the report folder writes it as
 * scenario.json and index.html, the app's Scenarios panel shows it as it grows.
 */
import type { ProtocolName } from '../core/protocols';
import type { StepKind } from './types';
import type { UnsafeModes } from './unsafe';

/** CheckReport is one check's verdict. */
export interface CheckReport {
  /** step: the index of the step it belongs to (-1: the run's closing checks). */
  step: number;
  /** name: what was checked, in words. */
  name: string;
  ok: boolean;
  /** detail: what was seen (why it failed, or the evidence it passed). */
  detail: string;
}

/** StepReport is one step as it ran. */
export interface StepReport {
  index: number;
  kind: StepKind;
  /** did: what the step did, with its references resolved ("crash n3 (the leader)"). */
  did: string;
  say: string | null;
  look: string | null;
  startedAt: number;
  endedAt: number;
  /** lines: output the step printed (a trace, a table). */
  lines: string[];
  checks: CheckReport[];
  /** skipped: why the step did not run on this target (only: lab/sim), or null. */
  skipped: string | null;
}

/** RunReport is a whole run. */
export interface RunReport {
  scenario: string;
  title: string;
  target: 'lab' | 'sim';
  protocol: ProtocolName;
  seed: number;
  unsafe: UnsafeModes;
  /** passed: every check passed. */
  passed: boolean;
  /** stopped: the run was stopped before its end (the app's Stop, Back, Again). */
  stopped: boolean;
  steps: StepReport[];
  /** closing: the checks every run ends with (invariants). */
  closing: CheckReport[];
  durationMs: number;
}

/** allChecks lists every check of a run, in order. */
export function allChecks(r: RunReport): CheckReport[] {
  return [...r.steps.flatMap((s) => s.checks), ...r.closing];
}
