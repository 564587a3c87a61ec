/**
 * SCENARIO_SCHEMA is the scenario file's JSON Schema (draft 2020-12), built here once and
 * published as docs/scenario.schema.json (a test keeps the two identical; regenerate with
 * `node --import tsx scripts/scenario-schema.ts`). The validator (validate.ts) enforces
 * this very object with the interpreter in json-schema.ts, so what the document promises
 * is what a file is held to; the checks a schema cannot say (a node beyond the cluster's
 * size, a label used before it is given) follow in code.
 *
 * Every step branch repeats the fields all steps share (say, look, pause, checks, as,
 * only) so each branch can refuse unknown fields on its own; the builder spreads them in.
 */
import { BALANCE_ALGORITHMS } from '../core/balance/types';
import { MAX_BANDWIDTH } from '../core/link-queue';
import { DAMAGE_KINDS } from '../core/recovery/damage';
import { MAX_SHARDS, MAX_VNODES } from '../core/shard/config';
import { MAX_SHARD_GROUPS_AT_CREATION } from '../api/shards';
import { LOOKS, PRESETS } from './types';

type Schema = Record<string, unknown>;

/** MAX_STEPS bounds a scenario's length. */
export const MAX_STEPS = 200;
/** MAX_MS bounds every duration in a scenario (ten minutes). */
export const MAX_MS = 600_000;
/** MAX_SCENARIO_NODES bounds setup.nodes (the simulator's limit). */
export const MAX_SCENARIO_NODES = 9;

const NODE_PATTERN = '^(n[1-9][0-9]?|leader|follower|g[1-9][0-9]?:leader|@[a-z][a-z0-9-]{0,31})$';
const GROUP_PATTERN = '^g[1-9][0-9]?$';
const LABEL_PATTERN = '^[a-z][a-z0-9-]{0,31}$';

const ref = (name: string): Schema => ({ $ref: `#/$defs/${name}` });
const ms: Schema = { type: 'integer', minimum: 0, maximum: MAX_MS };
const text = (max: number): Schema => ({ type: 'string', minLength: 1, maxLength: max });
const prob: Schema = { type: 'number', minimum: 0, maximum: 1 };

/** obj builds a closed object schema: the required fields first, every field listed. */
function obj(required: string[], properties: Record<string, Schema>, description?: string): Schema {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    required,
    properties,
    additionalProperties: false,
  };
}

const COMMON: Record<string, Schema> = {
  say: { ...text(600), description: 'the narration shown while this step runs' },
  look: { enum: [...LOOKS], description: 'the view the narration points at' },
  pause: { type: 'boolean', description: 'in the app, wait for Next after this step' },
  checks: { type: 'array', maxItems: 16, items: ref('check') },
  as: { ...ref('label'), description: 'remember the node (or the request) this step resolved, as @as' },
  only: { enum: ['lab', 'sim'], description: 'run this step only on real processes (lab) or in the simulator' },
};

/** step builds one branch of the step union: `do` is its const, COMMON is spread in. */
function step(kind: string, required: string[], props: Record<string, Schema>, description: string): Schema {
  return obj(['do', ...required], { do: { const: kind }, ...props, ...COMMON }, description);
}

const linkFields: Record<string, Schema> = {
  from: ref('linkEnd'),
  to: ref('linkEnd'),
  both: { type: 'boolean' },
  latencyMs: { type: 'integer', minimum: 0, maximum: 60_000 },
  jitterMs: { type: 'integer', minimum: 0, maximum: 60_000 },
  loss: prob,
  duplicate: prob,
  blocked: { type: 'boolean' },
  bandwidth: {
    type: 'integer',
    minimum: 0,
    maximum: MAX_BANDWIDTH,
    description: 'the rate limit in bytes a second (0 lifts it); messages queue behind it',
  },
};

const faultSteps: Schema[] = [
  step(
    'partition',
    [],
    {
      preset: { enum: [...PRESETS] },
      node: ref('node'),
      from: ref('node'),
      to: ref('node'),
      groups: {
        type: 'array',
        minItems: 2,
        maxItems: 9,
        items: { type: 'array', minItems: 1, maxItems: 9, items: ref('groupMember') },
      },
    },
    'cut the network: a preset (halves, isolate-leader, isolate <node>, bridge <node>, majorities-ring, one-way <from> <to>) or explicit groups',
  ),
  step('link', ['from', 'to'], linkFields, "one link's rule (`*` = every node; both = both directions)"),
  ...(['crash', 'restart', 'pause', 'resume'] as const).map((k) =>
    step(k, ['node'], { node: ref('node') }, `${k} a node`),
  ),
  step(
    'damage',
    ['node'],
    { node: ref('node'), damage: { enum: [...DAMAGE_KINDS] } },
    "damage a crashed node's store: hardstate (the term/vote record), log-tail (the last entries) or file (the whole file; the default)",
  ),
  step(
    'clear',
    [],
    { nodes: { type: 'boolean' } },
    'remove every cut and link rule; with nodes, also restart and resume every node',
  ),
];

