/**
 * Reading a scenario file: bounded JSON parsing, the published schema (schema.ts, enforced
 * by json-schema.ts), then what a schema cannot say — a node beyond the cluster's size, a
 * label used before a step gave it, a preset missing the node it needs, a wait with
 * neither a time nor a condition, unsafe modes the lab does not know. Every error names
 * the field's path and, when the scenario came as text, its line:
 * `split-vote.json:14: steps[3].node must be a node: n1..n5, leader, follower, or @label, got "n7"`.
 * Pure.
 */
import { at, checked, fail, Invalid, parseJsonBounded, type Checked } from '../core/validate';
import { conform } from './json-schema';
import { jsonLines, lineOf } from './json-lines';
import { SCENARIO_SCHEMA } from './schema';
import {
  isFaultStep,
  type Check,
  type Condition,
  type FaultStep,
  type Request,
  type Scenario,
  type Step,
} from './types';
import { checkUnsafe } from './unsafe';
import { shardedSetupError, shardRules, type ShardRules } from './shard-rules';

/** MAX_SCENARIO_BYTES bounds a scenario file. */
export const MAX_SCENARIO_BYTES = 256 * 1024;

/** validateScenario checks an already-parsed value (a bundled file, an IPC argument). */
export function validateScenario(x: unknown): Checked<Scenario> {
  return checked(() => {
    conform(x, SCENARIO_SCHEMA, SCENARIO_SCHEMA);
    // The schema has accepted the shape; the types below are what it promises.
    const s = x as Scenario & { setup: Scenario['setup'] & { protocols?: Scenario['setup']['protocols'] } };
    const out: Scenario = {
      ...s,
      setup: { ...s.setup, protocols: s.setup.protocols ?? ['raft', 'paxos'] },
      contrast: (s.contrast ?? []).map((c) => ({ ...c, expect: c.expect ?? 'fail' })),
    };
    delete (out as { $schema?: unknown }).$schema;
    new Semantics(out).check();
    return out;
  });
}

/** parseScenario reads a scenario's JSON text; errors start with `source:line:` when the field is found. */
export function parseScenario(text: string, source = 'scenario'): Checked<Scenario> {
  const parsed = parseJsonBounded(text, { maxBytes: MAX_SCENARIO_BYTES, maxDepth: 32 });
  if (!parsed.ok) return { ok: false, error: `${source}: ${parsed.error}` };
  const r = validateScenario(parsed.value);
  if (r.ok) return r;
  const path = /^([A-Za-z0-9_$]+(?:\.[A-Za-z0-9_$]+|\[\d+\])*)/.exec(r.error)?.[1] ?? '';
  const line = path.startsWith('the') ? null : lineOf(jsonLines(text), path);
  return { ok: false, error: `${source}${line !== null ? `:${line}` : ''}: ${r.error}` };
}

/** Semantics checks one schema-valid scenario for what the schema cannot say. */
class Semantics {
  private readonly labels = new Set<string>();
  private readonly lockLabels = new Set<string>();

  private readonly shard: ShardRules;

  constructor(private readonly s: Scenario) {
    this.shard = shardRules(s.setup);
  }

  check(): void {
    const { setup } = this.s;
    if (new Set(setup.protocols).size !== setup.protocols.length) fail('setup.protocols lists a protocol twice');
    if (setup.heartbeatMs !== undefined && setup.electionMs !== undefined && setup.heartbeatMs >= setup.electionMs)
      fail(`setup.heartbeatMs must be less than setup.electionMs (${setup.heartbeatMs} >= ${setup.electionMs})`);
    if (setup.unsafe) checkUnsafe(setup.unsafe, 'setup.unsafe');
    const sharded = shardedSetupError(setup);
    if (sharded) fail(sharded);
    for (const id of Object.keys(setup.balancer?.weights ?? {})) this.nodeId(id, `setup.balancer.weights.${id}`);
    this.s.contrast.forEach((c, i) => checkUnsafe(c.unsafe, `contrast[${i}].unsafe`));
    this.s.steps.forEach((st, i) => this.step(st, `steps[${i}]`));
  }

  private nodeId(id: string, path: string): void {
    const n = Number(id.slice(1));
    const all = this.shard.nodes;
    if (n > all) fail(`${path} names ${id}, but the cluster has n1..n${all}`);
  }

  /** node checks a node reference: an id within the cluster, a group's leader, or a label given before. */
  private node(ref: string | undefined, path: string): void {
    if (ref === undefined || ref === '*') return;
    if (ref === 'leader' || ref === 'follower' || ref.includes(':')) return this.shard.ref(ref, path);
    if (ref.startsWith('@')) {
      if (!this.labels.has(ref.slice(1)))
        fail(`${path} refers to ${ref}, but no step before it has as: "${ref.slice(1)}"`);
      return;
    }
    this.nodeId(ref, path);
  }

  private step(st: Step, path: string): void {
    this.shard.step(st, path);
    this.stepBody(st, path);
    st.checks?.forEach((c, i) => this.checkItem(c, st, at(at(path, 'checks'), i)));
    if (st.as !== undefined) this.label(st.as, at(path, 'as'));
  }

  private label(name: string, path: string): void {
    if (this.labels.has(name)) fail(`${path}: the label "${name}" is already given by an earlier step`);
    this.labels.add(name);
  }

