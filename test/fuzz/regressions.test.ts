/**
 * The inputs the fuzz tests (test/fuzz/*.test.ts) found wrong, one test each, kept as
 * plain cases so a regression is named by what it broke rather than by a seed.
 */
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../src-main/cli-args';
import { MAX_TERM } from '../../src-main/core/message-checks';
import { validateMessage } from '../../src-main/core/protocols';
import { bundledScenarios } from '../../src-main/scenario/bundled';
import { parseScenario } from '../../src-main/scenario/validate';
import { parseNodeArgs } from '../../src-main/lab/node-cli';
import { parseSimArgs } from '../../src-main/sim/cli';
import { parseServeArgs } from '../../src-main/web/serve';
import { complete, parse } from '../../src-renderer/src/console/parse';

describe('fuzz regressions: scenario files', () => {
  // Found by files.test.ts (seed 61, case 485): the schema interpreter looked fields up
  // with `props[k]`, so a field named like a member of Object.prototype found that member
  // — a function or Object.prototype itself, which conformed to nothing and so accepted
  // any value — and the unknown field was let through, at any level of the file.
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'refuses a field named %s as unknown, in a step and at the top',
    (k) => {
      const text = JSON.stringify(bundledScenarios()[0]);
      const inStep = parseScenario(text.replace('"steps":[{', `"steps":[{"${k}":{"polluted":1},`), 'x.json');
      expect(inStep.ok ? 'accepted' : inStep.error).toMatch(new RegExp(`steps\\[0\\]: unknown field '${k}'`));
      const atTop = parseScenario(text.replace('{', `{"${k}":7,`), 'x.json');
      expect(atTop.ok ? 'accepted' : atTop.error).toMatch(new RegExp(`the scenario: unknown field '${k}'`));
    },
  );
});

describe('fuzz regressions: console lines', () => {
  const ctx = { nodes: ['n1', 'n2', 'n3'] };

  // Found by api.test.ts (seed 141): the head regex used `.`, which does not match a line
  // break, so a pasted line with a break after its first word matched nothing and
  // `exec(...)!` threw a TypeError out of parse, which promises never to throw.
  it.each(['balance round-robin\r\nx', 'put a\n1', 'get a\u2028b', 'crash\nn1'])(
    'reads %j without throwing',
    (line) => {
      const r = parse(line, ctx);
      if (!r.ok) expect(r.error).not.toMatch(/[\r\n\u2028]/);
    },
  );

  // Found by api.test.ts (seed 141, case 114): errors quoted the typed word whole — a
  // 2,000-character "unknown command" error, with line breaks from a quoted token.
  it('keeps an error to one line of at most 240 characters, whatever was typed', () => {
    for (const line of [`${'x'.repeat(5000)} a`, `crash "n1\n${'y'.repeat(5000)}"`, `speed ${'9'.repeat(3000)}`]) {
      const r = parse(line, ctx);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error.length).toBeLessThanOrEqual(240);
      expect(r.error).not.toContain('\n');
    }
  });

  // Found by api.test.ts (seed 141, case 5220, a 500k-character line): the link regex's
  // tail `(.*)$` failed at a line break, and the engine retried the word before it at
  // every length — 64k characters froze the window for 9 s. Tab completion's word
  // regexes (`...*$`, no start anchor) were quadratic the same way over the whole line.
  it('reads and completes a 200k-character line with a line break in linear time', () => {
    const line = `block n1->n2${'x'.repeat(200_000)}\ny`;
    const t0 = performance.now();
    const r = parse(line, ctx);
    const c = complete(line, ctx.nodes);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.ok ? '' : r.error).toMatch(/^unknown node 'n2x+…$/);
    expect(c.options).toEqual([]);
    // Completion still completes what ends the line.
    expect(complete(`block n1->${'z'.repeat(100_000)} n`, ctx.nodes).options).toEqual(['n1', 'n2', 'n3']);
  });
});

