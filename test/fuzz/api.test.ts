/**
 * Fuzzing what a user or a page sends the lab in-process: every command of the LabApi
 * table as its wire argument (what IPC carries, with NaN and undefined, and what HTTP
 * rebuilds from a path, a query and a body), the renderer's console lines (and Tab
 * completion), the command lines of `quorum-lab serve`, `node`, `run`, `check` and `sim`,
 * and a node's --config. Inputs are mutations of each command's good sample
 * (test/web/command-samples.ts), of the console lines the parser's own tests accept, and
 * random values; the property is a value or a clear error, no other throw, no write to
 * the input, and that what a row accepts it accepts again after encoding it.
 * FUZZ_CASES=N raises the number of cases.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, COMMANDS, decodeArgs, encodeArgs, type CommandName } from '../../src-main/api/commands';
import { compileRoute, httpRequestOf, pathParams, wireOfRequest } from '../../src-main/api/http-routes';
import { parseJsonBody } from '../../src-main/api/schemas';
import { parseCheckArgs } from '../../src-main/check-cli';
import { UsageError } from '../../src-main/cli-args';
import { parseNodeArgs } from '../../src-main/lab/node-cli';
import { parseConfigArgs } from '../../src-main/node/config';
import { parseRunArgs } from '../../src-main/scenario/run-cli';
import { parseSimArgs } from '../../src-main/sim/cli';
import { parseServeArgs } from '../../src-main/web/serve';
import { complete, parse } from '../../src-renderer/src/console/parse';
import { Refused, dispatch } from '../../src-main/electron/ipc-dispatch';
import { handleSeed } from '../../src-main/web/seed-api';
import { SAMPLES, recordingLab } from '../web/command-samples';
import {
  Rand,
  STRINGS,
  cases,
  clearErrorProblem,
  mutate,
  setOwn,
  contained,
  expectUnpolluted,
  fromChecked,
  fromValueOrError,
  fuzzCases,
  fuzzSeed,
  mutateText,
  randomJson,
  randomString,
} from './fuzz-kit';

const ROOT = join(import.meta.dirname, '..', '..');

describe('fuzz: the LabApi command table (IPC and HTTP wire arguments)', () => {
  const wires = COMMAND_NAMES.map((name) => encodeArgs(name, SAMPLES[name] as never)).filter((w) => w !== undefined);
  const keys = [...new Set(wires.flatMap((w) => (typeof w === 'object' && w !== null ? Object.keys(w) : [])))];

  it.each(['ipc', 'http'] as const)(
    'decodes every command from mutated %s wire arguments: arguments or a clear error; accepted ones re-encode to themselves',
    (via) => {
      const per = Math.max(50, Math.round(fuzzCases(2000) / COMMAND_NAMES.length));
      let accepted = 0;
      for (const [i, name] of COMMAND_NAMES.entries()) {
        const own = encodeArgs(name, SAMPLES[name] as never);
        // Mostly the command's own sample, sometimes another's (a body sent to the wrong route).
        const samples = own === undefined ? wires : [own, own, own, ...wires.slice(0, 4)];
        for (const c of cases(100 + i, per, samples, { keys, nonJson: via === 'ipc' })) {
          const where = `${name}: ${c.where}`;
          const out = contained(() => fromChecked(decodeViaRoute(name, c.value, via)), where, c.value);
          if (!out.ok) continue;
          accepted++;
          const again = decodeArgs(name, encodeArgs(name, out.value as never));
          if (!again.ok) expect.fail(`${where}: accepted, but its re-encoding is refused: ${again.error}`);
        }
      }
      expect(accepted).toBeGreaterThan(0);
      expectUnpolluted(via);
    },
  );

  it('dispatches IPC arguments of any structured-clone shape (cycles, Maps, Dates, BigInt, typed arrays) or refuses them', async () => {
    const r = new Rand(fuzzSeed(132));
    const odd = (): unknown => {
      const cyclic: Record<string, unknown> = { op: 'put', key: 'a', value: '1' };
      cyclic.self = cyclic;
      const deep: unknown[] = [];
      let at = deep;
      for (let d = 0; d < 40; d++) at = (at[0] = []) as unknown[];
      const sparse: unknown[] = [];
      sparse[5000] = 'n1';
      return r.pick<unknown>([
        cyclic,
        deep,
        sparse,
        new Map([['id', 'n1']]),
        new Set(['n1']),
        new Date(0),
        10n,
        new Uint8Array(4),
        /n1/,
        Object.create(null) as object,
        [cyclic, cyclic],
      ]);
    };
    const { lab, calls } = recordingLab();
    for (const [i, name] of COMMAND_NAMES.entries()) {
      for (let k = 0; k < 12; k++) {
        const own = encodeArgs(name, SAMPLES[name] as never);
        const arg = k < 4 ? odd() : mutate(r, own ?? {}, { nonJson: true });
        if (k >= 4 && typeof arg === 'object' && arg !== null && r.chance(0.5))
          setOwn(arg as Record<string, unknown>, r.pick(['id', 'key', 'groups', 'x']), odd());
        const where = `${name} ipc case ${i}.${k}`;
        const before = calls.length;
        try {
          await dispatch(lab, name, structuredClone(arg));
        } catch (e) {
          if (!(e instanceof Refused)) expect.fail(`${where}: threw ${(e as Error).stack?.slice(0, 800)}`);
          const problem = clearErrorProblem((e as Error).message);
          if (problem) expect.fail(`${where}: ${problem}`);
          expect(calls.length, where).toBe(before);
          continue;
        }
        expect(calls.length, where).toBe(before + 1);
      }
    }
  });

  it("answers the seed's POST / bodies with its own words, never a throw", async () => {
    const { lab } = recordingLab((name) => ({ outcome: 'ok', value: name === 'kv' ? 'v' : null }));
    const samples = [
      { type: 'store', key: 'name', value: 'Alice' },
      { type: 'store', key: 'n', value: { nested: [1, 2] } },
      { type: 'fetch', key: 'name' },
    ];
    for (const c of cases(133, fuzzCases(1000), samples, {
      keys: ['type', 'key', 'value'],
      strings: ['store', 'fetch'],
    })) {
      let out: { status: number; body: Record<string, unknown> } | undefined;
      try {
        out = await handleSeed(lab, c.value);
      } catch (e) {
        expect.fail(`${c.where}: threw ${(e as Error).stack?.slice(0, 800)}`);
      }
      expect([200, 400, 404, 503, 504], c.where).toContain(out.status);
      if (out.status !== 200) {
        const problem = clearErrorProblem(out.body.message);
        if (problem) expect.fail(`${c.where}: ${problem}`);
      }
    }
  });

  it('answers mutated HTTP paths and bodies: params or a clear error', () => {
    const r = new Rand(fuzzSeed(131));
    const routes = COMMAND_NAMES.map((n) => ({ name: n, route: compileRoute(COMMANDS[n].http.path) }));
    const paths = COMMAND_NAMES.map((n) => httpRequestOf(COMMANDS[n].http, encodeArgs(n, SAMPLES[n] as never)).path);
    for (let i = 0; i < fuzzCases(600); i++) {
      const path = mutateText(r, r.pick(paths));
      const body = JSON.stringify(randomJson(r));
      const where = `path case ${i}`;
      contained(() => fromChecked(parseJsonBody(mutateText(r, body))), where, body);
      let url: URL;
      try {
        url = new URL(path, 'http://127.0.0.1');
      } catch {
        continue; // node:http hands the host only paths that parse
      }
      for (const { name, route } of routes) {
        const p = contained(() => fromValueOrError(pathParams(route, url.pathname) ?? {}), where, path);
        if (!p.ok) continue;
        const wire = wireOfRequest(
          COMMANDS[name].http,
          'GET',
          p.value as Record<string, string>,
          undefined,
          url.searchParams,
        );
        contained(() => fromChecked(decodeArgs(name, wire)), `${where} ${name}`, path);
      }
    }
  });
});

/** decodeViaRoute decodes a wire argument as the lab would receive it: as it is (IPC), or through an HTTP request's path, query and body. */
function decodeViaRoute(name: CommandName, wire: unknown, via: 'ipc' | 'http'): ReturnType<typeof decodeArgs> {
  if (via === 'ipc') return decodeArgs(name, wire);
  const route = COMMANDS[name].http;
  let req: ReturnType<typeof httpRequestOf>;
  try {
    req = httpRequestOf(route, wire);
  } catch {
    // The client's own encoder (typed arguments) cannot put this in a URL — a lone
    // surrogate, an object whose toString is not a function: no HTTP client sends it.
    return { ok: false, error: 'not sendable' };
  }
  const url = new URL(req.path, 'http://127.0.0.1');
  const params = pathParams(compileRoute(route.path), url.pathname);
  if (typeof params === 'string') return { ok: false, error: params };
  if (params === null) return { ok: false, error: `${req.path} is not on the route` };
  // The body crosses as JSON text, parsed bounded as the host does.
  let body: unknown;
  if (req.body !== undefined) {
    const parsed = parseJsonBody(JSON.stringify(req.body));
    if (!parsed.ok) return parsed;
    body = parsed.value;
  }
  return decodeArgs(name, wireOfRequest(route, req.method, params, body, url.searchParams));
}

