/**
 * The command table (src-main/api/commands.ts): one row per LabApi method, each with its
 * own route and IPC channel; what a caller packs, the lab's validator unpacks to the same
 * arguments on both transports; and the type checks that make a missing or mistyped row a
 * compile error (the `@ts-expect-error` lines below fail `npm run typecheck` the day they
 * stop being errors).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  COMMAND_NAMES,
  COMMANDS,
  args,
  channelOf,
  decodeArgs,
  encodeArgs,
  single,
  type ArgsOf,
  type CommandName,
  type LabApi,
} from '../../src-main/api/commands';
import type { KvRequest } from '../../src-main/api/contract';
import { httpRequestOf, wireOfRequest } from '../../src-main/api/http-routes';
import { validateLockRequest } from '../../src-main/api/schemas';
import { LabService } from '../../src-main/lab/lab-service';
import { REFUSED, SAMPLES, recordingLab } from './command-samples';

const ROOT = join(import.meta.dirname, '..', '..');

/** roundTrip packs `a` for `name`, sends it through JSON (as both transports do) and unpacks it with the row's validator. */
function roundTrip<K extends CommandName>(name: K, a: ArgsOf<K>, via: 'ipc' | 'http'): unknown {
  const wire = encodeArgs(name, a);
  if (via === 'ipc') return decodeArgs(name, wire === undefined ? undefined : JSON.parse(JSON.stringify(wire)));
  const route = COMMANDS[name].http;
  const req = httpRequestOf(route, wire);
  const url = new URL(req.path, 'http://127.0.0.1');
  const match = url.pathname.match(new RegExp(`^${route.path.replace(/:([a-zA-Z]+)/g, '(?<$1>[^/]+)')}$`));
  expect(match, `${name}: ${req.method} ${req.path} is on its own route`).not.toBeNull();
  const params = Object.fromEntries(Object.entries(match?.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
  const body = req.body === undefined ? undefined : JSON.parse(JSON.stringify(req.body));
  return decodeArgs(name, wireOfRequest(route, req.method, params, body, url.searchParams));
}

/** Drop trailing undefined arguments: an absent optional argument and an explicit undefined are the same call. */
function trimmed(a: readonly unknown[]): unknown[] {
  const out = [...a];
  while (out.length > 0 && out[out.length - 1] === undefined) out.pop();
  return out;
}

describe('the command table', () => {
  it('has one row per LabApi method, each with its own HTTP route and IPC channel', () => {
    expect(new Set(COMMAND_NAMES).size).toBe(COMMAND_NAMES.length);
    expect([...COMMAND_NAMES].sort()).toEqual(Object.keys(SAMPLES).sort());
    const routes = COMMAND_NAMES.flatMap((n) => COMMANDS[n].http.methods.map((m) => `${m} ${COMMANDS[n].http.path}`));
    expect(new Set(routes).size).toBe(routes.length);
    const channels = COMMAND_NAMES.map(channelOf);
    expect(new Set(channels).size).toBe(channels.length);
    expect(channels).toContain('lab:fencedWrite');
    // LabService implements LabApi (a compile-time check); and at run time it has every method.
    for (const n of COMMAND_NAMES) expect(typeof LabService.prototype[n], n).toBe('function');
  });

  it('keeps the routes of the README’s API table', () => {
    const routes = Object.fromEntries(
      COMMAND_NAMES.map((n) => [n, `${COMMANDS[n].http.methods.join('|')} ${COMMANDS[n].http.path}`]),
    );
    expect(routes).toEqual({
      cluster: 'GET /api/cluster',
      createCluster: 'POST /api/cluster',
      crash: 'POST /api/nodes/:id/crash',
      restart: 'POST /api/nodes/:id/restart',
      pause: 'POST /api/nodes/:id/pause',
      resume: 'POST /api/nodes/:id/resume',
      addNode: 'POST /api/nodes',
      removeNode: 'DELETE /api/nodes/:id',
      transfer: 'POST /api/transfer',
      inspect: 'GET|POST /api/nodes/:id/inspect',
      damage: 'POST /api/nodes/:id/damage',
      partition: 'POST /api/partition',
      heal: 'POST /api/heal',
      setLink: 'POST /api/links',
      setTimeScale: 'POST /api/time-scale',
      setPauseOn: 'POST /api/pause-on',
      continueRun: 'POST /api/continue',
      setBalance: 'POST /api/balance',
      kv: 'POST /api/kv',
      lock: 'POST /api/lock',
      renew: 'POST /api/lock/renew',
      unlock: 'POST /api/unlock',
      fencedWrite: 'POST /api/fenced',
      load: 'POST /api/load',
      stopLoad: 'POST /api/load/stop',
      log: 'GET /api/log',
      history: 'GET /api/history',
      check: 'GET /api/check',
      message: 'GET /api/messages/:id',
      exportRun: 'POST /api/export',
      openRun: 'POST /api/open',
      version: 'GET /api/version',
      partitionPreset: 'POST /api/partition/preset',
      scenarios: 'GET /api/scenarios',
      scenario: 'GET /api/scenario',
      scenarioStart: 'POST /api/scenario',
      scenarioControl: 'POST /api/scenario/control',
      why: 'GET /api/nodes/:id/why',
      shards: 'GET /api/shards',
      moveShard: 'POST /api/shards/move',
      joinGroup: 'POST /api/shards/join',
      leaveGroup: 'POST /api/shards/leave',
    });
    // And the README names every route (node actions appear as `/crash` · `/restart` …).
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const n of COMMAND_NAMES) {
      const path = COMMANDS[n].http.path;
      const named = readme.includes(path) || readme.includes(`\`/${path.split('/').at(-1)}\``);
      expect(named, `README names ${path}`).toBe(true);
    }
  });

  it('what a caller packs, the lab’s validator unpacks to the same arguments, over IPC and over HTTP', () => {
    for (const n of COMMAND_NAMES) {
      const a = SAMPLES[n];
      for (const via of ['ipc', 'http'] as const) {
        const back = roundTrip(n, a, via);
        expect(back, `${n} over ${via}`).toMatchObject({ ok: true });
        if (typeof back === 'object' && back !== null && 'value' in back && Array.isArray(back.value))
          expect(trimmed(back.value), `${n} over ${via}`).toEqual(trimmed(a));
      }
    }
    // Absent optional arguments take the lab's defaults.
    expect(roundTrip('log', [], 'http')).toEqual({ ok: true, value: [0, undefined] });
    expect(roundTrip('exportRun', [], 'ipc')).toEqual({ ok: true, value: [undefined] });
    expect(roundTrip('setBalance', ['round-robin'], 'http')).toEqual({ ok: true, value: ['round-robin', undefined] });
  });

  it('refuses bad wire arguments with the validator’s message', () => {
    for (const r of REFUSED) {
      const c = decodeArgs(r.name, r.wire);
      expect(c.ok, `${r.name} ${JSON.stringify(r.wire)}`).toBe(false);
      if (!c.ok) expect(c.error).toContain(r.error);
    }
  });

  it('makes a missing command or a mistyped row a compile error', () => {
    // A row whose validator checks something other than what its encoder sends:
    // @ts-expect-error — validateLockRequest answers a LockRequest, the encoder takes a KvRequest
    const mistyped = args((req: KvRequest) => req, single(validateLockRequest));
    expect(mistyped.encode({ op: 'get', key: 'k' })).toEqual({ op: 'get', key: 'k' });
    // A lab (or a client) without one of the table's commands is not a LabApi:
    const { crash: _crash, ...withoutCrash } = recordingLab().lab;
    // @ts-expect-error — 'crash' is missing
    const notALab: LabApi = withoutCrash;
    expect(notALab).toBeDefined();
    // A call with the wrong argument type (which the lab would refuse at run time too):
    // @ts-expect-error — crash takes a node id
    const badCall: ArgsOf<'crash'> = [{ id: 'n1' }];
    expect(decodeArgs('crash', encodeArgs('crash', badCall)).ok).toBe(false);
  });
});
