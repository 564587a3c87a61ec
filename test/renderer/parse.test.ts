/** The console language: every command, every malformed form, completion. */
import { describe, expect, it } from 'vitest';
import { complete, HELP, parse, tokenize, type Command } from '../../src-renderer/src/console/parse';

const ctx = { nodes: ['n1', 'n2', 'n3', 'n4', 'n5'] };

function ok(line: string): Command {
  const r = parse(line, ctx);
  if (!r.ok) throw new Error(`expected '${line}' to parse, got: ${r.error}`);
  return r.command;
}

function err(line: string): string {
  const r = parse(line, ctx);
  if (r.ok) throw new Error(`expected '${line}' to be refused, got ${JSON.stringify(r.command)}`);
  expect(r.error).not.toContain('\n');
  expect(r.error.length).toBeGreaterThan(5);
  return r.error;
}

describe('console parser: commands', () => {
  it('reads key-value commands, with quoted values', () => {
    expect(ok('put a 1')).toEqual({ cmd: 'put', key: 'a', value: '1' });
    expect(ok('  PUT   greeting   "hello world"  ')).toEqual({ cmd: 'put', key: 'greeting', value: 'hello world' });
    expect(ok('put k ""')).toEqual({ cmd: 'put', key: 'k', value: '' });
    expect(ok('put q "say \\"hi\\""')).toEqual({ cmd: 'put', key: 'q', value: 'say "hi"' });
    expect(ok('get a')).toEqual({ cmd: 'get', key: 'a' });
    expect(ok('del a')).toEqual({ cmd: 'delete', key: 'a' });
    expect(ok('delete a')).toEqual({ cmd: 'delete', key: 'a' });
    expect(ok('cas a 1 2')).toEqual({ cmd: 'cas', key: 'a', expected: '1', value: '2' });
    expect(ok('cas a nil 2')).toEqual({ cmd: 'cas', key: 'a', expected: null, value: '2' });
    // A quoted "nil" is the three-letter string, not "absent".
    expect(ok('cas a "nil" 2')).toEqual({ cmd: 'cas', key: 'a', expected: 'nil', value: '2' });
  });

  it('reads node lifecycle commands', () => {
    for (const c of ['crash', 'restart', 'pause', 'resume', 'inspect'] as const)
      expect(ok(`${c} n2`)).toEqual({ cmd: c, node: 'n2' });
  });

  it('reads partitions; nodes left out form one more group', () => {
    expect(ok('partition n1,n2 | n3,n4,n5')).toEqual({
      cmd: 'partition',
      groups: [
        ['n1', 'n2'],
        ['n3', 'n4', 'n5'],
      ],
    });
    expect(ok('partition n1|n2')).toEqual({ cmd: 'partition', groups: [['n1'], ['n2'], ['n3', 'n4', 'n5']] });
    expect(ok('partition n1 n2 | n3')).toEqual({ cmd: 'partition', groups: [['n1', 'n2'], ['n3'], ['n4', 'n5']] });
    expect(ok('heal')).toEqual({ cmd: 'heal' });
  });

  it('reads latency with ±, +- and units, one way or both', () => {
    expect(ok('latency n1->n2 200ms ±50ms')).toEqual({
      cmd: 'latency',
      from: 'n1',
      to: 'n2',
      both: false,
      latencyMs: 200,
      jitterMs: 50,
    });
    expect(ok('latency n1->n2 200ms +-50ms')).toMatchObject({ latencyMs: 200, jitterMs: 50 });
    expect(ok('latency n1 -> n2 0.2s ± 10')).toMatchObject({ from: 'n1', to: 'n2', latencyMs: 200, jitterMs: 10 });
    expect(ok('latency n1<->n3 150')).toEqual({
      cmd: 'latency',
      from: 'n1',
      to: 'n3',
      both: true,
      latencyMs: 150,
      jitterMs: 0,
    });
    expect(ok('latency n1<-n2 5ms')).toMatchObject({ from: 'n2', to: 'n1', both: false, latencyMs: 5 });
    expect(ok('latency n1->n2 0')).toMatchObject({ latencyMs: 0, jitterMs: 0 });
  });

  it('reads loss, duplication and cuts', () => {
    expect(ok('loss n1<->n3 10%')).toEqual({ cmd: 'loss', from: 'n1', to: 'n3', both: true, loss: 0.1 });
    expect(ok('loss n1->n3 0.5%')).toMatchObject({ loss: 0.005, both: false });
    expect(ok('dup n2->n1 5%')).toEqual({ cmd: 'duplicate', from: 'n2', to: 'n1', both: false, duplicate: 0.05 });
    expect(ok('block n1->n2')).toEqual({ cmd: 'block', from: 'n1', to: 'n2', both: false });
    expect(ok('unblock n1<->n2')).toEqual({ cmd: 'unblock', from: 'n1', to: 'n2', both: true });
  });

  it('reads add, remove and transfer', () => {
    expect(ok('add')).toEqual({ cmd: 'add', node: null });
    expect(ok('add n7')).toEqual({ cmd: 'add', node: 'n7' });
    expect(err('add node7')).toContain("'node7' is not a node id");
    expect(err('add n7 n8')).toContain('too many');
    expect(ok('remove n2')).toEqual({ cmd: 'remove', node: 'n2' });
    expect(ok('rm n3')).toEqual({ cmd: 'remove', node: 'n3' });
    expect(err('remove n9')).toContain("unknown node 'n9'");
    expect(err('remove')).toContain('missing');
    expect(ok('transfer n3')).toEqual({ cmd: 'transfer', node: 'n3' });
  });

  it('reads a link bandwidth in KiB/MiB per second, and refuses a rate it cannot read', () => {
    expect(ok('bandwidth n1->n2 64KiB/s')).toEqual({
      cmd: 'bandwidth',
      from: 'n1',
      to: 'n2',
      both: false,
      bandwidth: 65536,
    });
    expect(ok('bw n1<->n3 1.5 MiB/s')).toMatchObject({ both: true, bandwidth: 1572864 });
    expect(ok('bandwidth n1->n2 off')).toMatchObject({ bandwidth: 0 });
    expect(err('bandwidth n1->n2')).toContain('missing rate');
    expect(err('bandwidth n1->n2 fast')).toContain('expected a rate like 64KiB/s');
    expect(err('bandwidth n1->n2 5 parsecs')).toContain('unknown unit');
    expect(err('bandwidth n1->n9 1KiB/s')).toContain('n9');
  });

  it('reads load, export, help, balance, locks, fenced writes, speed, clear', () => {
    expect(ok('load put 1000 --clients 16')).toEqual({ cmd: 'load', op: 'put', count: 1000, clients: 16 });
    expect(ok('load get 10')).toEqual({ cmd: 'load', op: 'get', count: 10, clients: 1 });
    expect(ok('load put 5 --clients=4')).toMatchObject({ clients: 4 });
    expect(ok('export')).toEqual({ cmd: 'export', name: null });
    expect(err('export run 1')).toContain('too many');
    expect(ok('export my-run')).toEqual({ cmd: 'export', name: 'my-run' });
    expect(ok('load stop')).toEqual({ cmd: 'load', op: 'stop', count: 0, clients: 0 });
    expect(err('load stop now')).toContain('too many');
    expect(ok('help')).toEqual({ cmd: 'help', topic: null });
    expect(ok('help latency')).toEqual({ cmd: 'help', topic: 'latency' });
    expect(ok('balance round-robin')).toEqual({ cmd: 'balance', algorithm: 'round-robin', weights: null });
    expect(ok('balance weighted-round-robin n1=3,n2=1')).toEqual({
      cmd: 'balance',
      algorithm: 'weighted-round-robin',
      weights: { n1: 3, n2: 1 },
    });
    expect(ok('lock jobs 5000 alice')).toEqual({ cmd: 'lock', name: 'jobs', ttlMs: 5000, owner: 'alice' });
    expect(ok('lock jobs 5s alice')).toMatchObject({ ttlMs: 5000 });
    expect(ok('renew jobs 5000 alice 12')).toEqual({
      cmd: 'renew',
      name: 'jobs',
      ttlMs: 5000,
      owner: 'alice',
      token: 12,
    });
    expect(ok('unlock jobs 12')).toEqual({ cmd: 'unlock', name: 'jobs', token: 12 });
    expect(ok('fenced file v1 12')).toEqual({ cmd: 'fenced', key: 'file', value: 'v1', token: 12 });
    expect(ok('speed 0.1')).toEqual({ cmd: 'speed', scale: 0.1 });
    expect(ok('speed 0.01x')).toEqual({ cmd: 'speed', scale: 0.01 });
    expect(ok('clear')).toEqual({ cmd: 'clear' });
  });

  it('every command in HELP parses from its own usage line or is refused only for placeholders', () => {
    // Usage lines with <placeholders> are documentation; the concrete ones must parse.
    for (const h of HELP)
      if (!h.usage.includes('<') && !h.usage.includes('[')) expect(parse(h.usage, ctx).ok, h.usage).toBe(true);
  });
});