describe('fuzz: console lines (the renderer parses every line before the lab sees it)', () => {
  const text = readFileSync(join(ROOT, 'test', 'renderer', 'parse.test.ts'), 'utf8');
  const lines = [...text.matchAll(/\bok\((['"`])((?:\\.|(?!\1).)*)\1\)/g)].map((m) => m[2]!.replace(/\\(.)/g, '$1'));
  const ctx = { nodes: ['n1', 'n2', 'n3', 'n4', 'n5'] };

  it('parses mutated console lines: a command or a one-line error; Tab completion never throws', () => {
    expect(lines.length).toBeGreaterThan(30);
    const r = new Rand(fuzzSeed(141));
    let accepted = 0;
    for (let i = 0; i < fuzzCases(2000); i++) {
      const base = r.pick(lines);
      const line = r.chance(0.15)
        ? `${base.split(' ')[0]} ${randomString(r, { strings: STRINGS })}`
        : r.chance(0.1)
          ? base.replace(/\S+/g, (w) => (r.chance(0.3) ? r.pick(STRINGS) : w))
          : mutateText(r, base);
      const where = `console case ${i}: ${JSON.stringify(line).slice(0, 200)}`;
      const out = contained(
        () => {
          const p = parse(line, ctx);
          return p.ok ? { ok: true, value: p.command } : p;
        },
        where,
        line,
      );
      if (out.ok) accepted++;
      else if (out.error.includes('\n')) expect.fail(`${where}: error of several lines: ${out.error}`);
      contained(() => ({ ok: true, value: complete(line, ctx.nodes) }), where, line);
    }
    expect(accepted).toBeGreaterThan(0);
  });
});

describe('fuzz: command lines and a node config', () => {
  const argvs: string[][] = [
    [
      '--port',
      '4400',
      '--nodes',
      '5',
      '--protocol',
      'paxos',
      '--seed',
      '3',
      '--heartbeat-ms',
      '50',
      '--election-ms',
      '500',
    ],
    ['--groups', '3', '--nodes', '3', '--token', 'a'.repeat(32), '--data', '/tmp/x', '--host', '127.0.0.1'],
    ['--join', 'http://10.0.0.5:7400', '--token', 'a'.repeat(32), '--id', 'n4', '--data', '/tmp/q'],
    ['split-vote', '--protocol', 'raft', '--seed', '4', '--contrast', '1', '--quiet'],
    ['history.jsonl', '--model', 'kv', '--timeout', '10', '--json'],
    ['--seeds', '1..20', '--nodes', '5', '--jobs', '2', '--rate', '100', '--duration', '3', '--stats'],
    ['--help'],
  ];
  const words = [
    '--port',
    '--nodes',
    '--seed',
    '--token',
    '--help',
    '--',
    '-',
    '-1',
    '--=',
    '--__proto__',
    '--constructor',
    '--toString',
    '=x',
    '1..0',
    '0..99999999999',
  ];

  it('parses mutated argv for serve, node, run, check and sim: options or a one-line usage error', () => {
    const r = new Rand(fuzzSeed(151));
    for (let i = 0; i < fuzzCases(1000); i++) {
      const argv = [...r.pick(argvs)];
      for (let k = 1 + r.int(3); k > 0; k--) {
        const at = r.int(argv.length + 1);
        const w = r.chance(0.4) ? r.pick(words) : r.chance(0.5) ? r.pick(STRINGS) : mutateText(r, argv[at] ?? '--x');
        if (r.chance(0.5)) argv.splice(at, 0, w);
        else argv[Math.min(at, argv.length - 1)] = w;
      }
      const where = `argv case ${i}: ${JSON.stringify(argv).slice(0, 300)}`;
      const env = {};
      contained(() => fromValueOrError(asObject(parseServeArgs(argv, env))), `serve ${where}`, argv);
      contained(() => fromValueOrError(asObject(parseNodeArgs(argv, env))), `node ${where}`, argv);
      contained(() => fromValueOrError(asObject(parseCheckArgs(argv))), `check ${where}`, argv);
      contained(() => ({ ok: true, value: parseRunArgs(argv) }), `run ${where}`, argv, { throws: [UsageError] });
      contained(() => ({ ok: true, value: parseSimArgs(argv) }), `sim ${where}`, argv, { throws: [UsageError] });
    }
    expectUnpolluted('argv');
  });

  it("parses a node's mutated --config JSON: a config or a clear error", () => {
    const r = new Rand(fuzzSeed(152));
    const config = {
      id: 'n1',
      peers: ['n1', 'n2', 'n3'],
      protocol: 'raft',
      routerPort: 4500,
      clientPort: 4501,
      dbPath: '/tmp/n1.sqlite',
      heartbeatMs: 50,
      electionMs: 500,
      tickMs: 10,
      seed: 7,
    };
    for (const c of cases(153, fuzzCases(1000), [config], { keys: Object.keys(config) })) {
      const text = r.chance(0.2) ? mutateText(r, JSON.stringify(c.value) ?? '') : JSON.stringify(c.value);
      if (text === undefined) continue;
      contained(() => fromValueOrError(parseConfigArgs(['--config', text], 'tok'.repeat(8))), c.where, text);
    }
  });
});

/** asObject wraps a string-or-value parser's 'help' answer so a string always means an error. */
function asObject<T>(x: T | string): T | { help: true } | string {
  return x === 'help' ? { help: true } : x;
}