  private stepBody(st: Step, path: string): void {
    if (isFaultStep(st)) return this.fault(st, path);
    switch (st.do) {
      case 'request':
        this.node(st.node, at(path, 'node'));
        return this.request(st.request, st.as, path);
      case 'requests':
        st.requests.forEach((r, i) => {
          const p = at(at(path, 'requests'), i);
          this.node(r.node, at(p, 'node'));
          this.request(r.request, r.as, p);
          if (r.as !== undefined) this.label(r.as, at(p, 'as'));
        });
        return;
      case 'wait':
        if ((st.ms === undefined) === (st.until === undefined))
          fail(`${path}: a wait needs either ms (a time) or until (a condition), not both or neither`);
        if (st.withinMs !== undefined && st.until === undefined) fail(`${path}.withinMs needs until`);
        if (st.until) this.condition(st.until, at(path, 'until'));
        return;
      case 'user':
        this.condition(st.until, at(path, 'until'));
        return this.fault(st.auto, at(path, 'auto'));
      case 'balance':
        for (const id of Object.keys(st.weights ?? {})) this.nodeId(id, `${path}.weights.${id}`);
        return;
      case 'spread':
        for (const id of Object.keys(st.weights)) this.nodeId(id, `${path}.weights.${id}`);
        return;
      case 'trace':
        if (!this.s.setup.protocols.every((p) => p === 'paxos'))
          fail(`${path}: a paxos-round trace needs setup.protocols ["paxos"]`);
        return;
      case 'mark':
        return this.node(st.node, at(path, 'node'));
      case 'say':
      case 'await':
      case 'load':
      case 'add':
      case 'churn':
      case 'check':
      case 'move':
      case 'join':
      case 'leave':
        return;
    }
  }

  private request(r: Request, as: string | undefined, path: string): void {
    if (r.op === 'lock' && as !== undefined) this.lockLabels.add(as);
    if (r.op === 'fenced' && typeof r.token === 'string' && !this.lockLabels.has(r.token.slice(1)))
      fail(`${path}.request.token refers to ${r.token}, but no lock request before it has as: "${r.token.slice(1)}"`);
  }

  private fault(f: FaultStep, path: string): void {
    switch (f.do) {
      case 'partition':
        return this.partition(f, path);
      case 'link':
        this.node(f.from, at(path, 'from'));
        this.node(f.to, at(path, 'to'));
        if (f.from === f.to && f.from !== '*')
          fail(`${path}: a link joins two different nodes (from = to = ${f.from})`);
        return;
      case 'crash':
      case 'restart':
      case 'pause':
      case 'resume':
      case 'damage':
        return this.node(f.node, at(path, 'node'));
      case 'clear':
        return;
    }
  }

  private partition(f: Extract<FaultStep, { do: 'partition' }>, path: string): void {
    if ((f.preset === undefined) === (f.groups === undefined))
      fail(`${path}: a partition needs either a preset or groups, not both or neither`);
    if (f.groups) {
      const seen = new Set<string>();
      f.groups.forEach((g, i) =>
        g.forEach((ref, j) => {
          const p = `${path}.groups[${i}][${j}]`;
          if (ref === '*' && g.length > 1) fail(`${p}: * (every other node) stands alone in its group`);
          this.node(ref, p);
          if (seen.has(ref)) fail(`${p}: ${ref === '*' ? '* is used twice' : `${ref} is in two groups`}`);
          seen.add(ref);
        }),
      );
      return;
    }
    const needs: Record<string, string[]> = { isolate: ['node'], bridge: ['node'], 'one-way': ['from', 'to'] };
    const want = needs[f.preset!] ?? [];
    for (const k of ['node', 'from', 'to'] as const) {
      if (want.includes(k) && f[k] === undefined) fail(`${path}: the ${f.preset} preset needs ${k}`);
      if (!want.includes(k) && f[k] !== undefined) fail(`${path}.${k}: the ${f.preset} preset takes no ${k}`);
      this.node(f[k], at(path, k));
    }
    if (f.preset === 'one-way' && f.from === f.to) fail(`${path}: a one-way cut joins two different nodes`);
    if (f.preset === 'majorities-ring' && this.s.setup.nodes < 5)
      fail(`${path}: majorities-ring needs at least 5 nodes (with fewer, every majority overlaps every other)`);
    if (f.preset === 'bridge' && this.s.setup.nodes < 3) fail(`${path}: a bridge needs at least 3 nodes`);
  }

  private condition(c: Condition, path: string): void {
    this.shard.condition(c, path);
    if ('node' in c) this.node(c.node, at(path, 'node'));
  }

  private checkItem(c: Check, st: Step, path: string): void {
    this.shard.check(c, path);
    const withRequests = st.do === 'request' || st.do === 'requests' || st.do === 'await';
    if ((c.check === 'requests-fail' || c.check === 'requests-ok') && !withRequests)
      fail(`${path}: ${c.check} checks the requests of a request, requests or await step`);
    if (c.check === 'holds') this.condition(c.condition, at(path, 'condition'));
    if ((c.check === 'commit-stalled' || c.check === 'log-grew') && c.node !== undefined)
      this.node(c.node, at(path, 'node'));
  }
}

/** isInvalid tells a validation error from a bug (for callers that catch). */
export function isInvalid(e: unknown): e is Invalid {
  return e instanceof Invalid;
}
