/**
 * The console's cluster command: it reads a size, a protocol and unsafe settings (each left
 * out is safe) and refuses anything else with one line; the run log's `unsafe` record reads
 * as a red line among the faults. (The header badge and the dialog are driven in Chromium:
 * test/e2e/unsafe.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { UNSAFE_DEFAULTS } from '../../src-main/api/unsafe';
import { parse } from '../../src-renderer/src/console/parse';
import { describe as describeRecord } from '../../src-renderer/src/model/describe';
import { categoryOf } from '../../src-renderer/src/model/records';

const ctx = { nodes: ['n1', 'n2', 'n3'] };

function ok(line: string): unknown {
  const r = parse(line, ctx);
  if (!r.ok) throw new Error(`expected '${line}' to parse, got: ${r.error}`);
  return r.command;
}

function err(line: string): string {
  const r = parse(line, ctx);
  if (r.ok) throw new Error(`expected '${line}' to be refused, got ${JSON.stringify(r.command)}`);
  return r.error;
}

describe('console: cluster', () => {
  it('reads size, protocol and settings in any order; every setting left out is safe', () => {
    expect(ok('cluster')).toEqual({ cmd: 'cluster', nodes: null, protocol: null, unsafe: UNSAFE_DEFAULTS });
    expect(ok('cluster paxos 5 adoptHighestAccepted=false')).toEqual({
      cmd: 'cluster',
      nodes: 5,
      protocol: 'paxos',
      unsafe: { ...UNSAFE_DEFAULTS, adoptHighestAccepted: false },
    });
    expect(ok('new-cluster reads=lease checkquorum=off SESSIONS=OFF commitRule=count-old-terms')).toMatchObject({
      unsafe: { reads: 'lease', checkQuorum: false, sessions: false, commitRule: 'count-old-terms' },
    });
  });

  it('refuses a bad value, an unknown setting, a stray word, or a rule the protocol lacks', () => {
    expect(err('cluster reads=stale')).toBe('reads must be one of read-index, lease, local, got "stale"');
    expect(err('cluster fsync=maybe')).toBe('fsync must be true or false (on/off), got "maybe"');
    expect(err('cluster fastreads=on')).toMatch(/^unknown setting 'fastreads': one of reads, commitRule, /);
    expect(err('cluster 3 raft zab')).toMatch(/^unexpected 'zab': cluster \[nodes\]/);
    expect(err('cluster 0')).toMatch(/nodes/);
    expect(err('cluster paxos prevote=off')).toBe(
      'unsafe.prevote applies to Raft only: a paxos cluster has no such rule to break',
    );
  });
});

describe('timeline: the unsafe record', () => {
  it('says which rules the cluster breaks, in red, among the faults', () => {
    const r = { t: 0, seq: 3, kind: 'unsafe', modes: ['reads=local', 'fsync=false'] };
    expect(describeRecord(r)).toMatchObject({
      text: 'UNSAFE: this cluster breaks a safety rule on purpose (reads=local, fsync=false)',
      tone: 'fail',
    });
    expect(categoryOf('unsafe')).toBe('fault');
  });
});