describe('console parser: malformed input gets one clear line', () => {
  it('refuses empty, unknown and mistyped commands', () => {
    expect(err('')).toContain('help');
    expect(err('   ')).toContain('help');
    expect(err('frobnicate n1')).toContain("unknown command 'frobnicate'");
  });

  it('refuses wrong argument counts', () => {
    expect(err('put a')).toContain('missing');
    expect(err('put')).toContain('missing');
    expect(err('put a b c')).toContain('too many');
    expect(err('get')).toContain('missing');
    expect(err('get a b')).toContain('too many');
    expect(err('del')).toContain('missing');
    expect(err('cas a 1')).toContain('missing');
    expect(err('heal now')).toContain('too many');
    expect(err('crash')).toContain('missing');
    expect(err('crash n1 n2')).toContain('too many');
    expect(err('clear all')).toContain('too many');
    expect(err('help a b')).toContain('too many');
  });

  it('refuses bad quoting and oversized keys', () => {
    expect(err('put a "unterminated')).toContain('unterminated quote');
    expect(err(`put ${'k'.repeat(257)} v`)).toContain('256 bytes');
    expect(err('put "" v')).toContain('missing key');
  });

  it('refuses unknown nodes, naming the real ones', () => {
    expect(err('crash n9')).toBe("unknown node 'n9' (nodes: n1, n2, n3, n4, n5)");
    expect(err('pause leader')).toContain("unknown node 'leader'");
    // With no cluster known yet, ids must still look like node ids.
    const r = parse('crash bob', { nodes: [] });
    expect(r.ok ? '' : r.error).toContain('not a node id');
  });

  it('refuses malformed partitions', () => {
    expect(err('partition')).toContain('missing groups');
    expect(err('partition n1,n2')).toContain('at least two groups');
    expect(err('partition n1 | ')).toContain('empty group');
    expect(err('partition n1,n2 | n2,n3')).toContain('n2 is in two groups');
    expect(err('partition n1 | n7')).toContain("unknown node 'n7'");
  });

  it('refuses malformed link rules', () => {
    expect(err('latency n1 n2 200ms')).toContain('n1->n2');
    expect(err('latency n1->n1 200ms')).toContain('two different nodes');
    expect(err('latency n1->n2')).toContain('latency');
    expect(err('latency n1->n2 fast')).toContain('duration');
    expect(err('latency n1->n2 200ms ±')).toContain('latency like');
    expect(err('latency n1->n2 50ms ±100ms')).toContain('jitter must not exceed');
    expect(err('latency n1->n2 2m')).toContain('at most 60000');
    expect(err('latency n1->n2 -5ms')).toContain('duration');
    expect(err('loss n1<->n3 10')).toContain('percentage');
    expect(err('loss n1<->n3 150%')).toContain('at most 100%');
    expect(err('loss n1<->n3')).toContain('missing');
    expect(err('loss n1<->n3 10% 20%')).toContain('too many');
    expect(err('block n1->n2 now')).toContain('too many');
  });

  it('refuses malformed load, balance, lock and speed', () => {
    expect(err('load')).toContain('put or get');
    expect(err('load delete 10')).toContain('put or get');
    expect(err('load put')).toContain('count must be a whole number');
    expect(err('load put 0')).toContain('between 1');
    expect(err('load put 1e3')).toContain('whole number');
    expect(err('load put 10 --clients')).toContain('clients must be a whole number');
    expect(err('load put 10 --clients 0')).toContain('between 1 and 256');
    expect(err('load put 10 --threads 4')).toContain("unknown option '--threads'");
    expect(err('balance')).toContain('missing algorithm');
    expect(err('balance fastest')).toContain("unknown algorithm 'fastest'");
    expect(err('balance round-robin n1:3')).toContain('n1=3,n2=1');
    expect(err('balance round-robin n9=3')).toContain("unknown node 'n9'");
    expect(err('lock jobs alice')).toContain('missing');
    expect(err('lock jobs soon alice')).toContain('ttl must be a duration');
    expect(err('unlock jobs abc')).toContain('token must be a whole number');
    expect(err('renew jobs 5000 alice')).toContain('missing');
    expect(err('fenced f v -1')).toContain('token');
    expect(err('speed fast')).toContain('speed must be between');
    expect(err('speed 2')).toContain('speed must be between');
    expect(err('help bogus')).toContain("no command 'bogus'");
  });
});

