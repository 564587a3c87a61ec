/**
 * The scenario part of the LabApi contract: what the Scenarios panel lists and shows
 * (ScenarioInfo, ScenarioState), what it sends (start, control), and the partition
 * presets the console and the topology's menu ask for — with their validators, written
 * with the validation kit. Pure: the renderer and the backend both load it.
 */
import type { NodeId } from '../core/types';
import { checked, fail, int, oneOf, onlyFields, optional, record, str, type Checked } from '../core/validate';
import type { ProtocolName } from './contract';

/** PRESETS are the partition presets (scenario files, console, topology menu). */
export const PRESETS = ['halves', 'isolate-leader', 'isolate', 'bridge', 'majorities-ring', 'one-way'] as const;

/** Preset names a partition preset. */
export type Preset = (typeof PRESETS)[number];

/** PresetRequest is POST /api/partition/preset: a preset and the nodes it needs (isolate, bridge: node; one-way: from, to). */
export interface PresetRequest {
  preset: Preset;
  node?: NodeId;
  from?: NodeId;
  to?: NodeId;
}

/** PRESET_NEEDS says which nodes each preset takes. */
export const PRESET_NEEDS: Record<Preset, ('node' | 'from' | 'to')[]> = {
  halves: [],
  'isolate-leader': [],
  isolate: ['node'],
  bridge: ['node'],
  'majorities-ring': [],
  'one-way': ['from', 'to'],
};

/** ScenarioContrast is one "run again with <unsafe mode>" of a scenario. */
export interface ScenarioContrast {
  label: string;
  say: string;
  /** unsafe: the modes in words ("reads: local"). */
  unsafe: string;
}

/** ScenarioInfo is one bundled scenario as the panel lists it. */
export interface ScenarioInfo {
  name: string;
  number: number | null;
  title: string;
  teaches: string;
  protocols: ProtocolName[];
  nodes: number;
  steps: number;
  contrast: ScenarioContrast[];
}

/** ScenarioCheckState is one check's verdict as the panel shows it. */
export interface ScenarioCheckState {
  name: string;
  ok: boolean;
  detail: string;
}

/** ScenarioStepState is one step as the panel shows it. */
export interface ScenarioStepState {
  index: number;
  kind: string;
  /** say: the narration (or the step's kind when it has none). */
  say: string;
  look: string | null;
  status: 'pending' | 'running' | 'done' | 'failed';
  /** did: what it did, once done ("crash n3 (leader)"). */
  did: string | null;
  checks: ScenarioCheckState[];
  lines: string[];
  /** user: the user is asked to do this step (the panel offers "Do it for me"). */
  user: boolean;
}

/** ScenarioState is the scenario playing in the lab (GET /api/scenario, the 'scenario' event). */
export interface ScenarioState extends ScenarioInfo {
  protocol: ProtocolName;
  seed: number;
  /** contrastLabel: the contrast this run plays (null: the safe run). */
  contrastLabel: string | null;
  /** unsafe: the unsafe modes in force, in words ('' when none). */
  unsafe: string;
  status: 'starting' | 'running' | 'paused' | 'waiting-user' | 'done' | 'stopped' | 'error';
  /** current: the step running or last run (-1 before the first). */
  current: number;
  /** heldAfter: a Back run plays straight through this step, then holds. */
  heldAfter: number | null;
  stepStates: ScenarioStepState[];
  passed: number;
  failed: number;
  /** closing: the checks every run ends with, once done. */
  closing?: ScenarioCheckState[];
  /** verdict: every check passed (set when done). */
  verdict?: boolean | null;
  checkCount?: number;
  error: string | null;
}

/** ScenarioStartRequest is POST /api/scenario. */
export interface ScenarioStartRequest {
  name: string;
  protocol?: ProtocolName;
  seed?: number;
  /** contrast: 1-based index of the scenario's contrast to run with. */
  contrast?: number;
  /** until: play straight through this step (0-based), then hold — the panel's Back. */
  until?: number;
}

/** SCENARIO_ACTIONS are what POST /api/scenario/control takes. */
export const SCENARIO_ACTIONS = ['next', 'auto', 'stop'] as const;

/** ScenarioAction steers the playing scenario: next (after a pause), auto (do the user's step), stop. */
export type ScenarioAction = (typeof SCENARIO_ACTIONS)[number];

const NODE_ID = /^n([1-9][0-9]?)$/;

function nodeAt(x: unknown, path: string): NodeId {
  return str(x, path, { min: 2, max: 3, pattern: NODE_ID, what: 'a node id like "n1"' });
}

/** validatePresetRequest checks POST /api/partition/preset. */
export function validatePresetRequest(x: unknown): Checked<PresetRequest> {
  return checked(() => {
    const o = record(x, 'a preset request', 'a JSON object');
    onlyFields(o, ['preset', 'node', 'from', 'to'], 'preset request');
    const preset = oneOf(o.preset, 'preset', PRESETS);
    const out: PresetRequest = { preset };
    for (const k of ['node', 'from', 'to'] as const) {
      const v = optional(o[k], (y) => nodeAt(y, k));
      const wanted = PRESET_NEEDS[preset].includes(k);
      if (v !== undefined && !wanted) fail(`${k}: the ${preset} preset takes no ${k}`);
      if (v === undefined && wanted) fail(`${k} is required by the ${preset} preset`);
      if (v !== undefined) out[k] = v;
    }
    if (out.from !== undefined && out.from === out.to)
      fail(`from and to must be different nodes (both are ${out.from})`);
    return out;
  });
}

/** validateScenarioStart checks POST /api/scenario. */
export function validateScenarioStart(x: unknown): Checked<ScenarioStartRequest> {
  return checked(() => {
    const o = record(x, 'a scenario request', 'a JSON object');
    onlyFields(o, ['name', 'protocol', 'seed', 'contrast', 'until'], 'scenario request');
    const out: ScenarioStartRequest = {
      name: str(o.name, 'name', {
        min: 1,
        max: 48,
        pattern: /^[a-z0-9][a-z0-9-]*$/,
        what: 'a scenario name like "split-vote"',
      }),
    };
    const protocol = optional(o.protocol, (v) => oneOf(v, 'protocol', ['raft', 'paxos'] as const));
    const seed = optional(o.seed, (v) => int(v, 'seed', 0, 2 ** 31 - 1));
    const contrast = optional(o.contrast, (v) => int(v, 'contrast', 1, 8));
    const until = optional(o.until, (v) => int(v, 'until', 0, 199));
    if (protocol !== undefined) out.protocol = protocol;
    if (seed !== undefined) out.seed = seed;
    if (contrast !== undefined) out.contrast = contrast;
    if (until !== undefined) out.until = until;
    return out;
  });
}

/** validateScenarioAction checks POST /api/scenario/control {action}. */
export function validateScenarioAction(x: unknown): Checked<ScenarioAction> {
  return checked(() => {
    const o = record(x, 'a scenario control', 'a JSON object');
    onlyFields(o, ['action'], 'scenario control');
    return oneOf(o.action, 'action', SCENARIO_ACTIONS);
  });
}
