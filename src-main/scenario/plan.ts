/**
 * planRun: what a run of a scenario needs beyond the scenario — the protocol (the
 * command line's, else the scenario's first), the seed, and the unsafe modes (the
 * scenario's own, plus a contrast's when one is asked for). Pure.
 */
import type { ProtocolName } from '../core/protocols';
import type { Scenario } from './types';
import type { UnsafeModes } from './unsafe';

/** PlanArgs are what the command line says about a run. */
export interface PlanArgs {
  protocol: ProtocolName | null;
  seed: number | null;
  contrast: number | null;
}

/** RunPlan is what a run needs beyond the scenario. */
export interface RunPlan {
  protocol: ProtocolName;
  seed: number;
  unsafe: UnsafeModes;
  contrast: string | null;
  expect: 'pass' | 'fail';
}

/** planRun picks the protocol, seed and unsafe modes (or says why it cannot). */
export function planRun(s: Scenario, a: PlanArgs): RunPlan | string {
  const protocol = a.protocol ?? s.setup.protocols[0]!;
  if (!s.setup.protocols.includes(protocol))
    return `${s.name} is written for ${s.setup.protocols.join(' and ')}, not ${protocol}`;
  let unsafe: UnsafeModes = { ...(s.setup.unsafe ?? {}) } as UnsafeModes;
  let contrast: string | null = null;
  let expect: RunPlan['expect'] = 'pass';
  if (a.contrast !== null) {
    const c = s.contrast[a.contrast - 1];
    if (!c) return `${s.name} has ${s.contrast.length} contrast(s); --contrast ${a.contrast} is not one`;
    unsafe = { ...unsafe, ...(c.unsafe as UnsafeModes) };
    contrast = c.label;
    expect = c.expect;
  }
  return { protocol, seed: a.seed ?? s.setup.seed ?? 1, unsafe, contrast, expect };
}