describe('console completion', () => {
  const nodes = ['n1', 'n2', 'n3'];
  it('completes command names, listing the options when ambiguous', () => {
    expect(complete('cr', nodes)).toEqual({ line: 'crash ', options: ['crash'] });
    expect(complete('p', nodes).options).toEqual(['put', 'pause', 'partition']);
    expect(complete('pa', nodes)).toEqual({ line: 'pa', options: ['pause', 'partition'] });
    expect(complete('par', nodes).line).toBe('partition ');
    expect(complete('zz', nodes)).toEqual({ line: 'zz', options: [] });
  });

  it('completes node ids after commands, commas, pipes and arrows', () => {
    expect(complete('crash ', nodes)).toEqual({ line: 'crash n', options: ['n1', 'n2', 'n3'] });
    expect(complete('crash n2', nodes)).toEqual({ line: 'crash n2', options: ['n2'] });
    const many = ['n1', 'n2', 'n3', 'n10', 'n11'];
    expect(complete('crash n1', many).options).toEqual(['n1', 'n10', 'n11']);
    expect(complete('partition n1,n', ['n1', 'n2']).options).toEqual(['n1', 'n2']);
    expect(complete('partition n1 | n', ['n1', 'n3']).line).toBe('partition n1 | n');
    expect(complete('latency n1->n3', nodes).line).toBe('latency n1->n3');
    expect(complete('balance ro', nodes).line).toBe('balance round-robin ');
    expect(complete('balance le', nodes).options).toEqual(['least-connections', 'leader-only']);
    expect(complete('get ', nodes)).toEqual({ line: 'get ', options: [] });
  });

  it('tokenizes like a shell, without one', () => {
    expect(tokenize(' a  "b c"  d\\e ')).toEqual(['a', 'b c', 'd\\e']);
  });
});
