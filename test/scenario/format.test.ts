/**
 * The scenario format: the published schema is the one the validator enforces, and a bad
 * file is refused with the field's path and its line — for the shape (schema) and for
 * what only code can check (node beyond the cluster, label used before it is given,
 * preset missing its node, unsafe modes).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonLines, lineOf } from '../../src-main/scenario/json-lines';
import { SCENARIO_SCHEMA } from '../../src-main/scenario/schema';
import { parseScenario, validateScenario } from '../../src-main/scenario/validate';

const docsSchema = JSON.parse(
  readFileSync(new URL('../../docs/scenario.schema.json', import.meta.url), 'utf8'),
) as unknown;

/** base is a small valid scenario; each test breaks one thing in a copy. */
function base(): Record<string, unknown> {
  return {
    name: 'tiny',
    title: 'Tiny',
    teaches: 'nothing much',
    setup: { nodes: 3 },
    steps: [
      { do: 'wait', until: { is: 'leader' }, withinMs: 5000 },
      { do: 'crash', node: 'leader', as: 'old' },
      { do: 'restart', node: '@old' },
    ],
  };
}

function errorOf(x: unknown): string {
  const r = validateScenario(x);
  if (r.ok) throw new Error('expected a refusal');
  return r.error;
}

function text(o: unknown): string {
  return JSON.stringify(o, null, 2);
}