describe('fuzz regressions: command lines', () => {
  // Found by api.test.ts (seed 151, case 72): a usage error quoted an unknown option or a
  // bad value whole: a 6,448-character line for one long argument.
  it('quotes at most 80 characters of a bad word in a usage error', () => {
    const long = `--${'d'.repeat(6000)}`;
    expect(() => parseCli([long], {})).toThrow(/^unknown option '-{2}d{78}…'$/);
    const bad = parseServeArgs(['--port', 'x'.repeat(6000)], {});
    expect(typeof bad === 'string' && bad.length < 200, String(bad).slice(0, 300)).toBe(true);
  });

  // Found by api.test.ts (FUZZ_CASES=10000 FUZZ_SEED=3000, sim argv case 390): `sim` and
  // `node` quoted a bad --seeds, --mutant or --join whole (7,132 characters).
  it('sim and node quote at most 80 characters of a bad value too', () => {
    const long = `1.${'x'.repeat(7000)}`;
    expect(() => parseSimArgs(['--seeds', long])).toThrow(/^--seeds needs A\.\.B or N, got '1\.x{78}…'$/);
    expect(() => parseSimArgs(['--mutant', long])).toThrow(/got '1\.x{78}…'$/);
    // And (FUZZ_CASES=10000 FUZZ_SEED=3000, node argv case 4159) node's --id, serve's --listen-nodes.
    const join = ['--join', 'http://10.0.0.5:7400', '--token', 'a'.repeat(32)];
    for (const bad of [
      parseNodeArgs(['--join', `http://${'h'.repeat(7000)}:1/x`], {}),
      parseNodeArgs([...join, '--id', `n4${'{'.repeat(7000)}`], {}),
      parseNodeArgs(['--join', `${'s'.repeat(7000)}://h:1`, '--token', 'a'.repeat(32)], {}),
      parseServeArgs(['--listen-nodes', 'x'.repeat(7000)], {}),
    ])
      expect(typeof bad === 'string' && bad.length < 300, String(bad).slice(0, 300)).toBe(true);
  });

  // Found by api.test.ts (FUZZ_CASES=20000 FUZZ_SEED=1000, case 2229): node's parseArgs
  // reads a short-option group (`-bbbb…`) in quadratic time — 32k characters took 1.2 s,
  // the 128k a Linux argument may hold some 20 s. Such an argument is refused first.
  it('refuses a long short-option group at once', () => {
    const t0 = performance.now();
    expect(parseServeArgs(['-' + 'b'.repeat(100_000)], {})).toMatch(/^unknown option '-b{79}…'$/);
    expect(performance.now() - t0).toBeLessThan(200);
    // Negative numbers still reach the range check.
    expect(parseServeArgs(['--port', '-1'], {})).toMatch(/--port must be 0\.\.65535/);
  });
});

describe('fuzz regressions: protocol messages', () => {
  // Found by core.test.ts (FUZZ_CASES=20000 FUZZ_SEED=2000, paxos case 5974): the
  // validators took any safe integer as a term or ballot. A node that adopted one near
  // 2^53 derived its next ballot (round + 1, times 100) past 2^53: every peer refused that
  // prepare, the cluster could never elect again, and the term is persisted. Terms and
  // ballots are now bounded by MAX_TERM (2^48), whose successors stay safe integers.
  const vote = { type: 'vote', from: 'n1', to: 'n2', term: 3, lastIndex: 0, lastTerm: 0, transfer: false };
  const prepare = { type: 'prepare', from: 'n1', to: 'n2', term: 101, fromIndex: 1, force: false };
  const nack = { type: 'nack', from: 'n2', to: 'n1', term: 101, ballot: 202, commit: 0 };
  it.each([
    ['raft', vote],
    ['paxos', prepare],
    ['paxos', nack],
  ] as const)('%s refuses a term or ballot above 2^48 and takes 2^48 itself', (protocol, m) => {
    const field = m.type === 'nack' ? 'ballot' : 'term';
    for (const bad of [Number.MAX_SAFE_INTEGER, MAX_TERM + 1])
      expect(validateMessage(protocol, { ...m, [field]: bad })).toMatch(/at most 2\^48|0\.\.281474976710656/);
    expect(typeof validateMessage(protocol, { ...m, [field]: MAX_TERM })).toBe('object');
    // What a core derives from the largest accepted term is still a term every peer takes.
    expect(
      Number.isSafeInteger(MAX_TERM + 1) && Number.isSafeInteger((Math.floor(MAX_TERM / 100) + 1) * 100 + 99),
    ).toBe(true);
  });
});