const requestOptions: Record<string, Schema> = {
  node: ref('node'),
  timeoutMs: { type: 'integer', minimum: 1, maximum: 120_000 },
  expect: { enum: ['ok', 'fail', 'unknown', 'not-ok'] },
  equals: { type: ['string', 'null'], maxLength: 1024 },
};

const weights: Schema = {
  type: 'object',
  propertyNames: { pattern: '^n[1-9][0-9]?$' },
  additionalProperties: { type: 'integer', minimum: 0, maximum: 1000 },
};

const otherSteps: Schema[] = [
  step('say', [], {}, 'narration only'),
  step('mark', ['node', 'as'], { node: ref('node') }, 'remember a node under a label (as) for later steps'),
  step(
    'request',
    ['request'],
    { request: ref('request'), background: { type: 'boolean' }, ...requestOptions },
    'one client request (background: do not wait for its answer; await waits)',
  ),
  step(
    'requests',
    ['requests'],
    {
      requests: {
        type: 'array',
        minItems: 1,
        maxItems: 32,
        items: obj(['request'], { request: ref('request'), ...requestOptions, as: ref('label') }),
      },
    },
    'several client requests at once; the step ends when all are answered',
  ),
  step(
    'await',
    [],
    { timeoutMs: { type: 'integer', minimum: 1, maximum: MAX_MS } },
    'wait for the background requests',
  ),
  step(
    'load',
    ['op', 'count', 'clients'],
    {
      op: { enum: ['put', 'get'] },
      count: { type: 'integer', minimum: 1, maximum: 20_000 },
      clients: { type: 'integer', minimum: 1, maximum: 64 },
      keys: { type: 'integer', minimum: 1, maximum: 10_000 },
      background: { type: 'boolean' },
    },
    'a bounded load burst through the gateway (background: the next steps run while it does; await waits)',
  ),
  step(
    'add',
    [],
    {},
    'a new node joins while the cluster serves: a learner on an empty store, promoted to voter once caught up (as: its label)',
  ),
  step(
    'move',
    ['shard', 'group'],
    { shard: { type: 'integer', minimum: 0, maximum: MAX_SHARDS - 1 }, group: ref('group') },
    'a sharded cluster moves a shard to another replica group while it serves (the source freezes it, the data crosses the router, the destination takes over)',
  ),
  ...(['join', 'leave'] as const).map((k) =>
    step(
      k,
      ['group'],
      { group: ref('group') },
      `a replica group ${k === 'join' ? 'enters' : 'leaves'} the shard configuration; the controller rebalances the shards`,
    ),
  ),
  step(
    'balance',
    ['algorithm'],
    { algorithm: { enum: [...BALANCE_ALGORITHMS] }, weights },
    "the gateway's load balancer",
  ),
  step(
    'spread',
    ['algorithms', 'weights', 'requests'],
    {
      algorithms: { type: 'array', minItems: 1, maxItems: 7, items: { enum: [...BALANCE_ALGORITHMS] } },
      weights,
      requests: { type: 'array', minItems: 1, maxItems: 4, items: { type: 'integer', minimum: 1, maximum: 5000 } },
    },
    'send reads through each balancer and show how they spread over the nodes',
  ),
  step(
    'wait',
    [],
    { ms, until: ref('condition'), withinMs: ms },
    'wait for a time, or until a condition holds (within withinMs)',
  ),
  step(
    'user',
    ['until', 'auto'],
    { until: ref('condition'), withinMs: ms, auto: ref('fault') },
    'a step the user performs in the app (detected by `until`); headless runs do `auto` instead',
  ),
  step(
    'churn',
    ['ms'],
    {
      ms: { type: 'integer', minimum: 1, maximum: MAX_MS },
      meanGapMs: { type: 'integer', minimum: 10, maximum: MAX_MS },
      crash: { type: 'boolean' },
      pause: { type: 'boolean' },
      partition: { type: 'boolean' },
      loss: prob,
      duplicate: prob,
      jitterMs: { type: 'integer', minimum: 0, maximum: 10_000 },
    },
    'a storm of faults drawn from the seed for ms, every one undone at its end',
  ),
  step('check', [], {}, 'checks only'),
  step(
    'trace',
    ['style', 'key', 'value'],
    { style: { const: 'paxos-round' }, key: text(64), value: text(64) },
    'write key=value and narrate the round from the real messages (Proposer / Acceptor / Learner lines)',
  ),
];