describe('scenario schema', () => {
  it('docs/scenario.schema.json is the schema the validator enforces', () => {
    expect(docsSchema).toEqual(SCENARIO_SCHEMA);
  });

  it('accepts a valid scenario and fills the defaults', () => {
    const r = validateScenario(base());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.setup.protocols).toEqual(['raft', 'paxos']);
    expect(r.value.contrast).toEqual([]);
  });

  it('names the field path of a shape error', () => {
    const s = base();
    (s.steps as Record<string, unknown>[])[1] = { do: 'crash' };
    expect(errorOf(s)).toBe('steps[1].node is missing');
    (s.steps as Record<string, unknown>[])[1] = { do: 'crash', node: 'n1', colour: 'red' };
    expect(errorOf(s)).toMatch(/^steps\[1\]: unknown field 'colour' \(fields: do, node, /);
    (s.steps as Record<string, unknown>[])[1] = { do: 'explode' };
    expect(errorOf(s)).toMatch(/^steps\[1\]\.do must be one of partition, link, crash, .*got "explode"$/);
    (s.steps as Record<string, unknown>[])[1] = { do: 'crash', node: 'the leader' };
    expect(errorOf(s)).toBe(
      `steps[1].node must be a node: n1..n99, leader, follower, g2:leader (a replica group's leader), or @label, got "the leader"`,
    );
    (s.steps as Record<string, unknown>[])[1] = { do: 'wait', until: { is: 'commit', atLeast: -1 } };
    expect(errorOf(s)).toBe('steps[1].until.atLeast must be an integer >= 0, got -1');
  });

  it('refuses what only code can see', () => {
    const s = base();
    (s.steps as Record<string, unknown>[])[1] = { do: 'crash', node: 'n4' };
    expect(errorOf(s)).toBe('steps[1].node names n4, but the cluster has n1..n3');
    expect(errorOf({ ...base(), steps: [{ do: 'restart', node: '@old' }] })).toBe(
      'steps[0].node refers to @old, but no step before it has as: "old"',
    );
    expect(errorOf({ ...base(), steps: [{ do: 'partition', preset: 'isolate' }] })).toBe(
      'steps[0]: the isolate preset needs node',
    );
    expect(errorOf({ ...base(), steps: [{ do: 'partition', preset: 'halves', node: 'n1' }] })).toBe(
      'steps[0].node: the halves preset takes no node',
    );
    expect(errorOf({ ...base(), steps: [{ do: 'partition', preset: 'majorities-ring' }] })).toMatch(
      /majorities-ring needs at least 5 nodes/,
    );
    expect(errorOf({ ...base(), steps: [{ do: 'wait' }] })).toMatch(/a wait needs either ms .* or until/);
    expect(errorOf({ ...base(), setup: { nodes: 3, unsafe: { reads: 'sometimes' } } })).toBe(
      'setup.unsafe.reads must be one of read-index, lease, local, got "sometimes"',
    );
    expect(errorOf({ ...base(), contrast: [{ label: 'x', say: 'y', unsafe: { fsink: false } }] })).toBe(
      "contrast[0].unsafe: unknown field 'fsink'",
    );
    expect(
      errorOf({
        ...base(),
        steps: [{ do: 'request', request: { op: 'fenced', key: 'k', value: 'v', token: '@lease' } }],
      }),
    ).toMatch(/token refers to @lease, but no lock request before it/);
    expect(errorOf({ ...base(), steps: [{ do: 'say', checks: [{ check: 'requests-ok' }] }] })).toMatch(
      /requests-ok checks the requests of a request, requests or await step/,
    );
  });

  it('checks a sharded scenario: its size, its groups and shards, and refuses what means the one group', () => {
    const sharded = (steps: unknown[], shards: Record<string, unknown> = { groups: 2, shards: 4 }): unknown => ({
      ...base(),
      setup: { nodes: 3, shards },
      steps,
    });
    const move = (shard: number, group: string): unknown => ({ do: 'move', shard, group });
    expect(validateScenario(sharded([move(3, 'g2'), { do: 'crash', node: 'g1:leader' }])).ok).toBe(true);
    expect(validateScenario(sharded([{ do: 'crash', node: 'n9' }])).ok).toBe(true);
    expect(errorOf(sharded([{ do: 'crash', node: 'n10' }]))).toBe(
      'steps[0].node names n10, but the cluster has n1..n9',
    );
    expect(errorOf(sharded([move(4, 'g2')]))).toBe('steps[0].shard is 4, but the cluster has shards 0..3');
    expect(errorOf(sharded([move(1, 'g3')]))).toBe(
      'steps[0].group names g3, but the cluster has g1..g2 (setup.shards.groups + spare)',
    );
    expect(validateScenario(sharded([{ do: 'join', group: 'g3' }], { groups: 2, spare: 1 })).ok).toBe(true);
    expect(errorOf(sharded([{ do: 'crash', node: 'leader' }]))).toMatch(
      /^steps\[0\]\.node: "leader" means the one group's leader; in a sharded cluster name a group's leader \(g1:leader\)/,
    );
    expect(errorOf(sharded([{ do: 'wait', until: { is: 'leader' } }]))).toMatch(/"leader" is about the one group/);
    expect(errorOf(sharded([{ do: 'churn', ms: 1000 }]))).toMatch(/churn keeps a majority of one group running/);
    expect(errorOf(sharded([{ do: 'add' }]))).toBe(
      'steps[0]: a add step acts on one group; a sharded cluster does not offer it',
    );
    expect(errorOf(sharded([{ do: 'request', request: { op: 'get', key: 'k' }, node: 'n4' }]))).toMatch(
      /^steps\[0\]\.node: in a sharded cluster the key decides the group/,
    );
    expect(errorOf(sharded([{ do: 'say', checks: [{ check: 'leader-within', ms: 100 }] }]))).toMatch(
      /leader-within is about the one group's leader/,
    );
    expect(errorOf({ ...base(), setup: { nodes: 5, shards: { groups: 4 } }, steps: [{ do: 'say' }] })).toBe(
      'setup.shards: 4 groups of 5 nodes and a controller of 5 make 25 processes; at most 24',
    );
    expect(errorOf(sharded([{ do: 'say' }], { groups: 2, vnodes: 8 }))).toBe('setup.shards.vnodes needs scheme "ring"');
    // Without setup.shards the shard steps, conditions and group references are refused.
    expect(errorOf({ ...base(), steps: [move(0, 'g1')] })).toBe(
      'steps[0].group: g1 needs a sharded cluster (setup.shards)',
    );
    expect(errorOf({ ...base(), steps: [{ do: 'wait', until: { is: 'settled' } }] })).toBe(
      'steps[0].until: settled needs a sharded cluster (setup.shards)',
    );
    expect(errorOf({ ...base(), steps: [{ do: 'crash', node: 'g1:leader' }] })).toBe(
      'steps[0].node: g1 needs a sharded cluster (setup.shards)',
    );
  });

  it('says the line of the field in a file', () => {
    const s = base();
    (s.steps as Record<string, unknown>[])[2] = { do: 'restart', node: 'n9' };
    const t = text(s);
    const line = t.split('\n').findIndex((l) => l.includes('"n9"')) + 1;
    const r = parseScenario(t, 'tiny.json');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toBe(`tiny.json:${line}: steps[2].node names n9, but the cluster has n1..n3`);
    const bad = parseScenario('{"name": ', 'broken.json');
    expect(bad.ok === false && bad.error.startsWith('broken.json: not valid JSON')).toBe(true);
  });

  it('bounds the input: size and depth', () => {
    const deep = '['.repeat(200) + ']'.repeat(200);
    const r = parseScenario(deep, 'deep.json');
    expect(r.ok === false && /nested deeper/.test(r.error)).toBe(true);
    const big = parseScenario(`"${'x'.repeat(300 * 1024)}"`, 'big.json');
    expect(big.ok === false && /over \d+ bytes/.test(big.error)).toBe(true);
  });
});

describe('jsonLines', () => {
  it('maps every value to the line it starts on, through arrays and objects', () => {
    const t = '{\n  "a": [1,\n    {"b": "x,\\"y"}],\n  "c": {\n    "d": null\n  }\n}';
    const m = jsonLines(t);
    expect(m.get('a')).toBe(2);
    expect(m.get('a[0]')).toBe(2);
    expect(m.get('a[1]')).toBe(3);
    expect(m.get('a[1].b')).toBe(3);
    expect(m.get('c.d')).toBe(5);
    expect(lineOf(m, 'c.d.e')).toBe(5);
    expect(lineOf(m, 'zz')).toBe(1);
  });
});
