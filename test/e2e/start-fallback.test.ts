/**
 * `npm start` where no Electron runtime can be had (this machine: no binary, no network,
 * no display): it says why, serves the lab in the browser, prints the URL, and Ctrl-C /
 * SIGTERM stops the lab with its nodes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';
import { ROOT, withToken } from './helpers';

let child: ChildProcess | null = null;
afterAll(() => {
  if (child && child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
});

describe('npm start without an Electron runtime', () => {
  it('serves the lab in the browser and says why', { timeout: 150_000 }, async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, QUORUM_ELECTRON_DOWNLOAD_TIMEOUT_MS: '15000' };
    // No display either way: even if a runtime were downloaded, no window could open here.
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    child = spawn(
      process.execPath,
      [join(ROOT, 'scripts', 'start.mjs'), '--port', '0', '--heartbeat-ms', '50', '--election-ms', '300'],
      {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const [url, token] = await new Promise<[string, string]>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no URL from npm start:\n${out}`)), 120_000);
      const check = (): void => {
        // The address to open carries the launch token: the page keeps it, and the API needs it.
        const m = /Open (http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9._~-]+) in your browser/.exec(out);
        if (m) {
          clearTimeout(timer);
          res([m[1]!, m[2]!]);
        }
      };
      child!.stdout!.on('data', check);
      child!.on('exit', (c) => rej(new Error(`npm start exited (${c}):\n${out}`)));
    });
    expect(out).toMatch(
      /(Electron's runtime could not be downloaded: .+|there is no display to open a window on .+); serving the lab in your browser instead\./,
    );
    const page = await fetch(`${url}/?token=${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    expect((await fetch(`${url}/api/cluster`)).status).toBe(401);
    const view = (await (await fetch(`${url}/api/cluster`, withToken(token))).json()) as ClusterView;
    expect(view.nodes).toHaveLength(3);
    const pids = view.nodes.map((n) => n.pid).filter((p): p is number => p !== null);

    const exited = new Promise<number | null>((res) => child!.once('exit', (c) => res(c)));
    process.kill(child.pid!, 'SIGTERM');
    expect(await exited).toBe(0);
    const isAlive = (p: number): boolean => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    };
    // Orphaned node processes are reaped by init a moment after they die.
    for (let i = 0; i < 50 && pids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