const conditions: Schema[] = [
  obj(['is'], { is: { const: 'leader' }, node: ref('node') }, 'a leader exists (node: that node leads)'),
  obj(['is'], { is: { const: 'no-leader' } }, 'no node leads a majority'),
  obj(
    ['is', 'atLeast'],
    { is: { const: 'commit' }, node: ref('node'), atLeast: { type: 'integer', minimum: 0 } },
    'commit index >= atLeast on node (absent: on every running node)',
  ),
  obj(['is', 'node', 'status'], {
    is: { const: 'status' },
    node: ref('node'),
    status: { enum: ['up', 'down', 'paused'] },
  }),
  obj(['is', 'node'], { is: { const: 'isolated' }, node: ref('node') }, 'the node reaches no other node'),
  obj(['is'], { is: { const: 'partitioned' } }, 'some link is cut'),
  obj(['is'], { is: { const: 'healed' } }, 'no link is cut'),
  obj(['is'], { is: { const: 'converged' } }, 'every node runs, all at the same commit index'),
  obj(
    ['is', 'node', 'role'],
    { is: { const: 'role' }, node: ref('node'), role: { enum: ['leader', 'follower', 'candidate', 'precandidate'] } },
    "the node's own role (a cut-off old leader still says leader)",
  ),
  obj(
    ['is', 'atLeast'],
    { is: { const: 'term' }, atLeast: { type: 'integer', minimum: 0 } },
    'some node is in term (ballot) >= atLeast',
  ),
  obj(
    ['is', 'node'],
    { is: { const: 'voter' }, node: ref('node') },
    'the node votes in the configuration in force (an added node, once promoted)',
  ),
  obj(
    ['is', 'shard', 'group'],
    { is: { const: 'shard' }, shard: { type: 'integer', minimum: 0, maximum: MAX_SHARDS - 1 }, group: ref('group') },
    'a sharded cluster: the configuration in force gives the shard to the group and its data has arrived there',
  ),
  obj(
    ['is'],
    { is: { const: 'settled' } },
    'a sharded cluster: every joined group has taken the newest configuration and no shard is moving',
  ),
];

const checks: Schema[] = [
  obj(['check'], { check: { const: 'invariants' } }, 'the safety invariants held throughout'),
  obj(['check'], { check: { const: 'linearizable' } }, 'the client history is linearizable'),
  obj(['check'], { check: { const: 'durable' } }, 'every key reads back as a write that could have been last'),
  obj(['check'], { check: { const: 'no-ack' } }, 'no write was acknowledged while this step ran'),
  obj(
    ['check', 'ms'],
    { check: { const: 'leader-within' }, ms, new: { type: 'boolean' } },
    'a (new) leader within ms of the step start',
  ),
  obj(['check'], { check: { const: 'requests-fail' } }, 'every request of this step failed or ended unknown'),
  obj(['check'], { check: { const: 'requests-ok' } }, 'every request of this step succeeded'),
  obj(
    ['check'],
    { check: { const: 'commit-stalled' }, node: ref('node') },
    'the commit index did not move while this step ran',
  ),
  obj(
    ['check', 'node'],
    { check: { const: 'log-grew' }, node: ref('node') },
    "the node's log grew while this step ran",
  ),
  obj(
    ['check'],
    { check: { const: 'split-vote' } },
    'while this step ran, a term had several candidates and no leader',
  ),
  obj(['check'], { check: { const: 'term-stable' } }, 'no term (ballot) changed while this step ran'),
  obj(['check'], { check: { const: 'leader-stable' } }, 'the same leader led throughout this step'),
  obj(
    ['check'],
    { check: { const: 'contested' } },
    'while this step ran, two or more nodes stood for election in turn and no one led',
  ),
  obj(
    ['check', 'condition'],
    { check: { const: 'holds' }, condition: ref('condition') },
    'the condition holds when the step ends',
  ),
];

