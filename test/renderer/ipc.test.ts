/**
 * The desktop transport end to end without Electron: the renderer's LabClient (the
 * TableClient over the IPC transport) talks to a bridge built like the preload's — one
 * method per command — that runs the main process's dispatch (the table's validators +
 * LabService calls), so the argument shapes of both sides are checked against each other.
 * Also the choice of the runtime that runs node processes inside the desktop app.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { IpcReply, LabBridge } from '../../src-main/api/bridge';
import { COMMAND_NAMES, channelOf, perCommand } from '../../src-main/api/commands';
import { ipcTransport } from '../../src-renderer/src/api/ipc-transport';
import { LabError } from '../../src-renderer/src/api/lab-client';
import { TableClient } from '../../src-renderer/src/api/table-client';
import { dispatch, originOf, type LabCalls } from '../../src-main/electron/ipc-dispatch';
import { registerIpc } from '../../src-main/electron/ipc';
import { LabService } from '../../src-main/lab/lab-service';
import { chooseNodeRuntime, findOnPath, nodeSpawner } from '../../src-main/electron/node-runtime';
import type { NodeConfig } from '../../src-main/node/contract';
import { recordingLab } from '../web/command-samples';

type Fn = (...a: unknown[]) => unknown;

/** The Electron API as the IPC adapter and the preload use it, recording what they do. */
const electron = vi.hoisted(() => {
  const handlers = new Map<string, Fn>();
  const exposed = new Map<string, unknown>();
  const invoked: [string, unknown][] = [];
  const listening: string[] = [];
  return {
    handlers,
    exposed,
    invoked,
    listening,
    api: {
      ipcMain: {
        handle: (ch: string, fn: Fn) => handlers.set(ch, fn),
        removeHandler: (ch: string) => handlers.delete(ch),
      },
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
      ipcRenderer: {
        invoke: async (ch: string, arg: unknown) => {
          invoked.push([ch, arg]);
          return { ok: true, value: ch };
        },
        on: (ch: string) => listening.push(ch),
        removeListener: (ch: string) => listening.splice(listening.indexOf(ch), 1),
      },
    },
  };
});
vi.mock('electron', () => ({ ...electron.api, default: electron.api }));

