/**
 * The desktop transport end to end without Electron: the renderer's IpcLabClient talks to
 * a bridge that runs the main process's dispatch (schemas + LabService calls), so the
 * argument shapes of both sides are checked against each other. Also the choice of the
 * runtime that runs node processes inside the desktop app.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IpcLabClient } from '../../src-renderer/src/api/ipc-client';
import { LabError } from '../../src-renderer/src/api/lab-client';
import { dispatch, originOf, type LabCalls } from '../../src-main/electron/ipc-dispatch';
import { IPC_COMMANDS, type LabBridge, type IpcReply } from '../../src-main/electron/ipc-commands';
import { chooseNodeRuntime, findOnPath, nodeSpawner } from '../../src-main/electron/node-runtime';
import type { NodeConfig } from '../../src-main/node/contract';

/** recordingLab answers every call with its own name and arguments. */
function recordingLab(): { lab: LabCalls; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const lab = new Proxy(
    {},
    {
      get:
        (_t, name) =>
        async (...args: unknown[]) => {
          calls.push([name, ...args]);
          return { called: name };
        },
    },
  ) as LabCalls;
  return { lab, calls };
}

function bridgeTo(lab: LabCalls): LabBridge {
  return {
    async invoke(cmd, arg): Promise<IpcReply> {
      // Structured clone, as IPC does: nothing but data crosses.
      const copy = arg === undefined ? undefined : structuredClone(arg);
      try {
        return { ok: true, value: await dispatch(lab, cmd, copy) };
      } catch (e) {
        return { ok: false, error: (e as Error).message };
      }
    },
    on: () => () => undefined,
  };
}

describe('IPC: renderer client ↔ main dispatch', () => {
  it('every LabApi call arrives at the lab with validated arguments', async () => {
    const { lab, calls } = recordingLab();
    const c = new IpcLabClient(bridgeTo(lab));
    await c.cluster();
    await c.createCluster({ nodes: 5, protocol: 'paxos' });
    await c.crash('n2');
    await c.restart('n2');
    await c.pause('n3');
    await c.resume('n3');
    await c.inspect('n1');
    await c.partition([['n1'], ['n2', 'n3']]);
    await c.heal();
    await c.setLink({ from: 'n1', to: 'n2', latencyMs: 200, jitterMs: 50, both: true });
    await c.setTimeScale(0.1);
    await c.setBalance('weighted-round-robin', { n1: 3 });
    await c.kv({ op: 'put', key: 'a', value: '1' });
    await c.lock({ name: 'l', ttlMs: 1000, owner: 'me' });
    await c.renew({ name: 'l', ttlMs: 1000, owner: 'me', token: 4 });
    await c.unlock({ name: 'l', token: 4 });
    await c.fencedWrite({ key: 'f', value: 'v', token: 4 });
    await c.load({ op: 'put', count: 10, clients: 2 });
    await c.log(7);
    await c.history();
    await c.exportRun('/tmp/r');
    await c.openRun('/tmp/r');
    expect(calls).toEqual([
      ['cluster'],
      ['createCluster', { nodes: 5, protocol: 'paxos' }],
      ['crash', 'n2'],
      ['restart', 'n2'],
      ['pause', 'n3'],
      ['resume', 'n3'],
      ['inspect', 'n1'],
      ['partition', [['n1'], ['n2', 'n3']]],
      ['heal'],
      ['setLink', { from: 'n1', to: 'n2', latencyMs: 200, jitterMs: 50, both: true }],
      ['setTimeScale', 0.1],
      ['setBalance', 'weighted-round-robin', { n1: 3 }],
      ['kv', { op: 'put', key: 'a', value: '1' }],
      ['lock', { name: 'l', ttlMs: 1000, owner: 'me' }],
      ['renew', { name: 'l', ttlMs: 1000, owner: 'me', token: 4 }],
      ['unlock', { name: 'l', token: 4 }],
      ['fencedWrite', { key: 'f', value: 'v', token: 4 }],
      ['load', { op: 'put', count: 10, clients: 2 }],
      ['log', 7],
      ['history'],
      ['exportRun', '/tmp/r'],
      ['openRun', '/tmp/r'],
    ]);
    // Every command the preload allows was exercised.
    expect(new Set(calls.map((c) => c[0]))).toEqual(new Set(IPC_COMMANDS));
  });

  it('refuses bad arguments with the schema’s message and never calls the lab', async () => {
    const { lab, calls } = recordingLab();
    const c = new IpcLabClient(bridgeTo(lab));
    await expect(c.crash('../etc')).rejects.toThrow(/node id like "n1"/);
    await expect(c.partition([['n1'], ['n1']])).rejects.toThrow('more than one group');
    await expect(c.setLink({ from: 'n1', to: 'n1' })).rejects.toThrow('different nodes');
    await expect(c.setLink({ from: 'n1', to: 'n2', loss: 5 })).rejects.toThrow('probability');
    await expect(c.setTimeScale(0)).rejects.toThrow('scale must be');
    await expect(c.kv({ op: 'put', key: '', value: 'x' })).rejects.toThrow('key must be');
    await expect(c.load({ op: 'put', count: 10_000_000, clients: 1 })).rejects.toThrow('count');
    await expect(c.openRun('')).rejects.toBeInstanceOf(LabError);
    const raw = bridgeTo(lab);
    expect(await raw.invoke('heal', { sneaky: true })).toEqual({ ok: false, error: 'heal takes no argument' });
    expect(await raw.invoke('crash', 'n1')).toEqual({ ok: false, error: 'expected { id: "n1" }' });
    expect(await raw.invoke('kv', { op: 'put', key: 'a', value: '1', extra: 1 })).toEqual({
      ok: false,
      error: "kv request: unknown field 'extra'",
    });
    expect(calls).toEqual([]);
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

  it('spawns the TypeScript node entry from any working directory (tsx by absolute URL)', async () => {
    const root = join(import.meta.dirname, '..', '..');
    const spawnNode = nodeSpawner({ execPath: process.execPath, env: {}, why: '' }, root);
    const cwd = process.cwd();
    process.chdir(tmpdir());
    let child;
    try {
      // A config the node refuses: it must load its .ts entry to say so.
      child = spawnNode({ id: 'zz' } as unknown as NodeConfig);
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