const requests: Schema[] = [
  obj(['op', 'key', 'value'], { op: { const: 'put' }, key: text(256), value: { type: 'string', maxLength: 4096 } }),
  obj(['op', 'key'], { op: { const: 'get' }, key: text(256) }),
  obj(['op', 'key'], { op: { const: 'delete' }, key: text(256) }),
  obj(['op', 'key', 'expected', 'value'], {
    op: { const: 'cas' },
    key: text(256),
    expected: { type: ['string', 'null'], maxLength: 4096 },
    value: { type: 'string', maxLength: 4096 },
  }),
  obj(['op', 'name', 'owner', 'ttlMs'], {
    op: { const: 'lock' },
    name: text(256),
    owner: text(64),
    ttlMs: { type: 'integer', minimum: 1, maximum: 3_600_000 },
  }),
  obj(['op', 'key', 'value', 'token'], {
    op: { const: 'fenced' },
    key: text(256),
    value: { type: 'string', maxLength: 4096 },
    token: {
      type: ['integer', 'string'],
      minimum: 0,
      pattern: '^@[a-z][a-z0-9-]{0,31}$',
      description: 'a token, or @label of a lock request',
    },
  }),
];

/** buildSchema returns the scenario schema object (see the file comment). */
function buildSchema(): Schema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://quorum-lab.dev/scenario.schema.json',
    title: 'Quorum Lab scenario',
    description:
      'A guided scenario: a cluster setup and steps (faults, client actions, waits, narration, checks). See docs/SCENARIOS.md.',
    ...obj(['name', 'title', 'teaches', 'setup', 'steps'], {
      $schema: { type: 'string', maxLength: 256 },
      name: {
        type: 'string',
        pattern: '^[a-z0-9][a-z0-9-]{0,47}$',
        description: 'a short kebab-case name, e.g. "split-vote"',
      },
      title: text(80),
      teaches: text(600),
      number: { type: 'integer', minimum: 1, maximum: 99 },
      setup: ref('setup'),
      contrast: { type: 'array', maxItems: 8, items: ref('contrast') },
      steps: { type: 'array', minItems: 1, maxItems: MAX_STEPS, items: ref('step') },
    }),
    $defs: {
      label: {
        type: 'string',
        pattern: LABEL_PATTERN,
        description: 'a label: lower-case letters, digits and -, e.g. "old"',
      },
      node: {
        type: 'string',
        pattern: NODE_PATTERN,
        description: "a node: n1..n99, leader, follower, g2:leader (a replica group's leader), or @label",
      },
      group: { type: 'string', pattern: GROUP_PATTERN, description: 'a replica group of a sharded cluster: g1, g2, …' },
      groupMember: {
        type: 'string',
        pattern: NODE_PATTERN.replace('^(', '^(\\*|'),
        description: 'a node, or * for every node not named in another group',
      },
      linkEnd: {
        type: 'string',
        pattern: NODE_PATTERN.replace('^(', '^(\\*|'),
        description: 'a node, or * for every node',
      },
      setup: obj(['nodes'], {
        protocols: { type: 'array', minItems: 1, maxItems: 2, items: { enum: ['raft', 'paxos'] } },
        nodes: { type: 'integer', minimum: 1, maximum: MAX_SCENARIO_NODES },
        heartbeatMs: { type: 'integer', minimum: 10, maximum: 10_000 },
        electionMs: { type: 'integer', minimum: 50, maximum: 60_000 },
        unsafe: { type: 'object', description: "the cluster's unsafe modes, as POST /api/cluster takes them" },
        balancer: obj(['algorithm'], { algorithm: { enum: [...BALANCE_ALGORITHMS] }, weights }),
        seed: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1 },
        shards: obj(
          ['groups'],
          {
            groups: { type: 'integer', minimum: 1, maximum: MAX_SHARD_GROUPS_AT_CREATION },
            spare: { type: 'integer', minimum: 0, maximum: MAX_SHARD_GROUPS_AT_CREATION - 1 },
            scheme: { enum: ['range', 'ring'] },
            shards: { type: 'integer', minimum: 1, maximum: MAX_SHARDS },
            vnodes: { type: 'integer', minimum: 1, maximum: MAX_VNODES },
          },
          'a sharded cluster: a shard controller and `groups` replica groups of `nodes` each (spare: groups started but not joined)',
        ),
      }),
      contrast: obj(['label', 'unsafe', 'say'], {
        label: text(80),
        unsafe: { type: 'object' },
        say: text(600),
        expect: { enum: ['fail', 'pass'] },
      }),
      fault: { oneOf: faultSteps },
      step: { oneOf: [...faultSteps, ...otherSteps] },
      condition: { oneOf: conditions },
      check: { oneOf: checks },
      request: { oneOf: requests },
    },
  };
}

/** SCENARIO_SCHEMA is the schema object (the same as docs/scenario.schema.json). */
export const SCENARIO_SCHEMA: Schema = buildSchema();