/** bridgeTo is window.lab as the preload builds it (one method per command), wired to the main process's dispatch. */
function bridgeTo(lab: LabCalls): LabBridge {
  const commands = perCommand((cmd) => async (arg?: unknown): Promise<IpcReply> => {
    // Structured clone, as IPC does: nothing but data crosses.
    const copy = arg === undefined ? undefined : structuredClone(arg);
    try {
      return { ok: true, value: await dispatch(lab, cmd, copy) };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  });
  return { ...commands, on: () => () => undefined };
}

const clientOver = (lab: LabCalls): TableClient => new TableClient(ipcTransport(bridgeTo(lab)));

describe('IPC: renderer client ↔ main dispatch', () => {
  it('every LabApi call arrives at the lab with validated arguments', async () => {
    const { lab, calls } = recordingLab();
    const c = clientOver(lab);
    await c.cluster();
    await c.createCluster({ nodes: 5, protocol: 'paxos' });
    await c.crash('n2');
    await c.restart('n2');
    await c.pause('n3');
    await c.resume('n3');
    await c.inspect('n1');
    await c.damage('n2', 'hardstate');
    await c.addNode({ id: 'n4' });
    await c.removeNode('n4');
    await c.transfer('n2');
    await c.partition([['n1'], ['n2', 'n3']]);
    await c.heal();
    await c.setLink({ from: 'n1', to: 'n2', latencyMs: 200, jitterMs: 50, both: true });
    await c.setTimeScale(0.1);
    await c.setPauseOn({ role: true, commit: false });
    await c.continueRun();
    await c.setBalance('weighted-round-robin', { n1: 3 });
    await c.kv({ op: 'put', key: 'a', value: '1' });
    await c.lock({ name: 'l', ttlMs: 1000, owner: 'me' });
    await c.renew({ name: 'l', ttlMs: 1000, owner: 'me', token: 4 });
    await c.unlock({ name: 'l', token: 4 });
    await c.fencedWrite({ key: 'f', value: 'v', token: 4 });
    await c.load({ op: 'put', count: 10, clients: 2 });
    await c.stopLoad();
    await c.log(7);
    await c.history();
    await c.history({ key: 'a', from: 5, limit: 10 });
    await c.check();
    await c.exportRun('r');
    await c.openRun('r');
    await c.version();
    await c.message(42);
    await c.partitionPreset({ preset: 'bridge', node: 'n2' });
    await c.scenarios();
    await c.scenario();
    await c.scenarioStart({ name: 'split-vote', seed: 2 });
    await c.scenarioControl('auto');
    await c.why('n2', 7);
    await c.why('n3');
    await c.shards();
    await c.moveShard({ shard: 7, group: 'g2' });
    await c.joinGroup('g4');
    await c.leaveGroup('g1');
    expect(calls).toEqual([
      ['cluster'],
      ['createCluster', { nodes: 5, protocol: 'paxos' }],
      ['crash', 'n2'],
      ['restart', 'n2'],
      ['pause', 'n3'],
      ['resume', 'n3'],
      ['inspect', 'n1'],
      ['damage', 'n2', 'hardstate'],
      ['addNode', { id: 'n4' }],
      ['removeNode', 'n4'],
      ['transfer', 'n2'],
      ['partition', [['n1'], ['n2', 'n3']]],
      ['heal'],
      ['setLink', { from: 'n1', to: 'n2', latencyMs: 200, jitterMs: 50, both: true }],
      ['setTimeScale', 0.1],
      ['setPauseOn', { role: true, commit: false }],
      ['continueRun'],
      ['setBalance', 'weighted-round-robin', { n1: 3 }],
      ['kv', { op: 'put', key: 'a', value: '1' }],
      ['lock', { name: 'l', ttlMs: 1000, owner: 'me' }],
      ['renew', { name: 'l', ttlMs: 1000, owner: 'me', token: 4 }],
      ['unlock', { name: 'l', token: 4 }],
      ['fencedWrite', { key: 'f', value: 'v', token: 4 }],
      ['load', { op: 'put', count: 10, clients: 2 }],
      ['stopLoad'],
      ['log', 7, undefined],
      ['history'],
      ['history', { key: 'a', from: 5, limit: 10 }],
      ['check'],
      ['exportRun', 'r'],
      ['openRun', 'r'],
      ['version'],
      ['message', 42],
      ['partitionPreset', { preset: 'bridge', node: 'n2' }],
      ['scenarios'],
      ['scenario'],
      ['scenarioStart', { name: 'split-vote', seed: 2 }],
      ['scenarioControl', 'auto'],
      ['why', 'n2', 7],
      ['why', 'n3', undefined],
      ['shards'],
      ['moveShard', { shard: 7, group: 'g2' }],
      ['joinGroup', 'g4'],
      ['leaveGroup', 'g1'],
    ]);
    // Every command of the table was exercised.
    expect(new Set(calls.map((c) => c[0]))).toEqual(new Set(COMMAND_NAMES));
  });

  it('refuses bad arguments with the schema’s message and never calls the lab', async () => {
    const { lab, calls } = recordingLab();
    const c = clientOver(lab);
    await expect(c.crash('../etc')).rejects.toThrow(/node id like "n1"/);
    await expect(c.partition([['n1'], ['n1']])).rejects.toThrow('more than one group');
    await expect(c.setLink({ from: 'n1', to: 'n1' })).rejects.toThrow('different nodes');
    await expect(c.setLink({ from: 'n1', to: 'n2', loss: 5 })).rejects.toThrow('probability');
    await expect(c.setTimeScale(0)).rejects.toThrow('scale must be');
    await expect(c.kv({ op: 'put', key: '', value: 'x' })).rejects.toThrow('key must be');
    await expect(c.load({ op: 'put', count: 10_000_000, clients: 1 })).rejects.toThrow('count');
    await expect(c.openRun('')).rejects.toBeInstanceOf(LabError);
    const raw = bridgeTo(lab);
    expect(await raw.heal({ sneaky: true })).toEqual({ ok: false, error: 'heal takes no argument' });
    expect(await raw.crash('n1')).toEqual({ ok: false, error: 'expected { id: "n1" }' });
    expect(await raw.kv({ op: 'put', key: 'a', value: '1', extra: 1 })).toEqual({
      ok: false,
      error: "kv request: unknown field 'extra'",
    });
    // Structured clone carries any depth, and cycles: the depth is bounded before any validator looks.
    let deep: unknown = 'n1';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(await raw.partition({ groups: deep })).toEqual({
      ok: false,
      error: 'the argument is nested deeper than 32 levels',
    });
    const cyclic: Record<string, unknown> = { op: 'put', key: 'a' };
    cyclic.value = cyclic;
    expect(await raw.kv(cyclic)).toMatchObject({ ok: false });
    expect(calls).toEqual([]);
  });

  it('the main process handles one channel per command, each behind the sender check', async () => {
    const { lab, calls } = recordingLab();
    const off = registerIpc(lab, () => null, 'file://');
    expect([...electron.handlers.keys()].sort()).toEqual(COMMAND_NAMES.map(channelOf).sort());
    for (const [channel, handle] of electron.handlers) {
      // No window of ours sent this: every channel refuses it before looking at the argument.
      const reply = await handle({ sender: { id: 1 }, senderFrame: null }, { id: 'n1' });
      expect(reply, channel).toEqual({ ok: false, error: 'refused: not the Quorum Lab window' });
    }
    expect(calls).toEqual([]);
    off();
    expect(electron.handlers.size).toBe(0);
  });

  it('the preload exposes one method per command on its own channel, and only the two event channels', async () => {
    await import('../../src-main/electron/preload');
    const bridge = electron.exposed.get('lab') as LabBridge;
    expect(Object.keys(bridge).sort()).toEqual([...COMMAND_NAMES, 'on'].sort());
    expect(await bridge.crash({ id: 'n1' })).toEqual({ ok: true, value: 'lab:crash' });
    expect(await bridge.log({ since: 3 })).toEqual({ ok: true, value: 'lab:log' });
    expect(electron.invoked).toEqual([
      ['lab:crash', { id: 'n1' }],
      ['lab:log', { since: 3 }],
    ]);
    const off = bridge.on('event', () => undefined);
    bridge.on('menu', () => undefined)();
    expect(electron.listening).toEqual(['lab:event']);
    off();
    expect(electron.listening).toEqual([]);
    // A name that is not an event (even one every object has) reaches no channel.
    expect(() => bridge.on('toString' as 'event', () => undefined)).toThrow("unknown event 'toString'");
  });

  it('version reaches a real LabService through the real dispatch', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'quorum-version-'));
    const lab = new LabService({ dataDir });
    try {
      const v = await clientOver(lab).version();
      expect(v).toEqual({
        lab: JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')).version,
        node: process.versions.node,
        electron: null,
        protocols: ['raft', 'paxos'],
      });
      expect(await bridgeTo(lab).version({ verbose: true })).toEqual({
        ok: false,
        error: 'version takes no argument',
      });
    } finally {
      await lab.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('treats every file: URL as one origin and anything else by its origin', () => {
    expect(originOf('file:///app/out/renderer/index.html')).toBe('file://');
    expect(originOf('http://localhost:5173/index.html')).toBe('http://localhost:5173');
    expect(originOf('not a url')).toBe('');
  });
});

describe('node runtime inside the desktop app', () => {
  it('prefers node on PATH', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quorum-path-'));
    const fake = join(dir, 'node');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    expect(findOnPath('node', `/nonexistent:${dir}`, false)).toBe(fake);
    const r = chooseNodeRuntime({ pathEnv: dir, electronExecPath: '/opt/electron', electronBinding: '/none' });
    expect(r).toMatchObject({ execPath: fake, env: {} });
  });

  it('falls back to Electron as Node, with the Electron-ABI SQLite binding when there is one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quorum-bind-'));
    const binding = join(dir, 'better_sqlite3.node');
    writeFileSync(binding, '');
    const empty = mkdtempSync(join(tmpdir(), 'quorum-empty-'));
    const withBinding = chooseNodeRuntime({
      pathEnv: empty,
      electronExecPath: '/opt/electron',
      electronBinding: binding,
    });
    expect(withBinding).toMatchObject({
      execPath: '/opt/electron',
      env: { ELECTRON_RUN_AS_NODE: '1', QUORUM_SQLITE_BINDING: binding },
    });
    const without = chooseNodeRuntime({
      pathEnv: undefined,
      electronExecPath: '/opt/electron',
      electronBinding: join(dir, 'missing.node'),
    });
    expect(without.env).toEqual({ ELECTRON_RUN_AS_NODE: '1' });
    expect(without.why).toContain('install Node.js');
  });

  it('runs packaged nodes on the app’s own runtime as Node, with no Node.js needed', () => {
    const r = chooseNodeRuntime({
      packaged: true,
      pathEnv: '/usr/bin',
      electronExecPath: '/opt/Quorum Lab/quorum-lab',
      electronBinding: '/none',
    });
    expect(r).toMatchObject({ execPath: '/opt/Quorum Lab/quorum-lab', env: { ELECTRON_RUN_AS_NODE: '1' } });
  });

  it('spawns the bundled node entry (no tsx) from any working directory', async () => {
    const root = join(import.meta.dirname, '..', '..');
    const spawnNode = nodeSpawner({ execPath: process.execPath, env: {}, why: '' }, root);
    const cwd = process.cwd();
    process.chdir(tmpdir());
    let child;
    try {
      // A config the node refuses: it must load its bundle to say so.
      child = spawnNode({ id: 'zz' } as NodeConfig);
    } finally {
      process.chdir(cwd);
    }
    let err = '';
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    expect(code).toBe(2);
    expect(err).toContain('bad config');
  });
});
